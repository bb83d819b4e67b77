package notebook_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/notebook"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Run(m) }

// synth builds the template in a fresh app and reads it. It takes no
// *testing.T: a synthesis shared by several tests must not report to the
// one that happened to run it first.
func synth(props *notebook.Props) (n *notebook.Template, tmpl testutil.Template, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	app := testutil.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), nil)
	// cdk.json's flags validate templates: the parent stack may not be empty.
	awscdk.NewCfnWaitConditionHandle(stack, jsii.String("Placeholder"), nil)
	n = notebook.New(stack, jsii.String("Notebook"), props)
	dir := *app.Synth(nil).Directory()
	tmpl, err = testutil.ReadTemplateFile(filepath.Join(dir, *n.Stack.TemplateFile()))
	return n, tmpl, err
}

// shared is a synthesis made once per test binary, for every test that reads it.
type shared struct {
	once  sync.Once
	props *notebook.Props
	n     *notebook.Template
	tmpl  testutil.Template
	err   error
}

func (s *shared) get(t *testing.T) (*notebook.Template, testutil.Template) {
	t.Helper()
	s.once.Do(func() { s.n, s.tmpl, s.err = synth(s.props) })
	require.NoError(t, s.err)
	return s.n, s.tmpl
}

var (
	onDefaults = &shared{} // nil props
	onCustom   = &shared{props: &notebook.Props{
		AllowedInstanceTypes:  []string{"ml.t3.large", "ml.m5.xlarge"},
		DefaultInstanceType:   jsii.String("ml.m5.xlarge"),
		DefaultVolumeSizeGB:   jsii.Number(50),
		MaxVolumeSizeGB:       jsii.Number(500),
		IdleTimeoutMinutes:    jsii.Number(30),
		MaxIdleTimeoutMinutes: jsii.Number(120),
		SecurityGroupCount:    jsii.Number(2),
		ParameterPrefix:       jsii.String("/team-a/notebook/"),
	}}
)

// defaultTemplate is the template on nil props.
func defaultTemplate(t *testing.T) testutil.Template {
	t.Helper()
	_, tmpl := onDefaults.get(t)
	return tmpl
}

func customTemplate(t *testing.T) testutil.Template {
	t.Helper()
	_, tmpl := onCustom.get(t)
	return tmpl
}

func param(t *testing.T, tmpl testutil.Template, name string) map[string]any {
	t.Helper()
	p, ok := tmpl["Parameters"].(map[string]any)[name].(map[string]any)
	require.True(t, ok, "parameter %s", name)
	return p
}

func TestSecureByConstruction(t *testing.T) {
	nb := defaultTemplate(t).Only(t, "AWS::SageMaker::NotebookInstance")
	assert.Equal(t, "Disabled", nb["DirectInternetAccess"])
	assert.Equal(t, "Disabled", nb["RootAccess"])
	assert.Equal(t, map[string]any{"MinimumInstanceMetadataServiceVersion": "2"}, nb["InstanceMetadataServiceConfiguration"])
	assert.Equal(t, "notebook-al2023-v1", nb["PlatformIdentifier"])
	assert.Equal(t, "{{resolve:ssm:/SageMakerCatalog/notebook/kms-key-arn}}", nb["KmsKeyId"])
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{"NotebookRole", "Arn"}}, nb["RoleArn"], "its own role")
	assert.Equal(t, "{{resolve:ssm:/SageMakerCatalog/notebook/subnet-id}}", nb["SubnetId"])
	assert.Equal(t, []any{"{{resolve:ssm:/SageMakerCatalog/notebook/security-group-1}}"}, nb["SecurityGroupIds"])
	// Named by the workspace function: the stack's name in lower case, so
	// that the name SageMaker authorizes and the ARN it returns agree.
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{"Workspace", "NotebookName"}}, nb["NotebookInstanceName"])
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{"LifecycleConfig", "NotebookInstanceLifecycleConfigName"}}, nb["LifecycleConfigName"])
	assert.Equal(t, map[string]any{"Ref": "InstanceType"}, nb["InstanceType"])
	assert.Equal(t, map[string]any{"Ref": "VolumeSizeInGB"}, nb["VolumeSizeInGB"])
	assert.NotContains(t, nb, "AcceleratorTypes")
	assert.NotContains(t, nb, "DefaultCodeRepository", "no repository cloned from the internet")
	assert.Contains(t, testutil.JSON(nb["Tags"]), `"Key":"sagemaker-catalog:product","Value":"notebook"`)
	// Per-person ownership: the owner's unique ID, which policies compare with ${aws:userid}.
	assert.Contains(t, testutil.JSON(nb["Tags"]), `{"Key":"sagemaker-catalog:owner-id","Value":{"Fn::GetAtt":["Workspace","OwnerId"]}}`)
}

// A version that changes a property replacing the notebook changes its
// Generation (part of its name), so that the replacement gets a new name.
func TestGenerationFollowsTheReplacingProperties(t *testing.T) {
	n1, tmpl, err := synth(nil)
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9a-f]{8}$`, *n1.Generation)
	assert.Equal(t, *n1.Generation, tmpl.Only(t, "Custom::Workspace")["Generation"])
	same, _, err := synth(&notebook.Props{MaxVolumeSizeGB: jsii.Number(500), LeaseDays: jsii.Number(3)})
	require.NoError(t, err)
	assert.Equal(t, *n1.Generation, *same.Generation, "a volume or lease change replaces nothing")
	other, _, err := synth(&notebook.Props{SecurityGroupCount: jsii.Number(2)})
	require.NoError(t, err)
	assert.NotEqual(t, *n1.Generation, *other.Generation, "other security groups replace the notebook")
}

// Each notebook has its own role: under the catalog's path, with the
// boundary and the shared policy, and its owner's workspace prefix only,
// from the Custom::Workspace resource (not from a parameter).
func TestOwnRoleScopedToTheOwnersWorkspace(t *testing.T) {
	tmpl := defaultTemplate(t)
	role := tmpl.Only(t, "AWS::IAM::Role")
	assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{"/SageMakerCatalog/", map[string]any{"Ref": "AWS::Region"}, "/notebooks/"}}}, role["Path"])
	assert.Equal(t, map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/SageMakerCatalog-${AWS::Region}-notebook-boundary"}, role["PermissionsBoundary"])
	assert.Equal(t, []any{map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/SageMakerCatalog-${AWS::Region}-notebook"}}, role["ManagedPolicyArns"])
	assert.Contains(t, testutil.JSON(role["AssumeRolePolicyDocument"]), `"Service":"sagemaker.amazonaws.com"`)
	assert.Contains(t, testutil.JSON(role["AssumeRolePolicyDocument"]), `"aws:SourceAccount"`)
	// Tagged with its owner: the boundary allows the owner's prefixes only.
	assert.Equal(t, []any{map[string]any{"Key": "sagemaker-catalog:owner", "Value": map[string]any{"Fn::GetAtt": []any{"Workspace", "Owner"}}}}, role["Tags"])
	policy := testutil.JSON(role["Policies"])
	subVars := `{"Bucket":{"Fn::GetAtt":["Workspace","Bucket"]},"Notebook":{"Fn::GetAtt":["Workspace","NotebookName"]},"Owner":{"Fn::GetAtt":["Workspace","Owner"]},"Prefix":{"Fn::GetAtt":["Workspace","Prefix"]}}`
	assert.Contains(t, policy, `"Resource":{"Fn::Sub":["arn:${AWS::Partition}:s3:::${Bucket}/${Prefix}*",`+subVars+`]}`)
	assert.Contains(t, policy, `"s3:prefix":{"Fn::Join":["",[{"Fn::GetAtt":["Workspace","Prefix"]},"*"]]}`)
	assert.Contains(t, policy, `"Resource":{"Fn::Sub":["arn:${AWS::Partition}:s3:::${Bucket}/status/${Owner}/${Notebook}.json",`+subVars+`]}`)
	assert.Contains(t, policy, `"Resource":{"Fn::Sub":["arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/sagemaker/NotebookInstances:log-stream:${Notebook}/*",`+subVars+`]}`,
		"its own log streams only")
	assert.Contains(t, policy, `"Resource":{"Fn::Sub":["arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:notebook-instance/${Notebook}",`+subVars+`]}`,
		"stopping itself only")
	assert.NotContains(t, policy, `"Resource":"*"`)
	assert.Contains(t, policy, `"Action":"sagemaker:StopNotebookInstance"`, "the idle stop is its only SageMaker call")

	ws := tmpl.Only(t, "Custom::Workspace")
	assert.Equal(t, map[string]any{"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:SageMakerCatalog-workspace"}, ws["ServiceToken"])
	assert.Equal(t, map[string]any{"Ref": "LeaseDays"}, ws["LeaseDays"], "a new lease calls the function again")

	tags := testutil.JSON(tmpl.Only(t, "AWS::SageMaker::NotebookInstance")["Tags"])
	for _, want := range []string{
		`{"Key":"sagemaker-catalog:owner","Value":{"Fn::GetAtt":["Workspace","Owner"]}}`,
		`{"Key":"sagemaker-catalog:workspace","Value":{"Fn::GetAtt":["Workspace","Uri"]}}`,
		`{"Key":"sagemaker-catalog:provisioned-product-id","Value":{"Fn::GetAtt":["Workspace","ProvisionedProductId"]}}`,
		`{"Key":"sagemaker-catalog:lease-days","Value":{"Ref":"LeaseDays"}}`,
		`{"Key":"sagemaker-catalog:lease-start","Value":{"Fn::GetAtt":["Workspace","LeaseStart"]}}`,
	} {
		assert.Contains(t, tags, want)
	}
	lease := param(t, tmpl, "LeaseDays")
	assert.EqualValues(t, 7, lease["Default"])
	assert.EqualValues(t, 1, lease["MinValue"])
	assert.EqualValues(t, 30, lease["MaxValue"])
}

func TestLaunchFormOnDefaults(t *testing.T) {
	tmpl := defaultTemplate(t)
	it := param(t, tmpl, "InstanceType")
	assert.Equal(t, "ml.t3.medium", it["Default"])
	allowed := []any{}
	for _, v := range notebook.DefaultAllowedInstanceTypes {
		allowed = append(allowed, v)
	}
	assert.Equal(t, allowed, it["AllowedValues"])

	vol := param(t, tmpl, "VolumeSizeInGB")
	assert.Equal(t, "Number", vol["Type"])
	assert.EqualValues(t, 5, vol["MinValue"])
	assert.EqualValues(t, 100, vol["MaxValue"])
	assert.EqualValues(t, 20, vol["Default"])

	idle := param(t, tmpl, "IdleTimeoutMinutes")
	assert.EqualValues(t, 60, idle["Default"])
	assert.EqualValues(t, 240, idle["MaxValue"])

	// Every parameter has a default, a label and a group: launching needs no typing.
	iface := tmpl["Metadata"].(map[string]any)["AWS::CloudFormation::Interface"].(map[string]any)
	labels := iface["ParameterLabels"].(map[string]any)
	grouped := map[string]bool{}
	for _, g := range iface["ParameterGroups"].([]any) {
		for _, p := range g.(map[string]any)["Parameters"].([]any) {
			grouped[p.(string)] = true
		}
	}
	params := tmpl["Parameters"].(map[string]any)
	assert.Len(t, params, 4)
	for name, p := range params {
		assert.Contains(t, p, "Default", name)
		assert.Contains(t, p, "Description", name)
		assert.Contains(t, labels, name, name)
		assert.True(t, grouped[name], "%s is in a parameter group", name)
	}
}

func TestLaunchFormFromProps(t *testing.T) {
	tmpl := customTemplate(t)
	it := param(t, tmpl, "InstanceType")
	assert.Equal(t, []any{"ml.t3.large", "ml.m5.xlarge"}, it["AllowedValues"])
	assert.Equal(t, "ml.m5.xlarge", it["Default"])
	assert.EqualValues(t, 500, param(t, tmpl, "VolumeSizeInGB")["MaxValue"])
	assert.EqualValues(t, 50, param(t, tmpl, "VolumeSizeInGB")["Default"])
	assert.EqualValues(t, 30, param(t, tmpl, "IdleTimeoutMinutes")["Default"])
	assert.EqualValues(t, 120, param(t, tmpl, "IdleTimeoutMinutes")["MaxValue"])

	nb := tmpl.Only(t, "AWS::SageMaker::NotebookInstance")
	assert.Equal(t, []any{
		"{{resolve:ssm:/team-a/notebook/security-group-1}}",
		"{{resolve:ssm:/team-a/notebook/security-group-2}}",
	}, nb["SecurityGroupIds"])
}

func TestOutputs(t *testing.T) {
	outputs := defaultTemplate(t)["Outputs"].(map[string]any)
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{"NotebookInstance", "NotebookInstanceName"}}, outputs["NotebookInstanceName"].(map[string]any)["Value"])
	assert.Equal(t, map[string]any{"Ref": "NotebookInstance"}, outputs["NotebookInstanceArn"].(map[string]any)["Value"])
	url := testutil.JSON(outputs["OpenNotebookUrl"].(map[string]any)["Value"])
	assert.Contains(t, url, "console.aws.amazon.com/sagemaker/home")
	assert.Contains(t, url, "openNotebook")
}

func TestLifecycleConfigStopsWhenIdleWithoutInternet(t *testing.T) {
	lc := defaultTemplate(t).Only(t, "AWS::SageMaker::NotebookInstanceLifecycleConfig")
	sub := lc["OnStart"].([]any)[0].(map[string]any)["Content"].(map[string]any)["Fn::Base64"].(map[string]any)["Fn::Sub"].([]any)
	script := sub[0].(string)
	assert.Equal(t, map[string]any{"IdleTimeoutMinutes": map[string]any{"Ref": "IdleTimeoutMinutes"}, "IgnoreConnections": "true",
		"WorkspaceUri": map[string]any{"Fn::GetAtt": []any{"Workspace", "Uri"}}}, sub[1])
	assert.Equal(t, notebook.OnStartScript(), script)
	assert.Contains(t, script, "stop-notebook-instance")

	// Fn::Sub must replace only its variables: any other ${...} would break the template.
	assert.Equal(t, []string{"${IdleTimeoutMinutes}", "${IgnoreConnections}", "${WorkspaceUri}", "${AWS::Region}"}, regexp.MustCompile(`\$\{[^}]*\}`).FindAllString(script, -1))
	assert.Contains(t, script, notebook.AutostopScript(), "autostop.py is inline")
	assert.Contains(t, script, notebook.WorkspaceSyncScript(), "workspace-sync is inline")
	// Nothing is downloaded: the only URL is Jupyter on localhost.
	for _, u := range regexp.MustCompile(`https?://[^\s"']+`).FindAllString(script, -1) {
		assert.True(t, strings.HasPrefix(u, "https://localhost:"), "unexpected URL %s", u)
	}
	for _, fetch := range []string{"curl", "wget", "pip install", "yum ", "dnf ", "git clone"} {
		assert.NotContains(t, script, fetch)
	}
	// SageMaker limits a lifecycle script to 16384 characters once base64-encoded.
	assert.Less(t, (len(script)+2)/3*4, 16384)
}

func TestOnStartScriptPassesShellcheck(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Skip("shellcheck is not installed (apt-get install shellcheck); .ci/run installs it")
	}
	cmd := exec.Command("shellcheck", "--shell=bash", "-")
	cmd.Stdin = strings.NewReader(notebook.OnStartScript())
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, "%s", out)
}

func TestFailsOnInvalidProps(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props notebook.Props
		want  []string
	}{
		{"unknown instance type", notebook.Props{AllowedInstanceTypes: []string{"ml.t3.huge"}}, []string{`AllowedInstanceTypes[0]: invalid value "ml.t3.huge"`}},
		{"duplicate instance type", notebook.Props{AllowedInstanceTypes: []string{"ml.t3.medium", "ml.t3.medium"}}, []string{"AllowedInstanceTypes[1]", "once"}},
		{"default not allowed", notebook.Props{AllowedInstanceTypes: []string{"ml.t3.large"}, DefaultInstanceType: jsii.String("ml.t3.medium")}, []string{`DefaultInstanceType: invalid value "ml.t3.medium"`, "ml.t3.large"}},
		{"volume too large", notebook.Props{MaxVolumeSizeGB: jsii.Number(20000)}, []string{`MaxVolumeSizeGB: invalid value "20000"`, "5 to 16384"}},
		{"default volume above max", notebook.Props{MaxVolumeSizeGB: jsii.Number(10), DefaultVolumeSizeGB: jsii.Number(20)}, []string{`DefaultVolumeSizeGB: invalid value "20"`, "5 to 10"}},
		{"fractional volume", notebook.Props{DefaultVolumeSizeGB: jsii.Number(7.5)}, []string{`DefaultVolumeSizeGB: invalid value "7.5"`}},
		{"idle above max idle", notebook.Props{IdleTimeoutMinutes: jsii.Number(300), MaxIdleTimeoutMinutes: jsii.Number(120)}, []string{"MaxIdleTimeoutMinutes", "300 to 1440"}},
		{"negative idle", notebook.Props{IdleTimeoutMinutes: jsii.Number(-1)}, []string{`IdleTimeoutMinutes: invalid value "-1"`}},
		{"too many security groups", notebook.Props{SecurityGroupCount: jsii.Number(6)}, []string{`SecurityGroupCount: invalid value "6"`, "1 to 5"}},
		{"relative parameter prefix", notebook.Props{ParameterPrefix: jsii.String("catalog")}, []string{`ParameterPrefix: invalid value "catalog"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.props.Validate()
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			_, stack := testutil.NewStack()
			msg := testutil.PanicMessage(func() { notebook.New(stack, jsii.String("Notebook"), &tc.props) })
			assert.Contains(t, msg, "Test/Notebook: ")
		})
	}
}

func TestInstanceTypeTable(t *testing.T) {
	for _, typ := range notebook.DefaultAllowedInstanceTypes {
		assert.True(t, notebook.NotebookInstanceTypes[typ], typ)
	}
	assert.False(t, notebook.NotebookInstanceTypes["ml.m5.large"], "SageMaker has no ml.m5.large notebook")
}

// The template's logical IDs are its contract with the stacks already
// provisioned from it: updating a provisioned product to a version whose
// notebook has another ID replaces the notebook. They are the constructs'
// IDs (direct children of the product stack), so they can be pinned.
func TestLogicalIDsAreTheContract(t *testing.T) {
	n, tmpl := onDefaults.get(t)
	for want, c := range map[string]awscdk.CfnElement{
		"NotebookInstance": n.NotebookInstance, "LifecycleConfig": n.LifecycleConfig, "NotebookRole": n.Role, "Workspace": n.Workspace,
		"InstanceType": n.InstanceType, "VolumeSizeInGB": n.VolumeSizeInGB, "IdleTimeoutMinutes": n.IdleTimeoutMinutes, "LeaseDays": n.LeaseDays,
	} {
		assert.Equal(t, want, *n.Stack.GetLogicalId(c))
	}
	assert.Len(t, tmpl["Resources"], 4, "the notebook, its lifecycle configuration, its role and its workspace")
}

// The props not covered by the shared syntheses: the catalog's name, the
// lease and the idle check's connections.
func TestCatalogNameLeaseAndConnections(t *testing.T) {
	n, tmpl, err := synth(&notebook.Props{
		CatalogName:            jsii.String("Team"),
		LeaseDays:              jsii.Number(3),
		MaxLeaseDays:           jsii.Number(10),
		IdleIgnoresConnections: jsii.Bool(false),
	})
	require.NoError(t, err)
	role := tmpl.Only(t, "AWS::IAM::Role")
	assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{"/Team/", map[string]any{"Ref": "AWS::Region"}, "/notebooks/"}}}, role["Path"])
	assert.Equal(t, map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/Team-${AWS::Region}-notebook-boundary"}, role["PermissionsBoundary"])
	assert.Equal(t, []any{map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/Team-${AWS::Region}-notebook"}}, role["ManagedPolicyArns"])
	assert.Equal(t, map[string]any{"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:Team-workspace"},
		tmpl.Only(t, "Custom::Workspace")["ServiceToken"])
	assert.Equal(t, notebook.Parameters{KmsKeyArn: "/Team/notebook/kms-key-arn", SubnetId: "/Team/notebook/subnet-id",
		SecurityGroupIds: []string{"/Team/notebook/security-group-1"}}, n.Parameters, "the parameters live under the catalog's name")
	assert.Equal(t, "{{resolve:ssm:/Team/notebook/subnet-id}}", tmpl.Only(t, "AWS::SageMaker::NotebookInstance")["SubnetId"])

	lease := param(t, tmpl, "LeaseDays")
	assert.EqualValues(t, 3, lease["Default"])
	assert.EqualValues(t, 10, lease["MaxValue"])
	assert.Contains(t, lease["Description"], "(1-10)")

	sub := tmpl.Only(t, "AWS::SageMaker::NotebookInstanceLifecycleConfig")["OnStart"].([]any)[0].(map[string]any)["Content"].(map[string]any)["Fn::Base64"].(map[string]any)["Fn::Sub"].([]any)
	assert.Equal(t, "false", sub[1].(map[string]any)["IgnoreConnections"], "a connected browser keeps the notebook running")
}

// Defaults that follow from other props: read from the launch form's
// parameters, without synthesizing.
func TestDerivedDefaults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props notebook.Props
		check func(t *testing.T, n *notebook.Template)
	}{
		{"the default volume fits a smaller maximum", notebook.Props{MaxVolumeSizeGB: jsii.Number(10)}, func(t *testing.T, n *notebook.Template) {
			assert.EqualValues(t, 10, n.VolumeSizeInGB.Default())
			assert.EqualValues(t, 10, *n.VolumeSizeInGB.MaxValue())
		}},
		{"the maximum idle time follows a longer idle time", notebook.Props{IdleTimeoutMinutes: jsii.Number(300)}, func(t *testing.T, n *notebook.Template) {
			assert.EqualValues(t, 300, n.IdleTimeoutMinutes.Default())
			assert.EqualValues(t, 300, *n.IdleTimeoutMinutes.MaxValue())
		}},
		{"the maximum lease follows a longer lease", notebook.Props{LeaseDays: jsii.Number(45)}, func(t *testing.T, n *notebook.Template) {
			assert.EqualValues(t, 45, *n.LeaseDays.MaxValue())
		}},
		{"the first allowed type is preselected when the default is not allowed", notebook.Props{AllowedInstanceTypes: []string{"ml.m5.xlarge", "ml.t3.large"}},
			func(t *testing.T, n *notebook.Template) { assert.Equal(t, "ml.m5.xlarge", n.InstanceType.Default()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stack := testutil.NewStack()
			tc.check(t, notebook.New(stack, jsii.String("Notebook"), &tc.props))
		})
	}
}

// The template is a stack of its own, released as a file: a token from
// the stack that holds it would resolve to nothing. Every field given as a
// token is refused, naming it, in one message.
func TestFailsOnTokens(t *testing.T) {
	_, stack := testutil.NewStack()
	str := awscdk.NewCfnParameter(stack, jsii.String("S"), nil).ValueAsString()
	num := awscdk.NewCfnParameter(stack, jsii.String("N"), &awscdk.CfnParameterProps{Type: jsii.String("Number")}).ValueAsNumber()
	props := &notebook.Props{
		AllowedInstanceTypes: []string{"ml.t3.medium", *str},
		DefaultInstanceType:  str,
		MaxVolumeSizeGB:      num,
		IdleTimeoutMinutes:   num,
		SecurityGroupCount:   num,
		LeaseDays:            num,
		CatalogName:          str,
		ParameterPrefix:      str,
	}
	msg := testutil.PanicMessage(func() { notebook.New(stack, jsii.String("Notebook"), props) })
	require.True(t, strings.HasPrefix(msg, "Test/Notebook: "), msg)
	for _, field := range []string{"AllowedInstanceTypes[1]", "DefaultInstanceType", "CatalogName", "ParameterPrefix"} {
		assert.Regexp(t, regexp.QuoteMeta("notebook.Props: "+field)+`: invalid value "\$\{Token\[[^"]+\]\}": a value known at synthesis`, msg)
	}
	for _, field := range []string{"MaxVolumeSizeGB", "IdleTimeoutMinutes", "SecurityGroupCount", "LeaseDays"} {
		assert.Contains(t, msg, field+`: invalid value "a token": a value known at synthesis`)
	}
	assert.NotContains(t, msg, "e+289", "no token number shown as a number")
}

func TestFailsOnAnEmptyInstanceType(t *testing.T) {
	err := (&notebook.Props{AllowedInstanceTypes: []string{"ml.t3.medium", ""}}).Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `AllowedInstanceTypes[1]: invalid value "": a SageMaker notebook instance type`)
}

func TestNilProps(t *testing.T) {
	_, stack := testutil.NewStack()
	n := notebook.New(stack, jsii.String("Notebook"), nil)
	assert.Equal(t, notebook.DefaultInstanceType, n.InstanceType.Default())
	assert.Equal(t, "/SageMakerCatalog/notebook/kms-key-arn", n.Parameters.KmsKeyArn)
	assert.Len(t, n.Parameters.All(), 3, "key, subnet, one security group")
	assert.NoError(t, (&notebook.Props{}).Validate())
}

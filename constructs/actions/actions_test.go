package actions_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/actions"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Run(m) }

// newProduct returns a product with n versions, from template URLs (no
// asset to stage).
func newProduct(stack awscdk.Stack, n int) awsservicecatalog.CloudFormationProduct {
	var versions []*awsservicecatalog.CloudFormationProductVersion
	for i := 1; i <= n; i++ {
		versions = append(versions, &awsservicecatalog.CloudFormationProductVersion{
			ProductVersionName:     jsii.String(fmt.Sprintf("v%d", i)),
			CloudFormationTemplate: awsservicecatalog.CloudFormationTemplate_FromUrl(jsii.String(fmt.Sprintf("https://example.com/notebook-v%d.yaml", i))),
		})
	}
	return awsservicecatalog.NewCloudFormationProduct(stack, jsii.String("Product"), &awsservicecatalog.CloudFormationProductProps{
		ProductName: jsii.String("Notebook"), Owner: jsii.String("Platform"), ProductVersions: &versions,
	})
}

func id(stack awscdk.Stack, c constructs.IConstruct) string {
	if e, ok := c.(awscdk.CfnElement); ok {
		return *stack.GetLogicalId(e)
	}
	return *stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

func resources(stack awscdk.Stack) map[string]any {
	return (*assertions.Template_FromStack(stack, nil).ToJSON())["Resources"].(map[string]any)
}

func properties(t *testing.T, stack awscdk.Stack, c constructs.IConstruct) map[string]any {
	t.Helper()
	r, ok := resources(stack)[id(stack, c)].(map[string]any)
	require.True(t, ok, "no resource for %s", *c.Node().Path())
	return r["Properties"].(map[string]any)
}

func strs(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// props are the Actions props for product with versions versions, the
// notebooks' key, network and roles given.
func props(product awsservicecatalog.CloudFormationProduct, versions float64) *actions.Props {
	return &actions.Props{
		Product: product, Versions: jsii.Number(versions),
		NotebookRoleArns: *jsii.Strings("arn:aws:iam::123456789012:role/catalog/eu-west-1/notebooks/*"),
		KmsKeyArns:       *jsii.Strings("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
		SubnetIds:        *jsii.Strings("subnet-0123456789abcdef0"),
		SecurityGroupIds: *jsii.Strings("sg-0123456789abcdef0"),
	}
}

// policy returns the statements of the action's role by Sid.
func policy(t *testing.T, stack awscdk.Stack, x *actions.Action) map[string]map[string]any {
	t.Helper()
	found := assertions.Template_FromStack(stack, nil).FindResources(jsii.String("AWS::IAM::Policy"), map[string]any{
		"Properties": map[string]any{"Roles": []any{map[string]any{"Ref": id(stack, x.Role)}}},
	})
	require.Len(t, *found, 1, x.Name)
	out := map[string]map[string]any{}
	for _, r := range *found {
		for _, s := range (*r)["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			out[s.(map[string]any)["Sid"].(string)] = s.(map[string]any)
		}
	}
	return out
}

func TestStopAndStart(t *testing.T) {
	_, stack := testutil.NewStack()
	a := actions.New(stack, jsii.String("Actions"), props(newProduct(stack, 1), 1))

	require.Len(t, a.Actions, 2)
	var got [][2]string
	for _, x := range a.Actions {
		got = append(got, [2]string{x.Name, x.Api})
	}
	assert.Equal(t, [][2]string{{"StopNotebook", "StopNotebookInstance"}, {"StartNotebook", "StartNotebookInstance"}}, got,
		"Stop and Start; no Open, which would hand out a presigned URL in an automation's output")

	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::ServiceAction"), jsii.Number(2))
	tmpl.ResourceCountIs(jsii.String("AWS::SSM::Document"), jsii.Number(2))
	tmpl.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(2))
	tmpl.ResourceCountIs(jsii.String("AWS::IAM::Policy"), jsii.Number(2))

	for _, x := range a.Actions {
		p := properties(t, stack, x.Action)
		assert.Equal(t, x.Name, p["Name"])
		assert.Equal(t, x.Description, p["Description"])
		assert.Equal(t, "SSM_AUTOMATION", p["DefinitionType"])
		assert.Equal(t, []any{
			map[string]any{"Key": "Name", "Value": map[string]any{"Ref": id(stack, x.Document)}},
			map[string]any{"Key": "Version", "Value": "1"},
			map[string]any{"Key": "AssumeRole", "Value": map[string]any{"Fn::GetAtt": []any{id(stack, x.Role), "Arn"}}},
			map[string]any{"Key": "Parameters", "Value": `[{"Name":"NotebookInstanceArn","Type":"TARGET"}]`},
		}, p["Definition"], x.Name)
	}
}

// Each document runs one step of Python, as the action's role, on the
// notebook Service Catalog passes as TARGET; it accepts only catalog
// notebooks, and checks who started it.
func TestDocuments(t *testing.T) {
	_, stack := testutil.NewStack()
	a := actions.New(stack, jsii.String("Actions"), props(newProduct(stack, 1), 1))
	calls := map[string]string{
		"StopNotebook":  "sm.stop_notebook_instance(NotebookInstanceName=name)",
		"StartNotebook": "sm.start_notebook_instance(NotebookInstanceName=name)",
	}
	for _, x := range a.Actions {
		p := properties(t, stack, x.Document)
		assert.Equal(t, "Automation", p["DocumentType"])
		assert.Equal(t, "/AWS::SageMaker::NotebookInstance", p["TargetType"], "Service Catalog passes the notebook as TARGET")
		c := p["Content"].(map[string]any)
		assert.Equal(t, "0.3", c["schemaVersion"])
		assert.Equal(t, "{{ AutomationAssumeRole }}", c["assumeRole"])
		params := c["parameters"].(map[string]any)
		assert.Equal(t, map[string]any{"Fn::GetAtt": []any{id(stack, x.Role), "Arn"}}, params["AutomationAssumeRole"].(map[string]any)["default"],
			"it runs as the action's role: Service Catalog passes no assume role")
		pattern := params["NotebookInstanceArn"].(map[string]any)["allowedPattern"].(string)
		assert.Equal(t, `^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:notebook-instance/sc-[a-z0-9-]+$`, pattern, "only catalog notebooks")
		step := c["mainSteps"].([]any)[0].(map[string]any)
		assert.Equal(t, "aws:executeScript", step["action"])
		inputs := step["inputs"].(map[string]any)
		assert.Equal(t, map[string]any{
			"NotebookInstanceArn": "{{ NotebookInstanceArn }}", "ExecutionId": "{{ automation:EXECUTION_ID }}",
			"ActionRole": map[string]any{"Ref": id(stack, x.Role)},
		}, inputs["InputPayload"])
		script := inputs["Script"].(string)
		assert.Contains(t, script, "name = events['NotebookInstanceArn'].split('/')[-1]")
		assert.Contains(t, script, calls[x.Name], x.Name)
		// The document runs the package's script (its logic is TestScriptActsOnlyOnTheCallersNotebook's).
		assert.Equal(t, actions.Script(strings.TrimSuffix(strings.TrimPrefix(calls[x.Name], "sm."), "(NotebookInstanceName=name)")), script)
		assert.Less(t, strings.Index(script, "raise Exception"), strings.Index(script, calls[x.Name]), "the check comes first")
		for other, call := range calls {
			if other != x.Name {
				assert.NotContains(t, script, call, "%s calls only its own API", x.Name)
			}
		}
	}
}

// Each action's role: Service Catalog and SSM of this account; starting
// and running its own automation; one SageMaker API on catalog notebooks;
// and for Start, what starting a notebook needs of its caller.
func TestRoles(t *testing.T) {
	_, stack := testutil.NewStack()
	a := actions.New(stack, jsii.String("Actions"), props(newProduct(stack, 1), 1))
	account := map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}}
	for _, x := range a.Actions {
		p := properties(t, stack, x.Role)
		// SSM documents aws:SourceAccount; for Service Catalog the
		// condition holds only when the key is sent (IfExists).
		assert.Equal(t, []any{
			map[string]any{"Action": "sts:AssumeRole", "Effect": "Allow", "Condition": map[string]any{"StringEqualsIfExists": account},
				"Principal": map[string]any{"Service": "servicecatalog.amazonaws.com"}},
			map[string]any{"Action": "sts:AssumeRole", "Effect": "Allow", "Condition": map[string]any{"StringEquals": account},
				"Principal": map[string]any{"Service": "ssm.amazonaws.com"}},
		}, p["AssumeRolePolicyDocument"].(map[string]any)["Statement"], x.Name)
		assert.Nil(t, p["Policies"], "its policy is a resource of its own: the document names the role")

		st := policy(t, stack, x)
		start := st["StartTheAutomation"]
		assert.Equal(t, []string{"ssm:DescribeDocument", "ssm:StartAutomationExecution"}, strs(start["Action"]))
		doc := `{"Ref":"` + id(stack, x.Document) + `"}`
		assert.Contains(t, testutil.JSON(start["Resource"]), `":document/",`+doc)
		assert.Contains(t, testutil.JSON(start["Resource"]), `":automation-definition/",`+doc+`,":*"`)
		assert.Contains(t, testutil.JSON(start["Resource"]), `":automation-execution/*"`, "the execution it starts (a required resource type)")
		assert.Equal(t, map[string]any{"Fn::GetAtt": []any{id(stack, x.Role), "Arn"}}, st["RunAsItself"]["Resource"], "it passes only itself")
		assert.Equal(t, map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ssm.amazonaws.com"}}, st["RunAsItself"]["Condition"])
		assert.Equal(t, "ssm:GetAutomationExecution", st["WhoStartedIt"]["Action"])
		notebook := st["Notebook"+strings.TrimSuffix(x.Name, "Notebook")]
		require.NotNil(t, notebook, x.Name)
		assert.ElementsMatch(t, []string{"sagemaker:" + x.Api, "sagemaker:DescribeNotebookInstance", "sagemaker:ListTags"}, strs(notebook["Action"]))
		assert.Contains(t, testutil.JSON(notebook["Resource"]), ":notebook-instance/sc-*")
		if x.Name == "StopNotebook" {
			assert.Equal(t, "servicecatalog:ListRecordHistory", st["FindTheActionsRecord"]["Action"])
			assert.Equal(t, "*", st["FindTheActionsRecord"]["Resource"], "no resource-level permissions")
			assert.Len(t, st, 5, "stopping needs nothing more")
			continue
		}
		// Starting a notebook passes its role, creates its network
		// interface and lets SageMaker use the volume key.
		assert.Equal(t, "arn:aws:iam::123456789012:role/catalog/eu-west-1/notebooks/*", st["PassTheNotebookRole"]["Resource"])
		assert.Equal(t, map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "sagemaker.amazonaws.com"}}, st["PassTheNotebookRole"]["Condition"])
		assert.Equal(t, "kms:CreateGrant", st["NotebookVolumeKeyGrants"]["Action"])
		assert.Equal(t, map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}}, st["NotebookVolumeKeyGrants"]["Condition"])
		assert.Equal(t, "kms:DescribeKey", st["NotebookVolumeKey"]["Action"])
		assert.NotContains(t, st["NotebookVolumeKey"], "Condition")
		assert.Contains(t, testutil.JSON(st["NotebookNetworkInterfaceInputs"]["Resource"]), ":subnet/subnet-0123456789abcdef0")
		assert.Contains(t, testutil.JSON(st["NotebookNetworkInterfaceInputs"]["Resource"]), ":security-group/sg-0123456789abcdef0")
		assert.Contains(t, testutil.JSON(st["NotebookNetworkInterface"]["Condition"]), `"ec2:Subnet"`)
		assert.Equal(t, "*", st["NotebookNetworkDescribe"]["Resource"])
	}
}

// Every action is associated with every version of the product.
func TestAssociationsPerVersion(t *testing.T) {
	for _, versions := range []int{1, 3} {
		t.Run(fmt.Sprint(versions, " versions"), func(t *testing.T) {
			_, stack := testutil.NewStack()
			product := newProduct(stack, versions)
			a := actions.New(stack, jsii.String("Actions"), props(product, float64(versions)))
			associations := *assertions.Template_FromStack(stack, nil).FindResources(jsii.String("AWS::ServiceCatalog::ServiceActionAssociation"), nil)
			require.Len(t, associations, 2*versions)
			want := map[string]bool{}
			for _, x := range a.Actions {
				for i := range versions {
					want[fmt.Sprint(id(stack, x.Action), " ", i)] = true
				}
			}
			got := map[string]bool{}
			for _, r := range associations {
				p := (*r)["Properties"].(map[string]any)
				assert.Equal(t, map[string]any{"Ref": id(stack, product)}, p["ProductId"])
				sel := p["ProvisioningArtifactId"].(map[string]any)["Fn::Select"].([]any)
				split := map[string]any{"Fn::Split": []any{",", map[string]any{"Fn::GetAtt": []any{id(stack, product), "ProvisioningArtifactIds"}}}}
				require.Len(t, sel[1], versions)
				for j, e := range sel[1].([]any) {
					assert.Equal(t, map[string]any{"Fn::Select": []any{float64(j), split}}, e)
				}
				got[fmt.Sprint(p["ServiceActionId"].(map[string]any)["Ref"], " ", sel[0])] = true
			}
			assert.Equal(t, want, got, "each action with each version once")
		})
	}
}

// A product whose name and templates are tokens (parameters), and a key
// that is a token, work as any other.
func TestTokens(t *testing.T) {
	_, stack := testutil.NewStack()
	name := awscdk.NewCfnParameter(stack, jsii.String("ProductName"), nil)
	url := awscdk.NewCfnParameter(stack, jsii.String("TemplateUrl"), nil)
	key := awscdk.NewCfnParameter(stack, jsii.String("KeyArn"), nil)
	product := awsservicecatalog.NewCloudFormationProduct(stack, jsii.String("Product"), &awsservicecatalog.CloudFormationProductProps{
		ProductName: name.ValueAsString(), Owner: jsii.String("Platform"),
		ProductVersions: &[]*awsservicecatalog.CloudFormationProductVersion{{
			CloudFormationTemplate: awsservicecatalog.CloudFormationTemplate_FromUrl(url.ValueAsString()),
		}},
	})
	p := props(product, 1)
	p.KmsKeyArns = []*string{key.ValueAsString()}
	a := actions.New(stack, jsii.String("Actions"), p)
	require.Len(t, a.Actions, 2)
	assert.Equal(t, map[string]any{"Ref": "KeyArn"}, policy(t, stack, a.Actions[1])["NotebookVolumeKey"]["Resource"])

	// The number of versions drives a loop: it cannot be a token.
	_, stack = testutil.NewStack()
	count := awscdk.NewCfnParameter(stack, jsii.String("Versions"), &awscdk.CfnParameterProps{Type: jsii.String("Number")})
	msg := testutil.PanicMessage(func() {
		p := props(newProduct(stack, 1), 1)
		p.Versions = count.ValueAsNumber()
		actions.New(stack, jsii.String("Actions"), p)
	})
	assert.Contains(t, msg, `Test/Actions: actions.Props: Versions: invalid value "a token": a whole number of versions known at synthesis`)
}

func TestFailsOnInvalidProps(t *testing.T) {
	for _, tc := range []struct {
		name    string
		product int // versions of the product; 0 for none
		change  func(*actions.Props)
		want    []string
	}{
		{"fails without a product", 0, func(*actions.Props) {}, []string{"Test/Actions: actions.Props: Product: required"}},
		{"fails without versions", 1, func(p *actions.Props) { p.Versions = nil }, []string{`Test/Actions: actions.Props: Versions: invalid value "nil": a whole number of versions, at least 1`}},
		{"fails on zero versions", 1, func(p *actions.Props) { p.Versions = jsii.Number(0) }, []string{`Versions: invalid value "0"`}},
		{"fails on fractional versions", 1, func(p *actions.Props) { p.Versions = jsii.Number(1.5) }, []string{`Versions: invalid value "1.5"`}},
		{"fails on more versions than the product has", 1, func(p *actions.Props) { p.Versions = jsii.Number(2) }, []string{`Versions: invalid value "2": the product has 1 version`}},
		{"fails on fewer versions than the product has", 3, func(p *actions.Props) { p.Versions = jsii.Number(2) }, []string{`Versions: invalid value "2": the product has 3 versions`}},
		{"fails without the notebooks' key", 1, func(p *actions.Props) { p.KmsKeyArns = nil }, []string{"KmsKeyArns: required"}},
		{"fails without the notebooks' network", 1, func(p *actions.Props) { p.SubnetIds, p.SecurityGroupIds = nil, nil }, []string{"SubnetIds: required", "SecurityGroupIds: required"}},
		{"fails without the notebooks' roles", 1, func(p *actions.Props) { p.NotebookRoleArns = nil }, []string{"NotebookRoleArns: required"}},
		{"fails on a nil entry", 1, func(p *actions.Props) { p.SubnetIds = []*string{nil} }, []string{"SubnetIds[0]: nil"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stack := testutil.NewStack()
			var product awsservicecatalog.CloudFormationProduct
			if tc.product > 0 {
				product = newProduct(stack, tc.product)
			}
			p := props(product, float64(max(tc.product, 1)))
			tc.change(p)
			msg := testutil.PanicMessage(func() { actions.New(stack, jsii.String("Actions"), p) })
			require.NotEmpty(t, msg, "New should panic")
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
			assert.Error(t, p.Validate())
		})
	}
}

func TestFailsOnNilProps(t *testing.T) {
	_, stack := testutil.NewStack()
	msg := testutil.PanicMessage(func() { actions.New(stack, jsii.String("Actions"), nil) })
	assert.True(t, strings.HasPrefix(msg, "Test/Actions: actions.Props: Product: required"), msg)
	assert.Contains(t, msg, "\nactions.Props: Versions: ")
}

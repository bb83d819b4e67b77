package actions_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
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

func TestThreeActions(t *testing.T) {
	_, stack := testutil.NewStack()
	a := actions.New(stack, jsii.String("Actions"), &actions.Props{Product: newProduct(stack, 1), Versions: jsii.Number(1)})

	require.Len(t, a.Actions, 3)
	var got [][2]string
	for _, x := range a.Actions {
		got = append(got, [2]string{x.Name, x.Api})
	}
	assert.Equal(t, [][2]string{
		{"StopNotebook", "StopNotebookInstance"}, {"StartNotebook", "StartNotebookInstance"}, {"OpenNotebook", "CreatePresignedNotebookInstanceUrl"},
	}, got, "Stop, Start and Open, in that order")

	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::ServiceAction"), jsii.Number(3))
	tmpl.ResourceCountIs(jsii.String("AWS::SSM::Document"), jsii.Number(3))
	tmpl.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(3))
	tmpl.ResourceCountIs(jsii.String("AWS::IAM::Policy"), jsii.Number(0))

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

// Each document runs one step of Python on the notebook Service Catalog
// passes as TARGET, and accepts only catalog notebooks.
func TestDocuments(t *testing.T) {
	_, stack := testutil.NewStack()
	a := actions.New(stack, jsii.String("Actions"), &actions.Props{Product: newProduct(stack, 1), Versions: jsii.Number(1)})
	calls := map[string]string{
		"StopNotebook":  "sm.stop_notebook_instance(NotebookInstanceName=name)",
		"StartNotebook": "sm.start_notebook_instance(NotebookInstanceName=name)",
		"OpenNotebook":  "sm.create_presigned_notebook_instance_url(NotebookInstanceName=name",
	}
	for _, x := range a.Actions {
		p := properties(t, stack, x.Document)
		assert.Equal(t, "Automation", p["DocumentType"])
		assert.Equal(t, "JSON", p["DocumentFormat"])
		assert.Equal(t, "/AWS::SageMaker::NotebookInstance", p["TargetType"], "Service Catalog passes the notebook as TARGET")
		c := p["Content"].(map[string]any)
		assert.Equal(t, "0.3", c["schemaVersion"])
		assert.Equal(t, "{{ AutomationAssumeRole }}", c["assumeRole"])
		assert.Equal(t, x.Description, c["description"])
		params := c["parameters"].(map[string]any)
		pattern := params["NotebookInstanceArn"].(map[string]any)["allowedPattern"].(string)
		assert.Equal(t, `^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:notebook-instance/sc-[a-z0-9-]+$`, pattern, "only catalog notebooks")
		assert.Contains(t, params, "AutomationAssumeRole")
		steps := c["mainSteps"].([]any)
		require.Len(t, steps, 1)
		step := steps[0].(map[string]any)
		assert.Equal(t, "aws:executeScript", step["action"])
		inputs := step["inputs"].(map[string]any)
		assert.Equal(t, "python3.11", inputs["Runtime"])
		assert.Equal(t, map[string]any{"NotebookInstanceArn": "{{ NotebookInstanceArn }}"}, inputs["InputPayload"])
		script := inputs["Script"].(string)
		assert.Contains(t, script, "name = events['NotebookInstanceArn'].split('/')[-1]")
		assert.Contains(t, script, calls[x.Name], x.Name)
		for other, call := range calls {
			if other != x.Name {
				assert.NotContains(t, script, call, "%s calls only its own API", x.Name)
			}
		}
		assert.Equal(t, []any{step["name"].(string) + ".Result"}, c["outputs"])
	}
}

// Each action's role: SSM of this account; one SageMaker API (and
// Describe) on catalog notebooks only.
func TestRoles(t *testing.T) {
	_, stack := testutil.NewStack()
	a := actions.New(stack, jsii.String("Actions"), &actions.Props{Product: newProduct(stack, 1), Versions: jsii.Number(1)})
	for _, x := range a.Actions {
		p := properties(t, stack, x.Role)
		assert.Equal(t, []any{map[string]any{
			"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "ssm.amazonaws.com"},
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}}},
		}}, p["AssumeRolePolicyDocument"].(map[string]any)["Statement"], x.Name)
		policies := p["Policies"].([]any)
		require.Len(t, policies, 1)
		st := policies[0].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any)
		require.Len(t, st, 1, x.Name)
		s := st[0].(map[string]any)
		assert.ElementsMatch(t, []string{"sagemaker:" + x.Api, "sagemaker:DescribeNotebookInstance"}, strs(s["Action"]))
		assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{
			"arn:", map[string]any{"Ref": "AWS::Partition"}, ":sagemaker:", map[string]any{"Ref": "AWS::Region"}, ":", map[string]any{"Ref": "AWS::AccountId"}, ":notebook-instance/sc-*",
		}}}, s["Resource"])
		assert.Contains(t, p["Description"], x.Name)
	}
}

// Every action is associated with every version of the product.
func TestAssociationsPerVersion(t *testing.T) {
	for _, versions := range []int{1, 3} {
		t.Run(fmt.Sprint(versions, " versions"), func(t *testing.T) {
			_, stack := testutil.NewStack()
			product := newProduct(stack, versions)
			a := actions.New(stack, jsii.String("Actions"), &actions.Props{Product: product, Versions: jsii.Number(versions)})
			associations := *assertions.Template_FromStack(stack, nil).FindResources(jsii.String("AWS::ServiceCatalog::ServiceActionAssociation"), nil)
			require.Len(t, associations, 3*versions)
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
				// The i-th of the product's provisioning artifact IDs (the CDK
				// renders the split list, of the assumed length, element by element).
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

// What an analyst's role needs to run the actions.
func TestEndUserStatements(t *testing.T) {
	_, stack := testutil.NewStack()
	a := actions.New(stack, jsii.String("Actions"), &actions.Props{Product: newProduct(stack, 1), Versions: jsii.Number(1)})
	st := a.EndUserStatements()
	require.Len(t, st, 3)
	policy := awsiam.NewManagedPolicy(stack, jsii.String("Analysts"), &awsiam.ManagedPolicyProps{Statements: &st})
	bySid := map[string]map[string]any{}
	for _, s := range properties(t, stack, policy)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
		bySid[s.(map[string]any)["Sid"].(string)] = s.(map[string]any)
	}

	start := bySid["StartActionAutomations"]
	assert.Equal(t, []string{"ssm:DescribeDocument", "ssm:StartAutomationExecution"}, strs(start["Action"]))
	resources := testutil.JSON(start["Resource"])
	assert.Len(t, start["Resource"], 6, "each document and its automation definitions")
	for _, x := range a.Actions {
		doc := `{"Ref":"` + id(stack, x.Document) + `"}`
		assert.Contains(t, resources, `":automation-definition/",`+doc+`,":*"`)
		assert.Contains(t, resources, `":document/",`+doc)
	}
	follow := bySid["FollowActionAutomations"]
	assert.Equal(t, []string{"ssm:GetAutomationExecution", "ssm:StopAutomationExecution"}, strs(follow["Action"]))
	assert.Contains(t, testutil.JSON(follow["Resource"]), `":automation-execution/*"`)
	pass := bySid["PassActionRoles"]
	assert.Equal(t, "iam:PassRole", pass["Action"])
	var roles []any
	for _, x := range a.Actions {
		roles = append(roles, map[string]any{"Fn::GetAtt": []any{id(stack, x.Role), "Arn"}})
	}
	assert.ElementsMatch(t, roles, pass["Resource"], "the actions' roles only")
	assert.Equal(t, map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ssm.amazonaws.com"}}, pass["Condition"])
}

// A product whose name and templates are tokens (parameters) works as any
// other: the actions refer to it by reference.
func TestTokens(t *testing.T) {
	_, stack := testutil.NewStack()
	name := awscdk.NewCfnParameter(stack, jsii.String("ProductName"), nil)
	url := awscdk.NewCfnParameter(stack, jsii.String("TemplateUrl"), nil)
	product := awsservicecatalog.NewCloudFormationProduct(stack, jsii.String("Product"), &awsservicecatalog.CloudFormationProductProps{
		ProductName: name.ValueAsString(), Owner: jsii.String("Platform"),
		ProductVersions: &[]*awsservicecatalog.CloudFormationProductVersion{{
			CloudFormationTemplate: awsservicecatalog.CloudFormationTemplate_FromUrl(url.ValueAsString()),
		}},
	})
	a := actions.New(stack, jsii.String("Actions"), &actions.Props{Product: product, Versions: jsii.Number(1)})
	require.Len(t, a.Actions, 3)
	assertions.Template_FromStack(stack, nil).ResourceCountIs(jsii.String("AWS::ServiceCatalog::ServiceActionAssociation"), jsii.Number(3))

	// The number of versions drives a loop: it cannot be a token.
	_, stack = testutil.NewStack()
	count := awscdk.NewCfnParameter(stack, jsii.String("Versions"), &awscdk.CfnParameterProps{Type: jsii.String("Number")})
	msg := testutil.PanicMessage(func() {
		actions.New(stack, jsii.String("Actions"), &actions.Props{Product: newProduct(stack, 1), Versions: count.ValueAsNumber()})
	})
	assert.Contains(t, msg, `Test/Actions: actions.Props: Versions: invalid value "a token": a whole number of versions known at synthesis`)
}

func TestFailsOnInvalidProps(t *testing.T) {
	for _, tc := range []struct {
		name     string
		product  int // versions of the product; 0 for none
		versions *float64
		want     []string
	}{
		{"fails without a product", 0, jsii.Number(1), []string{"Test/Actions: actions.Props: Product: required"}},
		{"fails without versions", 1, nil, []string{`Test/Actions: actions.Props: Versions: invalid value "nil": a whole number of versions, at least 1`}},
		{"fails on zero versions", 1, jsii.Number(0), []string{`Versions: invalid value "0"`}},
		{"fails on fractional versions", 1, jsii.Number(1.5), []string{`Versions: invalid value "1.5"`}},
		{"fails on more versions than the product has", 1, jsii.Number(2), []string{`Versions: invalid value "2": the product has 1 version`}},
		{"fails on fewer versions than the product has", 3, jsii.Number(2), []string{`Versions: invalid value "2": the product has 3 versions`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stack := testutil.NewStack()
			props := &actions.Props{Versions: tc.versions}
			if tc.product > 0 {
				props.Product = newProduct(stack, tc.product)
			}
			msg := testutil.PanicMessage(func() { actions.New(stack, jsii.String("Actions"), props) })
			require.NotEmpty(t, msg, "New should panic")
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
			assert.Error(t, props.Validate())
		})
	}
}

func TestFailsOnNilProps(t *testing.T) {
	_, stack := testutil.NewStack()
	msg := testutil.PanicMessage(func() { actions.New(stack, jsii.String("Actions"), nil) })
	assert.True(t, strings.HasPrefix(msg, "Test/Actions: actions.Props: Product: required"), msg)
	assert.Contains(t, msg, "\nactions.Props: Versions: ")
}

package analystrole_test

import (
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

	"github.com/datalake-platform/sagemaker-catalog/constructs/analystrole"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Run(m) }

func newProduct(stack awscdk.Stack) awsservicecatalog.CloudFormationProduct {
	return awsservicecatalog.NewCloudFormationProduct(stack, jsii.String("Product"), &awsservicecatalog.CloudFormationProductProps{
		ProductName: jsii.String("Notebook"), Owner: jsii.String("Platform"),
		ProductVersions: &[]*awsservicecatalog.CloudFormationProductVersion{{
			CloudFormationTemplate: awsservicecatalog.CloudFormationTemplate_FromUrl(jsii.String("https://example.com/notebook.yaml")),
		}},
	})
}

func id(stack awscdk.Stack, c constructs.IConstruct) string {
	return *stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

func properties(t *testing.T, stack awscdk.Stack, c constructs.IConstruct) map[string]any {
	t.Helper()
	r, ok := (*assertions.Template_FromStack(stack, nil).ToJSON())["Resources"].(map[string]any)[id(stack, c)].(map[string]any)
	require.True(t, ok, "no resource for %s", *c.Node().Path())
	return r["Properties"].(map[string]any)
}

// statements returns the policy's statements by Sid.
func statements(t *testing.T, policy map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, s := range policy["PolicyDocument"].(map[string]any)["Statement"].([]any) {
		st := s.(map[string]any)
		sid := st["Sid"].(string)
		require.NotContains(t, out, sid)
		out[sid] = st
	}
	return out
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

func join(parts ...any) map[string]any { return map[string]any{"Fn::Join": []any{"", parts}} }

var (
	partition = map[string]any{"Ref": "AWS::Partition"}
	region    = map[string]any{"Ref": "AWS::Region"}
	account   = map[string]any{"Ref": "AWS::AccountId"}
	self      = map[string]any{"StringEquals": map[string]any{"servicecatalog:userLevel": "self"}}
)

func TestRole(t *testing.T) {
	_, stack := testutil.NewStack()
	product := newProduct(stack)
	r := analystrole.New(stack, jsii.String("AnalystRole"), &analystrole.Props{
		Product: product, PolicyName: jsii.String("Catalog-analyst-eu-west-1"), RoleName: jsii.String("Catalog-analyst"),
	})

	role := properties(t, stack, r.Role)
	assert.Equal(t, "Catalog-analyst", role["RoleName"])
	assert.Contains(t, role["Description"], "Data analysts")
	// Only under one's own user name: the session name names the owner.
	assert.Equal(t, []any{map[string]any{
		"Action": "sts:AssumeRole", "Effect": "Allow",
		"Principal": map[string]any{"AWS": join("arn:", partition, ":iam::", account, ":root")},
		"Condition": map[string]any{"StringEquals": map[string]any{"sts:RoleSessionName": "${aws:username}"}},
	}}, role["AssumeRolePolicyDocument"].(map[string]any)["Statement"])
	assert.NotContains(t, role, "Policies", "the managed policy only")
	assert.Equal(t, []any{map[string]any{"Ref": id(stack, r.Policy)}}, role["ManagedPolicyArns"])
	assert.Equal(t, map[string]any{"Ref": id(stack, r.Policy)}, stack.Resolve(r.PolicyArn()))
	assert.Equal(t, "Test/AnalystRole/Resource", *r.Role.Node().Path())

	policy := properties(t, stack, r.Policy)
	assert.Equal(t, "Catalog-analyst-eu-west-1", policy["ManagedPolicyName"])
	assert.Contains(t, policy["Description"], "Data analysts")
	st := statements(t, policy)
	for sid, want := range map[string]struct {
		actions   []string
		resource  any
		condition any
	}{
		"LaunchThisProduct": {[]string{
			"servicecatalog:DescribeProduct", "servicecatalog:DescribeProvisioningArtifact",
			"servicecatalog:DescribeProvisioningParameters", "servicecatalog:ListLaunchPaths", "servicecatalog:ListProvisioningArtifacts",
			"servicecatalog:ListServiceActionsForProvisioningArtifact", "servicecatalog:ProvisionProduct",
		}, join("arn:", partition, ":catalog:", region, ":", account, ":product/", map[string]any{"Ref": id(stack, product)}), nil},
		"FindProducts": {[]string{"servicecatalog:DescribeProductView", "servicecatalog:SearchProducts"}, "*", nil},
		"ManageOwnNotebooks": {[]string{
			"servicecatalog:DescribeProvisionedProduct", "servicecatalog:DescribeRecord",
			"servicecatalog:DescribeServiceActionExecutionParameters", "servicecatalog:ExecuteProvisionedProductServiceAction",
			"servicecatalog:ListRecordHistory", "servicecatalog:ScanProvisionedProducts", "servicecatalog:SearchProvisionedProducts",
			"servicecatalog:TerminateProvisionedProduct", "servicecatalog:UpdateProvisionedProduct",
		}, "*", self},
		"FindActionTargets": {[]string{"cloudformation:ListStackResources"}, join("arn:", partition, ":cloudformation:", region, ":", account, ":stack/SC-*"), nil},
		"OpenOwnNotebooks": {[]string{"sagemaker:CreatePresignedNotebookInstanceUrl", "sagemaker:DescribeNotebookInstance"},
			join("arn:", partition, ":sagemaker:", region, ":", account, ":notebook-instance/sc-*"),
			map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/sagemaker-catalog:owner-id": "${aws:userid}"}}},
	} {
		s, ok := st[sid]
		if !assert.True(t, ok, sid) {
			continue
		}
		assert.Equal(t, "Allow", s["Effect"], sid)
		assert.ElementsMatch(t, want.actions, strs(s["Action"]), sid)
		assert.Equal(t, want.resource, s["Resource"], sid)
		if want.condition == nil {
			assert.NotContains(t, s, "Condition", sid)
		} else {
			assert.Equal(t, want.condition, s["Condition"], sid)
		}
		delete(st, sid)
	}
	assert.Empty(t, st, "no other statement")
}

// Without a role name, only the policy: for roles of one's own, such as an
// IAM Identity Center permission set's.
func TestPolicyOnly(t *testing.T) {
	_, stack := testutil.NewStack()
	r := analystrole.New(stack, jsii.String("AnalystRole"), &analystrole.Props{Product: newProduct(stack), PolicyName: jsii.String("Analysts")})
	assert.Nil(t, r.Role)
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(0))
	tmpl.ResourceCountIs(jsii.String("AWS::IAM::ManagedPolicy"), jsii.Number(1))
	assert.Equal(t, "Analysts", properties(t, stack, r.Policy)["ManagedPolicyName"])
}

// The analyst acts through Service Catalog only: no service's own
// create, delete or data actions.
func TestEndUserOnly(t *testing.T) {
	_, stack := testutil.NewStack()
	r := analystrole.New(stack, jsii.String("AnalystRole"), &analystrole.Props{Product: newProduct(stack), PolicyName: jsii.String("Analyst")})
	policy := testutil.JSON(properties(t, stack, r.Policy)["PolicyDocument"])
	for _, denied := range []string{"ec2:", "s3:", "kms:", "iam:", "cloudformation:Create", "cloudformation:Update", "cloudformation:Delete",
		"sagemaker:CreateNotebookInstance", "sagemaker:Stop", "sagemaker:Delete"} {
		assert.NotContains(t, policy, `"`+denied, denied)
	}
	for sid, s := range statements(t, properties(t, stack, r.Policy)) {
		for _, a := range strs(s["Action"]) {
			assert.NotContains(t, a, "*", "%s: exact actions", sid)
		}
	}
}

func TestStatementsAreAdded(t *testing.T) {
	_, stack := testutil.NewStack()
	r := analystrole.New(stack, jsii.String("AnalystRole"), &analystrole.Props{
		Product:    newProduct(stack),
		PolicyName: jsii.String("Analyst"),
		Statements: []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ReadCatalogDocs"), Actions: jsii.Strings("s3:GetObject"), Resources: jsii.Strings("arn:aws:s3:::catalog-docs/*"),
		})},
	})
	st := statements(t, properties(t, stack, r.Policy))
	assert.Len(t, st, 6, "the five of the construct and the caller's")
	assert.Equal(t, "arn:aws:s3:::catalog-docs/*", st["ReadCatalogDocs"]["Resource"])
}

// Props given as tokens: a product imported by a parameter's ARN, and a
// statement on another construct's ARN.
func TestTokens(t *testing.T) {
	_, stack := testutil.NewStack()
	arn := awscdk.NewCfnParameter(stack, jsii.String("ProductArn"), nil)
	other := awsiam.NewRole(stack, jsii.String("Other"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("ssm.amazonaws.com"), nil)})
	r := analystrole.New(stack, jsii.String("AnalystRole"), &analystrole.Props{
		Product:    awsservicecatalog.Product_FromProductArn(stack, jsii.String("Imported"), arn.ValueAsString()),
		PolicyName: jsii.String("Analyst"),
		Statements: []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("PassOther"), Actions: jsii.Strings("iam:PassRole"), Resources: &[]*string{other.RoleArn()},
		})},
	})
	st := statements(t, properties(t, stack, r.Policy))
	assert.Contains(t, testutil.JSON(st["LaunchThisProduct"]["Resource"]), `{"Ref":"ProductArn"}`)
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{id(stack, other), "Arn"}}, st["PassOther"]["Resource"])
}

func TestFailsOnInvalidProps(t *testing.T) {
	statement := awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("s3:GetObject"), Resources: jsii.Strings("arn:aws:s3:::b/*")})
	for _, tc := range []struct {
		name       string
		noProduct  bool
		policyName *string
		roleName   *string
		statements []awsiam.PolicyStatement
		want       []string
	}{
		{"fails without a product", true, jsii.String("Analyst"), nil, nil, []string{"Test/AnalystRole: analystrole.Props: Product: required"}},
		{"fails without a policy name", false, nil, nil, nil, []string{"Test/AnalystRole: analystrole.Props: PolicyName: required"}},
		{"fails on an empty policy name", false, jsii.String(""), nil, nil, []string{"PolicyName: required"}},
		{"fails on a policy name with a space", false, jsii.String("data analysts"), nil, nil, []string{`PolicyName: invalid value "data analysts": 1-128 characters`}},
		{"fails on a policy name over 128 characters", false, jsii.String(strings.Repeat("a", 129)), nil, nil, []string{`PolicyName: invalid value "` + strings.Repeat("a", 129) + `"`}},
		{"fails on a role name with a space", false, jsii.String("Analyst"), jsii.String("data analysts"), nil, []string{`RoleName: invalid value "data analysts": 1-64 characters`}},
		{"fails on a role name over 64 characters", false, jsii.String("Analyst"), jsii.String(strings.Repeat("a", 65)), nil, []string{`RoleName: invalid value "` + strings.Repeat("a", 65) + `"`}},
		{"fails on a nil statement", false, jsii.String("Analyst"), nil, []awsiam.PolicyStatement{statement, nil}, []string{"Statements[1]: nil"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stack := testutil.NewStack()
			props := &analystrole.Props{PolicyName: tc.policyName, RoleName: tc.roleName, Statements: tc.statements}
			if !tc.noProduct {
				props.Product = newProduct(stack)
			}
			msg := testutil.PanicMessage(func() { analystrole.New(stack, jsii.String("AnalystRole"), props) })
			require.NotEmpty(t, msg, "New should panic")
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
			assert.Error(t, props.Validate())
		})
	}
}

// Names given as tokens are taken as they are: CloudFormation checks them.
func TestTokenNames(t *testing.T) {
	_, stack := testutil.NewStack()
	name := awscdk.NewCfnParameter(stack, jsii.String("Name"), nil)
	r := analystrole.New(stack, jsii.String("AnalystRole"), &analystrole.Props{
		Product: newProduct(stack), PolicyName: name.ValueAsString(), RoleName: name.ValueAsString(),
	})
	assert.Equal(t, map[string]any{"Ref": "Name"}, properties(t, stack, r.Policy)["ManagedPolicyName"])
	assert.Equal(t, map[string]any{"Ref": "Name"}, properties(t, stack, r.Role)["RoleName"])
}

func TestFailsOnNilProps(t *testing.T) {
	_, stack := testutil.NewStack()
	msg := testutil.PanicMessage(func() { analystrole.New(stack, jsii.String("AnalystRole"), nil) })
	assert.True(t, strings.HasPrefix(msg, "Test/AnalystRole: analystrole.Props: Product: required"), msg)
	assert.Contains(t, msg, "\nanalystrole.Props: PolicyName: required")
}

package launchrole_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssagemaker"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole"
	"github.com/datalake-platform/sagemaker-catalog/constructs/product"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Run(m) }

// fixture is a stack with a portfolio, a notebook execution role, a key and
// a product whose stack holds a notebook instance and a lifecycle config.
type fixture struct {
	app       awscdk.App
	stack     awscdk.Stack
	ps        awsservicecatalog.ProductStack
	portfolio awsservicecatalog.Portfolio
	product   *product.Product
	role      awsiam.Role
	key       awskms.Key
}

func newFixture() *fixture {
	f := &fixture{}
	f.app, f.stack = testutil.NewStack()
	f.portfolio = awsservicecatalog.NewPortfolio(f.stack, jsii.String("Portfolio"), &awsservicecatalog.PortfolioProps{
		DisplayName: jsii.String("P"), ProviderName: jsii.String("P"),
	})
	f.role = awsiam.NewRole(f.stack, jsii.String("NotebookRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("sagemaker.amazonaws.com"), nil),
	})
	f.key = awskms.NewKey(f.stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	f.ps = awsservicecatalog.NewProductStack(f.stack, jsii.String("NotebookV1"), nil)
	awssagemaker.NewCfnNotebookInstanceLifecycleConfig(f.ps, jsii.String("Lifecycle"), nil)
	awssagemaker.NewCfnNotebookInstance(f.ps, jsii.String("Notebook"), &awssagemaker.CfnNotebookInstanceProps{
		InstanceType: jsii.String("ml.t3.medium"), RoleArn: jsii.String("arn"),
	})
	f.product = product.New(f.stack, jsii.String("Product"), &product.Props{
		ProductName: jsii.String("Notebook"), Owner: jsii.String("Platform"),
		Versions: []product.Version{{ProductStack: f.ps}},
	})
	return f
}

func (f *fixture) props() *launchrole.Props {
	return &launchrole.Props{
		Portfolio:        f.portfolio,
		Product:          f.product,
		PassRoles:        []awsiam.IRole{f.role},
		KmsKeyArns:       []*string{f.key.KeyArn()},
		SubnetIds:        *jsii.Strings("subnet-0123456789abcdef0"),
		SecurityGroupIds: *jsii.Strings("sg-0123456789abcdef0"),
		InstanceTypes:    []string{"ml.t3.medium", "ml.m5.xlarge"},
		ParameterNames:   []string{"/catalog/notebook/role-arn"},
		TagKeys:          []string{"team:owner", "CostCenter"},
	}
}

type statement struct {
	Sid       string
	Action    any
	Resource  any
	Condition map[string]any
}

func (s statement) actions() []string {
	switch a := s.Action.(type) {
	case string:
		return []string{a}
	case []any:
		out := make([]string, len(a))
		for i, x := range a {
			out[i] = x.(string)
		}
		return out
	}
	return nil
}

// launchPolicy returns the statements of the role Service Catalog assumes.
func launchPolicy(t *testing.T, stack awscdk.Stack) map[string]statement {
	t.Helper()
	tmpl := assertions.Template_FromStack(stack, nil)
	roles := tmpl.FindResources(jsii.String("AWS::IAM::Role"), map[string]any{
		"Properties": map[string]any{"AssumeRolePolicyDocument": map[string]any{"Statement": []any{
			map[string]any{"Principal": map[string]any{"Service": "servicecatalog.amazonaws.com"}},
		}}},
	})
	require.Len(t, *roles, 1, "one launch role")
	out := map[string]statement{}
	for _, r := range *roles {
		policies := (*r)["Properties"].(map[string]any)["Policies"].([]any)
		require.Len(t, policies, 1)
		for _, s := range policies[0].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			m := s.(map[string]any)
			st := statement{Sid: m["Sid"].(string), Action: m["Action"], Resource: m["Resource"]}
			st.Condition, _ = m["Condition"].(map[string]any)
			require.Equal(t, "Allow", m["Effect"])
			out[st.Sid] = st
		}
	}
	return out
}

func TestNotebookPolicy(t *testing.T) {
	f := newFixture()
	lr := launchrole.New(f.stack, jsii.String("LaunchRole"), f.props())
	assert.Equal(t, []string{"AWS::SageMaker::NotebookInstance", "AWS::SageMaker::NotebookInstanceLifecycleConfig"}, lr.ResourceTypes)
	assert.Equal(t, "Test", *awscdk.Stack_Of(lr).Node().Id(), "the L3 is a construct CDK functions accept")

	policy := launchPolicy(t, f.stack)
	wildcardSids := map[string]bool{"NotebookNetworkDescribe": true, "ServiceCatalogTemplateChecks": true, "ServiceCatalogTemplateRead": true}
	for sid, s := range policy {
		for _, a := range s.actions() {
			assert.NotContains(t, a, "*", "%s: wildcard action %s", sid, a)
		}
		if s.Resource == "*" {
			assert.True(t, wildcardSids[sid], "%s: unexpected Resource *", sid)
		}
	}
	for sid := range wildcardSids {
		assert.Equal(t, "*", policy[sid].Resource, sid)
	}

	stacks := testutil.JSON(policy["ServiceCatalogStacks"].Resource)
	assert.Contains(t, stacks, ":stack/SC-*")
	assert.Contains(t, stacks, ":changeSet/SC-*")
	assert.Contains(t, policy["ServiceCatalogStacks"].actions(), "cloudformation:CreateStack")

	assert.Equal(t, map[string]any{"StringEquals": map[string]any{"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}},
		policy["ServiceCatalogTemplateRead"].Condition)
	assert.Equal(t, []string{"s3:GetObject"}, policy["ServiceCatalogTemplateRead"].actions())

	pass := policy["PassNotebookRole"]
	assert.Equal(t, []string{"iam:PassRole"}, pass.actions())
	assert.Equal(t, f.stack.Resolve(f.role.RoleArn()), pass.Resource, "PassRole only on the notebook role")
	assert.Equal(t, map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "sagemaker.amazonaws.com"}}, pass.Condition)

	for _, sid := range []string{"NotebookVolumeKey", "NotebookVolumeKeyGrants"} {
		kms := policy[sid]
		assert.Equal(t, f.stack.Resolve(f.key.KeyArn()), kms.Resource, "KMS only on the notebook key")
	}
	assert.Equal(t, []string{"kms:DescribeKey"}, policy["NotebookVolumeKey"].actions())
	// Grants only for SageMaker's own use of the key: never to a principal.
	assert.Equal(t, []string{"kms:CreateGrant"}, policy["NotebookVolumeKeyGrants"].actions())
	assert.Equal(t, map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}}, policy["NotebookVolumeKeyGrants"].Condition)

	// SageMaker authorizes a create against the name as given (SC-...) and
	// later calls against its lower-case ARNs: every statement has both.
	for _, sid := range []string{"SageMakerNotebookInstance", "CreateSecureNotebookInstance", "UpdateNotebookInstanceWithinLimits", "TagNotebookInstances"} {
		assert.Contains(t, testutil.JSON(policy[sid].Resource), ":notebook-instance/sc-*", sid)
		assert.Contains(t, testutil.JSON(policy[sid].Resource), ":notebook-instance/SC-*", sid)
	}
	assert.Equal(t, []string{"sagemaker:AddTags"}, policy["TagNotebookInstances"].actions())
	assert.Equal(t, map[string]any{"ForAllValues:StringLike": map[string]any{
		"aws:TagKeys": []any{"aws:cloudformation:*", "aws:servicecatalog:*", "team:owner", "CostCenter"}}},
		policy["TagNotebookInstances"].Condition, "tags: the product's keys and those CloudFormation and Service Catalog add")
	// Create and update are allowed only in their conditioned statements.
	assert.Equal(t, []string{"sagemaker:CreateNotebookInstance"}, policy["CreateSecureNotebookInstance"].actions())
	assert.Equal(t, []string{"sagemaker:UpdateNotebookInstance"}, policy["UpdateNotebookInstanceWithinLimits"].actions())
	for sid, s := range policy {
		if sid != "CreateSecureNotebookInstance" && sid != "UpdateNotebookInstanceWithinLimits" {
			assert.NotContains(t, s.actions(), "sagemaker:CreateNotebookInstance", sid)
			assert.NotContains(t, s.actions(), "sagemaker:UpdateNotebookInstance", sid)
		}
	}
	assert.Contains(t, testutil.JSON(policy["SageMakerLifecycleConfig"].Resource), ":notebook-instance-lifecycle-config/sc-*")
	assert.Contains(t, testutil.JSON(policy["SageMakerLifecycleConfig"].Resource), ":notebook-instance-lifecycle-config/SC-*")

	eni := policy["NotebookNetworkInterface"]
	assert.Contains(t, testutil.JSON(eni.Condition), "subnet/subnet-0123456789abcdef0")
	inputs := testutil.JSON(policy["NotebookNetworkInterfaceInputs"].Resource)
	assert.Contains(t, inputs, "subnet/subnet-0123456789abcdef0")
	assert.Contains(t, inputs, "security-group/sg-0123456789abcdef0")
	assert.Contains(t, testutil.JSON(policy["ResolveTemplateParameters"].Resource), ":parameter/catalog/notebook/role-arn")

	// None of the seed's wildcards.
	all := testutil.JSON(policy)
	for _, seed := range []string{"sagemaker:*", "s3:*", "ec2:*", "kms:*", "iam:*", "iam:Get*"} {
		assert.NotContains(t, all, seed)
	}
}

// TestDefenseInDepth: the launch role itself refuses an insecure notebook,
// whatever the template says.
func TestDefenseInDepth(t *testing.T) {
	f := newFixture()
	launchrole.New(f.stack, jsii.String("LaunchRole"), f.props())
	policy := launchPolicy(t, f.stack)

	create := policy["CreateSecureNotebookInstance"].Condition
	require.NotNil(t, create)
	eq := create["StringEquals"].(map[string]any)
	assert.Equal(t, "Disabled", eq["sagemaker:RootAccess"], "root access disabled")
	assert.Equal(t, "Disabled", eq["sagemaker:DirectInternetAccess"], "direct internet access disabled")
	assert.Equal(t, "2", eq["sagemaker:MinimumInstanceMetadataServiceVersion"], "IMDSv2 only")
	// The key the Service Authorization Reference lists (not VolumeKmsKey,
	// which no request carries: a condition on it would refuse every launch).
	require.Contains(t, create["ArnEquals"], "sagemaker:VolumeKmsKeyArn")
	assert.Equal(t, []any{f.stack.Resolve(f.key.KeyArn())}, create["ArnEquals"].(map[string]any)["sagemaker:VolumeKmsKeyArn"],
		"the volume key is the notebook key")
	all := create["ForAllValues:StringEquals"].(map[string]any)
	assert.Equal(t, []any{"ml.t3.medium", "ml.m5.xlarge"}, all["sagemaker:InstanceTypes"], "allowed instance types only")
	assert.Equal(t, []any{"subnet-0123456789abcdef0"}, all["sagemaker:VpcSubnets"], "configured subnets only")
	assert.Equal(t, []any{"sg-0123456789abcdef0"}, all["sagemaker:VpcSecurityGroupIds"], "configured security groups only")
	assert.Equal(t, map[string]any{"sagemaker:InstanceTypes": "false", "sagemaker:VpcSubnets": "false", "sagemaker:VpcSecurityGroupIds": "false",
		"sagemaker:NotebookInstanceLifecycleConfigArns": "false"},
		create["Null"], "the keys must be present: ForAllValues alone matches an empty request")
	// Only the product's own lifecycle configurations, on create and update
	// (sagemaker:NotebookInstanceLifecycleConfigArns).
	lifecycle := fmt.Sprint(create["ForAllValues:ArnLike"])
	assert.Contains(t, lifecycle, "notebook-instance-lifecycle-config/SC-*")

	update := policy["UpdateNotebookInstanceWithinLimits"].Condition
	require.NotNil(t, update)
	assert.Equal(t, []any{"ml.t3.medium", "ml.m5.xlarge"}, update["ForAllValues:StringEquals"].(map[string]any)["sagemaker:InstanceTypes"])
	assert.Equal(t, "Disabled", update["StringEqualsIfExists"].(map[string]any)["sagemaker:RootAccess"])
}

// logicalID is the logical ID of the launch role's IAM role.
func logicalID(lr *launchrole.LaunchRole) string {
	return *awscdk.Stack_Of(lr).GetLogicalId(lr.Role.Node().DefaultChild().(awscdk.CfnElement))
}

func TestConstraintAndTrust(t *testing.T) {
	f := newFixture()
	lr := launchrole.New(f.stack, jsii.String("LaunchRole"), f.props())
	tmpl := assertions.Template_FromStack(f.stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::LaunchRoleConstraint"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::LaunchRoleConstraint"), map[string]any{
		"RoleArn": map[string]any{"Fn::GetAtt": []any{logicalID(lr), "Arn"}},
	})
	tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::PortfolioProductAssociation"), jsii.Number(1))
}

func TestLocalLaunchRole(t *testing.T) {
	f := newFixture()
	props := f.props()
	props.Local, props.RoleName = true, jsii.String("catalog-launch")
	lr := launchrole.New(f.stack, jsii.String("LaunchRole"), props)
	tmpl := assertions.Template_FromStack(f.stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::LaunchRoleConstraint"), map[string]any{
		// Ref of a role is its name: catalog-launch.
		"LocalRoleName": map[string]any{"Ref": logicalID(lr)},
		"RoleArn":       assertions.Match_Absent(),
	})
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{"RoleName": "catalog-launch"})
}

// A name with a token (the region: IAM names are global) works as a local
// launch role's name, which the CDK's L2 refuses.
func TestLocalLaunchRoleNamedWithTheRegion(t *testing.T) {
	f := newFixture()
	props := f.props()
	props.Local, props.RoleName = true, jsii.String("catalog-"+*awscdk.Aws_REGION()+"-launch")
	lr := launchrole.New(f.stack, jsii.String("LaunchRole"), props)
	tmpl := assertions.Template_FromStack(f.stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::LaunchRoleConstraint"), map[string]any{
		"LocalRoleName": map[string]any{"Ref": logicalID(lr)},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"RoleName": map[string]any{"Fn::Join": []any{"", []any{"catalog-", map[string]any{"Ref": "AWS::Region"}, "-launch"}}},
	})
	// The constraint waits for the product to be in the portfolio.
	constraint := tmpl.FindResources(jsii.String("AWS::ServiceCatalog::LaunchRoleConstraint"), nil)
	for _, c := range *constraint {
		assert.Contains(t, fmt.Sprint((*c)["DependsOn"]), "PortfolioProductAssociation")
	}
}

// An account that imports a shared portfolio needs the role, not the constraint.
func TestRoleWithoutConstraint(t *testing.T) {
	f := newFixture()
	props := f.props()
	props.Portfolio, props.Product = nil, nil
	props.ResourceTypes = []string{"AWS::SageMaker::NotebookInstanceLifecycleConfig", "AWS::SageMaker::NotebookInstance"}
	props.RoleName = jsii.String("catalog-launch")
	lr := launchrole.New(f.stack, jsii.String("LaunchRole"), props)
	assert.Equal(t, []string{"AWS::SageMaker::NotebookInstance", "AWS::SageMaker::NotebookInstanceLifecycleConfig"}, lr.ResourceTypes)
	tmpl := assertions.Template_FromStack(f.stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::LaunchRoleConstraint"), jsii.Number(0))
	assert.Contains(t, launchPolicy(t, f.stack), "CreateSecureNotebookInstance")
}

func TestTypesWithoutGrantsStopSynthesis(t *testing.T) {
	f := newFixture()
	awscdk.NewCfnResource(f.ps, jsii.String("Custom"), &awscdk.CfnResourceProps{Type: jsii.String("Custom::Thing")})
	awscdk.NewCfnResource(f.ps, jsii.String("Budget"), &awscdk.CfnResourceProps{Type: jsii.String("AWS::Budgets::Budget")})
	awscdk.NewCfnResource(f.ps, jsii.String("Typo"), &awscdk.CfnResourceProps{Type: jsii.String("AWS::SQS::Queeu")})
	msg := testutil.PanicMessage(func() { launchrole.New(f.stack, jsii.String("LaunchRole"), f.props()) })
	assert.Contains(t, msg, "Test/LaunchRole: ")
	// Every type at fault, at once, with what to do.
	assert.Contains(t, msg, "Custom::Thing: CloudFormation publishes no handler permissions for this type: give its grants in Props.Permissions")
	assert.Contains(t, msg, "AWS::Budgets::Budget: CloudFormation publishes no handler permissions")
	assert.Contains(t, msg, "AWS::SQS::Queeu: not a resource type of the CloudFormation registry")
}

func TestAddingATypeChangesTheRole(t *testing.T) {
	f := newFixture()
	awscdk.NewCfnResource(f.ps, jsii.String("Custom"), &awscdk.CfnResourceProps{Type: jsii.String("Custom::Thing")})
	props := f.props()
	props.Permissions = launchrole.Permissions{"Custom::Thing": {{
		Sid:     "InvokeThing",
		Actions: []string{"lambda:InvokeFunction"},
		Resources: func(c *launchrole.Context) []*string {
			return []*string{c.ColonArn("lambda", "function", "thing-provider")}
		},
	}}}
	lr := launchrole.New(f.stack, jsii.String("LaunchRole"), props)
	assert.Contains(t, lr.ResourceTypes, "Custom::Thing")
	policy := launchPolicy(t, f.stack)
	require.Contains(t, policy, "InvokeThing")
	assert.Equal(t, []string{"lambda:InvokeFunction"}, policy["InvokeThing"].actions())
	assert.Contains(t, testutil.JSON(policy["InvokeThing"].Resource), ":function:thing-provider")
}

func TestTypesAddedAfterNewFailSynthesis(t *testing.T) {
	f := newFixture()
	launchrole.New(f.stack, jsii.String("LaunchRole"), f.props())
	awssns.NewCfnTopic(f.ps, jsii.String("Late"), nil)
	msg := testutil.PanicMessage(func() { f.app.Synth(nil) })
	assert.Contains(t, msg, "resource types changed after its launch role was created")
	assert.Contains(t, msg, "AWS::SNS::Topic")
}

func TestFailsOnMissingScope(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*launchrole.Props)
		want   string
	}{
		{"no portfolio", func(p *launchrole.Props) { p.Portfolio = nil }, "Portfolio: required with Product"},
		{"no product", func(p *launchrole.Props) { p.Product = nil }, "Product: required"},
		{"local without a name", func(p *launchrole.Props) { p.Local = true }, "RoleName: required with Local"},
		{"no pass role", func(p *launchrole.Props) { p.PassRoles = nil }, "Props.PassRoles is empty"},
		{"no key", func(p *launchrole.Props) { p.KmsKeyArns = nil }, "Props.KmsKeyArns is empty"},
		{"no instance types", func(p *launchrole.Props) { p.InstanceTypes = nil }, "Props.InstanceTypes is empty"},
		{"no network", func(p *launchrole.Props) { p.SubnetIds, p.SecurityGroupIds = nil, nil }, "Props.SubnetIds, Props.SecurityGroupIds is empty"},
		{"bad parameter name", func(p *launchrole.Props) { p.ParameterNames = []string{"role-arn"} }, `ParameterNames[0]: invalid value "role-arn"`},
		{"bad role name", func(p *launchrole.Props) { p.RoleName = jsii.String("a role") }, `RoleName: invalid value "a role"`},
		{"role path without slashes", func(p *launchrole.Props) {
			p.RoleCreation = &launchrole.RoleCreation{Path: "notebooks", PermissionsBoundaryArn: jsii.String("arn:aws:iam::123456789012:policy/b")}
		}, `RoleCreation.Path: invalid value "notebooks"`},
		{"root role path", func(p *launchrole.Props) {
			p.RoleCreation = &launchrole.RoleCreation{Path: "/", PermissionsBoundaryArn: jsii.String("arn:aws:iam::123456789012:policy/b")}
		}, `RoleCreation.Path: invalid value "/"`},
		{"role path with a wildcard", func(p *launchrole.Props) {
			p.RoleCreation = &launchrole.RoleCreation{Path: "/a*/", PermissionsBoundaryArn: jsii.String("arn:aws:iam::123456789012:policy/b")}
		}, `RoleCreation.Path: invalid value "/a*/"`},
		{"roles without a boundary", func(p *launchrole.Props) { p.RoleCreation = &launchrole.RoleCreation{Path: "/c/notebooks/"} },
			"RoleCreation.PermissionsBoundaryArn: required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture()
			props := f.props()
			tc.mutate(props)
			msg := testutil.PanicMessage(func() { launchrole.New(f.stack, jsii.String("LaunchRole"), props) })
			assert.Contains(t, msg, tc.want)
		})
	}
}

func TestLifecycleConfigAloneNeedsNoNotebookScope(t *testing.T) {
	f := newFixture()
	ps := awsservicecatalog.NewProductStack(f.stack, jsii.String("LifecycleOnly"), nil)
	awssagemaker.NewCfnNotebookInstanceLifecycleConfig(ps, jsii.String("Lifecycle"), nil)
	p := product.New(f.stack, jsii.String("LifecycleProduct"), &product.Props{
		ProductName: jsii.String("Lifecycle"), Owner: jsii.String("Platform"),
		Versions: []product.Version{{ProductStack: ps}},
	})
	launchrole.New(f.stack, jsii.String("LaunchRole"), &launchrole.Props{Portfolio: f.portfolio, Product: p})
	policy := launchPolicy(t, f.stack)
	assert.Contains(t, policy, "SageMakerLifecycleConfig")
	for _, sid := range []string{"CreateSecureNotebookInstance", "PassNotebookRole", "NotebookNetworkInterface", "ResolveTemplateParameters"} {
		assert.NotContains(t, policy, sid, "a grant the product's types do not need")
	}
}

func TestStatementsRejectsMalformedGrants(t *testing.T) {
	_, stack := testutil.NewStack()
	ctx := &launchrole.Context{Stack: stack}
	for _, tc := range []struct {
		grant launchrole.Grant
		want  string
	}{
		{launchrole.Grant{Sid: "Wild", Actions: []string{"sns:*"}, WildcardReason: "x"}, `action "sns:*" is not an exact IAM action`},
		{launchrole.Grant{Sid: "Star", Actions: []string{"sns:ListTopics"}}, `Resource "*" needs a WildcardReason`},
		{launchrole.Grant{Sid: "bad-sid", Actions: []string{"sns:ListTopics"}, WildcardReason: "x"}, "Sid must be alphanumeric"},
		{launchrole.Grant{Sid: "NoActions", WildcardReason: "x"}, "grant NoActions: no actions"},
		{launchrole.Grant{Sid: "Nothing", Actions: []string{"sns:Publish"}, Resources: func(*launchrole.Context) []*string { return nil }},
			"grant Nothing: its resources resolve to nothing"},
		{launchrole.Grant{Sid: "ServiceCatalogStacks", Actions: []string{"sns:Publish"}, WildcardReason: "x"},
			"grant ServiceCatalogStacks: the Sid is a built-in statement's"},
	} {
		_, err := launchrole.Statements([]string{"Custom::T"}, launchrole.Permissions{"Custom::T": {tc.grant}}, ctx)
		if assert.Error(t, err) {
			assert.Contains(t, err.Error(), tc.want)
		}
	}
}

// Grant mistakes are reported together, each naming its grant or type.
func TestGrantMistakesReportedTogether(t *testing.T) {
	f := newFixture()
	awscdk.NewCfnResource(f.ps, jsii.String("A"), &awscdk.CfnResourceProps{Type: jsii.String("Custom::A")})
	awscdk.NewCfnResource(f.ps, jsii.String("B"), &awscdk.CfnResourceProps{Type: jsii.String("Custom::B")})
	props := f.props()
	empty := func(*launchrole.Context) []*string { return []*string{} }
	one := func(c *launchrole.Context) []*string { return []*string{c.ColonArn("lambda", "function", "a")} }
	props.Permissions = launchrole.Permissions{
		"Custom::A":       {{Sid: "Invoke", Actions: []string{"lambda:InvokeFunction"}, Resources: one}, {Sid: "Nothing", Actions: []string{"sns:Publish"}, Resources: empty}},
		"Custom::B":       {{Sid: "Invoke", Actions: []string{"lambda:InvokeFunction"}, Resources: one}},
		"AWS::SNS::Topic": {},
	}
	msg := testutil.PanicMessage(func() { launchrole.New(f.stack, jsii.String("LaunchRole"), props) })
	for _, want := range []string{
		"Test/LaunchRole: ",
		"Permissions[AWS::SNS::Topic]: no grants",
		"grant Nothing: its resources resolve to nothing",
		"grant Invoke: the Sid is used by two grants of Props.Permissions",
	} {
		assert.Contains(t, msg, want)
	}
}

func TestEveryBuiltInGrantIsWellFormed(t *testing.T) {
	_, stack := testutil.NewStack()
	ctx := &launchrole.Context{
		Stack:        stack,
		PassRoleArns: *jsii.Strings("arn:aws:iam::123456789012:role/r"), KmsKeyArns: *jsii.Strings("arn:aws:kms:eu-west-1:123456789012:key/k"),
		SubnetIds: *jsii.Strings("subnet-1"), SecurityGroupIds: *jsii.Strings("sg-1"), ParameterNames: []string{"/p"},
		InstanceTypes: []string{"ml.t3.medium"},
		RoleCreation: &launchrole.RoleCreation{Path: "/c/notebooks/", PermissionsBoundaryArn: jsii.String("arn:aws:iam::123456789012:policy/b"),
			ManagedPolicyArns: *jsii.Strings("arn:aws:iam::123456789012:policy/p")},
	}
	var types []string
	for typ, grants := range launchrole.DefaultPermissions() {
		types = append(types, typ)
		for _, g := range grants {
			if g.Resources == nil {
				assert.NotEmpty(t, strings.TrimSpace(g.WildcardReason), "%s %s", typ, g.Sid)
			}
		}
	}
	statements, err := launchrole.Statements(types, nil, ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, statements)
}

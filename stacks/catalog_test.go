package stacks_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/internal/config"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
	"github.com/datalake-platform/sagemaker-catalog/stacks"
)

func TestMain(m *testing.M) {
	var err error
	if shared, err = os.MkdirTemp("", "stacks-test-"); err != nil {
		panic(err)
	}
	testutil.Run(m, func() { os.RemoveAll(shared) })
}

// synthesized is one catalog, synthesized once per test binary: a hub, or
// a spoke when the configuration imports a portfolio.
type synthesized struct {
	hub     *stacks.Hub
	spoke   *stacks.Spoke
	parts   stacks.Parts
	stack   awscdk.Stack
	tmpl    assertions.Template
	json    testutil.Template
	product testutil.Template
}

// parse parses context values; snapshots of product versions go to dir.
func parse(values map[string]string, dir string) (config.Config, error) {
	cfg, err := config.Parse(values)
	cfg.ProductVersionsDir = dir
	return cfg, err
}

func synthCatalog(values map[string]string) (*synthesized, error) {
	dir, err := os.MkdirTemp(shared, "versions-")
	if err != nil {
		return nil, err
	}
	cfg, err := parse(values, dir)
	if err != nil {
		return nil, err
	}
	app := testutil.NewApp(nil)
	out := &synthesized{}
	props := &stacks.Props{Config: &cfg}
	if cfg.ImportPortfolioId != "" {
		out.spoke = stacks.NewSpoke(app, jsii.String("Catalog"), props)
		out.stack, out.parts = out.spoke.Stack, out.spoke.Parts
	} else {
		out.hub = stacks.NewHub(app, jsii.String("Catalog"), props)
		out.stack, out.parts = out.hub.Stack, out.hub.Parts
	}
	dirOut := *app.Synth(nil).Directory()
	if out.product, err = testutil.ReadTemplateFile(filepath.Join(dirOut, *out.parts.Template.Stack.TemplateFile())); err != nil {
		return nil, err
	}
	out.tmpl = assertions.Template_FromStack(out.stack, nil)
	out.json = testutil.Template(*out.tmpl.ToJSON())
	return out, nil
}

// catalog synthesizes values once per test binary; a failure fails every
// test that asks for it, without capturing the first test's t.
func catalog(t *testing.T, values map[string]string) *synthesized {
	t.Helper()
	key := fmt.Sprint(values)
	mu.Lock()
	c, ok := cache[key]
	if !ok {
		c = &cached{}
		cache[key] = c
	}
	mu.Unlock()
	c.once.Do(func() { c.s, c.err = synthCatalog(values) })
	require.NoError(t, c.err)
	return c.s
}

type cached struct {
	once sync.Once
	s    *synthesized
	err  error
}

var (
	mu     sync.Mutex
	cache  = map[string]*cached{}
	shared string
)

func onDefaults(t *testing.T) *synthesized { return catalog(t, nil) }

// id is the logical ID of a construct's CloudFormation resource (its
// default child), looked up from the construct the stack exposes.
func id(s *synthesized, c constructs.IConstruct) string {
	if cfn, ok := c.(awscdk.CfnElement); ok {
		return *s.stack.GetLogicalId(cfn)
	}
	return *s.stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

// resource is the synthesized resource of a construct the stack exposes.
func resource(t *testing.T, s *synthesized, c constructs.IConstruct) map[string]any {
	t.Helper()
	r, ok := s.json["Resources"].(map[string]any)[id(s, c)].(map[string]any)
	require.True(t, ok, "no resource %s", id(s, c))
	return r
}

var configuredValues = map[string]string{
	"stackName":         "TeamCatalog",
	"principalArns":     "arn:aws:iam::123456789012:role/analyst,arn:aws:iam::123456789012:group/analysts",
	"principalPatterns": "arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataAnalyst_*",
	"subnetIds":         "subnet-0123456789abcdef0,subnet-0fedcba9876543210",
	"securityGroupIds":  "sg-0123456789abcdef0,sg-0fedcba9876543210",
	"kmsKeyArn":         "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	"dataBucketArns":    "arn:aws:s3:::lake-raw,arn:aws:s3:::lake-curated/sales/",
	"dataAccess":        "read-write",
	"supportEmail":      "platform@example.com",
	"supportUrl":        "https://wiki.example.com/notebooks",
	"notifyStackEvents": "true",
}

func onConfigured(t *testing.T) *synthesized { return catalog(t, configuredValues) }

func TestDefaultNetwork(t *testing.T) {
	s := onDefaults(t)
	s.tmpl.ResourceCountIs(jsii.String("AWS::EC2::VPC"), jsii.Number(1))
	s.tmpl.ResourceCountIs(jsii.String("AWS::EC2::InternetGateway"), jsii.Number(0))
	s.tmpl.ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(0))
	s.tmpl.ResourceCountIs(jsii.String("AWS::EC2::Subnet"), jsii.Number(2))
	s.tmpl.AllResourcesProperties(jsii.String("AWS::EC2::Subnet"), map[string]any{"MapPublicIpOnLaunch": false})
	s.tmpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{"VpcEndpointType": "Gateway"})
	endpoints := testutil.JSON(s.json.Resources("AWS::EC2::VPCEndpoint"))
	for _, svc := range []string{".sagemaker.api", ".sagemaker.runtime", ".notebook", ".sts", ".logs", ".kms", ".s3"} {
		assert.Contains(t, endpoints, svc, "VPC endpoint for %s", svc)
	}
	s.tmpl.ResourceCountIs(jsii.String("AWS::EC2::VPCEndpoint"), jsii.Number(7))
	s.tmpl.AllResourcesProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{})
	s.tmpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{"VpcEndpointType": "Interface", "PrivateDnsEnabled": true})
	// Notebooks speak HTTPS only; endpoints accept HTTPS from notebooks only.
	s.tmpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroupIngress"), map[string]any{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
		"SourceSecurityGroupId": assertions.Match_AnyValue()})
	for _, sg := range s.json.Resources("AWS::EC2::SecurityGroup") {
		props := sg["Properties"].(map[string]any)
		assert.NotContains(t, testutil.JSON(props["SecurityGroupIngress"]), "0.0.0.0/0")
		inline, _ := props["SecurityGroupEgress"].([]any)
		for _, e := range inline {
			egress := e.(map[string]any)
			if egress["CidrIp"] == "255.255.255.255/32" {
				continue // CDK's "no egress" marker
			}
			assert.EqualValues(t, 443, egress["FromPort"], "egress %v", egress)
			assert.EqualValues(t, 443, egress["ToPort"], "egress %v", egress)
		}
	}
	for _, r := range s.json.Resources("AWS::EC2::SecurityGroupEgress") {
		egress := r["Properties"].(map[string]any)
		assert.NotEqual(t, "0.0.0.0/0", egress["CidrIp"], "egress %v", egress)
		assert.EqualValues(t, 443, egress["FromPort"], "egress %v", egress)
		assert.EqualValues(t, 443, egress["ToPort"], "egress %v", egress)
	}
}

func TestDefaultSharedResources(t *testing.T) {
	s := onDefaults(t)
	s.tmpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
	// No role for notebooks here: each notebook's role is in its own stack.
	for id, r := range s.json.Resources("AWS::IAM::Role") {
		assert.NotContains(t, testutil.JSON(r), `"Service":"sagemaker.amazonaws.com"`, id)
	}
	assert.NotContains(t, testutil.JSON(s.json), "AmazonSageMakerFullAccess")
	// The product template finds the shared resources in SSM.
	s.tmpl.ResourceCountIs(jsii.String("AWS::SSM::Parameter"), jsii.Number(3))
	for _, name := range s.parts.Template.Parameters.All() {
		assert.True(t, strings.HasPrefix(name, "/SageMakerCatalog/notebook/"), name)
		s.tmpl.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]any{"Name": name, "Type": "String"})
		assert.Contains(t, testutil.JSON(s.product), "{{resolve:ssm:"+name+"}}")
	}
}

func TestDefaultCatalog(t *testing.T) {
	s := onDefaults(t)
	s.tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::Portfolio"), map[string]any{
		"DisplayName": "SageMaker notebooks", "ProviderName": "Data platform team",
	})
	s.tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::CloudFormationProduct"), map[string]any{
		"Name": "SageMaker notebook", "Owner": "Data platform team",
	})
	s.tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::PortfolioProductAssociation"), jsii.Number(1))
	s.tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::LaunchRoleConstraint"), jsii.Number(1))
	s.tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::TagOption"), map[string]any{"Key": "CostCenter", "Value": "analytics"})
	s.tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::TagOption"), map[string]any{"Key": "Project", "Value": "datalake"})

	// With no principal configured, the stack creates the analyst role and
	// gives it the portfolio.
	require.NotNil(t, s.hub.AnalystRole)
	s.tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::PortfolioPrincipalAssociation"), jsii.Number(1))
	s.tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::PortfolioPrincipalAssociation"), map[string]any{
		"PrincipalARN":  map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^AnalystRole")), "Arn"}},
		"PrincipalType": "IAM",
	})
	s.tmpl.HasOutput(jsii.String("AnalystRoleArn"), map[string]any{})
	s.tmpl.HasOutput(jsii.String("PortfolioId"), map[string]any{})
}

func TestAnalystRoleIsServiceCatalogEndUserOnly(t *testing.T) {
	s := onDefaults(t)
	role := resource(t, s, s.hub.AnalystRole)["Properties"].(map[string]any)
	// Its session name names the workspace owner: only your own user name.
	assert.Contains(t, testutil.JSON(role["AssumeRolePolicyDocument"]), `"Condition":{"StringEquals":{"sts:RoleSessionName":"${aws:username}"}}`)
	assert.Equal(t, []any{map[string]any{"Ref": id(s, s.hub.Analysts.Policy)}}, role["ManagedPolicyArns"], "the analysts' managed policy, and nothing else")
	assert.Nil(t, role["Policies"])
	policyProps := resource(t, s, s.hub.Analysts.Policy)["Properties"].(map[string]any)
	policy := testutil.JSON(policyProps["PolicyDocument"])
	for _, a := range []string{"servicecatalog:ProvisionProduct", "servicecatalog:TerminateProvisionedProduct", "servicecatalog:SearchProducts",
		"servicecatalog:ExecuteProvisionedProductServiceAction", "servicecatalog:DescribeRecord"} {
		assert.Contains(t, policy, a)
	}
	// It has no resource-level permissions or condition keys: it would show
	// everyone's outputs; outputs are in the caller's own records.
	assert.NotContains(t, policy, "servicecatalog:GetProvisionedProductOutputs")
	assert.Contains(t, policy, `"servicecatalog:userLevel":"self"`)
	for _, svc := range []string{"ec2:", "s3:", "ssm:", "iam:", "cloudformation:Create", "cloudformation:Update", "cloudformation:Delete", "kms:",
		`"sagemaker:CreateNotebookInstance"`, "sagemaker:Stop", "sagemaker:Start", "sagemaker:Delete", "sagemaker:AddTags"} {
		assert.NotContains(t, policy, svc, "the analyst acts through Service Catalog only (and opens their own notebooks)")
	}
	// Opening: only notebooks whose owner-id tag is the caller, as a person.
	open := statementsWithSid(t, policyProps, "OpenOwnNotebooks")
	assert.Equal(t, []string{"sagemaker:CreatePresignedNotebookInstanceUrl", "sagemaker:DescribeNotebookInstance"}, asList(open["Action"]))
	assert.Equal(t, map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/sagemaker-catalog:owner-id": "${aws:userid}"}}, open["Condition"])
	s.tmpl.HasOutput(jsii.String("AnalystPolicyName"), map[string]any{})
}

// With your own principals, the catalog creates no role but still the
// analysts' policy, for them to attach.
func TestAnalystPolicyWithoutTheRole(t *testing.T) {
	s := onConfigured(t)
	assert.Nil(t, s.hub.AnalystRole)
	require.NotNil(t, s.hub.Analysts.Policy)
	assert.Contains(t, testutil.JSON(resource(t, s, s.hub.Analysts.Policy)), "OpenOwnNotebooks")
}

// TestNoWildcards checks every IAM statement of the catalog: exact actions,
// and Resource "*" only in statements whose reason is documented.
func TestNoWildcards(t *testing.T) {
	allowed := map[string]bool{
		"NotebookNetworkDescribe": true, "ServiceCatalogTemplateChecks": true, "ServiceCatalogTemplateRead": true,
		"FindProducts": true, "ManageOwnNotebooks": true,
		"ListNotebooks": true, "VerifyProvisionedProducts": true, "TerminateExpiredNotebooks": true,
		// The action's script reads its notebook's provisioned product's records.
		"FindTheActionsRecord": true,
		// The S3 prefix list lookup (network): EC2 Describe actions have no
		// resource-level permissions.
		"DescribeManagedPrefixLists": true,
	}
	for name, s := range map[string]*synthesized{"defaults": onDefaults(t), "configured": onConfigured(t)} {
		for _, stmt := range statements(s.json) {
			for _, a := range asList(stmt["Action"]) {
				assert.NotContains(t, a, "*", "%s: action %s", name, a)
			}
			if stmt["Resource"] == "*" {
				sid, _ := stmt["Sid"].(string)
				assert.True(t, allowed[sid], "%s: Resource * in %s", name, testutil.JSON(stmt))
			}
		}
	}
}

func TestConfiguredNetworkKeyAndPrincipals(t *testing.T) {
	s := onConfigured(t)
	s.tmpl.ResourceCountIs(jsii.String("AWS::EC2::VPC"), jsii.Number(0))
	notebookKeys := s.tmpl.FindResources(jsii.String("AWS::KMS::Key"), map[string]any{
		"Properties": map[string]any{"Description": assertions.Match_StringLikeRegexp(jsii.String("ML storage volumes"))},
	})
	assert.Empty(t, *notebookKeys, "the configured key is used, none created")
	assert.Nil(t, s.hub.AnalystRole)
	s.tmpl.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]any{"Name": "/TeamCatalog/notebook/subnet-id", "Value": "subnet-0123456789abcdef0"})
	s.tmpl.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]any{"Name": "/TeamCatalog/notebook/security-group-2", "Value": "sg-0fedcba9876543210"})
	s.tmpl.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]any{"Name": "/TeamCatalog/notebook/kms-key-arn", "Value": configuredValues["kmsKeyArn"]})
	assert.Len(t, s.product.Only(t, "AWS::SageMaker::NotebookInstance")["SecurityGroupIds"], 2)

	s.tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::PortfolioPrincipalAssociation"), jsii.Number(3))
	s.tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::PortfolioPrincipalAssociation"), map[string]any{
		"PrincipalARN": "arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataAnalyst_*", "PrincipalType": "IAM_PATTERN",
	})
	s.tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::CloudFormationProduct"), map[string]any{
		"SupportEmail": "platform@example.com", "SupportUrl": "https://wiki.example.com/notebooks",
	})

	all := testutil.JSON(s.json)
	// The launch role may attach notebooks only to the configured network and key.
	assert.Contains(t, all, "subnet/subnet-0fedcba9876543210")
	assert.Contains(t, all, "security-group/sg-0fedcba9876543210")
	assert.Contains(t, all, `"Resource":"`+configuredValues["kmsKeyArn"]+`"`)
	// Data lake access: list the buckets, read and write objects (read-write).
	assert.Contains(t, all, `"arn:aws:s3:::lake-raw/*"`)
	assert.Contains(t, all, `"arn:aws:s3:::lake-curated/sales/*"`)
	assert.Contains(t, all, `"s3:prefix":["sales/","sales/*"]`)
	assert.Contains(t, all, "s3:PutObject")
}

func TestStackEventNotifications(t *testing.T) {
	assert.Nil(t, onDefaults(t).hub.StackEvents, "off by default")
	onDefaults(t).tmpl.ResourceCountIs(jsii.String("AWS::SNS::Topic"), jsii.Number(2)) // the lease notices and the operator alarms only
	onDefaults(t).tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::LaunchNotificationConstraint"), jsii.Number(0))

	s := onConfigured(t)
	require.NotNil(t, s.hub.StackEvents)
	s.tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::LaunchNotificationConstraint"), jsii.Number(1))
	s.tmpl.HasResourceProperties(jsii.String("AWS::SNS::Topic"), map[string]any{
		"KmsMasterKeyId": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^StackEventsKey")), "Arn"}},
	})
	policies := s.json.Resources("AWS::SNS::TopicPolicy")
	require.Len(t, policies, 3, "the stack events', the lease notices' and the operator alarms'")
	for id, p := range policies {
		if !strings.HasPrefix(id, "StackEvents") {
			continue
		}
		for _, st := range p["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := st.(map[string]any)
			if st["Effect"] == "Allow" {
				assert.Equal(t, map[string]any{"Service": "servicecatalog.amazonaws.com"}, st["Principal"], "only Service Catalog publishes")
				assert.Equal(t, "sns:Publish", st["Action"])
				assert.Contains(t, testutil.JSON(st["Condition"]), "aws:SourceAccount")
			} else {
				assert.Equal(t, map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}, st["Condition"], "TLS only")
			}
		}
	}
}

// Only the workspace bucket is writable by default: every statement that
// writes objects names it.
func TestDataAccessIsReadOnlyByDefault(t *testing.T) {
	s := onDefaults(t)
	writes := 0
	for _, st := range statements(s.json) {
		actions := asList(st["Action"])
		if st["Effect"] == "Allow" && (slices.Contains(actions, "s3:PutObject") || slices.Contains(actions, "s3:DeleteObject")) {
			writes++
			assert.Contains(t, testutil.JSON(st["Resource"]), id(s, s.parts.Workspaces.Bucket), testutil.JSON(st))
		}
	}
	assert.Equal(t, 2, writes, "the boundary's workspace and status statements")
}

func TestSameCompositionForAppAndStage(t *testing.T) {
	app := testutil.NewApp(nil)
	stage := awscdk.NewStage(app, jsii.String("Prod"), nil)
	cfg, err := parse(nil, t.TempDir())
	require.NoError(t, err)
	s := stacks.NewCatalog(stage, cfg, nil)
	assert.Equal(t, "Prod/SageMakerCatalog", *s.Node().Path())
	assert.Equal(t, "SageMakerCatalog", *s.StackName())
}

func statementsWithSid(t *testing.T, props any, sid string) map[string]any {
	for _, s := range statements(testutil.Template{"Resources": map[string]any{"R": props}}) {
		if s["Sid"] == sid {
			return s
		}
	}
	t.Fatalf("no statement %s", sid)
	return nil
}

func statements(tmpl testutil.Template) []map[string]any {
	var out []map[string]any
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if st, ok := x["Statement"].([]any); ok {
				for _, s := range st {
					if m, ok := s.(map[string]any); ok && m["Action"] != nil && m["Principal"] == nil {
						out = append(out, m)
					}
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(tmpl["Resources"])
	return out
}

func asList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i], _ = e.(string)
		}
		return out
	}
	return nil
}

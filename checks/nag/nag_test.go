package nag_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssagemaker"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/checks"
	"github.com/datalake-platform/sagemaker-catalog/checks/nag"
	"github.com/datalake-platform/sagemaker-catalog/internal/config"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
	"github.com/datalake-platform/sagemaker-catalog/stacks"
)

func TestMain(m *testing.M) { testutil.Run(m) }

var configurations = map[string]map[string]string{
	"defaults": nil,
	"configured": {
		"stackName":         "TeamCatalog",
		"principalArns":     "arn:aws:iam::123456789012:role/analyst",
		"subnetIds":         "subnet-0123456789abcdef0",
		"securityGroupIds":  "sg-0123456789abcdef0",
		"kmsKeyArn":         "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"dataBucketArns":    "arn:aws:s3:::lake-raw,arn:aws:s3:::lake-curated/sales/",
		"dataAccess":        "read-write",
		"notifyStackEvents": "true",
		"shareWithAccounts": "111111111111",
	},
	"spoke": {
		"importPortfolioId": "port-abcdefghijklm",
		"principalPatterns": "arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataAnalyst_*",
	},
	"pipeline": {
		"pipelineConnectionArn": "arn:aws:codeconnections:eu-west-1:123456789012:connection/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
		"pipelineRepository":    "data-platform/sagemaker-catalog",
		"pipelineEnvironment":   "123456789012/eu-west-1",
		"deployEnvironments":    "dev=111111111111/eu-west-1,prod=222222222222/eu-central-1",
	},
}

// findings builds the app as main does (stacks, suppressions, packs), with
// extra added, and returns its unsuppressed findings (error and warning
// annotations), product stacks included.
func findings(t *testing.T, values map[string]string, extra func(awscdk.App)) []string {
	cfg, err := config.Parse(values)
	require.NoError(t, err)
	cfg.ProductVersionsDir = t.TempDir()
	app := testutil.NewApp(nil)
	stacks.New(app, cfg, nil)
	repository := ""
	if cfg.Pipeline != nil {
		repository = cfg.Pipeline.Repository
	}
	checks.Apply(app, cfg.StackName, repository, cfg.DataBucketArns)
	if extra != nil {
		extra(app)
	}
	nag.Apply(app)
	// Findings fail synthesis; collect them from the construct tree either way.
	synthErr := testutil.PanicMessage(func() { app.Synth(nil) })
	var out []string
	products := 0
	for _, c := range *app.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if strings.Contains(*c.Node().Path(), "NotebookProduct/") {
			products++
		}
		for _, m := range *c.Node().Metadata() {
			if *m.Type == "aws:cdk:error" || *m.Type == "aws:cdk:warning" {
				msg := fmt.Sprint(m.Data)
				if i := strings.Index(msg, ":"); i > 0 {
					msg = msg[:i]
				}
				out = append(out, *c.Node().Path()+": "+strings.TrimPrefix(*m.Type, "aws:cdk:")+" "+msg)
			}
		}
	}
	require.NotZero(t, products, "the packs visit the product stack too")
	if len(out) == 0 {
		assert.Empty(t, synthErr)
	}
	return out
}

func TestPacksFindNothingUnsuppressed(t *testing.T) {
	for name, values := range configurations {
		t.Run(name, func(t *testing.T) {
			assert.Empty(t, findings(t, values, nil), "unsuppressed cdk-nag findings")
		})
	}
}

// The check can fail: a role with a wildcard and no suppression, added next
// to the catalog, is reported by every pack that has a rule for it.
func TestPacksReportWhatIsNotSuppressed(t *testing.T) {
	found := findings(t, nil, func(app awscdk.App) {
		stack := awscdk.NewStack(app, jsii.String("Careless"), nil)
		awsiam.NewRole(stack, jsii.String("Admin"), &awsiam.RoleProps{
			AssumedBy: awsiam.NewAccountRootPrincipal(),
			InlinePolicies: &map[string]awsiam.PolicyDocument{"All": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions: jsii.Strings("sagemaker:*"), Resources: jsii.Strings("*"),
				})},
			})},
		})
		// Product stacks are checked too: a notebook with internet access, no VPC, no key.
		ps := awsservicecatalog.NewProductStack(stack, jsii.String("OpenProduct"), nil)
		awssagemaker.NewCfnNotebookInstance(ps, jsii.String("Open"), &awssagemaker.CfnNotebookInstanceProps{
			InstanceType: jsii.String("ml.t3.medium"), RoleArn: jsii.String("arn:aws:iam::123456789012:role/r"),
			DirectInternetAccess: jsii.String("Enabled"),
		})
	})
	all := strings.Join(found, "\n")
	for _, rule := range []string{"AwsSolutions-IAM5", "HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy", "PCI.DSS.321-IAMNoInlinePolicy"} {
		assert.Contains(t, all, "Careless/Admin/Resource: error "+rule)
	}
	for _, rule := range []string{"AwsSolutions-SM1", "AwsSolutions-SM2", "AwsSolutions-SM3"} {
		assert.Contains(t, all, "Careless/OpenProduct/Open: error "+rule)
	}
	assert.NotContains(t, all, "SageMakerCatalog/", "the catalog itself stays clean")
}

func TestEverySuppressionHasAReason(t *testing.T) {
	app := testutil.NewApp(nil)
	cfg, err := config.Parse(configurations["configured"])
	require.NoError(t, err)
	cfg.ProductVersionsDir = t.TempDir()
	hub := stacks.NewHub(app, jsii.String("Catalog"), &stacks.Props{Config: &cfg})
	for _, sup := range append(checks.Catalog(hub.Stack, cfg.StackName, cfg.DataBucketArns), checks.Pipeline("a/b")...) {
		assert.GreaterOrEqual(t, len(sup.Reason), 80, "%s %s: a specific reason", sup.Path, sup.Rule)
		for _, r := range sup.Reason {
			// cdk-nag stores other reasons base64-encoded; ours are written as they are.
			require.Less(t, r, rune(256), "%s %s: reason must be Latin-1", sup.Path, sup.Rule)
		}
		if strings.HasSuffix(sup.Rule, "-IAM5") {
			assert.NotEmpty(t, sup.AppliesTo, "%s %s: IAM5 is granular: suppress with appliesTo", sup.Path, sup.Rule)
		}
	}
}

func TestSuppressionsDocIsGenerated(t *testing.T) {
	doc, err := os.ReadFile("../../docs/suppressions.md")
	require.NoError(t, err)
	assert.Equal(t, checks.Markdown(), string(doc), "run: go generate ./checks")
}

// A suppression of a path the stack does not have is a mistake, not a no-op.
func TestSuppressingAMissingPathFails(t *testing.T) {
	_, stack := testutil.NewStack()
	msg := testutil.PanicMessage(func() {
		checks.Suppress(stack, []checks.Suppression{{Path: "Nothing/Here", Rule: "AwsSolutions-IAM5", Reason: "x"}})
	})
	assert.Contains(t, msg, "a cdk-nag suppression names Nothing/Here, which the stack does not have")
}

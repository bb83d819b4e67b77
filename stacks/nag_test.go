package stacks_test

import (
	"fmt"
	"os"
	"slices"
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

	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
	"github.com/datalake-platform/sagemaker-catalog/stacks"
)

// nagFindings synthesizes a catalog checked by the cdk-nag packs and returns
// its unsuppressed findings (error and warning annotations), product stacks
// included.
func nagFindings(t *testing.T, values map[string]string, extra func(awscdk.App)) (findings []string, s *stacks.CatalogStack) {
	cfg := config(t, values)
	app := testutil.NewApp(nil)
	s = stacks.NewCatalogStack(app, jsii.String("Catalog"), &stacks.CatalogStackProps{Config: &cfg})
	if extra != nil {
		extra(app)
	}
	stacks.ApplyNagPacks(app)
	// Findings fail synthesis; collect them from the construct tree either way.
	synthErr := testutil.PanicMessage(func() { app.Synth(nil) })
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
				findings = append(findings, *c.Node().Path()+": "+strings.TrimPrefix(*m.Type, "aws:cdk:")+" "+msg)
			}
		}
	}
	require.NotZero(t, products, "the packs visit the product stack too")
	if len(findings) == 0 {
		assert.Empty(t, synthErr)
	}
	return findings, s
}

func TestNagPacksFindNothingUnsuppressed(t *testing.T) {
	for name, values := range map[string]map[string]string{"defaults": nil, "configured": configuredValues, "spoke": spokeValues} {
		findings, _ := nagFindings(t, values, nil)
		assert.Empty(t, findings, "%s: unsuppressed cdk-nag findings", name)
	}
}

// The check can fail: a role with a wildcard and no suppression, added next
// to the catalog, is reported by every pack that has a rule for it.
func TestNagPacksReportWhatIsNotSuppressed(t *testing.T) {
	findings, _ := nagFindings(t, nil, func(app awscdk.App) {
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
	all := strings.Join(findings, "\n")
	for _, rule := range []string{"AwsSolutions-IAM5", "HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy", "PCI.DSS.321-IAMNoInlinePolicy"} {
		assert.Contains(t, all, "Careless/Admin/Resource: error "+rule)
	}
	for _, rule := range []string{"AwsSolutions-SM1", "AwsSolutions-SM2", "AwsSolutions-SM3"} {
		assert.Contains(t, all, "Careless/OpenProduct/Open: error "+rule)
	}
	assert.NotContains(t, all, "Catalog/", "the catalog itself stays clean")
}

func TestEverySuppressionHasAReason(t *testing.T) {
	cfg := config(t, configuredValues)
	s := stacks.NewCatalogStack(testutil.NewApp(nil), jsii.String("Catalog"), &stacks.CatalogStackProps{Config: &cfg})
	for _, sup := range s.Suppressions() {
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

func TestReadmeListsEverySuppression(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	cfg := config(t, configuredValues)
	s := stacks.NewCatalogStack(testutil.NewApp(nil), jsii.String("Catalog"), &stacks.CatalogStackProps{Config: &cfg})
	pipeline := stacks.NewPipelineStack(testutil.NewApp(nil), jsii.String("SageMakerCatalog-pipeline"), config(t, pipelineValues))
	for _, sup := range slices.Concat(s.Suppressions(), onDefaults(t).stack.Suppressions(), pipeline.Suppressions()) {
		rule := sup.Rule[strings.LastIndex(sup.Rule, "-")+1:]
		path := strings.Replace(sup.Path, "data-platform_sagemaker-catalog", "<owner_repo>", 1)
		assert.True(t, strings.Contains(string(readme), "`"+path+"`"), "README lists no suppression for %s", path)
		assert.True(t, strings.Contains(string(readme), rule), "README does not name %s", rule)
	}
}

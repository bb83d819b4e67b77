package stackevents_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/stackevents"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Run(m) }

func newPortfolioAndProduct(stack awscdk.Stack) (awsservicecatalog.Portfolio, awsservicecatalog.CloudFormationProduct) {
	portfolio := awsservicecatalog.NewPortfolio(stack, jsii.String("Portfolio"), &awsservicecatalog.PortfolioProps{
		DisplayName: jsii.String("Notebooks"), ProviderName: jsii.String("Platform"),
	})
	product := awsservicecatalog.NewCloudFormationProduct(stack, jsii.String("Product"), &awsservicecatalog.CloudFormationProductProps{
		ProductName: jsii.String("Notebook"), Owner: jsii.String("Platform"),
		ProductVersions: &[]*awsservicecatalog.CloudFormationProductVersion{{
			CloudFormationTemplate: awsservicecatalog.CloudFormationTemplate_FromUrl(jsii.String("https://example.com/notebook.yaml")),
		}},
	})
	return portfolio, product
}

func id(stack awscdk.Stack, c constructs.IConstruct) string {
	return *stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

func resources(stack awscdk.Stack, typ string) []map[string]any {
	var out []map[string]any
	for _, r := range *assertions.Template_FromStack(stack, nil).FindResources(jsii.String(typ), nil) {
		out = append(out, *r)
	}
	return out
}

func only(t *testing.T, stack awscdk.Stack, typ string) map[string]any {
	t.Helper()
	rs := resources(stack, typ)
	require.Len(t, rs, 1, typ)
	return rs[0]["Properties"].(map[string]any)
}

var sameAccount = map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}}}

func TestTopicKeyAndConstraint(t *testing.T) {
	_, stack := testutil.NewStack()
	portfolio, product := newPortfolioAndProduct(stack)
	e := stackevents.New(stack, jsii.String("StackEvents"), &stackevents.Props{Portfolio: portfolio, Product: product})

	topicID := id(stack, e.Topic)
	assert.Equal(t, "Test/StackEvents/Resource", *e.Topic.Node().Path())
	assert.Equal(t, map[string]any{"Ref": topicID}, stack.Resolve(e.TopicArn()))

	// The topic: encrypted with the construct's own key.
	topic := only(t, stack, "AWS::SNS::Topic")
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{id(stack, e.Key), "Arn"}}, topic["KmsMasterKeyId"])
	assert.Contains(t, topic["DisplayName"], "provisioned stack events")

	// Only Service Catalog of this account publishes, over TLS.
	policy := only(t, stack, "AWS::SNS::TopicPolicy")
	assert.Equal(t, []any{map[string]any{"Ref": topicID}}, policy["Topics"])
	var allow, deny int
	for _, s := range policy["PolicyDocument"].(map[string]any)["Statement"].([]any) {
		st := s.(map[string]any)
		switch st["Effect"] {
		case "Allow":
			allow++
			assert.Equal(t, "OnlyServiceCatalogPublishes", st["Sid"])
			assert.Equal(t, map[string]any{"Service": "servicecatalog.amazonaws.com"}, st["Principal"])
			assert.Equal(t, "sns:Publish", st["Action"])
			assert.Equal(t, map[string]any{"Ref": topicID}, st["Resource"])
			assert.Equal(t, sameAccount, st["Condition"])
		case "Deny":
			deny++
			assert.Equal(t, map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}, st["Condition"])
		}
	}
	assert.Equal(t, [2]int{1, 1}, [2]int{allow, deny})

	// Its key lets Service Catalog of this account encrypt for it.
	keys := resources(stack, "AWS::KMS::Key")
	require.Len(t, keys, 1)
	key := keys[0]["Properties"].(map[string]any)
	assert.Equal(t, true, key["EnableKeyRotation"])
	var sc map[string]any
	for _, s := range key["KeyPolicy"].(map[string]any)["Statement"].([]any) {
		if s.(map[string]any)["Sid"] == "ServiceCatalogPublishesEncrypted" {
			sc = s.(map[string]any)
		}
	}
	require.NotNil(t, sc)
	assert.Equal(t, map[string]any{"Service": "servicecatalog.amazonaws.com"}, sc["Principal"])
	assert.Equal(t, []any{"kms:Decrypt", "kms:GenerateDataKey"}, sc["Action"])
	assert.Equal(t, sameAccount, sc["Condition"])

	// The launch notification constraint.
	c := only(t, stack, "AWS::ServiceCatalog::LaunchNotificationConstraint")
	assert.Equal(t, map[string]any{"Ref": id(stack, portfolio)}, c["PortfolioId"])
	assert.Equal(t, map[string]any{"Ref": id(stack, product)}, c["ProductId"])
	assert.Equal(t, []any{map[string]any{"Ref": topicID}}, c["NotificationArns"])
	assert.Contains(t, c["Description"], "stack events")
}

// Props given as tokens: a portfolio and a product imported by parameters'
// ARNs.
func TestTokens(t *testing.T) {
	_, stack := testutil.NewStack()
	portfolioArn := awscdk.NewCfnParameter(stack, jsii.String("PortfolioArn"), nil)
	productArn := awscdk.NewCfnParameter(stack, jsii.String("ProductArn"), nil)
	e := stackevents.New(stack, jsii.String("StackEvents"), &stackevents.Props{
		Portfolio: awsservicecatalog.Portfolio_FromPortfolioArn(stack, jsii.String("Portfolio"), portfolioArn.ValueAsString()),
		Product:   awsservicecatalog.Product_FromProductArn(stack, jsii.String("Product"), productArn.ValueAsString()),
	})
	c := only(t, stack, "AWS::ServiceCatalog::LaunchNotificationConstraint")
	assert.Contains(t, testutil.JSON(c["PortfolioId"]), `{"Ref":"PortfolioArn"}`)
	assert.Contains(t, testutil.JSON(c["ProductId"]), `{"Ref":"ProductArn"}`)
	assert.Equal(t, []any{map[string]any{"Ref": id(stack, e.Topic)}}, c["NotificationArns"])
}

func TestFailsOnMissingProps(t *testing.T) {
	for _, tc := range []struct {
		name               string
		portfolio, product bool
		want               []string
	}{
		{"fails without a portfolio", false, true, []string{"Test/StackEvents: stackevents.Props: Portfolio: required"}},
		{"fails without a product", true, false, []string{"Test/StackEvents: stackevents.Props: Product: required"}},
		{"fails without both", false, false, []string{"Test/StackEvents: stackevents.Props: Portfolio: required", "\nstackevents.Props: Product: required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stack := testutil.NewStack()
			portfolio, product := newPortfolioAndProduct(stack)
			props := &stackevents.Props{}
			if tc.portfolio {
				props.Portfolio = portfolio
			}
			if tc.product {
				props.Product = product
			}
			msg := testutil.PanicMessage(func() { stackevents.New(stack, jsii.String("StackEvents"), props) })
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
			assert.Error(t, props.Validate())
		})
	}

	_, stack := testutil.NewStack()
	msg := testutil.PanicMessage(func() { stackevents.New(stack, jsii.String("StackEvents"), nil) })
	assert.Contains(t, msg, "Portfolio: required")
	assert.Contains(t, msg, "Product: required")
}

package portfolio_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/portfolio"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

// A library portfolio has no name of its own to fall back on: a portfolio
// without one is an error, not "SageMaker notebooks".
func TestFailsWithoutNames(t *testing.T) {
	_, stack := testutil.NewStack()
	msg := testutil.PanicMessage(func() { portfolio.New(stack, jsii.String("Portfolio"), nil) })
	require.NotEmpty(t, msg, "New should panic")
	assert.Contains(t, msg, "Test/Portfolio: DisplayName: required")
	assert.Contains(t, msg, "Test/Portfolio: ProviderName: required")
	assert.ErrorContains(t, (&portfolio.Props{DisplayName: jsii.String("")}).Validate(), "DisplayName: required")
}

// Values known only at deploy time are passed through unchecked.
func TestAcceptsTokens(t *testing.T) {
	_, stack := testutil.NewStack()
	name := awscdk.NewCfnParameter(stack, jsii.String("Name"), &awscdk.CfnParameterProps{Type: jsii.String("String")})
	portfolio.New(stack, jsii.String("Portfolio"), &portfolio.Props{
		DisplayName: name.ValueAsString(), ProviderName: name.ValueAsString(), Description: name.ValueAsString(),
	})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::ServiceCatalog::Portfolio"), map[string]any{
		"DisplayName": map[string]any{"Ref": "Name"}, "ProviderName": map[string]any{"Ref": "Name"},
	})
}

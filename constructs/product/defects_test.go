package product_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/product"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

// The limits of the awsservicecatalog L2 (CloudFormationProduct's
// validateProductProps): product name 1-100 characters, version name
// at most 100, version description at most 8191. Checked here first, so
// the error names the field instead of being a jsii trace.
func TestNameLimitsAreTheL2s(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*product.Props)
		want   string
	}{
		{"product name", func(p *product.Props) { p.ProductName = jsii.String(strings.Repeat("n", 101)) }, "ProductName: invalid value"},
		{"version name", func(p *product.Props) { p.Versions[0].Name = jsii.String(strings.Repeat("v", 101)) }, "Versions[0].Name: invalid value"},
		{"version description", func(p *product.Props) { p.Versions[0].Description = jsii.String(strings.Repeat("d", 8192)) }, "Versions[0].Description: invalid value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stack := testutil.NewStack()
			props := &product.Props{ProductName: jsii.String("N"), Owner: jsii.String("O"), Versions: []product.Version{{ProductStack: productStack(stack, "PS")}}}
			tc.mutate(props)
			msg := testutil.PanicMessage(func() { product.New(stack, jsii.String("Product"), props) })
			require.NotEmpty(t, msg, "New should panic")
			assert.Contains(t, msg, "Test/Product: "+tc.want)
			assert.ErrorContains(t, props.Validate(), tc.want)
		})
	}
	_, stack := testutil.NewStack()
	product.New(stack, jsii.String("Product"), &product.Props{ProductName: jsii.String(strings.Repeat("n", 100)), Owner: jsii.String("O"),
		Versions: []product.Version{{ProductStack: productStack(stack, "PS")}}})
}

func TestHistoryPropsValidate(t *testing.T) {
	err := (&product.HistoryProps{Directory: jsii.String("relative")}).Validate()
	require.Error(t, err)
	for _, want := range []string{"ProductStack: required", "Current: required", `Directory: invalid value "relative"`} {
		assert.Contains(t, err.Error(), want)
	}
}

// Values known only at deploy time are passed through unchecked.
func TestAcceptsTokens(t *testing.T) {
	_, stack := testutil.NewStack()
	param := func(id string) *string {
		return awscdk.NewCfnParameter(stack, jsii.String(id), &awscdk.CfnParameterProps{Type: jsii.String("String")}).ValueAsString()
	}
	product.New(stack, jsii.String("Product"), &product.Props{
		ProductName: param("Name"), Owner: param("Owner"), SupportEmail: param("Email"), SupportUrl: param("Url"),
		Versions: []product.Version{{Name: param("Version"), ProductStack: productStack(stack, "PS")}},
	})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::ServiceCatalog::CloudFormationProduct"), map[string]any{
		"Name": map[string]any{"Ref": "Name"}, "SupportEmail": map[string]any{"Ref": "Email"},
	})
}

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

func TestMain(m *testing.M) { testutil.Run(m) }

func TestDefaults(t *testing.T) {
	_, stack := testutil.NewStack()
	p := portfolio.New(stack, jsii.String("Portfolio"), &portfolio.Props{DisplayName: jsii.String("D"), ProviderName: jsii.String("P")})

	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::Portfolio"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::Portfolio"), map[string]any{
		"DisplayName": "D", "ProviderName": "P", "Description": assertions.Match_Absent(),
	})
	tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::TagOption"), jsii.Number(0))
	assert.Nil(t, p.TagOptions)
	// The L3 is a construct in its own right: CDK functions accept it.
	assert.Equal(t, "Test", *awscdk.Stack_Of(p).Node().Id())
	// PortfolioId is the L2's portfolio's reference.
	assert.Equal(t, map[string]any{"Ref": *stack.GetLogicalId(p.Portfolio.Node().DefaultChild().(awscdk.CfnElement))},
		stack.Resolve(p.PortfolioId()))
}

func TestPropsAndTagOptions(t *testing.T) {
	_, stack := testutil.NewStack()
	props := &portfolio.Props{
		DisplayName:  jsii.String("Data lake"),
		ProviderName: jsii.String("Platform"),
		Description:  jsii.String("Notebooks"),
		TagOptions: map[string][]string{
			"CostCenter": {"cc-1", "cc-2"},
			"Project":    {"lake"},
		},
	}
	p := portfolio.New(stack, jsii.String("Portfolio"), props)

	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::Portfolio"), map[string]any{
		"DisplayName": "Data lake", "ProviderName": "Platform", "Description": "Notebooks",
	})
	tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::TagOption"), jsii.Number(3))
	tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::TagOptionAssociation"), jsii.Number(3))
	for _, v := range []string{"cc-1", "cc-2"} {
		tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::TagOption"), map[string]any{"Key": "CostCenter", "Value": v})
	}
	tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::TagOption"), map[string]any{"Key": "Project", "Value": "lake"})
	assert.NotNil(t, p.TagOptions)
	// The caller's props are not written to.
	assert.Equal(t, []string{"cc-1", "cc-2"}, props.TagOptions["CostCenter"])
}

func TestFailsOnInvalidProps(t *testing.T) {
	long := string(make([]byte, 101))
	for _, tc := range []struct {
		name  string
		props portfolio.Props
		want  []string
	}{
		{"display name too long", portfolio.Props{DisplayName: jsii.String(long), ProviderName: jsii.String("P")}, []string{"Test/Portfolio: DisplayName: invalid value", "between 1 and 100"}},
		{"provider name too long", portfolio.Props{DisplayName: jsii.String("D"), ProviderName: jsii.String(long[:51])}, []string{"ProviderName", "between 1 and 50"}},
		{"reserved tag key", portfolio.Props{TagOptions: map[string][]string{"aws:cost": {"a"}}}, []string{"TagOptions", `"aws:cost"`, "reserved"}},
		{"tag key without values", portfolio.Props{TagOptions: map[string][]string{"CostCenter": nil}}, []string{"TagOptions[CostCenter]", "no allowed values"}},
		{"duplicate tag value", portfolio.Props{TagOptions: map[string][]string{"CostCenter": {"a", "a"}}}, []string{"TagOptions[CostCenter]", `"a"`, "once"}},
		{"empty tag value", portfolio.Props{TagOptions: map[string][]string{"CostCenter": {""}}}, []string{"TagOptions[CostCenter]", "1-256"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stack := testutil.NewStack()
			msg := testutil.PanicMessage(func() { portfolio.New(stack, jsii.String("Portfolio"), &tc.props) })
			require.NotEmpty(t, msg, "New should panic")
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
			assert.Error(t, tc.props.Validate())
		})
	}
}

func TestReportsAllProblemsAtOnce(t *testing.T) {
	err := (&portfolio.Props{
		DisplayName: jsii.String(string(make([]byte, 200))),
		TagOptions:  map[string][]string{"aws:x": {"v"}},
	}).Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "DisplayName")
	assert.Contains(t, err.Error(), "aws:x")
}

package principals_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/principals"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Run(m) }

const (
	role    = "arn:aws:iam::123456789012:role/analyst"
	user    = "arn:aws:iam::123456789012:user/path/alice"
	group   = "arn:aws:iam::123456789012:group/analysts"
	sso     = "arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataAnalyst_*"
	saml    = "arn:aws:iam:::role/saml/Analyst-??????"
	assocTy = "AWS::ServiceCatalog::PortfolioPrincipalAssociation"
)

func newPortfolio(stack awscdk.Stack) awsservicecatalog.Portfolio {
	return awsservicecatalog.NewPortfolio(stack, jsii.String("Portfolio"), &awsservicecatalog.PortfolioProps{
		DisplayName: jsii.String("P"), ProviderName: jsii.String("P"),
	})
}

func TestArnsAndPatterns(t *testing.T) {
	_, stack := testutil.NewStack()
	p := principals.New(stack, jsii.String("Principals"), &principals.Props{
		Portfolio:     newPortfolio(stack),
		PrincipalArns: []string{role, user, group},
		Patterns:      []string{sso, saml},
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String(assocTy), jsii.Number(5))
	for _, arn := range []string{role, user, group} {
		tmpl.HasResourceProperties(jsii.String(assocTy), map[string]any{"PrincipalARN": arn, "PrincipalType": "IAM"})
	}
	for _, pattern := range []string{sso, saml} {
		tmpl.HasResourceProperties(jsii.String(assocTy), map[string]any{"PrincipalARN": pattern, "PrincipalType": "IAM_PATTERN"})
	}
	assert.Len(t, p.Roles, 1)
	assert.Len(t, p.Users, 1)
	assert.Len(t, p.Groups, 1)
	assert.Len(t, p.PatternAssociations, 2)
	assert.Equal(t, []string{role, user, group, sso, saml}, p.Arns())
	assert.Equal(t, "Test", *awscdk.Stack_Of(p).Node().Id(), "the L3 is a construct CDK functions accept")
}

func TestIdempotent(t *testing.T) {
	_, stack := testutil.NewStack()
	portfolio := newPortfolio(stack)
	props := &principals.Props{Portfolio: portfolio, PrincipalArns: []string{role, role}, Patterns: []string{sso, sso}}
	first := principals.New(stack, jsii.String("First"), props)
	second := principals.New(stack, jsii.String("Second"), props)

	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String(assocTy), jsii.Number(2))
	assert.Len(t, first.Roles, 1)
	require.Len(t, second.PatternAssociations, 1)
	assert.Equal(t, *first.PatternAssociations[0].Node().Path(), *second.PatternAssociations[0].Node().Path(),
		"the same pattern shares one association")
}

func TestImportedPortfolio(t *testing.T) {
	_, stack := testutil.NewStack()
	imported := awsservicecatalog.Portfolio_FromPortfolioArn(stack, jsii.String("Shared"),
		jsii.String("arn:aws:catalog:eu-west-1:111111111111:portfolio/port-abcdefghijklm"))
	p := principals.New(stack, jsii.String("Principals"), &principals.Props{
		Portfolio: imported, PrincipalArns: []string{role}, Patterns: []string{sso, sso},
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String(assocTy), jsii.Number(2))
	tmpl.HasResourceProperties(jsii.String(assocTy), map[string]any{"PortfolioId": "port-abcdefghijklm", "PrincipalType": "IAM_PATTERN"})
	tmpl.HasResourceProperties(jsii.String(assocTy), map[string]any{"PortfolioId": "port-abcdefghijklm", "PrincipalARN": role})
	assert.Len(t, p.PatternAssociations, 1)
}

func TestAssociationIdsDoNotDependOnOrder(t *testing.T) {
	paths := func(patterns ...string) map[string]bool {
		_, stack := testutil.NewStack()
		p := principals.New(stack, jsii.String("P"), &principals.Props{Portfolio: newPortfolio(stack), Patterns: patterns})
		out := map[string]bool{}
		for _, a := range p.PatternAssociations {
			out[*a.Node().Path()] = true
		}
		return out
	}
	assert.Equal(t, paths(sso, saml), paths(saml, sso))
}

func TestFailsOnInvalidProps(t *testing.T) {
	tooMany := make([]string, principals.MaxPatterns+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("arn:aws:iam:::role/team%d/*", i)
	}
	for _, tc := range []struct {
		name  string
		props principals.Props
		want  []string
	}{
		{"no portfolio", principals.Props{PrincipalArns: []string{role}}, []string{"Portfolio: required"}},
		{"wildcard in an ARN", principals.Props{PrincipalArns: []string{"arn:aws:iam::123456789012:role/analyst-*"}}, []string{"PrincipalArns[0]", "analyst-*", "use Patterns"}},
		{"not an IAM ARN", principals.Props{PrincipalArns: []string{"arn:aws:s3:::bucket"}}, []string{"PrincipalArns[0]", "arn:aws:s3:::bucket"}},
		{"short account", principals.Props{PrincipalArns: []string{"arn:aws:iam::1234:role/a"}}, []string{"PrincipalArns[0]"}},
		{"unknown partition", principals.Props{PrincipalArns: []string{"arn:aws-xx:iam::123456789012:role/a"}}, []string{"PrincipalArns[0]"}},
		{"pattern with an account", principals.Props{Patterns: []string{"arn:aws:iam::123456789012:role/a*"}}, []string{"Patterns[0]", "empty account field"}},
		{"too many patterns", principals.Props{Patterns: tooMany}, []string{"Patterns: 11 patterns given", "at most 10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stack := testutil.NewStack()
			props := tc.props
			if tc.name != "no portfolio" {
				props.Portfolio = newPortfolio(stack)
			}
			msg := testutil.PanicMessage(func() { principals.New(stack, jsii.String("Principals"), &props) })
			require.NotEmpty(t, msg, "New should panic")
			assert.Contains(t, msg, "Test/Principals: ")
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
		})
	}
}

package principals_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/principals"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

// An ARN known only at deploy time, such as role.RoleArn() of a role in the
// same app, is associated as given (PrincipalType IAM).
func TestTokenArn(t *testing.T) {
	_, stack := testutil.NewStack()
	role := awsiam.NewRole(stack, jsii.String("Analyst"), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()})
	param := awscdk.NewCfnParameter(stack, jsii.String("AnalystArn"), &awscdk.CfnParameterProps{Type: jsii.String("String")})
	var p *principals.Principals
	msg := testutil.PanicMessage(func() {
		p = principals.New(stack, jsii.String("Principals"), &principals.Props{
			Portfolio:     newPortfolio(stack),
			PrincipalArns: []string{*role.RoleArn(), *param.ValueAsString(), *role.RoleArn()},
		})
	})
	require.Empty(t, msg)
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String(assocTy), jsii.Number(2))
	tmpl.HasResourceProperties(jsii.String(assocTy), map[string]any{
		"PrincipalARN":  map[string]any{"Fn::GetAtt": []any{*stack.GetLogicalId(role.Node().DefaultChild().(awscdk.CfnElement)), "Arn"}},
		"PrincipalType": "IAM",
	})
	tmpl.HasResourceProperties(jsii.String(assocTy), map[string]any{"PrincipalARN": map[string]any{"Ref": "AnalystArn"}, "PrincipalType": "IAM"})
	assert.Len(t, p.Arns(), 2)
}

// The association of a token ARN has an ID derived from what the token
// stands for, not from the order tokens were made in.
func TestTokenArnIDsAreStable(t *testing.T) {
	paths := func(extraTokens int) []string {
		_, stack := testutil.NewStack()
		for i := 0; i < extraTokens; i++ {
			awscdk.Fn_Join(jsii.String("-"), jsii.Strings("a", "b")) // shifts the token counter
			awscdk.Token_AsString(awscdk.Fn_Split(jsii.String(","), awscdk.Aws_ACCOUNT_ID(), nil), nil)
		}
		role := awsiam.NewRole(stack, jsii.String("Analyst"), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()})
		p := principals.New(stack, jsii.String("Principals"), &principals.Props{Portfolio: newPortfolio(stack), PrincipalArns: []string{*role.RoleArn()}})
		var out []string
		for _, c := range *p.Node().Children() {
			out = append(out, *c.Node().Path())
		}
		return out
	}
	assert.Equal(t, paths(0), paths(3))
}

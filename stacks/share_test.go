package stacks_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var spokeValues = map[string]string{
	"importPortfolioId": "port-abcdefghijklm",
	"principalPatterns": "arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataAnalyst_*",
}

func TestHubSharesPortfolioAndNamesItsLaunchRole(t *testing.T) {
	s := catalog(t, map[string]string{"shareWithAccounts": "111111111111,222222222222"})
	s.tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::PortfolioShare"), jsii.Number(2))
	for _, account := range []string{"111111111111", "222222222222"} {
		s.tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::PortfolioShare"), map[string]any{
			"AccountId": account, "ShareTagOptions": true,
		})
	}
	// The constraint names the role, so each account uses its own.
	s.tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::LaunchRoleConstraint"), map[string]any{
		"LocalRoleName": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^LaunchRole"))},
		"RoleArn":       assertions.Match_Absent(),
	})
	s.tmpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"RoleName": map[string]any{"Fn::Join": []any{"", []any{"SageMakerCatalog-", map[string]any{"Ref": "AWS::Region"}, "-launch"}}},
	})
}

func TestSpokeAcceptsTheShareAndCreatesTheNamedRole(t *testing.T) {
	spoke := catalog(t, spokeValues)
	require.NotNil(t, spoke.spoke)
	for _, typ := range []string{"AWS::ServiceCatalog::Portfolio", "AWS::ServiceCatalog::CloudFormationProduct", "AWS::ServiceCatalog::LaunchRoleConstraint"} {
		spoke.tmpl.ResourceCountIs(jsii.String(typ), jsii.Number(0))
	}
	spoke.tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::AcceptedPortfolioShare"), map[string]any{"PortfolioId": "port-abcdefghijklm"})
	spoke.tmpl.HasResource(jsii.String("AWS::ServiceCatalog::PortfolioPrincipalAssociation"), map[string]any{
		"Properties": map[string]any{"PortfolioId": "port-abcdefghijklm", "PrincipalType": "IAM_PATTERN"},
		"DependsOn":  []any{assertions.Match_StringLikeRegexp(jsii.String("^AcceptedShare"))},
	})
	spoke.tmpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"RoleName": map[string]any{"Fn::Join": []any{"", []any{"SageMakerCatalog-", map[string]any{"Ref": "AWS::Region"}, "-launch"}}},
	})

	// The spoke's role has the hub's statements, and the spoke publishes the
	// same parameters the shared product template reads.
	hub := catalog(t, map[string]string{"shareWithAccounts": "111111111111"})
	sids := func(s *synthesized) []string {
		var out []string
		for _, st := range statements(s.json) {
			if sid, ok := st["Sid"].(string); ok {
				out = append(out, sid)
			}
		}
		return out
	}
	for _, sid := range []string{"CreateSecureNotebookInstance", "PassNotebookRole", "NotebookVolumeKey", "ResolveTemplateParameters"} {
		assert.Contains(t, sids(spoke), sid)
	}
	require.Equal(t, hub.parts.Template.Parameters, spoke.parts.Template.Parameters)
	for _, name := range spoke.parts.Template.Parameters.All() {
		spoke.tmpl.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]any{"Name": name})
	}
}

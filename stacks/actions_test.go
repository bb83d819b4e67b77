package stacks_test

import (
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

// The hub composes the actions with the notebooks' network, key and roles,
// and analysts run them through Service Catalog only.
func TestSelfServiceActions(t *testing.T) {
	s := onDefaults(t)
	require.Len(t, s.hub.Actions.Actions, 2, "Stop and Start: opening needs no action")
	s.tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::ServiceAction"), jsii.Number(2))
	s.tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::ServiceActionAssociation"), jsii.Number(2))

	start := s.hub.Actions.Actions[1]
	require.Equal(t, "StartNotebook", start.Name)
	policies := s.tmpl.FindResources(jsii.String("AWS::IAM::Policy"), map[string]any{
		"Properties": map[string]any{"Roles": []any{map[string]any{"Ref": id(s, start.Role)}}},
	})
	require.Len(t, *policies, 1)
	for _, p := range *policies {
		doc := testutil.JSON((*p)["Properties"])
		// Starting needs what creating did, on the hub's own key, network and notebook roles.
		assert.Contains(t, doc, id(s, s.hub.NotebookKey))
		assert.Contains(t, doc, `"iam:PassedToService":"sagemaker.amazonaws.com"`)
		assert.Contains(t, doc, `/notebooks/*`)
		assert.Contains(t, doc, "ec2:CreateNetworkInterface")
	}
	trust := testutil.JSON(resource(t, s, start.Role)["Properties"].(map[string]any)["AssumeRolePolicyDocument"])
	assert.Contains(t, trust, `"servicecatalog.amazonaws.com"`, "Service Catalog assumes it to start the automation")
	assert.Contains(t, trust, `"ssm.amazonaws.com"`, "SSM assumes it to run the automation")

	// The analyst runs actions on what they launched, and starts no automation themselves.
	policy := resource(t, s, s.hub.Analysts.Policy)["Properties"]
	manage := statementsWithSid(t, policy, "ManageOwnNotebooks")
	assert.Contains(t, asList(manage["Action"]), "servicecatalog:ExecuteProvisionedProductServiceAction")
	assert.Equal(t, map[string]any{"StringEquals": map[string]any{"servicecatalog:userLevel": "self"}}, manage["Condition"])
	assert.NotContains(t, testutil.JSON(policy), "ssm:")
	assert.NotContains(t, testutil.JSON(policy), "iam:PassRole")
}

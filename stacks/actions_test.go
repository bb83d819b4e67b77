package stacks_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

func TestSelfServiceActions(t *testing.T) {
	s := onDefaults(t)
	require.Len(t, s.hub.Actions.Actions, 3)
	s.tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::ServiceAction"), jsii.Number(3))
	s.tmpl.ResourceCountIs(jsii.String("AWS::SSM::Document"), jsii.Number(3))
	// One association per action and product version.
	s.tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::ServiceActionAssociation"), jsii.Number(3))

	apis := map[string]string{}
	for _, a := range s.hub.Actions.Actions {
		apis[a.Name] = a.Api
	}
	assert.Equal(t, map[string]string{
		"StopNotebook": "StopNotebookInstance", "StartNotebook": "StartNotebookInstance", "OpenNotebook": "CreatePresignedNotebookInstanceUrl",
	}, apis)

	for _, a := range s.hub.Actions.Actions {
		s.tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::ServiceAction"), map[string]any{
			"Name": a.Name, "DefinitionType": "SSM_AUTOMATION",
			"Definition": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Key": "AssumeRole", "Value": assertions.Match_AnyValue()},
				map[string]any{"Key": "Parameters", "Value": `[{"Name":"NotebookInstanceArn","Type":"TARGET"}]`},
			}),
		})
	}
	for _, d := range s.json.Resources("AWS::SSM::Document") {
		props := d["Properties"].(map[string]any)
		assert.Equal(t, "Automation", props["DocumentType"])
		assert.Equal(t, "/AWS::SageMaker::NotebookInstance", props["TargetType"], "Service Catalog passes the notebook as TARGET")
		content := props["Content"].(map[string]any)
		pattern := content["parameters"].(map[string]any)["NotebookInstanceArn"].(map[string]any)["allowedPattern"].(string)
		assert.Contains(t, pattern, ":notebook-instance/sc-", "only catalog notebooks")
		script := content["mainSteps"].([]any)[0].(map[string]any)["inputs"].(map[string]any)["Script"].(string)
		assert.Contains(t, script, "split('/')[-1]")
	}

	// Each action's role calls one SageMaker API (and Describe) on catalog notebooks only.
	for _, a := range s.hub.Actions.Actions {
		roles := s.tmpl.FindResources(jsii.String("AWS::IAM::Role"), map[string]any{
			"Properties": map[string]any{"Description": assertions.Match_StringLikeRegexp(jsii.String(a.Name))},
		})
		require.Len(t, *roles, 1, a.Name)
		for _, r := range *roles {
			props := (*r)["Properties"].(map[string]any)
			assert.Contains(t, testutil.JSON(props["AssumeRolePolicyDocument"]), `"Service":"ssm.amazonaws.com"`)
			st := statements(testutil.Template{"Resources": map[string]any{"R": props}})
			var actions []string
			for _, x := range st {
				if x["Principal"] == nil {
					actions = append(actions, asList(x["Action"])...)
					assert.Contains(t, testutil.JSON(x["Resource"]), ":notebook-instance/sc-*")
				}
			}
			assert.ElementsMatch(t, []string{"sagemaker:" + a.Api, "sagemaker:DescribeNotebookInstance"}, actions)
		}
	}

	// The analyst may run them on what it launched, and pass only the actions' roles to SSM.
	analyst := statementsWithSid(t, resource(t, s, s.hub.AnalystRole)["Properties"], "RunSelfServiceActions")
	assert.Contains(t, asList(analyst["Action"]), "servicecatalog:ExecuteProvisionedProductServiceAction")
	assert.Equal(t, map[string]any{"StringEquals": map[string]any{"servicecatalog:userLevel": "self"}}, analyst["Condition"])
	pass := statementsWithSid(t, resource(t, s, s.hub.AnalystRole)["Properties"], "PassActionRoles")
	assert.Equal(t, map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ssm.amazonaws.com"}}, pass["Condition"])
	assert.Len(t, pass["Resource"], 3)
}

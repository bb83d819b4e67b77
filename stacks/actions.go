package stacks

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole"
)

// NotebookAction is a self-service action analysts run on their provisioned
// notebook from the Service Catalog console.
type NotebookAction struct {
	// Name is what analysts see; Api the one SageMaker API the action calls.
	Name, Description, Api string
	// Document is the SSM Automation document, Role the role it runs with
	// (that API and DescribeNotebookInstance, on catalog notebooks only).
	Document awsssm.CfnDocument
	Role     awsiam.Role
	Action   awsservicecatalog.CfnServiceAction
}

// notebookActions are the self-service actions of the notebook product.
var notebookActions = []struct{ id, name, description, api, script string }{
	{"Stop", "StopNotebook", "Stops the notebook now (its volume is kept); Start resumes it.", "StopNotebookInstance",
		"sm.stop_notebook_instance(NotebookInstanceName=name)\n    return {'NotebookInstanceName': name}"},
	{"Start", "StartNotebook", "Starts a stopped notebook.", "StartNotebookInstance",
		"sm.start_notebook_instance(NotebookInstanceName=name)\n    return {'NotebookInstanceName': name}"},
	{"Open", "OpenNotebook", "Returns a link that opens JupyterLab; it must be used within 5 minutes.", "CreatePresignedNotebookInstanceUrl",
		"url = sm.create_presigned_notebook_instance_url(NotebookInstanceName=name, SessionExpirationDurationInSeconds=43200)['AuthorizedUrl']\n    return {'NotebookInstanceName': name, 'AuthorizedUrl': url + '&view=lab'}"},
}

// serviceActions creates the Stop, Start and Open self-service actions and
// associates them with every version of the notebook product.
//
// Service Catalog runs an action's SSM Automation document with the
// provisioned product's notebook as its TARGET (the document's TargetType
// selects it among the product's resources), and with the action's own role.
// Each role may call one SageMaker API (and DescribeNotebookInstance), only on
// catalog notebooks (sc-*); the document acts on the one notebook Service
// Catalog gives it, and Service Catalog lets analysts run actions only on
// their own provisioned notebook.
func (s *CatalogStack) serviceActions(versions int) {
	scope := constructs.NewConstruct(s.Stack, jsii.String("NotebookActions"))
	notebooks := catalogNotebooks(s.Stack)
	cfnProduct := s.Product.Product.Node().DefaultChild().(awsservicecatalog.CfnCloudFormationProduct)
	for _, a := range notebookActions {
		statements := []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("Notebook" + a.id),
			Actions:   jsii.Strings("sagemaker:"+a.api, "sagemaker:DescribeNotebookInstance"),
			Resources: &[]*string{notebooks},
		})}
		role := awsiam.NewRole(scope, jsii.String(a.id+"Role"), &awsiam.RoleProps{
			AssumedBy: awsiam.NewServicePrincipal(jsii.String("ssm.amazonaws.com"), &awsiam.ServicePrincipalOpts{
				Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}},
			}),
			Description:    jsii.String("Runs the '" + a.name + "' self-service action on a catalog notebook"),
			InlinePolicies: &map[string]awsiam.PolicyDocument{"Action": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements})},
		})
		doc := awsssm.NewCfnDocument(scope, jsii.String(a.id+"Document"), &awsssm.CfnDocumentProps{
			DocumentType:   jsii.String("Automation"),
			DocumentFormat: jsii.String("JSON"),
			TargetType:     jsii.String("/AWS::SageMaker::NotebookInstance"),
			Content:        automationDocument(a.description, a.id, a.script),
		})
		definition := func(key string, value *string) *awsservicecatalog.CfnServiceAction_DefinitionParameterProperty {
			return &awsservicecatalog.CfnServiceAction_DefinitionParameterProperty{Key: jsii.String(key), Value: value}
		}
		parameters, _ := json.Marshal([]map[string]string{{"Name": "NotebookInstanceArn", "Type": "TARGET"}})
		action := awsservicecatalog.NewCfnServiceAction(scope, jsii.String(a.id), &awsservicecatalog.CfnServiceActionProps{
			Name:           jsii.String(a.name),
			Description:    jsii.String(a.description),
			DefinitionType: jsii.String("SSM_AUTOMATION"),
			Definition: &[]any{
				definition("Name", doc.Ref()),
				definition("Version", jsii.String("1")), // CloudFormation replaces the document on change: version 1
				definition("AssumeRole", role.RoleArn()),
				definition("Parameters", jsii.String(string(parameters))),
			},
		})
		for i := range versions {
			awsservicecatalog.NewCfnServiceActionAssociation(scope, jsii.String(a.id+"Version"+strconv.Itoa(i+1)), &awsservicecatalog.CfnServiceActionAssociationProps{
				ProductId: s.Product.Product.ProductId(),
				ProvisioningArtifactId: awscdk.Fn_Select(jsii.Number(i),
					awscdk.Fn_Split(jsii.String(","), cfnProduct.AttrProvisioningArtifactIds(), jsii.Number(versions))),
				ServiceActionId: action.Ref(),
			})
		}
		s.Actions = append(s.Actions, &NotebookAction{Name: a.name, Description: a.description, Api: a.api, Document: doc, Role: role, Action: action})
	}
}

// automationDocument is an SSM Automation document that runs one step of
// Python on the notebook Service Catalog passes as NotebookInstanceArn. The
// ARN's last part is the name SageMaker's APIs take.
func automationDocument(description, step, body string) map[string]any {
	script := "import boto3\n\ndef handler(events, context):\n    name = events['NotebookInstanceArn'].split('/')[-1]\n    sm = boto3.client('sagemaker')\n    " + body + "\n"
	return map[string]any{
		"schemaVersion": "0.3",
		"description":   description,
		"assumeRole":    "{{ AutomationAssumeRole }}",
		"parameters": map[string]any{
			"NotebookInstanceArn": map[string]any{
				"type":           "String",
				"description":    "The provisioned product's notebook, given by Service Catalog",
				"allowedPattern": `^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:notebook-instance/` + strings.ToLower(launchrole.StackNamePrefix) + `[a-z0-9-]+$`,
			},
			"AutomationAssumeRole": map[string]any{"type": "String", "description": "The action's role, given by Service Catalog"},
		},
		"mainSteps": []any{map[string]any{
			"name":   step,
			"action": "aws:executeScript",
			"inputs": map[string]any{
				"Runtime":      "python3.11",
				"Handler":      "handler",
				"InputPayload": map[string]any{"NotebookInstanceArn": "{{ NotebookInstanceArn }}"},
				"Script":       script,
			},
			"outputs": []any{map[string]any{"Name": "Result", "Selector": "$.Payload", "Type": "StringMap"}},
		}},
		"outputs": []any{fmt.Sprintf("%s.Result", step)},
	}
}

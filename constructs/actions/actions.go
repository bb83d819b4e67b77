// Package actions provides the self-service actions of the notebook
// product: Stop, Start and Open, which analysts run on their provisioned
// notebook from the Service Catalog console.
//
// Service Catalog runs an action's SSM Automation document with the
// provisioned product's notebook as its TARGET (the document's TargetType
// selects it among the product's resources), and with the action's own
// role. Each role may call one SageMaker API (and DescribeNotebookInstance),
// only on catalog notebooks; the document acts on the one notebook Service
// Catalog gives it, and Service Catalog lets analysts run actions only on
// their own provisioned products.
package actions

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/internal/arns"
	"github.com/datalake-platform/sagemaker-catalog/internal/check"
)

// Action is one self-service action.
type Action struct {
	// Name is what analysts see; Api the one SageMaker API the action calls.
	Name, Description, Api string
	// Document is the SSM Automation document, Role the role it runs with.
	Document awsssm.CfnDocument
	Role     awsiam.IRole
	Action   awsservicecatalog.CfnServiceAction
}

// definitions are the self-service actions of the notebook product.
var definitions = []struct{ id, name, description, api, script string }{
	{"Stop", "StopNotebook", "Stops the notebook now (its volume is kept); Start resumes it.", "StopNotebookInstance",
		"sm.stop_notebook_instance(NotebookInstanceName=name)\n    return {'NotebookInstanceName': name}"},
	{"Start", "StartNotebook", "Starts a stopped notebook.", "StartNotebookInstance",
		"sm.start_notebook_instance(NotebookInstanceName=name)\n    return {'NotebookInstanceName': name}"},
	{"Open", "OpenNotebook", "Returns a link that opens JupyterLab; it must be used within 5 minutes.", "CreatePresignedNotebookInstanceUrl",
		"url = sm.create_presigned_notebook_instance_url(NotebookInstanceName=name, SessionExpirationDurationInSeconds=43200)['AuthorizedUrl']\n    return {'NotebookInstanceName': name, 'AuthorizedUrl': url + '&view=lab'}"},
}

// Props configures the Actions.
type Props struct {
	// Product is the notebook product. Required.
	Product awsservicecatalog.CloudFormationProduct
	// Versions is how many versions (provisioning artifacts) the product
	// has; the actions are associated with each. Required: the product's
	// number of versions, known at synthesis.
	Versions *float64
}

// Actions are the notebook product's self-service actions.
type Actions struct {
	constructs.Construct
	// Actions are Stop, Start and Open, in that order.
	Actions []*Action
}

// New creates the actions and associates them with every version of the
// product.
//
// New panics if a field is invalid or missing.
func New(scope constructs.Construct, id *string, props *Props) *Actions {
	if props == nil {
		props = &Props{}
	}
	a := &Actions{}
	constructs.NewConstruct_Override(a, scope, id)
	if err := props.Validate(); err != nil {
		panic(fmt.Errorf("%s: %w", *a.Node().Path(), err))
	}
	versions := int(*props.Versions)
	notebooks := arns.CatalogNotebooks(a)
	cfnProduct := props.Product.Node().DefaultChild().(awsservicecatalog.CfnCloudFormationProduct)
	for _, d := range definitions {
		statements := []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("Notebook" + d.id),
			Actions:   jsii.Strings("sagemaker:"+d.api, "sagemaker:DescribeNotebookInstance"),
			Resources: &[]*string{notebooks},
		})}
		role := awsiam.NewRole(a, jsii.String(d.id+"Role"), &awsiam.RoleProps{
			AssumedBy: awsiam.NewServicePrincipal(jsii.String("ssm.amazonaws.com"), &awsiam.ServicePrincipalOpts{
				Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}},
			}),
			Description:    jsii.String("Runs the '" + d.name + "' self-service action on a catalog notebook"),
			InlinePolicies: &map[string]awsiam.PolicyDocument{"Action": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements})},
		})
		doc := awsssm.NewCfnDocument(a, jsii.String(d.id+"Document"), &awsssm.CfnDocumentProps{
			DocumentType:   jsii.String("Automation"),
			DocumentFormat: jsii.String("JSON"),
			TargetType:     jsii.String("/AWS::SageMaker::NotebookInstance"),
			Content:        automationDocument(d.description, d.id, d.script),
		})
		definition := func(key string, value *string) *awsservicecatalog.CfnServiceAction_DefinitionParameterProperty {
			return &awsservicecatalog.CfnServiceAction_DefinitionParameterProperty{Key: jsii.String(key), Value: value}
		}
		parameters, _ := json.Marshal([]map[string]string{{"Name": "NotebookInstanceArn", "Type": "TARGET"}})
		action := awsservicecatalog.NewCfnServiceAction(a, jsii.String(d.id), &awsservicecatalog.CfnServiceActionProps{
			Name:           jsii.String(d.name),
			Description:    jsii.String(d.description),
			DefinitionType: jsii.String("SSM_AUTOMATION"),
			Definition: &[]any{
				definition("Name", doc.Ref()),
				definition("Version", jsii.String("1")), // CloudFormation replaces the document on change: version 1
				definition("AssumeRole", role.RoleArn()),
				definition("Parameters", jsii.String(string(parameters))),
			},
		})
		for i := range versions {
			awsservicecatalog.NewCfnServiceActionAssociation(a, jsii.String(d.id+"Version"+strconv.Itoa(i+1)), &awsservicecatalog.CfnServiceActionAssociationProps{
				ProductId: props.Product.ProductId(),
				ProvisioningArtifactId: awscdk.Fn_Select(jsii.Number(i),
					awscdk.Fn_Split(jsii.String(","), cfnProduct.AttrProvisioningArtifactIds(), jsii.Number(versions))),
				ServiceActionId: action.Ref(),
			})
		}
		a.Actions = append(a.Actions, &Action{Name: d.name, Description: d.description, Api: d.api, Document: doc, Role: role, Action: action})
	}
	return a
}

// Validate reports every invalid or missing field of props, or nil.
func (props *Props) Validate() error {
	p := check.New("actions.Props")
	if props.Product == nil {
		p.Addf("Product", "required: the notebook product")
	}
	switch v := props.Versions; {
	case v == nil:
		p.Add("Versions", "nil", "a whole number of versions, at least 1")
	case *awscdk.Token_IsUnresolved(*v):
		p.Add("Versions", "a token", "a whole number of versions known at synthesis (one association per version)")
	case *v < 1 || *v != float64(int(*v)):
		p.Add("Versions", strconv.FormatFloat(*v, 'g', -1, 64), "a whole number of versions, at least 1")
	case props.Product != nil:
		// An association per version: more would select IDs the product
		// does not have (the stack fails), fewer would leave versions
		// without actions.
		if n, ok := productVersions(props.Product); ok && n != int(*v) {
			has := fmt.Sprintf("the product has %d versions", n)
			if n == 1 {
				has = "the product has 1 version"
			}
			p.Add("Versions", strconv.FormatFloat(*v, 'g', -1, 64), has)
		}
	}
	return p.Err()
}

// productVersions returns how many versions (provisioning artifacts) the
// product was created with, when its L1 tells.
func productVersions(product awsservicecatalog.CloudFormationProduct) (int, bool) {
	cfn, ok := product.Node().DefaultChild().(awsservicecatalog.CfnCloudFormationProduct)
	if !ok {
		return 0, false
	}
	artifacts, ok := cfn.ProvisioningArtifactParameters().([]any)
	return len(artifacts), ok
}

// EndUserStatements let an analyst start the actions' automations (Service
// Catalog starts them with the analyst's credentials, passing each action's
// role to SSM), and follow them. Give them to the analysts' roles.
func (a *Actions) EndUserStatements() []awsiam.PolicyStatement {
	var resources, roles []*string
	var definitions, documents []*string
	for _, action := range a.Actions {
		definitions = append(definitions, arns.Slash(a, "ssm", "automation-definition", *action.Document.Ref()+":*"))
		documents = append(documents, arns.Slash(a, "ssm", "document", *action.Document.Ref()))
		roles = append(roles, action.Role.RoleArn())
	}
	resources = append(append(resources, definitions...), documents...)
	return []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("StartActionAutomations"),
			Actions:   jsii.Strings("ssm:DescribeDocument", "ssm:StartAutomationExecution"),
			Resources: &resources,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// An execution's ID is not known in advance.
			Sid:       jsii.String("FollowActionAutomations"),
			Actions:   jsii.Strings("ssm:GetAutomationExecution", "ssm:StopAutomationExecution"),
			Resources: &[]*string{arns.Slash(a, "ssm", "automation-execution", "*")},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("PassActionRoles"),
			Actions:    jsii.Strings("iam:PassRole"),
			Resources:  &roles,
			Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ssm.amazonaws.com"}},
		}),
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
				"allowedPattern": `^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:notebook-instance/` + arns.CatalogNamePrefix + `[a-z0-9-]+$`,
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

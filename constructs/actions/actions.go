// Package actions provides the self-service actions of the notebook
// product: Stop and Start, which analysts run on their provisioned notebook
// from the Service Catalog console. (Opening a notebook needs no action: an
// analyst's policy lets them create a presigned URL for the notebooks they
// own, see constructs/analystrole; an action would hand the URL out in an
// automation's output.)
//
// How Service Catalog runs an action (AWS Service Catalog Administrator
// Guide, "AWS Service Catalog Service Actions", step 5, troubleshooting):
// it assumes the role of the action's definition (which must trust
// servicecatalog.amazonaws.com), describes the SSM Automation document and
// starts the automation with that role, passing the provisioned product's
// notebook as the document's TARGET parameter. An aws:executeScript step
// that calls AWS needs an assume role (Systems Manager User Guide,
// "aws:executeScript"): the document's is the same role (which trusts
// ssm.amazonaws.com too, and may pass only itself to SSM). Each role may
// call one SageMaker API (with what that API needs of its caller), only on
// catalog notebooks.
//
// Ownership: Service Catalog lets an analyst run an action only on a
// provisioned product their policy allows (servicecatalog:userLevel =
// self). The script checks again, in case anything but Service Catalog
// started the automation: an execution started by another principal than
// the action's role acts only on a notebook whose launching principal
// (aws:servicecatalog:provisioningPrincipalArn) is that principal.
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
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
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
var definitions = []struct{ id, name, description, api, call string }{
	{"Stop", "StopNotebook", "Stops the notebook now (its volume is kept); Start resumes it.", "StopNotebookInstance", "stop_notebook_instance"},
	{"Start", "StartNotebook", "Starts a stopped notebook.", "StartNotebookInstance", "start_notebook_instance"},
}

// Props configures the Actions.
type Props struct {
	// Product is the notebook product. Required.
	Product awsservicecatalog.CloudFormationProduct
	// Versions is how many versions (provisioning artifacts) the product
	// has; the actions are associated with each. Required: the product's
	// number of versions, known at synthesis.
	Versions *float64
	// NotebookRoleArns are the notebooks' execution roles (an ARN pattern:
	// starting a notebook passes its role to SageMaker). Required.
	NotebookRoleArns []*string
	// KmsKeyArns are the notebooks' volume keys (starting a notebook lets
	// SageMaker create a grant on it). Required.
	KmsKeyArns []*string
	// SubnetIds and SecurityGroupIds are the notebooks' network (starting a
	// notebook creates its network interface there). Required.
	SubnetIds        []*string
	SecurityGroupIds []*string
}

// Actions are the notebook product's self-service actions.
type Actions struct {
	constructs.Construct
	// Actions are Stop and Start, in that order.
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
	stack := awscdk.Stack_Of(a)
	cfnProduct := props.Product.Node().DefaultChild().(awsservicecatalog.CfnCloudFormationProduct)
	for _, d := range definitions {
		// Service Catalog assumes the role to start the automation, SSM to
		// run it; both only for this account. SSM sends aws:SourceAccount
		// (Systems Manager User Guide, "Cross-service confused deputy
		// prevention"); Service Catalog's documentation does not say it
		// does, so its condition holds when the key is sent and does not
		// break the action when it is not (IfExists; docs/security.md).
		role := awsiam.NewRole(a, jsii.String(d.id+"Role"), &awsiam.RoleProps{
			AssumedBy: awsiam.NewCompositePrincipal(
				awsiam.NewServicePrincipal(jsii.String("servicecatalog.amazonaws.com"), &awsiam.ServicePrincipalOpts{
					Conditions: &map[string]any{"StringEqualsIfExists": map[string]any{"aws:SourceAccount": stack.Account()}}}),
				awsiam.NewServicePrincipal(jsii.String("ssm.amazonaws.com"), &awsiam.ServicePrincipalOpts{
					Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}}}),
			),
			Description: jsii.String("Runs the '" + d.name + "' self-service action on a catalog notebook"),
		})
		doc := awsssm.NewCfnDocument(a, jsii.String(d.id+"Document"), &awsssm.CfnDocumentProps{
			DocumentType:   jsii.String("Automation"),
			DocumentFormat: jsii.String("JSON"),
			TargetType:     jsii.String("/AWS::SageMaker::NotebookInstance"),
			Content:        automationDocument(d.description, d.id, d.call, role),
		})
		// A policy of its own, not inline: the document names the role, and
		// the policy names the document.
		awsiam.NewPolicy(a, jsii.String(d.id+"Policy"), &awsiam.PolicyProps{
			Roles:      &[]awsiam.IRole{role},
			Statements: props.statements(a, d.id, d.api, doc, role),
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

// statements are what an action's role does, from Service Catalog's
// start to SageMaker's call; the sources are in the package documentation
// and, for SageMaker, the Amazon SageMaker API permissions reference
// (https://docs.aws.amazon.com/sagemaker/latest/dg/api-permissions-reference.html).
func (props *Props) statements(a *Actions, id, api string, doc awsssm.CfnDocument, role awsiam.Role) *[]awsiam.PolicyStatement {
	notebooks := arns.CatalogNotebooks(a)
	st := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// Service Catalog, with this role: the document, then the
			// automation (StartAutomationExecution authorizes on the
			// document, its automation definition and the new execution,
			// whose ID is not known in advance: Service Authorization
			// Reference, AWS Systems Manager; the Systems Manager User
			// Guide's identity-based policy examples grant the same).
			Sid:     jsii.String("StartTheAutomation"),
			Actions: jsii.Strings("ssm:DescribeDocument", "ssm:StartAutomationExecution"),
			Resources: &[]*string{
				arns.Slash(a, "ssm", "document", *doc.Ref()),
				arns.Slash(a, "ssm", "automation-definition", *doc.Ref()+":*"),
				arns.Slash(a, "ssm", "automation-execution", "*"),
			},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// The automation runs as this role (the document's assume role).
			Sid:        jsii.String("RunAsItself"),
			Actions:    jsii.Strings("iam:PassRole"),
			Resources:  &[]*string{role.RoleArn()},
			Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ssm.amazonaws.com"}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// The script reads who started its own execution (ExecutedBy);
			// an execution's ID is not known in advance.
			Sid:       jsii.String("WhoStartedIt"),
			Actions:   jsii.Strings("ssm:GetAutomationExecution"),
			Resources: &[]*string{arns.Slash(a, "ssm", "automation-execution", "*")},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// The script's check that the action was run on the notebook's
			// own provisioned product: its records in progress (no
			// resource-level permissions: Service Authorization Reference,
			// AWS Service Catalog, ListRecordHistory; account level, as the
			// records are the caller's, not the role's).
			Sid:       jsii.String("FindTheActionsRecord"),
			Actions:   jsii.Strings("servicecatalog:ListRecordHistory"),
			Resources: jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// The one SageMaker API; ListTags for the owner check.
			Sid:       jsii.String("Notebook" + id),
			Actions:   jsii.Strings("sagemaker:"+api, "sagemaker:DescribeNotebookInstance", "sagemaker:ListTags"),
			Resources: &[]*string{notebooks},
		}),
	}
	if api != "StartNotebookInstance" {
		return &st
	}
	// Starting a notebook does, with its caller's permissions, what
	// creating it did: pass its role, create its network interface, let
	// SageMaker use the volume key.
	var networkInputs, subnets []*string
	for _, s := range props.SubnetIds {
		networkInputs = append(networkInputs, arns.Slash(a, "ec2", "subnet", *s))
		subnets = append(subnets, arns.Slash(a, "ec2", "subnet", *s))
	}
	for _, g := range props.SecurityGroupIds {
		networkInputs = append(networkInputs, arns.Slash(a, "ec2", "security-group", *g))
	}
	st = append(st,
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("PassTheNotebookRole"),
			Actions:    jsii.Strings("iam:PassRole"),
			Resources:  &props.NotebookRoleArns,
			Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "sagemaker.amazonaws.com"}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// Grants only for SageMaker's volume (an AWS resource): the
			// key is present on every CreateGrant (Service Authorization
			// Reference, AWS Key Management Service).
			Sid:        jsii.String("NotebookVolumeKeyGrants"),
			Actions:    jsii.Strings("kms:CreateGrant"),
			Resources:  &props.KmsKeyArns,
			Conditions: &map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// SageMaker checks the volume key before it starts the instance.
			Sid:       jsii.String("NotebookVolumeKey"),
			Actions:   jsii.Strings("kms:DescribeKey"),
			Resources: &props.KmsKeyArns,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("NotebookNetworkInterfaceInputs"),
			Actions:   jsii.Strings("ec2:CreateNetworkInterface"),
			Resources: &networkInputs,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// The interface's ID is not known in advance: only in the
			// notebooks' subnets.
			Sid:        jsii.String("NotebookNetworkInterface"),
			Actions:    jsii.Strings("ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"),
			Resources:  &[]*string{arns.Slash(a, "ec2", "network-interface", "*")},
			Conditions: &map[string]any{"ArnEquals": map[string]any{"ec2:Subnet": subnets}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// EC2 Describe actions have no resource-level permissions.
			Sid:       jsii.String("NotebookNetworkDescribe"),
			Actions:   jsii.Strings("ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"),
			Resources: jsii.Strings("*"),
		}),
	)
	return &st
}

// Validate reports every invalid or missing field of props, or nil.
func (props *Props) Validate() error {
	p := check.New("actions.Props")
	if props.Product == nil {
		p.Addf("Product", "required: the notebook product")
	}
	for field, list := range map[string][]*string{"NotebookRoleArns": props.NotebookRoleArns, "KmsKeyArns": props.KmsKeyArns,
		"SubnetIds": props.SubnetIds, "SecurityGroupIds": props.SecurityGroupIds} {
		if len(list) == 0 {
			p.Addf(field, "required: starting a notebook needs it")
		}
		for i, v := range list {
			if v == nil {
				p.Addf(fmt.Sprintf("%s[%d]", field, i), "nil: give a value or leave it out")
			}
		}
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

// ownerCheck is the script's check that the automation acts on a notebook
// its caller may act on. Service Catalog runs an action only on a
// provisioned product the caller owns (servicecatalog:userLevel = self), but
// the caller may override the TARGET parameter (ExecuteProvisionedProductServiceAction,
// Parameters: "If a provided parameter is of a special type, such as TARGET,
// the provided value will override the default value"), so the notebook may
// be another's. Hence, when Service Catalog started the automation (with the
// action's role), the notebook's own provisioned product (its
// provisioned-product-id tag, which the template writes and no analyst may
// change) must have a Service Catalog record in progress: the action's. An
// analyst's action on their own product, aimed at a colleague's notebook,
// finds none (a colleague's own action or update at the same moment would
// let it through: docs/security.md). Anyone else who starts the automation
// must be the notebook's owner (its owner tag, "assumed-role/<role>/<session>"
// or "user/<name>", is the end of their ARN).
const ownerCheck = `    tags = {t['Key']: t['Value'] for t in sm.list_tags(ResourceArn=events['NotebookInstanceArn'])['Tags']}
    execution = boto3.client('ssm').get_automation_execution(AutomationExecutionId=events['ExecutionId'])['AutomationExecution']
    by = execution.get('ExecutedBy', '')
    if ':assumed-role/' + events['ActionRole'] + '/' in by:
        product = tags.get('` + names.TagProvisionedProduct + `', '')
        if not product.startswith('pp-'):
            raise Exception('refused: ' + name + ' names no provisioned product')
        records = boto3.client('servicecatalog').list_record_history(
            AccessLevelFilter={'Key': 'Account', 'Value': 'self'},
            SearchFilter={'Key': 'provisionedproduct', 'Value': product}, PageSize=20)['RecordDetails']
        if not any(r.get('Status') in ('CREATED', 'IN_PROGRESS') and r.get('ProvisionedProductId') == product for r in records):
            raise Exception('refused: the action was not run on ' + product + ', the provisioned product of ' + name)
    elif by.split(':', 5)[-1] != tags.get('` + names.TagOwner + `'):
        raise Exception('refused: ' + by + ' does not own ' + name)
`

// Script returns the Python the automation document runs for an action
// that calls the SageMaker client's method call (stop_notebook_instance,
// start_notebook_instance); its handler(events, context) takes
// NotebookInstanceArn, ExecutionId and ActionRole.
func Script(call string) string {
	return "import boto3\n\ndef handler(events, context):\n    name = events['NotebookInstanceArn'].split('/')[-1]\n" +
		"    sm = boto3.client('sagemaker')\n" + ownerCheck +
		"    sm." + call + "(NotebookInstanceName=name)\n    return {'NotebookInstanceName': name}\n"
}

// automationDocument is an SSM Automation document that runs one step of
// Python on the notebook Service Catalog passes as NotebookInstanceArn, as
// role (its assume role). The ARN's last part is the name SageMaker's APIs
// take; the parameter's pattern admits catalog notebooks only.
func automationDocument(description, step, call string, role awsiam.Role) map[string]any {
	script := Script(call)
	return map[string]any{
		"schemaVersion": "0.3",
		"description":   description,
		"assumeRole":    "{{ AutomationAssumeRole }}",
		"parameters": map[string]any{
			"NotebookInstanceArn": map[string]any{
				"type":           "String",
				"description":    "The provisioned product's notebook, given by Service Catalog",
				"allowedPattern": `^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:notebook-instance/` + names.NotebookNamePrefix + `[a-z0-9-]+$`,
			},
			"AutomationAssumeRole": map[string]any{
				"type":        "String",
				"description": "The role the automation runs as: the action's role",
				"default":     role.RoleArn(),
			},
		},
		"mainSteps": []any{map[string]any{
			"name":   step,
			"action": "aws:executeScript",
			"inputs": map[string]any{
				"Runtime": "python3.11",
				"Handler": "handler",
				"InputPayload": map[string]any{
					"NotebookInstanceArn": "{{ NotebookInstanceArn }}",
					"ExecutionId":         "{{ automation:EXECUTION_ID }}",
					"ActionRole":          role.RoleName(),
				},
				"Script": script,
			},
			"outputs": []any{map[string]any{"Name": "Result", "Selector": "$.Payload", "Type": "StringMap"}},
		}},
		"outputs": []any{fmt.Sprintf("%s.Result", step)},
	}
}

// Roles returns the actions' roles, in the order of Actions.
func (a *Actions) Roles() []awsiam.IRole {
	out := make([]awsiam.IRole, len(a.Actions))
	for i, action := range a.Actions {
		out[i] = action.Role
	}
	return out
}

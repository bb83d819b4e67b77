// Package analystrole provides what data analysts need to use a notebook
// product as Service Catalog end users: a managed policy with the end-user
// statements (launch the product, see, update and terminate what they
// launched, run its self-service actions, open the notebooks they own), and
// the role analysts assume, which has it.
//
// Ownership is per person: a notebook is tagged with its owner's unique ID
// (sagemaker-catalog:owner-id, the workspace function writes it at launch),
// and the policy lets the caller open a notebook only when that tag equals
// their own ${aws:userid} ("<role ID>:<session name>" for a role session),
// so analysts who share one role (an IAM Identity Center permission set)
// cannot open each other's notebooks. Service Catalog limits the
// provisioned-product actions to what the caller launched
// (servicecatalog:userLevel = self).
//
// An IAM user may assume the role only under their own user name
// (sts:RoleSessionName = ${aws:username}): the session name names the
// owner of the notebooks launched with it, and of their workspace. For your
// own roles (an IAM Identity Center permission set), attach the policy by
// name as a customer managed policy.
package analystrole

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/internal/arns"
	"github.com/datalake-platform/sagemaker-catalog/internal/check"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

var (
	roleNamePattern   = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	policyNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
)

// Props configures an AnalystRole.
type Props struct {
	// Product is the product analysts launch. Required.
	Product awsservicecatalog.IProduct
	// PolicyName is the managed policy's name (fixed: an IAM Identity
	// Center permission set refers to a customer managed policy by name).
	// Required.
	PolicyName *string
	// RoleName is the role's name.
	// Default: no role is created, only the policy (for your own roles).
	RoleName *string
	// Statements are added to the policy.
	// Default: none.
	Statements []awsiam.PolicyStatement
}

// AnalystRole is the analysts' policy and role.
type AnalystRole struct {
	constructs.Construct
	// Policy holds the end-user statements.
	Policy awsiam.IManagedPolicy
	// Role is the role analysts assume, or nil without Props.RoleName.
	Role awsiam.IRole
}

// New creates the role.
//
// New panics if a field is invalid or missing.
func New(scope constructs.Construct, id *string, props *Props) *AnalystRole {
	if props == nil {
		props = &Props{}
	}
	r := &AnalystRole{}
	constructs.NewConstruct_Override(r, scope, id)
	if err := props.Validate(); err != nil {
		panic(fmt.Errorf("%s: %w", *r.Node().Path(), err))
	}
	productArn := props.Product.ProductArn()
	selfOnly := &map[string]any{"StringEquals": map[string]any{"servicecatalog:userLevel": "self"}}
	statements := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// The actions with the Product resource type (Service
			// Authorization Reference, AWS Service Catalog).
			Sid: jsii.String("LaunchThisProduct"),
			Actions: jsii.Strings(
				"servicecatalog:DescribeProduct",
				"servicecatalog:DescribeProvisioningArtifact",
				"servicecatalog:DescribeProvisioningParameters",
				"servicecatalog:ListLaunchPaths",
				"servicecatalog:ListProvisioningArtifacts",
				"servicecatalog:ListServiceActionsForProvisioningArtifact",
				"servicecatalog:ProvisionProduct",
			),
			Resources: &[]*string{productArn},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// No resource-level permissions: searching shows only the
			// products of portfolios the caller is associated with, and
			// describing a product view needs access to its portfolio.
			Sid:       jsii.String("FindProducts"),
			Actions:   jsii.Strings("servicecatalog:DescribeProductView", "servicecatalog:SearchProducts"),
			Resources: jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// Provisioned products and records have no resource-level
			// permissions; servicecatalog:userLevel=self limits them to what
			// the caller launched, and so do the self-service actions. A
			// provisioned product's outputs are in its records
			// (DescribeRecord's RecordOutputs). Not GetProvisionedProductOutputs:
			// it has neither resource-level permissions nor condition keys,
			// so it would show every analyst everyone's outputs.
			Sid: jsii.String("ManageOwnNotebooks"),
			Actions: jsii.Strings(
				"servicecatalog:DescribeProvisionedProduct",
				"servicecatalog:DescribeRecord",
				"servicecatalog:DescribeServiceActionExecutionParameters",
				"servicecatalog:ExecuteProvisionedProductServiceAction",
				"servicecatalog:ListRecordHistory",
				"servicecatalog:ScanProvisionedProducts",
				"servicecatalog:SearchProvisionedProducts",
				"servicecatalog:TerminateProvisionedProduct",
				"servicecatalog:UpdateProvisionedProduct",
			),
			Resources:  jsii.Strings("*"),
			Conditions: selfOnly,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// The console lists a provisioned stack's resources (a
			// self-service action's TARGET), with the caller's credentials.
			Sid:       jsii.String("FindActionTargets"),
			Actions:   jsii.Strings("cloudformation:ListStackResources"),
			Resources: &[]*string{arns.Slash(r, "cloudformation", "stack", names.StackNamePrefix+"*")},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// Opening: only the notebooks whose owner is the caller, as a
			// person (their aws:userid, not their role).
			Sid:        jsii.String("OpenOwnNotebooks"),
			Actions:    jsii.Strings("sagemaker:CreatePresignedNotebookInstanceUrl", "sagemaker:DescribeNotebookInstance"),
			Resources:  &[]*string{arns.CatalogNotebooks(r)},
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/" + names.TagOwnerId: "${aws:userid}"}},
		}),
	}
	statements = append(statements, props.Statements...)
	r.Policy = awsiam.NewManagedPolicy(r, jsii.String("Policy"), &awsiam.ManagedPolicyProps{
		ManagedPolicyName: props.PolicyName,
		Description:       jsii.String("Data analysts: Service Catalog end users of the SageMaker notebook product, on their own notebooks"),
		Statements:        &statements,
	})
	if props.RoleName == nil {
		return r
	}
	r.Role = awsiam.NewRole(r, jsii.String("Resource"), &awsiam.RoleProps{
		RoleName: props.RoleName,
		// The session name becomes the owner of the notebooks launched with
		// it, and of their workspace: an IAM user may assume the role only
		// under their own user name, so nobody can take a colleague's.
		AssumedBy: awsiam.NewAccountRootPrincipal().WithConditions(&map[string]any{
			"StringEquals": map[string]any{"sts:RoleSessionName": "${aws:username}"},
		}),
		Description:     jsii.String("Data analysts: launch, update and terminate SageMaker notebooks from Service Catalog"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{r.Policy},
	})
	return r
}

// Validate reports every invalid or missing field of props, or nil.
func (props *Props) Validate() error {
	p := check.New("analystrole.Props")
	if props.Product == nil {
		p.Addf("Product", "required: the product analysts launch")
	}
	if n := props.RoleName; n != nil && !check.Unresolved(*n) && !roleNamePattern.MatchString(*n) {
		p.Add("RoleName", *n, "1-64 characters from letters, digits and +=,.@_-")
	}
	switch n := props.PolicyName; {
	case n == nil || *n == "":
		p.Addf("PolicyName", "required: a permission set refers to the policy by name")
	case !check.Unresolved(*n) && !policyNamePattern.MatchString(*n):
		p.Add("PolicyName", *n, "1-128 characters from letters, digits and +=,.@_-")
	}
	for i, s := range props.Statements {
		if s == nil {
			p.Addf(fmt.Sprintf("Statements[%d]", i), "nil: give a policy statement or leave it out")
		}
	}
	return p.Err()
}

// PolicyArn returns the policy's ARN, a token until deployment.
func (r *AnalystRole) PolicyArn() *string { return r.Policy.ManagedPolicyArn() }

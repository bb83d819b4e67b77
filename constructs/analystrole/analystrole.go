// Package analystrole provides the role data analysts assume to use a
// notebook product as Service Catalog end users: launch it, see, update
// and terminate what they launched, run its self-service actions, and open
// the notebooks launched through the role.
//
// An IAM user may assume the role only under their own user name
// (sts:RoleSessionName = ${aws:username}): the session name names the
// owner of the notebooks launched with it, and of their workspace.
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
)

var roleNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// Props configures an AnalystRole.
type Props struct {
	// Product is the product analysts launch. Required.
	Product awsservicecatalog.IProduct
	// RoleName is the role's name; fixed, so that the policy can name the
	// role's sessions without referring to the role itself. Required.
	RoleName *string
	// Statements are added to the role's policy, for example
	// actions.Actions.EndUserStatements.
	// Default: none.
	Statements []awsiam.PolicyStatement
}

// AnalystRole is the analysts' role.
type AnalystRole struct {
	constructs.Construct
	// Role is the role analysts assume.
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
	name := *props.RoleName
	statements := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("LaunchThisProduct"),
			Actions: jsii.Strings(
				"servicecatalog:DescribeProduct",
				"servicecatalog:DescribeProductView",
				"servicecatalog:DescribeProvisioningArtifact",
				"servicecatalog:DescribeProvisioningParameters",
				"servicecatalog:ListLaunchPaths",
				"servicecatalog:ListProvisioningArtifacts",
				"servicecatalog:ProvisionProduct",
			),
			Resources: &[]*string{props.Product.ProductArn()},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// Searching has no resource-level permissions; it shows only the
			// products of portfolios this role is associated with.
			Sid:       jsii.String("FindProducts"),
			Actions:   jsii.Strings("servicecatalog:SearchProducts"),
			Resources: jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// Provisioned products and records have no resource-level
			// permissions; servicecatalog:userLevel=self limits them to what
			// this user launched.
			Sid: jsii.String("ManageOwnNotebooks"),
			Actions: jsii.Strings(
				"servicecatalog:DescribeProvisionedProduct",
				"servicecatalog:DescribeRecord",
				"servicecatalog:ListRecordHistory",
				"servicecatalog:ScanProvisionedProducts",
				"servicecatalog:SearchProvisionedProducts",
				"servicecatalog:TerminateProvisionedProduct",
				"servicecatalog:UpdateProvisionedProduct",
			),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": map[string]any{"servicecatalog:userLevel": "self"}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// Self-service actions (Stop, Start, Open) on what the analyst
			// launched; listing them has no resource-level permissions.
			Sid: jsii.String("RunSelfServiceActions"),
			Actions: jsii.Strings(
				"servicecatalog:DescribeServiceActionExecutionParameters",
				"servicecatalog:ExecuteProvisionedProductServiceAction",
				"servicecatalog:ListServiceActionsForProvisioningArtifact",
			),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": map[string]any{"servicecatalog:userLevel": "self"}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// Service Catalog looks up the provisioned stack's resources
			// (the actions' TARGET) with the analyst's credentials.
			Sid:       jsii.String("FindActionTargets"),
			Actions:   jsii.Strings("cloudformation:ListStackResources"),
			Resources: &[]*string{arns.Slash(r, "cloudformation", "stack", "SC-*")},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// Service Catalog tags what it provisions with the launching
			// principal: sessions of this role (or the role itself).
			Sid:       jsii.String("OpenNotebooksLaunchedThroughThisRole"),
			Actions:   jsii.Strings("sagemaker:CreatePresignedNotebookInstanceUrl", "sagemaker:DescribeNotebookInstance"),
			Resources: &[]*string{arns.CatalogNotebooks(r)},
			Conditions: &map[string]any{"StringLike": map[string]any{"aws:ResourceTag/aws:servicecatalog:provisioningPrincipalArn": []any{
				arns.Global(r, "iam", "role", name),
				arns.Global(r, "sts", "assumed-role", name+"/*"),
			}}},
		}),
	}
	statements = append(statements, props.Statements...)
	r.Role = awsiam.NewRole(r, jsii.String("Resource"), &awsiam.RoleProps{
		RoleName: jsii.String(name),
		// The session name becomes the owner of the notebooks launched with
		// it, and of their workspace: an IAM user may assume the role only
		// under their own user name, so nobody can take a colleague's.
		AssumedBy: awsiam.NewAccountRootPrincipal().WithConditions(&map[string]any{
			"StringEquals": map[string]any{"sts:RoleSessionName": "${aws:username}"},
		}),
		Description:    jsii.String("Data analysts: launch, update and terminate SageMaker notebooks from Service Catalog"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"ServiceCatalogEndUser": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements})},
	})
	return r
}

// Validate reports every invalid or missing field of props, or nil.
func (props *Props) Validate() error {
	p := check.New("analystrole.Props")
	if props.Product == nil {
		p.Addf("Product", "required: the product analysts launch")
	}
	switch n := props.RoleName; {
	case n == nil || *n == "":
		p.Addf("RoleName", "required: the policy names the role's sessions")
	case check.Unresolved(*n):
		p.Add("RoleName", *n, "a name known at synthesis (the policy names the role's sessions)")
	case !roleNamePattern.MatchString(*n):
		p.Add("RoleName", *n, "1-64 characters from letters, digits and +=,.@_-")
	}
	for i, s := range props.Statements {
		if s == nil {
			p.Addf(fmt.Sprintf("Statements[%d]", i), "nil: give a policy statement or leave it out")
		}
	}
	return p.Err()
}

// RoleArn returns the role's ARN, a token until deployment.
func (r *AnalystRole) RoleArn() *string { return r.Role.RoleArn() }

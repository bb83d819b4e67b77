package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/analystrole"
	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole"
	"github.com/datalake-platform/sagemaker-catalog/constructs/principals"
	"github.com/datalake-platform/sagemaker-catalog/constructs/product"
	"github.com/datalake-platform/sagemaker-catalog/internal/arns"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

// Spoke is an account the hub shares its portfolio with: it accepts the
// share, gives the account's principals access, and creates the launch
// role the shared constraint names (with the same policy as the hub's),
// beside the Parts notebooks need in the account.
type Spoke struct {
	awscdk.Stack
	Parts
	AcceptedShare awsservicecatalog.CfnAcceptedPortfolioShare
	Principals    *principals.Principals
	LaunchRole    *launchrole.LaunchRole
	// Analysts holds the analysts' managed policy: give it to the
	// account's principals (a permission set's customer managed policy).
	Analysts *analystrole.AnalystRole
}

// NewSpoke builds the spoke in scope (an App or a Stage); Config names the
// shared portfolio (ImportPortfolioId) and the account's principals.
//
// NewSpoke panics if the configuration is invalid or names no portfolio.
func NewSpoke(scope constructs.Construct, id *string, props *Props) *Spoke {
	stack, cfg, code := newStack(scope, id, props)
	if cfg.ImportPortfolioId == "" {
		panic(fmt.Errorf("%s: Config.ImportPortfolioId: required for a spoke: the hub's PortfolioId output", *stack.Node().Path()))
	}
	s := &Spoke{Stack: stack, Parts: newParts(stack, cfg, code)}
	s.AcceptedShare = awsservicecatalog.NewCfnAcceptedPortfolioShare(stack, jsii.String("AcceptedShare"), &awsservicecatalog.CfnAcceptedPortfolioShareProps{
		PortfolioId: jsii.String(cfg.ImportPortfolioId),
	})
	// Only the portfolio ID matters to the associations; the ARN's account
	// and region are this stack's.
	imported := awsservicecatalog.Portfolio_FromPortfolioArn(stack, jsii.String("SharedPortfolio"),
		arns.Slash(stack, "catalog", "portfolio", cfg.ImportPortfolioId))
	s.Principals = principals.New(stack, jsii.String("Principals"), &principals.Props{
		Portfolio:     imported,
		PrincipalArns: cfg.PrincipalArns,
		Patterns:      cfg.PrincipalPatterns,
	})
	// The associations need the accepted share.
	for _, c := range *imported.Node().Children() {
		c.Node().AddDependency(s.AcceptedShare)
	}
	s.Principals.Node().AddDependency(s.AcceptedShare)

	lr := s.launchRoleProps(cfg)
	lr.ResourceTypes = product.StackResourceTypes(s.Template.Stack)
	s.LaunchRole = launchrole.New(stack, jsii.String("LaunchRole"), lr)
	s.LaunchRole.Node().AddDependency(s.Workspaces.Parameters)
	// The analysts' policy, as in the hub: launching, their own provisioned
	// products, opening their own notebooks. The spoke is not told the
	// product's ID: the product statements name the account's products
	// (the portfolio share decides which an analyst sees and may launch).
	s.Analysts = analystrole.New(stack, jsii.String("AnalystRole"), &analystrole.Props{
		Product:    awsservicecatalog.Product_FromProductArn(stack, jsii.String("SharedProducts"), arns.Slash(stack, "catalog", "product", "*")),
		PolicyName: jsii.String(names.AnalystPolicy(cfg.StackName, *stack.Region())),
	})
	output(stack, "AnalystPolicyName", "Give your analysts' roles this managed policy (an IAM Identity Center permission set: as a customer managed policy)",
		jsii.String(names.AnalystPolicy(cfg.StackName, *stack.Region())))
	// The hub's product keeps its ID in the accounts it is shared with, but
	// the spoke is not told it: the launch role alone marks its products.
	s.addJanitor(stack, cfg, s.LaunchRole.Role, nil)
	return s
}

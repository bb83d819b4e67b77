package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/actions"
	"github.com/datalake-platform/sagemaker-catalog/constructs/analystrole"
	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole"
	"github.com/datalake-platform/sagemaker-catalog/constructs/portfolio"
	"github.com/datalake-platform/sagemaker-catalog/constructs/principals"
	"github.com/datalake-platform/sagemaker-catalog/constructs/product"
	"github.com/datalake-platform/sagemaker-catalog/constructs/stackevents"
	"github.com/datalake-platform/sagemaker-catalog/internal/config"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

// Hub is the catalog's home account: the portfolio with its TagOptions,
// the notebook product and its versions, the self-service actions, the
// principals (or an analyst role), the launch role and its constraint, the
// shares with other accounts, and the Parts.
type Hub struct {
	awscdk.Stack
	Parts
	Config    config.Config
	Portfolio awsservicecatalog.IPortfolio
	Product   *product.Product
	Actions   *actions.Actions
	// Analysts holds the analysts' managed policy (and role).
	Analysts *analystrole.AnalystRole
	// Principals holds the configured principals; AnalystRole is created
	// instead when none is configured. One of them is nil.
	Principals  *principals.Principals
	AnalystRole awsiam.IRole
	LaunchRole  *launchrole.LaunchRole
	// StackEvents receives the provisioned stacks' events when
	// Config.NotifyStackEvents is set, else nil.
	StackEvents *stackevents.StackEvents
}

// NewHub builds the hub in scope (an App or a Stage). props may be nil.
//
// NewHub panics if the configuration is invalid or names a spoke.
func NewHub(scope constructs.Construct, id *string, props *Props) *Hub {
	stack, cfg, code := newStack(scope, id, props)
	absolute(stack, cfg.ProductVersionsDir)
	h := &Hub{Stack: stack, Config: cfg, Parts: newParts(stack, cfg, code)}
	pf := portfolio.New(stack, jsii.String("Portfolio"), &portfolio.Props{
		DisplayName:  jsii.String(cfg.PortfolioName),
		ProviderName: jsii.String(cfg.ProviderName),
		TagOptions:   tagOptions(cfg),
	})
	h.Portfolio = pf.Portfolio
	versions, _ := product.History(stack, jsii.String("NotebookVersions"), &product.HistoryProps{
		ProductStack: h.Template.Stack,
		Current:      jsii.String(cfg.ProductVersion),
		Previous:     cfg.PreviousProductVersions,
		Directory:    jsii.String(cfg.ProductVersionsDir),
		Description:  jsii.String("Amazon Linux 2023 notebook in a private subnet, encrypted volume, auto-stop when idle"),
	})
	h.Product = product.New(stack, jsii.String("Product"), &product.Props{
		ProductName:        jsii.String("SageMaker notebook"),
		Owner:              jsii.String(cfg.ProviderName),
		Distributor:        jsii.String(cfg.ProviderName),
		Description:        jsii.String("A secure Amazon SageMaker notebook instance, sized as you need. It stops when idle; terminate it when you are done."),
		SupportEmail:       jsii.String(cfg.SupportEmail),
		SupportUrl:         jsii.String(cfg.SupportUrl),
		SupportDescription: jsii.String(cfg.SupportDescription),
		Versions:           versions,
	})
	h.Portfolio.AddProduct(h.Product.Product)
	h.Actions = actions.New(stack, jsii.String("NotebookActions"), &actions.Props{
		Product:          h.Product.Product,
		Versions:         jsii.Number(len(versions)),
		NotebookRoleArns: []*string{h.notebookRoles()},
		KmsKeyArns:       []*string{h.NotebookKey.KeyArn()},
		SubnetIds:        h.Network.SubnetIds,
		SecurityGroupIds: h.Network.SecurityGroupIds,
	})

	// The analysts' policy, for the created role or for your own roles (an
	// IAM Identity Center permission set refers to it by name).
	analysts := &analystrole.Props{
		Product:    h.Product.Product,
		PolicyName: jsii.String(names.AnalystPolicy(cfg.StackName, *stack.Region())),
	}
	createRole := len(cfg.PrincipalArns) == 0 && len(cfg.PrincipalPatterns) == 0
	if createRole {
		analysts.RoleName = jsii.String(names.AnalystRole(cfg.StackName, *stack.Region()))
	}
	h.Analysts = analystrole.New(stack, jsii.String("AnalystRole"), analysts)
	output(stack, "AnalystPolicyName", "Give your analysts' roles this managed policy (an IAM Identity Center permission set: as a customer managed policy)",
		analysts.PolicyName)
	if createRole {
		h.AnalystRole = h.Analysts.Role
		h.Portfolio.GiveAccessToRole(h.AnalystRole)
	} else {
		h.Principals = principals.New(stack, jsii.String("Principals"), &principals.Props{
			Portfolio:     h.Portfolio,
			PrincipalArns: cfg.PrincipalArns,
			Patterns:      cfg.PrincipalPatterns,
		})
	}

	lr := h.launchRoleProps(cfg)
	lr.Portfolio, lr.Product = h.Portfolio, h.Product
	lr.Local = len(cfg.ShareWithAccounts) > 0
	h.LaunchRole = launchrole.New(stack, jsii.String("LaunchRole"), lr)
	// Service Catalog must find the parameters when it launches a notebook.
	h.LaunchRole.Node().AddDependency(h.Workspaces.Parameters)
	h.addJanitor(stack, cfg, h.LaunchRole.Role, h.Product.Product.ProductId())

	// Shared accounts get the portfolio with its TagOptions; the constraint
	// names the launch role, which each of them creates (a spoke stack).
	for _, account := range cfg.ShareWithAccounts {
		h.Portfolio.ShareWithAccount(jsii.String(account), &awsservicecatalog.PortfolioShareOptions{ShareTagOptions: jsii.Bool(true)})
	}
	if cfg.NotifyStackEvents {
		h.StackEvents = stackevents.New(stack, jsii.String("StackEvents"), &stackevents.Props{Portfolio: h.Portfolio, Product: h.Product.Product})
		output(stack, "StackEventsTopicArn", "Subscribe to follow provisioned notebooks' stack events", h.StackEvents.Topic.TopicArn())
	}

	output(stack, "PortfolioId", "", h.Portfolio.PortfolioId())
	output(stack, "ProductId", "", h.Product.Product.ProductId())
	if h.AnalystRole != nil {
		output(stack, "AnalystRoleArn", "Assume this role to launch notebooks from the Service Catalog console", h.AnalystRole.RoleArn())
	}
	return h
}

func tagOptions(cfg config.Config) map[string][]string {
	t := map[string][]string{}
	if len(cfg.CostCenters) > 0 {
		t["CostCenter"] = cfg.CostCenters
	}
	if len(cfg.Projects) > 0 {
		t["Project"] = cfg.Projects
	}
	return t
}

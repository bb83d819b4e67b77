// Package stacks composes the catalog: the shared resources notebooks need
// (KMS key, network, workspace bucket, notebook boundary and policy, the
// workspace function and the janitor), the portfolio with its TagOptions,
// the notebook product, its principals and its least-privilege launch role.
//
// NewCatalogStack is the single composition used by `cdk deploy` (main.go)
// and by pipeline stages, so both deploy the same thing.
package stacks

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole"
	"github.com/datalake-platform/sagemaker-catalog/constructs/notebook"
	"github.com/datalake-platform/sagemaker-catalog/constructs/portfolio"
	"github.com/datalake-platform/sagemaker-catalog/constructs/principals"
	"github.com/datalake-platform/sagemaker-catalog/constructs/product"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

// CatalogStackProps configures a CatalogStack.
type CatalogStackProps struct {
	awscdk.StackProps
	// Config is the catalog's configuration; ParseContext validates it.
	// Default: DefaultConfig().
	Config *Config
}

// CatalogStack is the deployed catalog.
type CatalogStack struct {
	awscdk.Stack
	Config Config
	Key    awskms.IKey
	// NotebookPolicy is the managed policy every notebook role has;
	// NotebookBoundary the permissions boundary every notebook role must have.
	NotebookPolicy   awsiam.ManagedPolicy
	NotebookBoundary awsiam.ManagedPolicy
	// Workspaces keeps the analysts' work, one prefix per owner; AccessLogs
	// receives its server access logs.
	Workspaces awss3.Bucket
	AccessLogs awss3.Bucket
	// WorkspaceFunction serves the product's Custom::Workspace resource.
	WorkspaceFunction awslambda.Function
	// Janitor applies the leases, on JanitorSchedule; its failed runs end
	// in JanitorDeadLetters; owners hear from it through LeaseNotices.
	Janitor            awslambda.Function
	JanitorSchedule    awsscheduler.Schedule
	JanitorDeadLetters awssqs.Queue
	LeaseNotices       awssns.Topic
	// Vpc is the created network, or nil when Config.SubnetIds is set.
	Vpc              awsec2.Vpc
	SubnetIds        []*string
	SecurityGroupIds []*string
	Portfolio        *portfolio.Portfolio
	Notebook         *notebook.Template
	Product          *product.Product
	Principals       *principals.Principals
	// StackEvents receives the provisioned stacks' events when
	// Config.NotifyStackEvents is set, else nil.
	StackEvents awssns.Topic
	// AnalystRole is created when no principal is configured, else nil.
	AnalystRole awsiam.Role
	LaunchRole  *launchrole.LaunchRole
	// Actions are the notebook product's self-service actions (hub only).
	Actions []*NotebookAction
	// AcceptedShare is set in an account that imports the hub's portfolio
	// (Config.ImportPortfolioId); Portfolio and Product are then nil.
	AcceptedShare awsservicecatalog.CfnAcceptedPortfolioShare
}

// NewCatalogStack builds the catalog in scope (an App or a Stage): the hub,
// with the portfolio and its product, or, when Config.ImportPortfolioId is
// set, a spoke that uses a portfolio shared by the hub. Both have the shared
// resources notebooks need in their account. The stack's name is
// Config.StackName unless props.StackName is set.
//
// NewCatalogStack panics if the configuration is invalid.
func NewCatalogStack(scope constructs.Construct, id *string, props *CatalogStackProps) *CatalogStack {
	if props == nil {
		props = &CatalogStackProps{}
	}
	cfg := DefaultConfig()
	if props.Config != nil {
		cfg = *props.Config
	}
	sp := props.StackProps
	if sp.StackName == nil {
		sp.StackName = jsii.String(cfg.StackName)
	}
	if sp.Description == nil {
		sp.Description = jsii.String("Self-service SageMaker notebooks through AWS Service Catalog")
	}
	stack := awscdk.NewStack(scope, id, &sp)
	// Access logs are delivered under a bucket policy, not an ACL (the
	// buckets enforce bucket-owner object ownership), whatever the app's
	// feature flags.
	stack.Node().SetContext(jsii.String("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"), true)
	s := &CatalogStack{Stack: stack, Config: cfg}

	s.Key = notebookKey(stack, cfg)
	s.network(cfg)
	s.workspaces(cfg)
	s.notebookPolicies(cfg)
	s.leaseAndJanitor(cfg)
	s.Notebook = notebook.New(stack, jsii.String("NotebookProduct"), notebookProps(cfg, len(s.SecurityGroupIds)))
	s.publishParameters()
	if cfg.ImportPortfolioId != "" {
		s.spoke(cfg)
	} else {
		s.hub(cfg)
	}
	if cfg.NotifyStackEvents {
		s.StackEvents = s.stackEventsTopic()
	}
	s.addNagSuppressions()
	return s
}

// notebookProps configures the notebook template. Its SSM prefix derives
// from Config.StackName, so that the hub and the accounts it shares with
// agree on it.
func notebookProps(cfg Config, securityGroups int) *notebook.Props {
	return &notebook.Props{
		AllowedInstanceTypes:   cfg.AllowedInstanceTypes,
		DefaultInstanceType:    jsii.String(cfg.DefaultInstanceType),
		DefaultVolumeSizeGB:    jsii.Number(cfg.DefaultVolumeSizeGB),
		MaxVolumeSizeGB:        jsii.Number(cfg.MaxVolumeSizeGB),
		IdleTimeoutMinutes:     jsii.Number(cfg.IdleTimeoutMinutes),
		MaxIdleTimeoutMinutes:  jsii.Number(cfg.MaxIdleTimeoutMinutes),
		IdleIgnoresConnections: jsii.Bool(cfg.IdleIgnoresConnections),
		SecurityGroupCount:     jsii.Number(securityGroups),
		ParameterPrefix:        jsii.String("/" + cfg.StackName + "/notebook"),
		CatalogName:            jsii.String(cfg.StackName),
		LeaseDays:              jsii.Number(cfg.LeaseDays),
		MaxLeaseDays:           jsii.Number(cfg.MaxLeaseDays),
	}
}

// LaunchRoleName is the launch role's name when the portfolio is shared:
// the constraint names it, and each account has its own role of that name.
func LaunchRoleName(cfg Config) string { return cfg.StackName + "-launch" }

// launchRoleProps scopes the launch role to the catalog's shared resources.
func (s *CatalogStack) launchRoleProps(cfg Config) *launchrole.Props {
	p := &launchrole.Props{
		RoleCreation:     s.NotebookRoleCreation(),
		Permissions:      s.WorkspacePermissions(),
		KmsKeyArns:       []*string{s.Key.KeyArn()},
		SubnetIds:        s.SubnetIds,
		SecurityGroupIds: s.SecurityGroupIds,
		InstanceTypes:    cfg.AllowedInstanceTypes,
		ParameterNames:   s.Notebook.Parameters.All(),
		TagKeys:          notebookTagKeys(cfg),
	}
	if len(cfg.ShareWithAccounts) > 0 || cfg.ImportPortfolioId != "" {
		p.RoleName = jsii.String(LaunchRoleName(cfg))
	}
	return p
}

// hub builds the portfolio, its product and versions, its principals, the
// launch role and constraint, and the shares.
func (s *CatalogStack) hub(cfg Config) {
	stack := s.Stack
	s.Portfolio = portfolio.New(stack, jsii.String("Portfolio"), &portfolio.Props{
		DisplayName:  jsii.String(cfg.PortfolioName),
		ProviderName: jsii.String(cfg.ProviderName),
		TagOptions:   tagOptions(cfg),
	})
	if !filepath.IsAbs(cfg.ProductVersionsDir) {
		panic(fmt.Errorf("%s: Config.ProductVersionsDir: invalid value %q: an absolute path (the app resolves the context value against the working directory)", *stack.Node().Path(), cfg.ProductVersionsDir))
	}
	versions, _ := product.History(stack, jsii.String("NotebookVersions"), &product.HistoryProps{
		ProductStack: s.Notebook.Stack,
		Current:      jsii.String(cfg.ProductVersion),
		Previous:     cfg.PreviousProductVersions,
		Directory:    jsii.String(cfg.ProductVersionsDir),
		Description:  jsii.String("Amazon Linux 2023 notebook in a private subnet, encrypted volume, auto-stop when idle"),
	})
	s.Product = product.New(stack, jsii.String("Product"), &product.Props{
		ProductName:        jsii.String("SageMaker notebook"),
		Owner:              jsii.String(cfg.ProviderName),
		Distributor:        jsii.String(cfg.ProviderName),
		Description:        jsii.String("A secure Amazon SageMaker notebook instance, sized as you need. It stops when idle; terminate it when you are done."),
		SupportEmail:       jsii.String(cfg.SupportEmail),
		SupportUrl:         jsii.String(cfg.SupportUrl),
		SupportDescription: jsii.String(cfg.SupportDescription),
		Versions:           versions,
	})
	s.Portfolio.Portfolio.AddProduct(s.Product.Product)
	s.serviceActions(len(versions))

	if len(cfg.PrincipalArns) == 0 && len(cfg.PrincipalPatterns) == 0 {
		s.AnalystRole = analystRole(stack, s)
		s.Portfolio.Portfolio.GiveAccessToRole(s.AnalystRole)
	} else {
		s.Principals = principals.New(stack, jsii.String("Principals"), &principals.Props{
			Portfolio:     s.Portfolio.Portfolio,
			PrincipalArns: cfg.PrincipalArns,
			Patterns:      cfg.PrincipalPatterns,
		})
	}

	props := s.launchRoleProps(cfg)
	props.Portfolio, props.Product = s.Portfolio.Portfolio, s.Product
	props.Local = len(cfg.ShareWithAccounts) > 0
	s.LaunchRole = launchrole.New(stack, jsii.String("LaunchRole"), props)
	// Service Catalog must find the parameters when it launches a notebook.
	s.LaunchRole.Node().AddDependency(s.Node().FindChild(jsii.String("NotebookParameters")))

	// Shared accounts get the portfolio with its TagOptions; the constraint
	// names the launch role, which each of them creates (a spoke stack).
	for _, account := range cfg.ShareWithAccounts {
		s.Portfolio.Portfolio.ShareWithAccount(jsii.String(account), &awsservicecatalog.PortfolioShareOptions{
			ShareTagOptions: jsii.Bool(true),
		})
	}

	awscdk.NewCfnOutput(stack, jsii.String("PortfolioId"), &awscdk.CfnOutputProps{Value: s.Portfolio.Portfolio.PortfolioId()})
	awscdk.NewCfnOutput(stack, jsii.String("ProductId"), &awscdk.CfnOutputProps{Value: s.Product.Product.ProductId()})
	if s.AnalystRole != nil {
		awscdk.NewCfnOutput(stack, jsii.String("AnalystRoleArn"), &awscdk.CfnOutputProps{
			Description: jsii.String("Assume this role to launch notebooks from the Service Catalog console"),
			Value:       s.AnalystRole.RoleArn(),
		})
	}
}

// spoke prepares an account the hub shares its portfolio with: it accepts
// the share, gives the account's principals access, and creates the launch
// role the shared constraint names, with the same policy as the hub's.
func (s *CatalogStack) spoke(cfg Config) {
	stack := s.Stack
	s.AcceptedShare = awsservicecatalog.NewCfnAcceptedPortfolioShare(stack, jsii.String("AcceptedShare"), &awsservicecatalog.CfnAcceptedPortfolioShareProps{
		PortfolioId: jsii.String(cfg.ImportPortfolioId),
	})
	// Only the portfolio ID matters to the associations; the ARN's account
	// and region are this stack's.
	imported := awsservicecatalog.Portfolio_FromPortfolioArn(stack, jsii.String("SharedPortfolio"),
		arn(stack, "catalog", "portfolio", cfg.ImportPortfolioId))
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

	props := s.launchRoleProps(cfg)
	props.ResourceTypes = product.StackResourceTypes(s.Notebook.Stack)
	s.LaunchRole = launchrole.New(stack, jsii.String("LaunchRole"), props)
	s.LaunchRole.Node().AddDependency(s.Node().FindChild(jsii.String("NotebookParameters")))
}

// arn formats an ARN service:...:resource/name in stack's partition, region
// and account.
func arn(stack awscdk.Stack, service, resource, name string) *string {
	return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String(service), Resource: jsii.String(resource),
		ResourceName: jsii.String(name), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME})
}

// logGroupArn formats the ARN of a log group (or of its streams, with a
// ":log-stream:..." suffix) in stack's partition, region and account.
func logGroupArn(stack awscdk.Stack, name string) *string {
	return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("logs"), Resource: jsii.String("log-group"),
		ResourceName: jsii.String(name), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME})
}

// catalogNotebooks is the ARN pattern of the notebooks the catalog launches:
// named after their SC-* stacks, lower-cased in SageMaker's ARNs.
func catalogNotebooks(stack awscdk.Stack) *string {
	return arn(stack, "sagemaker", "notebook-instance", strings.ToLower(launchrole.StackNamePrefix)+"*")
}

// keyPolicyActions are the key-level KMS actions: administration (so the
// account never loses control of the key, PutKeyPolicy included) and use by
// IAM principals such as the launch role's kms:CreateGrant.
var keyPolicyActions = []string{
	"kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias",
	"kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation",
	"kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GetKeyPolicy",
	"kms:GetKeyRotationStatus", "kms:ListGrants", "kms:ListKeyRotations", "kms:ListResourceTags",
	"kms:PutKeyPolicy", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RetireGrant", "kms:RevokeGrant",
	"kms:RotateKeyOnDemand", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource",
	"kms:UpdateAlias", "kms:UpdateKeyDescription",
}

// notebookTagKeys are the tag keys a notebook instance carries: the
// template's own and the TagOptions analysts choose.
func notebookTagKeys(cfg Config) []string {
	keys := []string{names.TagProduct, names.TagStack, names.TagOwner, names.TagWorkspace,
		names.TagProvisionedProduct, names.TagLeaseDays, names.TagLeaseStart}
	for k := range tagOptions(cfg) {
		keys = append(keys, k)
	}
	sort.Strings(keys[7:])
	return keys
}

func tagOptions(cfg Config) map[string][]string {
	t := map[string][]string{}
	if len(cfg.CostCenters) > 0 {
		t["CostCenter"] = cfg.CostCenters
	}
	if len(cfg.Projects) > 0 {
		t["Project"] = cfg.Projects
	}
	return t
}

func notebookKey(stack awscdk.Stack, cfg Config) awskms.IKey {
	if cfg.KmsKeyArn != "" {
		return awskms.Key_FromKeyArn(stack, jsii.String("NotebookKey"), jsii.String(cfg.KmsKeyArn))
	}
	return newKey(stack, "NotebookKey", "Encrypts the ML storage volumes of Service Catalog SageMaker notebooks")
}

// newKey creates a KMS key with rotation on, kept when the stack is
// deleted. In its policy the account (its IAM policies) administers and uses
// the key, with an explicit list of actions instead of the default "kms:*";
// in a key policy, Resource "*" means this key.
func newKey(stack awscdk.Stack, id, description string, extra ...awsiam.PolicyStatement) awskms.Key {
	statements := append([]awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AccountAdministersAndUsesKeyThroughIam"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
			Actions:    jsii.Strings(keyPolicyActions...),
			Resources:  jsii.Strings("*"),
		}),
	}, extra...)
	return awskms.NewKey(stack, jsii.String(id), &awskms.KeyProps{
		Description:       jsii.String(description),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		Policy:            awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements}),
	})
}

// newLogsKey creates a key (see newKey) that CloudWatch Logs may also use,
// for the log groups whose ARN matches groups only.
func newLogsKey(stack awscdk.Stack, id, description string, groups *string) awskms.Key {
	return newKey(stack, id, description, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsEncryptsTheseLogGroups"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*awscdk.Aws_REGION()+".amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": groups}},
	}))
}

// network uses the configured subnets and security groups, or creates an
// isolated VPC with the endpoints a notebook needs without internet access.
func (s *CatalogStack) network(cfg Config) {
	if len(cfg.SubnetIds) > 0 {
		s.SubnetIds = *jsii.Strings(cfg.SubnetIds...)
		s.SecurityGroupIds = *jsii.Strings(cfg.SecurityGroupIds...)
		return
	}
	s.Vpc = awsec2.NewVpc(s.Stack, jsii.String("Vpc"), &awsec2.VpcProps{
		IpAddresses:           awsec2.IpAddresses_Cidr(jsii.String("10.64.0.0/22")),
		MaxAzs:                jsii.Number(2),
		NatGateways:           jsii.Number(0),
		CreateInternetGateway: jsii.Bool(false),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{
			Name:       jsii.String("notebooks"),
			SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED,
			CidrMask:   jsii.Number(24),
		}},
		GatewayEndpoints: &map[string]*awsec2.GatewayVpcEndpointOptions{
			"S3": {Service: awsec2.GatewayVpcEndpointAwsService_S3()},
		},
	})
	notebookSG := awsec2.NewSecurityGroup(s.Stack, jsii.String("NotebookSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              s.Vpc,
		Description:      jsii.String("SageMaker notebooks: HTTPS out to the VPC endpoints only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	endpointSG := awsec2.NewSecurityGroup(s.Stack, jsii.String("EndpointSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              s.Vpc,
		Description:      jsii.String("VPC interface endpoints: HTTPS in from notebooks"),
		AllowAllOutbound: jsii.Bool(false),
	})
	endpointSG.AddIngressRule(notebookSG, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from notebooks"), nil)
	notebookSG.AddEgressRule(endpointSG, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to the VPC interface endpoints"), nil)
	// The S3 gateway endpoint is reached through a regional prefix list,
	// unknown to an environment-agnostic synthesis; the isolated subnets
	// route nowhere else, so HTTPS to any address reaches only S3.
	notebookSG.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to S3 through the gateway endpoint"), nil)

	for _, e := range []struct {
		id      string
		service awsec2.InterfaceVpcEndpointAwsService
	}{
		{"SageMakerApi", awsec2.InterfaceVpcEndpointAwsService_SAGEMAKER_API()},
		{"SageMakerRuntime", awsec2.InterfaceVpcEndpointAwsService_SAGEMAKER_RUNTIME()},
		{"SageMakerNotebook", awsec2.InterfaceVpcEndpointAwsService_SAGEMAKER_NOTEBOOK()},
		{"Sts", awsec2.InterfaceVpcEndpointAwsService_STS()},
		{"Logs", awsec2.InterfaceVpcEndpointAwsService_CLOUDWATCH_LOGS()},
		{"Kms", awsec2.InterfaceVpcEndpointAwsService_KMS()},
	} {
		s.Vpc.AddInterfaceEndpoint(jsii.String(e.id), &awsec2.InterfaceVpcEndpointOptions{
			Service:           e.service,
			PrivateDnsEnabled: jsii.Bool(true),
			Open:              jsii.Bool(false),
			SecurityGroups:    &[]awsec2.ISecurityGroup{endpointSG},
		})
	}
	s.flowLogs()
	removeRedundantDependsOnProviderRole(s.Stack)
	for _, sn := range *s.Vpc.IsolatedSubnets() {
		s.SubnetIds = append(s.SubnetIds, sn.SubnetId())
	}
	s.SecurityGroupIds = []*string{notebookSG.SecurityGroupId()}
}

// stackEventsTopic creates an SNS topic, encrypted with a key of its own,
// that only Service Catalog (of this account) may publish to, and asks
// Service Catalog to send it the provisioned stacks' events.
func (s *CatalogStack) stackEventsTopic() awssns.Topic {
	serviceCatalog := awsiam.NewServicePrincipal(jsii.String("servicecatalog.amazonaws.com"), nil)
	sameAccount := &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}}
	key := newKey(s.Stack, "StackEventsKey", "Encrypts the stack-event notifications of the SageMaker notebook catalog",
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("ServiceCatalogPublishesEncrypted"),
			Principals: &[]awsiam.IPrincipal{serviceCatalog},
			Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
			Resources:  jsii.Strings("*"),
			Conditions: sameAccount,
		}))
	topic := awssns.NewTopic(s.Stack, jsii.String("StackEvents"), &awssns.TopicProps{
		DisplayName: jsii.String("SageMaker notebook catalog: provisioned stack events"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("OnlyServiceCatalogPublishes"),
		Principals: &[]awsiam.IPrincipal{serviceCatalog},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: sameAccount,
	}))
	s.Portfolio.Portfolio.NotifyOnStackEvents(s.Product.Product, topic, &awsservicecatalog.CommonConstraintOptions{
		Description: jsii.String("Sends the provisioned notebooks' stack events to the catalog's topic"),
	})
	awscdk.NewCfnOutput(s.Stack, jsii.String("StackEventsTopicArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("Subscribe to follow provisioned notebooks' stack events"),
		Value:       topic.TopicArn(),
	})
	return topic
}

// flowLogs records the VPC's traffic in a log group kept a year and
// encrypted with a key of its own (the notebook key may be imported, and its
// policy is then not ours to change).
func (s *CatalogStack) flowLogs() {
	name := "/" + *s.StackName() + "/vpc-flow-logs"
	key := newLogsKey(s.Stack, "FlowLogKey", "Encrypts the VPC flow logs of the SageMaker notebook catalog", logGroupArn(s.Stack, name))
	logGroup := awslogs.NewLogGroup(s.Stack, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(name),
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		EncryptionKey: key,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	s.Vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(logGroup, nil),
		TrafficType: awsec2.FlowLogTrafficType_ALL,
	})
}

// dataStatements grant the configured data-lake buckets (or prefixes):
// locate and list them, read objects, and write and delete objects too for
// "read-write".
func dataStatements(cfg Config) []awsiam.PolicyStatement {
	if len(cfg.DataBucketArns) == 0 {
		return nil
	}
	var buckets []*string
	seen := map[string]bool{}
	var out []awsiam.PolicyStatement
	for _, a := range cfg.DataBucketArns {
		bucket, prefix, _ := strings.Cut(a, "/")
		prefix = strings.TrimSuffix(prefix, "*")
		if !seen[bucket] {
			seen[bucket] = true
			buckets = append(buckets, jsii.String(bucket))
		}
		list := &awsiam.PolicyStatementProps{Actions: jsii.Strings("s3:ListBucket"), Resources: jsii.Strings(bucket)}
		if prefix != "" {
			dir := strings.TrimSuffix(prefix, "/")
			list.Conditions = &map[string]any{"StringLike": map[string]any{"s3:prefix": []any{dir + "/", dir + "/*"}}}
		}
		out = append(out, awsiam.NewPolicyStatement(list))
	}
	objects := jsii.Strings(dataObjectArns(cfg)...)
	actions := []string{"s3:GetObject"}
	if cfg.DataAccess == "read-write" {
		actions = append(actions, "s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject")
	}
	return append([]awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("DataLakeBuckets"),
			Actions:   jsii.Strings("s3:GetBucketLocation"),
			Resources: &buckets,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("DataLakeObjects"),
			Actions:   jsii.Strings(actions...),
			Resources: objects,
		}),
	}, out...)
}

// publishParameters writes the shared values the notebook template resolves.
func (s *CatalogStack) publishParameters() {
	scope := constructs.NewConstruct(s.Stack, jsii.String("NotebookParameters"))
	names := s.Notebook.Parameters
	put := func(id, name string, value *string) {
		awsssm.NewStringParameter(scope, jsii.String(id), &awsssm.StringParameterProps{
			ParameterName: jsii.String(name),
			StringValue:   value,
			Description:   jsii.String("Read by the SageMaker notebook product template"),
		})
	}
	put("KmsKeyArn", names.KmsKeyArn, s.Key.KeyArn())
	put("SubnetId", names.SubnetId, s.SubnetIds[0])
	for i, name := range names.SecurityGroupIds {
		put("SecurityGroup"+strconv.Itoa(i+1), name, s.SecurityGroupIds[i])
	}
}

// analystRoleName is the analyst role's name: fixed, so that its policy can
// name the role's sessions without referring to itself.
func analystRoleName(stack awscdk.Stack) string {
	return *stack.StackName() + "-analyst"
}

// analystRole can only use this portfolio as a Service Catalog end user:
// launch its product, see, update and terminate what it launched, and open
// the notebooks launched through it.
func analystRole(stack awscdk.Stack, s *CatalogStack) awsiam.Role {
	productArn := s.Product.Product.ProductArn()
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
			Resources: &[]*string{productArn},
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
			Resources: &[]*string{arn(stack, "cloudformation", "stack", "SC-*")},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// Service Catalog tags what it provisions with the launching
			// principal: sessions of this role (or the role itself).
			Sid:       jsii.String("OpenNotebooksLaunchedThroughThisRole"),
			Actions:   jsii.Strings("sagemaker:CreatePresignedNotebookInstanceUrl", "sagemaker:DescribeNotebookInstance"),
			Resources: &[]*string{catalogNotebooks(stack)},
			Conditions: &map[string]any{"StringLike": map[string]any{"aws:ResourceTag/aws:servicecatalog:provisioningPrincipalArn": []any{
				stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("iam"), Region: jsii.String(""), Resource: jsii.String("role"), ResourceName: jsii.String(analystRoleName(stack)), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME}),
				stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("sts"), Region: jsii.String(""), Resource: jsii.String("assumed-role"), ResourceName: jsii.String(analystRoleName(stack) + "/*"), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME}),
			}}},
		}),
	}
	statements = append(statements, actionStatements(stack, s.Actions)...)
	return awsiam.NewRole(stack, jsii.String("AnalystRole"), &awsiam.RoleProps{
		RoleName: jsii.String(analystRoleName(stack)),
		// The session name becomes the owner of the notebooks launched with
		// it, and of their workspace: an IAM user may assume the role only
		// under their own user name, so nobody can take a colleague's.
		AssumedBy: awsiam.NewAccountRootPrincipal().WithConditions(&map[string]any{
			"StringEquals": map[string]any{"sts:RoleSessionName": "${aws:username}"},
		}),
		Description:    jsii.String("Data analysts: launch, update and terminate SageMaker notebooks from Service Catalog"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"ServiceCatalogEndUser": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements})},
	})
}

// removeRedundantDependsOnProviderRole drops the DependsOn that the CDK's
// restrict-default-security-group provider puts on its role: the handler's
// Fn::GetAtt of the role already orders them, and cfn-lint warns (W3005).
func removeRedundantDependsOnProviderRole(stack awscdk.Stack) {
	provider := stack.Node().TryFindChild(jsii.String("Custom::VpcRestrictDefaultSGCustomResourceProvider"))
	if provider == nil {
		return
	}
	handler, hok := provider.Node().TryFindChild(jsii.String("Handler")).(awscdk.CfnResource)
	role, rok := provider.Node().TryFindChild(jsii.String("Role")).(awscdk.CfnResource)
	if hok && rok {
		handler.RemoveResourceDependency(role)
	}
}

// dataObjectArns are the object ARNs of the configured buckets and prefixes.
func dataObjectArns(cfg Config) []string {
	out := make([]string, len(cfg.DataBucketArns))
	for i, a := range cfg.DataBucketArns {
		bucket, prefix, _ := strings.Cut(a, "/")
		if prefix = strings.TrimSuffix(strings.TrimSuffix(prefix, "*"), "/"); prefix == "" {
			out[i] = bucket + "/*"
		} else {
			out[i] = bucket + "/" + prefix + "/*"
		}
	}
	return out
}

// actionStatements let an analyst start the self-service actions' automations
// (Service Catalog starts them with the analyst's credentials, passing each
// action's role to SSM), and follow them.
func actionStatements(stack awscdk.Stack, actions []*NotebookAction) []awsiam.PolicyStatement {
	if len(actions) == 0 {
		return nil
	}
	var definitions, documents, roles []*string
	for _, a := range actions {
		definitions = append(definitions, arn(stack, "ssm", "automation-definition", *a.Document.Ref()+":*"))
		documents = append(documents, arn(stack, "ssm", "document", *a.Document.Ref()))
		roles = append(roles, a.Role.RoleArn())
	}
	return []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("StartActionAutomations"),
			Actions:   jsii.Strings("ssm:DescribeDocument", "ssm:StartAutomationExecution"),
			Resources: jsii.Strings(append(derefAll(definitions), derefAll(documents)...)...),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// An execution's ID is not known in advance.
			Sid:       jsii.String("FollowActionAutomations"),
			Actions:   jsii.Strings("ssm:GetAutomationExecution", "ssm:StopAutomationExecution"),
			Resources: &[]*string{arn(stack, "ssm", "automation-execution", "*")},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("PassActionRoles"),
			Actions:    jsii.Strings("iam:PassRole"),
			Resources:  &roles,
			Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ssm.amazonaws.com"}},
		}),
	}
}

func derefAll(ss []*string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = *s
	}
	return out
}

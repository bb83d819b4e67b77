// Package names is the one home of every name the catalog's parts share:
// the tags the notebook template writes and the janitor reads, the
// workspace bucket's layout, the names of the catalog resources the
// notebook template refers to by name, and the functions' environment.
//
// It imports nothing but the standard library, so that the runtime code
// (lambda/...) and the CDK code (constructs/..., stacks) can both use it
// without pulling each other's dependencies into their builds.
package names

// TagPrefix starts every tag the notebook product and the janitor write.
const TagPrefix = "sagemaker-catalog:"

// Tags the notebook product puts on its notebook instance, and the one the
// janitor adds.
const (
	TagProduct            = "sagemaker-catalog:product"
	TagStack              = "sagemaker-catalog:stack"
	TagOwner              = "sagemaker-catalog:owner"
	TagWorkspace          = "sagemaker-catalog:workspace"
	TagProvisionedProduct = "sagemaker-catalog:provisioned-product-id"
	TagLeaseDays          = "sagemaker-catalog:lease-days"
	TagLeaseStart         = "sagemaker-catalog:lease-start"
	TagNotifiedAt         = "sagemaker-catalog:notified-at"
	// TagOwnerId holds the owner's unique ID as IAM's aws:userid gives it
	// ("AROA...:alice@example.com" for a role session, "AIDA..." for a
	// user): policies compare it with ${aws:userid}, so that ownership is
	// per person even when analysts share one role.
	TagOwnerId = "sagemaker-catalog:owner-id"
)

// Tags CloudFormation and Service Catalog put on what they create; no
// principal can set or change a tag whose key starts with "aws:".
const (
	TagCloudFormationStackName = "aws:cloudformation:stack-name"
	TagProvisioningPrincipal   = "aws:servicecatalog:provisioningPrincipalArn"
	TagProvisionedProductArn   = "aws:servicecatalog:provisionedProductArn"
)

// StackNamePrefix starts the name of every stack Service Catalog
// provisions, SC-<account>-pp-<id>; NotebookNamePrefix starts the name of
// every notebook and lifecycle configuration the notebook product creates:
// the stack's name in lower case (SageMaker lower-cases the names in the
// ARNs it returns), which the workspace function computes.
const (
	StackNamePrefix    = "SC-"
	NotebookNamePrefix = "sc-"
)

// WorkspacePrefix is where owners' workspaces live in the workspace bucket.
const WorkspacePrefix = "owners/"

// StatusPrefix is where notebooks write their sync status, one prefix per
// owner (status/<owner>/<notebook>.json): apart from the workspaces, so that
// what may read the status (the janitor) can never read a workspace file.
const StatusPrefix = "status/"

// Functions: the catalog's Lambda functions are one binary; the FUNCTION
// variable selects the handler.
const (
	// FunctionJanitor and FunctionWorkspace are the handlers' names.
	FunctionJanitor   = "janitor"
	FunctionWorkspace = "workspace"

	// EnvFunction selects the handler.
	EnvFunction = "FUNCTION"
	// EnvBucket is the workspace bucket's name (workspace function, and
	// the janitor, which reads the sync status there).
	EnvBucket = "BUCKET"
	// EnvStackTagKeys lists, comma-separated, the tag keys a provisioned
	// stack may carry besides aws:* (the portfolio's TagOptions): the
	// workspace function refuses a launch with others (workspace function).
	EnvStackTagKeys = "STACK_TAG_KEYS"
	// EnvTopicArn, EnvLeaseDays, EnvNoticeHours and EnvMode configure the
	// janitor: the notices topic, the default lease, the notice period and
	// the mode (enforce, notify-only or dry-run).
	EnvTopicArn    = "TOPIC_ARN"
	EnvLeaseDays   = "LEASE_DAYS"
	EnvNoticeHours = "NOTICE_HOURS"
	EnvMode        = "MODE"
	// EnvLaunchRoleArn and EnvProductId identify this catalog's provisioned
	// products: the janitor terminates only those launched with this launch
	// role (and, in the hub, of this product).
	EnvLaunchRoleArn = "LAUNCH_ROLE_ARN"
	EnvProductId     = "PRODUCT_ID"
)

// Janitor modes.
const (
	ModeEnforce    = "enforce"
	ModeNotifyOnly = "notify-only"
	ModeDryRun     = "dry-run"
)

// Truncate returns s cut to at most n bytes (names are ASCII).
func Truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Names of the catalog's resources, derived from the catalog's name (its
// stack name): the notebook template refers to them by name, because a
// product template cannot refer to the catalog stack.

// WorkspaceFunction is the name of the workspace function, which the
// notebook template's Custom::Workspace resource calls.
func WorkspaceFunction(catalog string) string { return Truncate(catalog, 54) + "-workspace" }

// IAM is global: names of IAM roles and policies carry the region too, so
// that one catalog name can be deployed to two regions of one account. The
// region may be a CloudFormation token (an environment-agnostic stack) or
// "${AWS::Region}" inside an Fn::Sub string; the catalog's name is cut so
// that the longest region (15 characters) fits each limit.
const maxRegion = 15

// iamName returns <catalog>-<region>-<suffix>, the catalog cut to fit max.
func iamName(catalog, region, suffix string, max int) string {
	return Truncate(catalog, max-maxRegion-len(suffix)-2) + "-" + region + "-" + suffix
}

// NotebookRolePath is the IAM path of every notebook role: the launch role
// may create roles only there.
func NotebookRolePath(catalog, region string) string {
	return "/" + Truncate(catalog, 400) + "/" + region + "/notebooks/"
}

// NotebookBoundary is the managed policy every notebook role must have as
// its permissions boundary (IAM policy names: at most 128 characters).
func NotebookBoundary(catalog, region string) string {
	return iamName(catalog, region, "notebook-boundary", 128)
}

// NotebookPolicy is the catalog's managed policy every notebook role has.
func NotebookPolicy(catalog, region string) string { return iamName(catalog, region, "notebook", 128) }

// AnalystPolicy is the managed policy with the end-user statements analysts
// need (the created analyst role has it; give it to your own roles, for
// example as a customer managed policy of an IAM Identity Center
// permission set).
func AnalystPolicy(catalog, region string) string { return iamName(catalog, region, "analyst", 128) }

// NotebookParameterPrefix is the SSM path under which the catalog publishes
// what the notebook template resolves (key, subnet, security groups).
func NotebookParameterPrefix(catalog string) string { return "/" + catalog + "/notebook" }

// LaunchRole is the launch role's name when the portfolio is shared: the
// constraint names it, and each account has its own role of that name
// (IAM role names: at most 64 characters).
func LaunchRole(catalog, region string) string { return iamName(catalog, region, "launch", 64) }

// JanitorRole is the name of the janitor function's role: fixed, so that
// the notebook key's policy can name it without depending on it (the role's
// policy names the key).
func JanitorRole(catalog, region string) string { return iamName(catalog, region, "janitor", 64) }

// AnalystRole is the name of the analyst role the catalog creates when no
// principals are configured.
func AnalystRole(catalog, region string) string { return iamName(catalog, region, "analyst", 64) }

// FunctionLogGroups is the name prefix of the catalog functions' log groups.
func FunctionLogGroups(catalog string) string { return "/" + catalog + "/functions/" }

// FlowLogGroup is the name of the catalog VPC's flow-log group.
func FlowLogGroup(catalog string) string { return "/" + catalog + "/vpc-flow-logs" }

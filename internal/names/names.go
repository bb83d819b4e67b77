// Package names holds the names the catalog's parts agree on (tags, S3
// prefixes) without depending on each other: the stacks use them without
// pulling the AWS SDK, which the janitor and workspace packages need, into
// the CDK app's build.
package names

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
)

// WorkspacePrefix is where owners' workspaces live in the workspace bucket.
const WorkspacePrefix = "owners/"

// Truncate returns s cut to at most n bytes (names are ASCII).
func Truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// StatusDir is where, under an owner's workspace prefix, notebooks' sync
// status objects live.
const StatusDir = ".sagemaker-catalog/"

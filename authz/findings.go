package authz

// Finding11 is one finding of issue #11 ("One analyst can never reach
// another's notebook or data"), or one the abuse table found since.
type Finding11 struct {
	// Severity as the issue gives it (Critical, High, Medium, Low).
	Severity string
	// Summary says what the finding is, in the words.
	Summary string
}

// Findings are the findings abuse cases (expect: Denied in
// authz/model/*.yaml) name, by ID: the issue's, then the ones found since
// (new-...).
var Findings = map[string]Finding11{
	"ssm-direct": {"Critical", "an analyst starts the actions' automations directly through SSM, with another notebook's ARN and the action role, " +
		"and reads any automation execution (the Open action's presigned URL)"},
	"shared-role": {"High", "everyone who assumes the same analyst role can open, stop, start, update and terminate every notebook launched through it: " +
		"ownership per role, not per person"},
	"root-on-notebook": {"Medium", "root on the notebook despite RootAccess Disabled: the sync and auto-stop units run as root over files the analyst controls " +
		"(the scripts are tested in constructs/notebook; this table holds the IAM side: RootAccess stays Disabled)"},
	"janitor-steerable": {"Medium", "the janitor can be steered: TerminateProvisionedProduct unscoped, a provisioned-product-id tag the launch role " +
		"and SageMaker full access can write, a forged status object"},
	"boundary-every-owner": {"Medium", "the notebook boundary allows every owner's prefix; the launch role may UpdateAssumeRolePolicy without a condition"},
	"no-resource-guards": {"Medium", "nothing guards the resources from other principals of the account: a TLS-only bucket policy, " +
		"keys that delegate everything to IAM, SageMaker full access"},
	"no-data-perimeter":       {"Medium", "no data perimeter: endpoints without policies, notebook egress to 0.0.0.0/0, a bucket that does not require the VPC endpoint"},
	"launch-role-grant":       {"Low", "the launch role's kms:CreateGrant without kms:GrantIsForAWSResource"},
	"passrole-any-role":       {"Low", "iam:PassRole on any notebook role (or any role)"},
	"lifecycle-not-pinned":    {"Low", "the lifecycle configuration is not pinned on create, and swappable on update"},
	"trust-no-source-account": {"Low", "service trust policies without aws:SourceAccount or aws:SourceArn (a confused deputy)"},
	"log-streams":             {"Low", "a notebook can write into every notebook's log streams"},
	"status-in-workspace":     {"Low", "the janitor's status-object pattern matches a folder the analyst writes"},
	"new-outputs-unscoped": {"Low", "found by this table: an analyst may read the outputs of any provisioned product " +
		"(GetProvisionedProductOutputs has neither resource types nor condition keys)"},
}

package controltower

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Kind says why a failure is accepted.
type Kind string

const (
	// Waived: the project decides not to meet the control; Cost, Protects
	// and Instead say why.
	Waived Kind = "waived"
	// FixPending: the project will meet the control; Fix is the exact change.
	// The entry goes when the fix lands (the check then fails on it: it
	// matches nothing).
	FixPending Kind = "fix-pending"
)

// Waiver accepts the failures of one control on some resources.
type Waiver struct {
	// Control is the control's ID, for example CT.KMS.PR.3.
	Control string
	// Resources are logical IDs as the CDK writes them, without the eight
	// hexadecimal digits of its hash: "Workspaces" selects Workspaces72022D37
	// (and a resource named Workspaces), not WorkspacesPolicy1A2B3C4D. Each
	// must fail the control in at least one template, or the check fails.
	Resources []string
	Kind      Kind
	// Cost is what meeting the control would cost (waived only).
	Cost string
	// Protects is what meeting it would protect (waived only).
	Protects string
	// Instead is what stands in its place (waived only).
	Instead string
	// Fix is the exact change that meets it: which resource, which property
	// (fix-pending only).
	Fix string
}

// Waivers is the one list of Control Tower failures the project accepts:
// the controls it decides not to meet, and the ledger of the fixes still to
// make. Sources for the facts the reasons rely on are in the README.
var Waivers = []Waiver{
	// The catalog stack (every configuration, and each pipeline stage).

	{
		Control:   "CT.LAMBDA.PR.3",
		Resources: []string{"JanitorFunction", "WorkspacesFunction"},
		Kind:      Waived,
		Cost: "Interface endpoints the functions would need and notebooks do not (CloudFormation for the workspace function; " +
			"Service Catalog and SNS for the janitor): 3 endpoints in 2 zones at $0.01 an hour each, about $44 a month per " +
			"deployment (us-east-1); ec2:CreateNetworkInterface, DescribeNetworkInterfaces and DeleteNetworkInterface on their " +
			"roles, the Describe action with Resource \"*\" only; and with subnetIds (your own network) a new requirement on " +
			"those subnets: if they cannot reach CloudFormation's endpoint, every launch waits for the custom resource's " +
			"one-hour timeout and fails.",
		Protects: "The functions' network egress: a compromised dependency could not reach the internet directly. Their " +
			"credentials would still work from anywhere (no aws:SourceVpc condition), so the gain is small.",
		Instead: "Both functions call only AWS APIs, keep no data and accept no connections. Their roles are scoped, " +
			"where the actions allow it, to Service Catalog's SC-* stacks and the catalog's sc-* notebooks (the janitor " +
			"terminates only what its notebooks' tags name); reserved concurrency of 2 and 1; the " +
			"workspace function runs only as the product's custom resource, the janitor only on its schedule. An " +
			"organisation that enables CT.LAMBDA.PR.3 cannot deploy the catalog where it is enabled.",
	},
	{
		Control:   "CT.LAMBDA.PR.3",
		Resources: []string{"CustomVpcRestrictDefaultSGCustomResourceProviderHandler"},
		Kind:      Waived,
		Cost: "The function is the CDK's own provider for restricting the default security group of the VPC the stack " +
			"creates (feature flag @aws-cdk/aws-ec2:restrictDefaultSecurityGroup) and has no VPC setting. Meeting the " +
			"control means dropping the restriction (the default group would again allow all outbound and same-group " +
			"traffic, a Security Hub EC2.2 finding) or writing our own provider inside the VPC, with an EC2 interface " +
			"endpoint (about $15 a month) that must exist before the default group can be changed.",
		Protects: "The egress of a function that runs only while CloudFormation creates or updates the stack.",
		Instead: "Its role may only authorize and revoke rules of this VPC's default security group. With subnetIds (your " +
			"own network) the stack creates no VPC and no such function.",
	},
	{
		Control:   "CT.S3.PR.2",
		Resources: []string{"WorkspacesAccessLogs"},
		Kind:      Waived,
		Cost: "The bucket receives the workspace bucket's server access logs. Logging it to itself makes every delivery " +
			"produce more log objects, which AWS advises against; logging it to another bucket moves the same question " +
			"to that bucket.",
		Protects: "A record of who read or wrote the access logs.",
		Instead: "The bucket policy denies requests without TLS; Block Public Access and bucket-owner-enforced ownership; " +
			"no role the catalog creates may read or write it; CloudTrail records changes to its policy and settings, and " +
			"CloudTrail data events can record object access where an organisation requires it.",
	},
	{
		Control:   "CT.S3.PR.10",
		Resources: []string{"WorkspacesAccessLogs"},
		Kind:      Waived,
		Cost: "S3 server access logging supports only SSE-S3 default encryption on the destination bucket (AWS's \"Enabling " +
			"Amazon S3 server access logging\"); with an AWS KMS key, log delivery is not supported and may silently stop.",
		Protects: "Control of who may read the logs through the key's policy, and a CloudTrail record of each decryption.",
		Instead: "SSE-S3 encryption (AES-256), the TLS-only bucket policy, Block Public Access, and no catalog role with " +
			"access to it.",
	},
	{
		Control:   "CT.S3.PR.9",
		Resources: []string{"WorkspacesBucket"},
		Kind:      Waived,
		Cost: "Object Lock without a default retention (the control checks only ObjectLockEnabled) protects nothing and " +
			"cannot be turned off. With a default retention, every version the sync saves (every few minutes while a " +
			"notebook runs) would be kept and billed for the whole period, the 30-day expiry of old versions could not " +
			"remove them, and an owner's request to erase their work could not be met before the period ends.",
		Protects: "Saved work against deletion of its versions by a principal allowed to delete versions.",
		Instead: "Versioning: a deleted or overwritten file stays recoverable for 30 days. No role the catalog creates may " +
			"delete object versions or change the bucket's versioning or lifecycle (notebook roles: s3:DeleteObject on " +
			"their owner's prefix only, which adds a delete marker). The bucket is kept when the stack is deleted.",
	},
	{
		Control:   "CT.S3.PR.9",
		Resources: []string{"WorkspacesAccessLogs"},
		Kind:      Waived,
		Cost: "Server access logs would stop: S3 does not deliver them to a bucket with Object Lock enabled (AWS's " +
			"\"Troubleshoot server access logging\").",
		Protects: "The access logs against deletion or replacement (write once, read many).",
		Instead: "Versioning (replaced or deleted log objects stay 30 days), the TLS-only bucket policy, and no catalog " +
			"role with access to the bucket; logs expire after 365 days.",
	},

	// The pipeline stack and the support stacks it adds in other regions
	// (stacks.PipelineStack, which meets every other control these
	// templates fail without it).
	{
		Control:   "CT.S3.PR.2",
		Resources: []string{"ArtifactsAccessLogs"},
		Kind:      Waived,
		Cost: "The bucket receives the server access logs of the pipeline's artifact bucket in its region. Logging it to " +
			"itself makes every delivery produce more log objects, which AWS advises against; logging it to another bucket " +
			"moves the same question to that bucket.",
		Protects: "A record of who read or wrote the artifact bucket's access logs.",
		Instead: "The bucket policy denies requests without TLS and lets S3's log delivery write only under artifacts/, for " +
			"the artifact bucket of its account; Block Public Access and bucket-owner-enforced ownership; no role the " +
			"pipeline creates may read or write its objects; CloudTrail records changes to its policy and settings.",
	},
	{
		Control:   "CT.S3.PR.10",
		Resources: []string{"ArtifactsAccessLogs"},
		Kind:      Waived,
		Cost: "S3 server access logging supports only SSE-S3 default encryption on the destination bucket (AWS's \"Enabling " +
			"Amazon S3 server access logging\"); with an AWS KMS key, log delivery is not supported and may silently stop.",
		Protects: "Control of who may read the logs through the key's policy, and a CloudTrail record of each decryption.",
		Instead: "SSE-S3 encryption (AES-256), the TLS-only bucket policy, Block Public Access, and no pipeline role with " +
			"access to its objects.",
	},
	{
		Control:   "CT.S3.PR.9",
		Resources: []string{"ArtifactsAccessLogs"},
		Kind:      Waived,
		Cost: "Server access logs would stop: S3 does not deliver them to a bucket with Object Lock enabled (AWS's " +
			"\"Troubleshoot server access logging\").",
		Protects: "The access logs against deletion or replacement (write once, read many).",
		Instead: "Versioning (replaced or deleted log objects stay 30 days), the TLS-only bucket policy, and no pipeline " +
			"role with access to its objects; logs expire after 365 days; the bucket is kept when the stack is deleted.",
	},
	{
		Control:   "CT.S3.PR.9",
		Resources: []string{"PipelineArtifactsBucket", "CrossRegionCodePipelineReplicationBucket"},
		Kind:      Waived,
		Cost: "Object Lock without a default retention protects nothing and cannot be turned off; with one, every " +
			"pipeline run's artifacts would be kept and billed for the whole period, beyond the 30 days after which the " +
			"buckets expire them.",
		Protects: "Build artifacts against deletion or replacement between the pipeline's stages.",
		Instead: "Versioning: a replaced or deleted artifact stays recoverable for 7 days. The artifacts are encrypted " +
			"with the pipeline's keys, whose policies admit the pipeline account's IAM policies and, to decrypt, the " +
			"stages' CDK deploy roles; the buckets deny requests without TLS, block public access and log their access; " +
			"each run builds and uploads its artifacts anew from the source commit.",
	},
}

// Report is what Check found.
type Report struct {
	// Unwaived are the failures no waiver accepts.
	Unwaived []Failure
	// Accepted lists, for each waiver (by index in the list given to Check),
	// the failures it accepts.
	Accepted map[int][]Failure
	// Unused are the waivers' resources that fail nothing.
	Unused []Unused
}

// Unused is one resource of a waiver that matched no failure.
type Unused struct {
	Waiver   Waiver
	Resource string
}

// Err returns nil when every failure is accepted and every waiver's
// resource matched a failure; otherwise one line per problem.
func (r Report) Err() error {
	var errs []error
	for _, f := range r.Unwaived {
		errs = append(errs, fmt.Errorf("%s fails %s (%s) on %s: %s", f.Template, f.Control, f.Title, f.Resource, f.Remediation))
	}
	for _, u := range r.Unused {
		what := "fixed? remove it from the ledger"
		if u.Waiver.Kind == Waived {
			what = "remove it from the waivers"
		}
		errs = append(errs, fmt.Errorf("%s %s on %s matches no failure in these templates: %s", u.Waiver.Kind, u.Waiver.Control, u.Resource, what))
	}
	return errors.Join(errs...)
}

// Count returns how many failures waivers of kind accept.
func (r Report) Count(waivers []Waiver, kind Kind) int {
	n := 0
	for i, fs := range r.Accepted {
		if waivers[i].Kind == kind {
			n += len(fs)
		}
	}
	return n
}

var cdkHash = regexp.MustCompile(`^(.+)[0-9A-F]{8}$`)

// Selects reports whether a waiver's resource name selects logicalID.
func Selects(name, logicalID string) bool {
	if name == logicalID {
		return true
	}
	m := cdkHash.FindStringSubmatch(logicalID)
	return m != nil && m[1] == name
}

// Check sorts failures by waivers. Each failure goes to the first waiver of
// its control that selects its resource.
func Check(failures []Failure, waivers []Waiver) Report {
	r := Report{Accepted: map[int][]Failure{}}
	used := map[[2]int]bool{}
	for _, f := range failures {
		found := false
		for i, w := range waivers {
			if w.Control != f.Control {
				continue
			}
			if j := slices.IndexFunc(w.Resources, func(name string) bool { return Selects(name, f.Resource) }); j >= 0 {
				r.Accepted[i] = append(r.Accepted[i], f)
				used[[2]int{i, j}] = true
				found = true
				break
			}
		}
		if !found {
			r.Unwaived = append(r.Unwaived, f)
		}
	}
	for i, w := range waivers {
		for j, name := range w.Resources {
			if !used[[2]int{i, j}] {
				r.Unused = append(r.Unused, Unused{Waiver: w, Resource: name})
			}
		}
	}
	return r
}

// Validate checks that each waiver is complete: a control ID, resources,
// and for its kind the reason (cost, protection, what stands instead) or
// the fix; and that no control and resource is listed twice.
func Validate(waivers []Waiver) error {
	var errs []error
	id := regexp.MustCompile(`^CT\.[A-Z0-9]+\.PR\.[0-9]+$`)
	seen := map[string]bool{}
	for i, w := range waivers {
		at := fmt.Sprintf("waiver %d (%s)", i, w.Control)
		if !id.MatchString(w.Control) {
			errs = append(errs, fmt.Errorf("%s: Control: want a proactive control ID such as CT.S3.PR.1", at))
		}
		if len(w.Resources) == 0 {
			errs = append(errs, fmt.Errorf("%s: Resources: want at least one logical ID", at))
		}
		for _, r := range w.Resources {
			key := w.Control + " " + r
			if seen[key] {
				errs = append(errs, fmt.Errorf("%s: %s is listed twice", at, key))
			}
			seen[key] = true
		}
		blank := func(s string) bool { return strings.TrimSpace(s) == "" }
		switch w.Kind {
		case Waived:
			if blank(w.Cost) || blank(w.Protects) || blank(w.Instead) || !blank(w.Fix) {
				errs = append(errs, fmt.Errorf("%s: a waiver says what meeting the control would cost, what it would protect and what stands instead, and has no Fix", at))
			}
		case FixPending:
			if blank(w.Fix) || !blank(w.Cost+w.Protects+w.Instead) {
				errs = append(errs, fmt.Errorf("%s: a fix-pending entry says the exact change (Fix) and nothing else", at))
			}
		default:
			errs = append(errs, fmt.Errorf("%s: Kind: want %q or %q, got %q", at, Waived, FixPending, w.Kind))
		}
	}
	return errors.Join(errs...)
}

// Table renders waivers as a Markdown table, for the README.
func Table(waivers []Waiver) string {
	var b strings.Builder
	b.WriteString("| Control | Resources | Decision | Why, or the change |\n|---|---|---|---|\n")
	for _, w := range waivers {
		why := w.Fix
		if w.Kind == Waived {
			why = "**Cost:** " + w.Cost + " **Protects:** " + w.Protects + " **Instead:** " + w.Instead
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", w.Control, strings.Join(w.Resources, ", "), w.Kind, strings.ReplaceAll(why, "|", `\|`))
	}
	return b.String()
}

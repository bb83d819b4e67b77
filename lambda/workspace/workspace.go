// Package workspace resolves, at launch, whose workspace a notebook gets.
//
// A notebook's workspace is a prefix of the catalog's workspace bucket,
// owners/<owner>/, where <owner> comes from the principal that launched the
// provisioned product. The analyst must not be able to choose it (or they
// could read a colleague's work), so it is not a launch parameter: the
// product template has a custom resource, served by this package's handler
// in the catalog's Lambda function, that reads the tags Service Catalog puts
// on the provisioned stack (aws:servicecatalog:provisioningPrincipalArn and
// aws:servicecatalog:provisionedProductArn) through the CloudFormation API
// and returns the owner, its prefix and the provisioned product's ID. The
// template scopes the notebook's own role to that prefix and tags the
// notebook with the values, for the lifecycle scripts and the janitor.
//
// It also names the notebook and its lifecycle configuration: the stack's
// name in lower case (CloudFormation has no function for that), so that the
// names SageMaker authorizes requests against and the ARNs it returns are
// spelled alike, followed by the template's Generation (which changes when
// a product version changes a property that replaces the notebook, so that
// the replacement gets a name of its own). And it resolves the owner's
// unique ID as IAM's aws:userid gives it (the role's ID and the session
// name, or the user's ID), which the template puts in the notebook's
// sagemaker-catalog:owner-id tag: policies compare it with ${aws:userid},
// so that ownership is per person even when analysts share one role.
//
// The tags are read from the stack, not from the notebook's role:
// CloudFormation gives the roles it creates the stack's own tags (the
// TagOptions) but not the aws:-prefixed ones
// (aws-cloudformation/cloudformation-coverage-roadmap#277 and #1966), so
// ${aws:PrincipalTag/aws:servicecatalog:provisioningPrincipalArn} would not
// resolve; the template tags the role with the Owner this returns.
package workspace

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

// The tags Service Catalog puts on a provisioned product's stack.
const (
	PrincipalTag          = "aws:servicecatalog:provisioningPrincipalArn"
	ProvisionedProductTag = "aws:servicecatalog:provisionedProductArn"
)

// Prefix is where owners' workspaces live in the bucket.
const Prefix = names.WorkspacePrefix

// ownerPattern is what an owner may contain: the characters of IAM names,
// paths and role session names but the comma, which a SageMaker tag value
// cannot hold (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Tag.html).
// No IAM wildcard (* or ?) and no "${" can reach the role policy the owner
// is put in.
var ownerPattern = regexp.MustCompile(`^[A-Za-z0-9+=.@_/-]{1,200}$`)

// MaxTagValue is the longest value a SageMaker tag may hold: the notebook
// is tagged with the owner and the workspace's URI.
const MaxTagValue = 256

// Owner returns the stable owner of what principalArn launches: for an
// assumed role (federation, IAM Identity Center), the role and the session
// name that identifies the person ("assumed-role/Analyst/alice@example.com");
// for an IAM user, "user/<name>"; for a role itself, "role/<name>". The
// account is left out (a workspace bucket belongs to one account), and so is
// an IAM path: user and role names are unique in an account whatever their
// path, and with the path one owner's prefix could contain another's (user
// "data" and user "alice" under path /data/: owners/user/data/ and
// owners/user/data/alice/). No name or session name holds a "/", so no
// owner's prefix is another's. An owner is at most 200 characters (it is
// also a tag value, at most 256).
func Owner(principalArn string) (string, error) {
	parts := strings.SplitN(principalArn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || (parts[2] != "iam" && parts[2] != "sts") {
		return "", fmt.Errorf("provisioning principal %q: not an IAM or STS ARN", principalArn)
	}
	resource := parts[5]
	kind, rest, _ := strings.Cut(resource, "/")
	if (parts[2] == "sts") != (kind == "assumed-role") {
		return "", fmt.Errorf("provisioning principal %q: not a user, role or assumed-role session", principalArn)
	}
	if kind == "user" || kind == "role" {
		resource = kind + "/" + rest[strings.LastIndex(rest, "/")+1:]
	}
	if err := CheckOwner(resource); err != nil {
		return "", fmt.Errorf("provisioning principal %q: %w", principalArn, err)
	}
	return resource, nil
}

// CheckOwner returns an error unless owner is one Owner can return:
// "assumed-role/<role>/<session>", "user/<name>" or "role/<name>", of at
// most 200 characters an IAM policy's S3 prefix can hold (no comma, no
// wildcard, no "${"), without "..". Whatever reads an owner back from where
// it was written (the janitor, from the notebook's owner tag) checks it
// with the same rules.
func CheckOwner(owner string) error {
	kind, _, _ := strings.Cut(owner, "/")
	switch {
	case kind == "assumed-role" && strings.Count(owner, "/") == 2:
	case (kind == "user" || kind == "role") && strings.Count(owner, "/") == 1:
	default:
		return fmt.Errorf("%q is not a user, role or assumed-role session", owner)
	}
	if !ownerPattern.MatchString(owner) || strings.Contains(owner, "//") || strings.Contains(owner, "..") || strings.HasSuffix(owner, "/") {
		return fmt.Errorf("%q has characters an S3 prefix in an IAM policy cannot hold", owner)
	}
	return nil
}

// Stacks is the CloudFormation call the handler makes.
type Stacks interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, opts ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// Identities are the IAM calls the handler makes: the unique ID of the role
// or user that launched the notebook.
type Identities interface {
	GetRole(ctx context.Context, in *iam.GetRoleInput, opts ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	GetUser(ctx context.Context, in *iam.GetUserInput, opts ...func(*iam.Options)) (*iam.GetUserOutput, error)
}

// OwnerId returns the unique ID IAM gives the launching principal's
// requests as aws:userid: "<role ID>:<session name>" for an assumed-role
// session, the user's ID for an IAM user, the role's ID for a role.
func OwnerId(ctx context.Context, ids Identities, principalArn string) (string, error) {
	parts := strings.SplitN(principalArn, ":", 6)
	if len(parts) != 6 {
		return "", fmt.Errorf("provisioning principal %q: not an ARN", principalArn)
	}
	segments := strings.Split(parts[5], "/")
	kind, last := segments[0], segments[len(segments)-1]
	switch {
	case kind == "assumed-role" && len(segments) == 3:
		out, err := ids.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(segments[1])})
		if err != nil {
			return "", fmt.Errorf("provisioning principal %q: get role %s: %w", principalArn, segments[1], err)
		}
		return aws.ToString(out.Role.RoleId) + ":" + last, nil
	case kind == "user":
		out, err := ids.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(last)})
		if err != nil {
			return "", fmt.Errorf("provisioning principal %q: get user %s: %w", principalArn, last, err)
		}
		return aws.ToString(out.User.UserId), nil
	case kind == "role":
		out, err := ids.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(last)})
		if err != nil {
			return "", fmt.Errorf("provisioning principal %q: get role %s: %w", principalArn, last, err)
		}
		return aws.ToString(out.Role.RoleId), nil
	}
	return "", fmt.Errorf("provisioning principal %q: not a user, role or assumed-role session", principalArn)
}

// notebookNamePattern is SageMaker's pattern of notebook instance and
// lifecycle configuration names, in lower case (at most 63 characters).
var notebookNamePattern = regexp.MustCompile(`^[a-z0-9](-*[a-z0-9])*$`)

// generationPattern is what the template's Generation property may hold.
var generationPattern = regexp.MustCompile(`^[a-z0-9]{1,16}$`)

// NotebookName returns the name of the notebook (and of its lifecycle
// configuration) of the stack stackID: its name in lower case, followed by
// generation when there is one.
func NotebookName(stackID, generation string) (string, error) {
	// arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/ID
	parts := strings.Split(stackID, "/")
	if len(parts) != 3 || !strings.HasPrefix(parts[1], names.StackNamePrefix) {
		return "", fmt.Errorf("stack %s: not a stack Service Catalog provisions (%s...)", stackID, names.StackNamePrefix)
	}
	name := strings.ToLower(parts[1])
	if generation != "" {
		if !generationPattern.MatchString(generation) {
			return "", fmt.Errorf("stack %s: Generation %q: want 1-16 lower-case letters and digits", stackID, generation)
		}
		name += "-" + generation
	}
	if len(name) > 63 || !notebookNamePattern.MatchString(name) {
		return "", fmt.Errorf("stack %s: %q is no notebook name SageMaker accepts (lower-case letters, digits and hyphens, at most 63)", stackID, name)
	}
	return name, nil
}

// Handler answers the product template's Custom::Workspace resource.
type Handler struct {
	Stacks     Stacks
	Identities Identities
	// Bucket is the workspace bucket's name.
	Bucket string
	// StackTagKeys, if not nil, are the tag keys a provisioned stack may
	// carry besides aws:* (the portfolio's TagOptions); a stack with
	// another fails the launch, naming it. A sagemaker-catalog:* stack tag
	// always does: those are the template's (owner, lease, ...).
	StackTagKeys []string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Handle returns the resource's physical ID (the workspace's S3 URI) and
// attributes: Owner, OwnerId, Prefix, Bucket, Uri, StatusUri,
// ProvisionedProductId, NotebookName and LeaseStart (now: the template
// passes the lease in the resource's properties, so that an update of the
// lease renews it). A stack
// without Service Catalog's tags (not launched through Service Catalog)
// fails. Delete succeeds without a call: the workspace outlives the notebook.
func (h *Handler) Handle(ctx context.Context, e cfn.Event) (string, map[string]any, error) {
	if e.RequestType == cfn.RequestDelete {
		return e.PhysicalResourceID, nil, nil
	}
	out, err := h.Stacks.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(e.StackID)})
	if err != nil {
		return "", nil, fmt.Errorf("describe stack %s: %w", e.StackID, err)
	}
	if len(out.Stacks) != 1 {
		return "", nil, fmt.Errorf("describe stack %s: %d stacks", e.StackID, len(out.Stacks))
	}
	tags := map[string]string{}
	for _, t := range out.Stacks[0].Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	if err := h.checkStackTags(tags); err != nil {
		return "", nil, fmt.Errorf("stack %s: %w", e.StackID, err)
	}
	principal, product := tags[PrincipalTag], tags[ProvisionedProductTag]
	if principal == "" || product == "" {
		return "", nil, fmt.Errorf("stack %s has no %s and %s tags: launch the notebook through AWS Service Catalog", e.StackID, PrincipalTag, ProvisionedProductTag)
	}
	owner, err := Owner(principal)
	if err != nil {
		return "", nil, err
	}
	// arn:aws:servicecatalog:REGION:ACCOUNT:stack/NAME/pp-ID
	productID := product[strings.LastIndex(product, "/")+1:]
	if !strings.HasPrefix(productID, "pp-") {
		return "", nil, fmt.Errorf("stack %s: %s is %q, not a provisioned product ARN", e.StackID, ProvisionedProductTag, product)
	}
	generation, _ := e.ResourceProperties["Generation"].(string)
	notebook, err := NotebookName(e.StackID, generation)
	if err != nil {
		return "", nil, err
	}
	ownerID, err := OwnerId(ctx, h.Identities, principal)
	if err != nil {
		return "", nil, err
	}
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	prefix := Prefix + owner + "/"
	uri := "s3://" + h.Bucket + "/" + prefix
	if len(uri) > MaxTagValue {
		return "", nil, fmt.Errorf("provisioning principal %q: the workspace %s is %d characters, more than a SageMaker tag value holds (%d): launch with a shorter user or role path",
			principal, uri, len(uri), MaxTagValue)
	}
	return uri, map[string]any{
		"Owner":                owner,
		"OwnerId":              ownerID,
		"Prefix":               prefix,
		"Bucket":               h.Bucket,
		"Uri":                  uri,
		"StatusUri":            "s3://" + h.Bucket + "/" + names.StatusPrefix + owner + "/",
		"ProvisionedProductId": productID,
		"NotebookName":         notebook,
		"LeaseStart":           now.UTC().Format(time.RFC3339),
	}, nil
}

// checkStackTags refuses the tags an analyst added at launch that the
// notebook may not carry: CloudFormation gives the stack's tags to the
// notebook, whose tag keys the launch role limits to the template's and the
// TagOptions (a later AccessDenied would not say why), and a
// sagemaker-catalog:* tag would contend with the template's own.
func (h *Handler) checkStackTags(tags map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		switch {
		case strings.HasPrefix(k, "aws:"):
		case strings.HasPrefix(k, names.TagPrefix):
			return fmt.Errorf("launch tag %q: the %s* tags are the notebook template's: launch without it", k, names.TagPrefix)
		case h.StackTagKeys != nil && !slices.Contains(h.StackTagKeys, k):
			allowed := "none"
			if len(h.StackTagKeys) > 0 {
				allowed = strings.Join(h.StackTagKeys, ", ")
			}
			return fmt.Errorf("launch tag %q: only the portfolio's TagOptions may be set at launch (%s): launch without it", k, allowed)
		}
	}
	return nil
}

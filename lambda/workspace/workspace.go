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
// The tags are read from the stack, not from the notebook's role: IAM roles
// do not receive stack-level tags from CloudFormation
// (aws-cloudformation/cloudformation-coverage-roadmap#1159 and #1966), so
// ${aws:PrincipalTag/aws:servicecatalog:provisioningPrincipalArn} would not
// resolve.
package workspace

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

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
// for an IAM user, "user/<path/>name"; for a role itself, "role/<path/>name".
// The account is left out: a workspace bucket belongs to one account. An
// owner is at most 200 characters (it is also a tag value, at most 256).
func Owner(principalArn string) (string, error) {
	parts := strings.SplitN(principalArn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || (parts[2] != "iam" && parts[2] != "sts") {
		return "", fmt.Errorf("provisioning principal %q: not an IAM or STS ARN", principalArn)
	}
	resource := parts[5]
	kind, _, _ := strings.Cut(resource, "/")
	if (parts[2] == "sts") != (kind == "assumed-role") {
		return "", fmt.Errorf("provisioning principal %q: not a user, role or assumed-role session", principalArn)
	}
	if err := CheckOwner(resource); err != nil {
		return "", fmt.Errorf("provisioning principal %q: %w", principalArn, err)
	}
	return resource, nil
}

// CheckOwner returns an error unless owner is one Owner can return:
// "assumed-role/<role>/<session>", "user/<path/>name" or "role/<path/>name",
// of at most 200 characters an IAM policy's S3 prefix can hold (no comma,
// no wildcard, no "${"), without "//" or "..". Whatever reads an owner back
// from where it was written (the janitor, from the notebook's owner tag)
// checks it with the same rules.
func CheckOwner(owner string) error {
	kind, _, _ := strings.Cut(owner, "/")
	switch {
	case kind == "assumed-role" && strings.Count(owner, "/") == 2:
	case (kind == "user" || kind == "role") && strings.Count(owner, "/") >= 1:
	default:
		return fmt.Errorf("%q is not a user, role or assumed-role session", owner)
	}
	if !ownerPattern.MatchString(owner) || strings.Contains(owner, "//") || strings.Contains(owner, "..") {
		return fmt.Errorf("%q has characters an S3 prefix in an IAM policy cannot hold", owner)
	}
	return nil
}

// Stacks is the CloudFormation call the handler makes.
type Stacks interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, opts ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// Handler answers the product template's Custom::Workspace resource.
type Handler struct {
	Stacks Stacks
	// Bucket is the workspace bucket's name.
	Bucket string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Handle returns the resource's physical ID (the workspace's S3 URI) and
// attributes: Owner, Prefix, Bucket, Uri, ProvisionedProductId and
// LeaseStart (now: the template passes the lease in the resource's
// properties, so that an update of the lease renews it). A stack
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
		"Prefix":               prefix,
		"Bucket":               h.Bucket,
		"Uri":                  uri,
		"ProvisionedProductId": productID,
		"LeaseStart":           now.UTC().Format(time.RFC3339),
	}, nil
}

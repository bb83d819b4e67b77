// Package workspaces provides the catalog side of the notebook product
// (constructs/notebook): what a notebook template needs from the account it
// is launched in, in one construct another team can add beside its own
// catalog.
//
//   - The workspace bucket keeps each analyst's work under
//     owners/<owner>/ (SSE-KMS with the given key and an S3 Bucket Key,
//     versioned, TLS only, public access blocked, bucket-owner object
//     ownership, server access logs to a second bucket, old versions expire,
//     kept when the stack is deleted). Its policy is a perimeter: only the
//     catalog's notebook roles, each under its own owner's prefixes, the
//     status readers and the administrators given may read, write or list
//     the workspaces and the sync status (Perimeter).
//   - The notebook boundary is everything a notebook role may ever do; the
//     shared notebook policy is what every notebook role has (logs, the data
//     lake, the workspace key through S3). Both have fixed names
//     (names.NotebookBoundary, names.NotebookPolicy), which the template
//     refers to.
//   - The workspace function serves the template's Custom::Workspace
//     resource: it reads who launched the product from Service Catalog's
//     tags on the provisioned stack and returns the owner and workspace.
//   - The SSM parameters hold the key, subnet and security groups the
//     template resolves with {{resolve:ssm:...}}.
//
// RoleCreation and LaunchPermissions tell a launchrole.LaunchRole what the
// template's notebook roles and workspace resource need.
package workspaces

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/keys"
	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole"
	"github.com/datalake-platform/sagemaker-catalog/constructs/notebook"
	"github.com/datalake-platform/sagemaker-catalog/internal/arns"
	"github.com/datalake-platform/sagemaker-catalog/internal/buckets"
	"github.com/datalake-platform/sagemaker-catalog/internal/check"
	"github.com/datalake-platform/sagemaker-catalog/internal/function"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

// Defaults of Props.
const (
	// DefaultVersionDays is how long the bucket keeps a replaced or deleted
	// version of a file.
	DefaultVersionDays = 30
	// DefaultDataAccess is what notebooks may do in the data-lake buckets.
	DefaultDataAccess = "read"
)

var (
	catalogNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,99}$`)
	subnetPattern      = regexp.MustCompile(`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`)
	sgPattern          = regexp.MustCompile(`^sg-([0-9a-f]{8}|[0-9a-f]{17})$`)
	bucketArnPattern   = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/[A-Za-z0-9!_.*'()/-]*)?$`)
	endpointPattern    = regexp.MustCompile(`^vpce-([0-9a-f]{8}|[0-9a-f]{17})$`)
)

// Props configures Workspaces.
type Props struct {
	// CatalogName names what the notebook template refers to by name (the
	// bucket's prefix, the function, the boundary, the policy, the role
	// path and the parameters): the notebook.Props.CatalogName of the template.
	// Default: the stack's name.
	CatalogName *string
	// Key encrypts the workspace bucket; it is also the notebook volumes'
	// key the template resolves (Parameters.KmsKeyArn). Required.
	Key awskms.IKey
	// Code is the catalog's functions binary (lambda/cmd/functions). Required.
	Code awslambda.Code
	// LogKey encrypts the workspace function's log group; its policy must
	// let CloudWatch Logs use it for names.FunctionLogGroups(CatalogName).
	// Default: a key of its own.
	LogKey awskms.IKey
	// Parameters are the SSM parameter names the template resolves
	// (notebook.Template.Parameters). Required.
	Parameters *notebook.Parameters
	// SubnetIds and SecurityGroupIds are the notebooks' network: the first
	// subnet and every security group are published. Required.
	SubnetIds        []*string
	SecurityGroupIds []*string
	// DataBucketArns are data-lake buckets (arn:aws:s3:::bucket) or
	// prefixes (arn:aws:s3:::bucket/prefix) every notebook may use. A token
	// is taken as a bucket's ARN (bucket.BucketArn()), which a literal
	// "/prefix" may follow.
	// Default: none.
	DataBucketArns []string
	// StackTagKeys are the tag keys a provisioned stack may carry besides
	// the aws:* ones: the portfolio's TagOptions. The launch role lets the
	// notebook carry only the template's tags and these, so the workspace
	// function refuses, with a message naming the key, a launch with another
	// tag (which would otherwise fail later with SageMaker's AccessDenied).
	// An empty, non-nil list allows none.
	// Default (nil): any key but the template's own (sagemaker-catalog:*).
	StackTagKeys []string
	// DataAccess is "read" (list and get objects) or "read-write" (also
	// put, delete and abort uploads) on DataBucketArns.
	// Default: DefaultDataAccess.
	DataAccess *string
	// VersionDays is how long replaced or deleted versions are kept.
	// Default: DefaultVersionDays.
	VersionDays *float64
	// ExistingBucket is a workspace bucket to use instead of creating one:
	// the one a deleted catalog kept (with the analysts' work), encrypted
	// with Key. The construct gives it its bucket policy, and changes
	// nothing else of it.
	// Default: a bucket is created, with its access-log bucket.
	ExistingBucket awss3.IBucket
	// AdminRoleArns are break-glass administrators (or another principal
	// the workspaces must serve, such as a replication or backup role):
	// ARNs or patterns aws:PrincipalArn matches. The bucket policy lets them
	// read, write and list every workspace and status; their IAM policies
	// must allow it too.
	// Default: none: only the notebook roles and the status readers; an
	// administrator who may change the bucket policy can still add one.
	AdminRoleArns []*string
	// StatusReaderArns may read and list the sync status (status/*), never
	// a workspace: the janitor's role. ARNs or patterns aws:PrincipalArn
	// matches.
	// Default: none.
	StatusReaderArns []*string
	// S3EndpointId is the S3 gateway endpoint (vpce-...) the notebooks reach
	// S3 through: the bucket policy denies the notebook roles any request
	// that does not come through it (aws:SourceVpce), so that a notebook
	// role's credentials are of no use outside the catalog's network.
	// Default: none: the notebook roles may reach the bucket from anywhere
	// (with an existing network, give its endpoint's ID).
	S3EndpointId *string
}

// Workspaces is the catalog side of the notebook product.
type Workspaces struct {
	constructs.Construct
	// Bucket keeps the analysts' work, one prefix per owner; AccessLogs
	// receives its server access logs (nil with Props.ExistingBucket).
	Bucket     awss3.IBucket
	AccessLogs awss3.IBucket
	// Policy is the managed policy every notebook role has; Boundary the
	// permissions boundary every notebook role must have.
	Policy   awsiam.IManagedPolicy
	Boundary awsiam.IManagedPolicy
	// Function serves the template's Custom::Workspace resource.
	Function awslambda.IFunction
	// Parameters holds the SSM parameters the template resolves.
	Parameters constructs.Construct

	catalog string
}

// New creates the workspaces in scope.
//
// New panics if a field is invalid or missing; the message names the
// field, the value and what is allowed.
func New(scope constructs.Construct, id *string, props *Props) *Workspaces {
	if props == nil {
		props = &Props{}
	}
	w := &Workspaces{}
	constructs.NewConstruct_Override(w, scope, id)
	stack := awscdk.Stack_Of(w)
	if err := props.Validate(); err != nil {
		panic(fmt.Errorf("%s: %w", *w.Node().Path(), err))
	}
	w.catalog = check.Or(props.CatalogName, *stack.StackName())
	// Server access logs are delivered under a bucket policy, not an ACL
	// (both buckets enforce bucket-owner object ownership), whatever the
	// app's feature flags: without the flag the CDK adds the ACL and fails.
	w.Node().SetContext(jsii.String("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"), true)
	days := float64(DefaultVersionDays)
	if props.VersionDays != nil {
		days = *props.VersionDays
	}

	if props.ExistingBucket != nil {
		// The policy the created bucket gets from EnforceSSL: TLS only.
		policy := awss3.NewBucketPolicy(w, jsii.String("BucketPolicy"), &awss3.BucketPolicyProps{Bucket: props.ExistingBucket})
		policy.Document().AddStatements(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Effect:     awsiam.Effect_DENY,
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("s3:*"),
			Resources:  &[]*string{props.ExistingBucket.BucketArn(), props.ExistingBucket.ArnForObjects(jsii.String("*"))},
			Conditions: &map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		}))
		policy.Document().AddStatements(w.perimeter(props, props.ExistingBucket)...)
		w.Bucket = props.ExistingBucket
		w.policies(props, props.ExistingBucket)
		w.function(props, props.ExistingBucket)
		w.parameters(props)
		return w
	}
	// Named after the stack instance, as the workspace bucket below.
	accessLogs := buckets.NewAccessLogs(w, "AccessLogs", AccessLogsBucketName(w))
	// Named after the stack instance (BucketName): a redeploy after a delete
	// does not collide with the bucket the deleted stack kept
	// (ExistingBucket reuses it).
	bucket := awss3.NewBucket(w, jsii.String("Bucket"), &awss3.BucketProps{
		BucketName:        BucketName(w),
		Encryption:        awss3.BucketEncryption_KMS,
		EncryptionKey:     props.Key,
		BucketKeyEnabled:  jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Versioned:         jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		// The analysts' work: kept when the stack is deleted.
		RemovalPolicy:          awscdk.RemovalPolicy_RETAIN,
		ServerAccessLogsBucket: accessLogs,
		ServerAccessLogsPrefix: jsii.String("workspaces/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("ExpireOldVersions"),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(days)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
			ExpiredObjectDeleteMarker:           jsii.Bool(true),
		}},
	})
	// Object-level events to EventBridge, where a security team can watch
	// the workspaces.
	buckets.SendEvents(bucket)
	for _, st := range w.perimeter(props, bucket) {
		bucket.AddToResourcePolicy(st)
	}
	w.Bucket, w.AccessLogs = bucket, accessLogs
	w.policies(props, bucket)
	w.function(props, bucket)
	w.parameters(props)
	return w
}

// BucketName is the name of the workspace bucket New creates in scope's
// stack: workspaces-<account>-<region>-<the first 8 characters of the stack
// ID's UUID> (at most 48 characters, lower case). It is unique to the stack
// instance and stable across updates, so a redeploy after a delete does not
// collide with the bucket the deleted stack kept; and it does not contain
// "sagemaker", on which AWS managed SageMaker policies
// (AmazonSageMakerFullAccess) grant object access in every bucket.
func BucketName(scope constructs.IConstruct) *string { return bucketName(scope, "workspaces") }

// AccessLogsBucketName is the name of the access-log bucket New creates:
// workspaces-logs-<account>-<region>-<8 characters>, as BucketName.
func AccessLogsBucketName(scope constructs.IConstruct) *string {
	return bucketName(scope, "workspaces-logs")
}

func bucketName(scope constructs.IConstruct, prefix string) *string {
	stack := awscdk.Stack_Of(scope)
	instance := awscdk.Fn_Select(jsii.Number(0), awscdk.Fn_Split(jsii.String("-"), arns.StackInstance(scope), nil))
	return awscdk.Fn_Join(jsii.String("-"), &[]*string{jsii.String(prefix), stack.Account(), stack.Region(), instance})
}

// NotebookRoles is the ARN pattern of the notebook roles of catalog in
// scope's stack: every role under names.NotebookRolePath. It is what
// aws:PrincipalArn equals for a notebook's session, and what a restricted
// key's users and the bucket policy name.
func NotebookRoles(scope constructs.IConstruct, catalog string) *string {
	path := names.NotebookRolePath(catalog, *awscdk.Stack_Of(scope).Region())
	return arns.Global(scope, "iam", "role", strings.TrimPrefix(path, "/")+"*")
}

// ObjectActions are the S3 actions on objects (every action of the Service
// Authorization Reference whose resource type is "object": read, write,
// delete, tag, ACL, retention, replication, restore, multipart parts) that
// the bucket policy denies under owners/ and status/ to every principal but
// the intended ones; but the object annotation actions (AnnotationActions).
var ObjectActions = []string{
	"s3:AbortMultipartUpload", "s3:BypassGovernanceRetention", "s3:DeleteObject", "s3:DeleteObjectTagging",
	"s3:DeleteObjectVersion", "s3:DeleteObjectVersionTagging", "s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectAttributes",
	"s3:GetObjectLegalHold", "s3:GetObjectRetention", "s3:GetObjectTagging", "s3:GetObjectTorrent", "s3:GetObjectVersion",
	"s3:GetObjectVersionAcl", "s3:GetObjectVersionAttributes", "s3:GetObjectVersionForReplication", "s3:GetObjectVersionTagging",
	"s3:GetObjectVersionTorrent", "s3:InitiateReplication", "s3:ListMultipartUploadParts", "s3:ObjectOwnerOverrideToBucketOwner",
	"s3:PutObject", "s3:PutObjectAcl", "s3:PutObjectLegalHold", "s3:PutObjectRetention", "s3:PutObjectTagging",
	"s3:PutObjectVersionAcl", "s3:PutObjectVersionTagging", "s3:ReplicateDelete", "s3:ReplicateObject", "s3:ReplicateTags",
	"s3:RestoreObject", "s3:UpdateObjectEncryption",
}

// AnnotationActions are the object actions of the Service Authorization
// Reference (2026) that the bucket policy does not list: object
// annotations, newer than the CloudFormation linter's action data
// (cfn-lint 1.51 warns, W3037), and S3 refuses a bucket policy that names
// an action it does not know. They read and write an object's annotations,
// never its content; list them in ObjectActions once the tools know them.
var AnnotationActions = []string{
	"s3:DeleteObjectAnnotation", "s3:DeleteObjectVersionAnnotation", "s3:GetObjectAnnotation", "s3:GetObjectVersionAnnotation",
	"s3:GetObjectVersionAnnotationForReplication", "s3:ListObjectAnnotations", "s3:ListObjectVersionAnnotations",
	"s3:PutObjectAnnotation", "s3:PutObjectVersionAnnotation", "s3:ReplicateObjectAnnotation",
}

// StatusReadActions are what status readers (the janitor) may do with a
// status object: get it (GetObject; the janitor finds it with ListBucket).
var StatusReadActions = []string{"s3:GetObject"}

// ListActions list the bucket's keys, which name the owners and their
// files: ListObjects(V2) (s3:ListBucket), ListObjectVersions
// (s3:ListBucketVersions) and ListMultipartUploads
// (s3:ListBucketMultipartUploads), the actions of resource type "bucket"
// whose name begins with List.
var ListActions = []string{"s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:ListBucketVersions"}

// prefixListActions are the ListActions that support s3:prefix.
var prefixListActions = []string{"s3:ListBucket", "s3:ListBucketVersions"}

// perimeter returns the bucket policy's deny statements: the workspaces
// and the sync status only for the principals meant to use them. Every
// condition key is global (aws:PrincipalArn, aws:PrincipalTag/<key>,
// aws:SourceVpce; IAM User Guide, "AWS global condition context keys") or
// listed for the actions in the Service Authorization Reference, Amazon S3
// (s3:prefix for ListBucket and ListBucketVersions). Statements with
// aws:PrincipalArn are evaluated on the role's ARN with its path for a role
// session; a negated operator (ArnNotLike, StringNotLike, StringNotEquals)
// is true when its key is missing (IAM User Guide, "Condition operators").
func (w *Workspaces) perimeter(props *Props, bucket awss3.IBucket) []awsiam.PolicyStatement {
	notebooks := NotebookRoles(w, w.catalog)
	owner := "${aws:PrincipalTag/" + names.TagOwner + "}"
	objects := func(prefix string) *string { return bucket.ArnForObjects(jsii.String(prefix + "*")) }
	except := func(arns ...[]*string) map[string]any {
		var all []*string
		for _, a := range arns {
			all = append(all, a...)
		}
		return map[string]any{"ArnNotLike": map[string]any{"aws:PrincipalArn": all}}
	}
	notebook := map[string]any{"ArnLike": map[string]any{"aws:PrincipalArn": notebooks}}
	deny := func(sid string, actions []string, resources []*string, conditions map[string]any) awsiam.PolicyStatement {
		return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(sid),
			Effect:     awsiam.Effect_DENY,
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings(actions...),
			Resources:  &resources,
			Conditions: &conditions,
		})
	}
	var statusChanges []string
	for _, a := range ObjectActions {
		if !slices.Contains(StatusReadActions, a) {
			statusChanges = append(statusChanges, a)
		}
	}
	admins, readers := props.AdminRoleArns, props.StatusReaderArns
	out := []awsiam.PolicyStatement{
		// Everyone but the notebook roles and the administrators: no
		// workspace file, whatever their IAM policies allow (a role with
		// AmazonS3FullAccess, s3:* on "*").
		deny("DenyWorkspacesToOthers", ObjectActions, []*string{objects(names.WorkspacePrefix)},
			except([]*string{notebooks}, admins)),
		// The status: written by the notebooks, read by the status readers.
		deny("DenyStatusChangesToOthers", statusChanges, []*string{objects(names.StatusPrefix)},
			except([]*string{notebooks}, admins)),
		deny("DenyStatusReadsToOthers", StatusReadActions, []*string{objects(names.StatusPrefix)},
			except([]*string{notebooks}, readers, admins)),
		// The keys name the owners and their files.
		deny("DenyListingToOthers", ListActions, []*string{bucket.BucketArn()},
			except([]*string{notebooks}, readers, admins)),
		// A notebook role only under its own owner's prefixes: the owner its
		// role is tagged with (the policy variable; bucket policies support
		// them: IAM User Guide, "IAM policy elements: Variables and tags").
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("DenyNotebookRolesOtherOwners"),
			Effect:     awsiam.Effect_DENY,
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings(ObjectActions...),
			NotResources: &[]*string{
				objects(names.WorkspacePrefix + owner + "/"),
				objects(names.StatusPrefix + owner + "/"),
			},
			Conditions: &notebook,
		}),
		deny("DenyNotebookRolesListingOtherOwners", prefixListActions, []*string{bucket.BucketArn()}, map[string]any{
			"ArnLike":       notebook["ArnLike"],
			"StringNotLike": map[string]any{"s3:prefix": []string{names.WorkspacePrefix + owner + "/*", names.StatusPrefix + owner + "/*"}},
		}),
		// A role on the notebook path without an owner tag: a variable
		// without a value may make a statement invalid (IAM User Guide,
		// "Policy variables with no value"), so it is denied outright.
		// Two statements, each action on its own resource type (objects,
		// the bucket), as the Service Authorization Reference gives them.
		deny("DenyNotebookRolesWithoutOwner", ObjectActions,
			[]*string{bucket.ArnForObjects(jsii.String("*"))}, map[string]any{
				"ArnLike": notebook["ArnLike"],
				"Null":    map[string]any{"aws:PrincipalTag/" + names.TagOwner: "true"},
			}),
		deny("DenyNotebookRolesWithoutOwnerListing", ListActions,
			[]*string{bucket.BucketArn()}, map[string]any{
				"ArnLike": notebook["ArnLike"],
				"Null":    map[string]any{"aws:PrincipalTag/" + names.TagOwner: "true"},
			}),
	}
	if props.S3EndpointId != nil {
		// Notebook roles only from the catalog's network (aws:SourceVpce is
		// present only on requests through a VPC endpoint).
		out = append(out, deny("DenyNotebookRolesOutsideTheEndpoint", []string{"s3:*"},
			[]*string{bucket.BucketArn(), bucket.ArnForObjects(jsii.String("*"))}, map[string]any{
				"ArnLike":         notebook["ArnLike"],
				"StringNotEquals": map[string]any{"aws:SourceVpce": props.S3EndpointId},
			}))
	}
	return out
}

// policies creates the shared notebook policy and the notebook boundary.
// Both have fixed names: the product template names them, and the launch
// role requires the boundary.
func (w *Workspaces) policies(props *Props, bucket awss3.IBucket) {
	region := *awscdk.Stack_Of(w).Region()
	shared := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// SageMaker's log group for notebooks; each notebook role may
			// write only its own streams (its own policy).
			Sid:       jsii.String("NotebookLogGroup"),
			Actions:   jsii.Strings("logs:CreateLogGroup", "logs:DescribeLogStreams"),
			Resources: &[]*string{arns.LogGroup(w, "/aws/sagemaker/NotebookInstances")},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// The workspace bucket's objects are encrypted with the catalog key.
			Sid:        jsii.String("WorkspaceKeyThroughS3"),
			Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
			Resources:  &[]*string{props.Key.KeyArn()},
			Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("s3.%s.amazonaws.com", region)}},
		}),
	}
	shared = append(shared, DataStatements(props.DataBucketArns, check.Or(props.DataAccess, DefaultDataAccess))...)
	w.Policy = awsiam.NewManagedPolicy(w, jsii.String("NotebookPolicy"), &awsiam.ManagedPolicyProps{
		ManagedPolicyName: jsii.String(names.NotebookPolicy(w.catalog, region)),
		Description:       jsii.String("Shared by every Service Catalog SageMaker notebook role: logs, the data lake, the workspace key"),
		Statements:        &shared,
	})

	// The boundary: everything a notebook role may ever do, whatever a
	// template gives it: its own owner's workspace and status (the owner
	// the role is tagged with, ${aws:PrincipalTag/...}: a role without the
	// tag gets neither), the notebooks' log streams, stopping a catalog
	// notebook. Each role's own policy narrows the streams and the
	// notebook to its own.
	owner := "${aws:PrincipalTag/" + names.TagOwner + "}"
	boundary := append([]awsiam.PolicyStatement{}, shared...)
	boundary = append(boundary,
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("ListOwnWorkspace"),
			Actions:    jsii.Strings("s3:ListBucket"),
			Resources:  &[]*string{bucket.BucketArn()},
			Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": names.WorkspacePrefix + owner + "/*"}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadWriteOwnWorkspace"),
			Actions:   jsii.Strings("s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"),
			Resources: &[]*string{bucket.ArnForObjects(jsii.String(names.WorkspacePrefix + owner + "/*"))},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("WriteOwnStatus"),
			Actions:   jsii.Strings("s3:PutObject"),
			Resources: &[]*string{bucket.ArnForObjects(jsii.String(names.StatusPrefix + owner + "/*"))},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("NotebookLogStreams"),
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			Resources: &[]*string{arns.LogGroup(w, "/aws/sagemaker/NotebookInstances:log-stream:"+names.NotebookNamePrefix+"*")},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("StopCatalogNotebooks"),
			Actions:   jsii.Strings("sagemaker:StopNotebookInstance"),
			Resources: &[]*string{arns.CatalogNotebooks(w)},
		}),
	)
	w.Boundary = awsiam.NewManagedPolicy(w, jsii.String("NotebookBoundary"), &awsiam.ManagedPolicyProps{
		ManagedPolicyName: jsii.String(names.NotebookBoundary(w.catalog, region)),
		Description:       jsii.String("Permissions boundary of every Service Catalog SageMaker notebook role"),
		Statements:        &boundary,
	})
}

// function creates the workspace function, with the name the template's
// Custom::Workspace resource calls.
func (w *Workspaces) function(props *Props, bucket awss3.IBucket) {
	logKey := props.LogKey
	if logKey == nil {
		logKey = keys.New(w, jsii.String("FunctionLogKey"), &keys.Props{
			Description:  jsii.String("Encrypts the logs of the SageMaker notebook catalog's workspace function"),
			LogGroupArns: arns.LogGroup(w, names.FunctionLogGroups(w.catalog)+"*"),
			// CloudWatch Logs only.
			RestrictUse: jsii.Bool(true),
		}).Key
	}
	fn := function.New(w, "Function", function.Props{
		Handler:        names.FunctionWorkspace,
		LogGroupPrefix: names.FunctionLogGroups(w.catalog),
		Description:    "Resolves the owner and workspace of a notebook Service Catalog launches (Custom::Workspace)",
		Code:           props.Code,
		LogKey:         logKey,
		TimeoutSeconds: 30,
		Concurrency:    2,
		Env:            w.functionEnv(props, bucket),
		Statements: []awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// Service Catalog's tags on the provisioned stack name the owner.
				Sid:       jsii.String("ReadProvisionedStacks"),
				Actions:   jsii.Strings("cloudformation:DescribeStacks"),
				Resources: &[]*string{arns.Slash(w, "cloudformation", "stack", names.StackNamePrefix+"*/*")},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// The owner's unique ID (aws:userid): the role or user that
				// launched. Any role or user of the account may launch (the
				// portfolio's principals may be patterns); reading a role or
				// user changes nothing.
				Sid:     jsii.String("ReadLaunchingPrincipal"),
				Actions: jsii.Strings("iam:GetRole", "iam:GetUser"),
				Resources: &[]*string{
					arns.Global(w, "iam", "role", "*"),
					arns.Global(w, "iam", "user", "*"),
				},
			}),
		},
	})
	fn.Node().DefaultChild().(awslambda.CfnFunction).SetFunctionName(jsii.String(names.WorkspaceFunction(w.catalog)))
	w.Function = fn
}

// parameters writes the shared values the notebook template resolves.
func (w *Workspaces) parameters(props *Props) {
	scope := constructs.NewConstruct(w, jsii.String("Parameters"))
	names := props.Parameters
	put := func(id, name string, value *string) {
		awsssm.NewStringParameter(scope, jsii.String(id), &awsssm.StringParameterProps{
			ParameterName: jsii.String(name),
			StringValue:   value,
			Description:   jsii.String("Read by the SageMaker notebook product template"),
		})
	}
	put("KmsKeyArn", names.KmsKeyArn, props.Key.KeyArn())
	put("SubnetId", names.SubnetId, props.SubnetIds[0])
	for i, name := range names.SecurityGroupIds {
		put("SecurityGroup"+strconv.Itoa(i+1), name, props.SecurityGroupIds[i])
	}
	w.Parameters = scope
}

// RoleCreation is what a launch role may create for the template: notebook
// roles only, under the catalog's path, with the boundary, attaching only
// the shared policy.
func (w *Workspaces) RoleCreation() *launchrole.RoleCreation {
	return &launchrole.RoleCreation{
		Path:                   names.NotebookRolePath(w.catalog, *awscdk.Stack_Of(w).Region()),
		PermissionsBoundaryArn: w.Boundary.ManagedPolicyArn(),
		ManagedPolicyArns:      []*string{w.Policy.ManagedPolicyArn()},
	}
}

// LaunchPermissions lets a launch role call the workspace function, which
// CloudFormation invokes with it for the Custom::Workspace resource.
func (w *Workspaces) LaunchPermissions() launchrole.Permissions {
	fn := w.Function.FunctionArn()
	return launchrole.Permissions{"Custom::Workspace": {{
		Sid:       "ResolveWorkspace",
		Actions:   []string{"lambda:InvokeFunction"},
		Resources: func(*launchrole.Context) []*string { return []*string{fn} },
	}}}
}

// Validate reports every invalid or missing field of props, or nil.
func (props *Props) Validate() error {
	p := check.New("workspaces.Props")
	if props.Key == nil {
		p.Addf("Key", "required: the key that encrypts the workspaces and the notebook volumes")
	}
	if props.Code == nil {
		p.Addf("Code", "required: the catalog's functions binary (lambda/cmd/functions)")
	}
	if props.Parameters == nil {
		p.Addf("Parameters", "required: the parameter names the notebook template resolves (notebook.Template.Parameters)")
	}
	if len(props.SubnetIds) == 0 {
		p.Addf("SubnetIds", "required: the notebooks' subnets")
	}
	ids := func(field string, list []*string, pattern *regexp.Regexp, allowed string) {
		for i, id := range list {
			switch {
			case id == nil:
				p.Addf(fmt.Sprintf("%s[%d]", field, i), "nil: give an ID or leave it out")
			case !check.Unresolved(*id) && !pattern.MatchString(*id):
				p.Add(fmt.Sprintf("%s[%d]", field, i), *id, allowed)
			}
		}
	}
	ids("SubnetIds", props.SubnetIds, subnetPattern, "a subnet ID such as subnet-0123456789abcdef0")
	ids("SecurityGroupIds", props.SecurityGroupIds, sgPattern, "a security group ID such as sg-0123456789abcdef0")
	if props.Parameters != nil && len(props.SecurityGroupIds) != len(props.Parameters.SecurityGroupIds) {
		p.Addf("SecurityGroupIds", "%d given, but the template resolves %d (notebook.Props.SecurityGroupCount)",
			len(props.SecurityGroupIds), len(props.Parameters.SecurityGroupIds))
	}
	switch c := props.CatalogName; {
	case c == nil:
	case check.Unresolved(*c):
		// Names derive from it at synthesis (the bucket's is lower-cased).
		p.Add("CatalogName", *c, "a name known at synthesis: the notebook template computes the same names from it")
	case !catalogNamePattern.MatchString(*c):
		p.Add("CatalogName", *c, "a letter, then letters, digits and hyphens, at most 100 characters (the catalog stack's name)")
	}
	if a := check.Or(props.DataAccess, DefaultDataAccess); a != "read" && a != "read-write" {
		p.Add("DataAccess", a, `"read" or "read-write", known at synthesis`)
	}
	for i, b := range props.DataBucketArns {
		// A token is taken as a bucket's ARN (bucket.BucketArn()); a literal
		// "/prefix" may follow it.
		if !check.Unresolved(b) && !bucketArnPattern.MatchString(b) {
			p.Add(fmt.Sprintf("DataBucketArns[%d]", i), b, "an S3 bucket ARN such as arn:aws:s3:::my-data-lake, optionally with a key prefix (arn:aws:s3:::my-data-lake/curated)")
		}
	}
	p.PrincipalArns("AdminRoleArns", props.AdminRoleArns)
	p.PrincipalArns("StatusReaderArns", props.StatusReaderArns)
	if e := props.S3EndpointId; e != nil && !check.Unresolved(*e) && !endpointPattern.MatchString(*e) {
		p.Add("S3EndpointId", *e, "a VPC endpoint ID such as vpce-0123456789abcdef0 (the S3 gateway endpoint of the notebooks' network)")
	}
	switch d := props.VersionDays; {
	case d == nil:
	case *awscdk.Token_IsUnresolved(*d):
		p.Add("VersionDays", "a token", "a whole number of days known at synthesis, at least 1")
	case *d < 1 || *d != float64(int(*d)):
		p.Add("VersionDays", fmt.Sprint(*d), "a whole number of days, at least 1")
	}
	return p.Err()
}

// DataStatements grant the data-lake buckets (or prefixes) of bucketArns:
// locate and list them, read objects, and, for "read-write", write and
// delete objects too.
func DataStatements(bucketArns []string, access string) []awsiam.PolicyStatement {
	if len(bucketArns) == 0 {
		return nil
	}
	var buckets []*string
	seen := map[string]bool{}
	var out []awsiam.PolicyStatement
	for _, a := range bucketArns {
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
	actions := []string{"s3:GetObject"}
	if access == "read-write" {
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
			Resources: jsii.Strings(DataObjectArns(bucketArns)...),
		}),
	}, out...)
}

// DataObjectArns are the object ARNs of the buckets and prefixes.
func DataObjectArns(bucketArns []string) []string {
	out := make([]string, len(bucketArns))
	for i, a := range bucketArns {
		bucket, prefix, _ := strings.Cut(a, "/")
		if prefix = strings.TrimSuffix(strings.TrimSuffix(prefix, "*"), "/"); prefix == "" {
			out[i] = bucket + "/*"
		} else {
			out[i] = bucket + "/" + prefix + "/*"
		}
	}
	return out
}

// functionEnv is the workspace function's environment.
func (w *Workspaces) functionEnv(props *Props, bucket awss3.IBucket) map[string]*string {
	env := map[string]*string{names.EnvBucket: bucket.BucketName()}
	if props.StackTagKeys != nil {
		env[names.EnvStackTagKeys] = jsii.String(strings.Join(props.StackTagKeys, ","))
	}
	return env
}

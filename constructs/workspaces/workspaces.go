// Package workspaces provides the catalog side of the notebook product
// (constructs/notebook): what a notebook template needs from the account it
// is launched in, in one construct another team can add beside its own
// catalog.
//
//   - The workspace bucket keeps each analyst's work under
//     owners/<owner>/ (SSE-KMS with the given key and an S3 Bucket Key,
//     versioned, TLS only, public access blocked, bucket-owner object
//     ownership, server access logs to a second bucket, old versions expire,
//     kept when the stack is deleted).
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
		w.Bucket = props.ExistingBucket
		w.policies(props, props.ExistingBucket)
		w.function(props, props.ExistingBucket)
		w.parameters(props)
		return w
	}
	accessLogs := awss3.NewBucket(w, jsii.String("AccessLogs"), &awss3.BucketProps{
		// Server access logs can only be delivered with S3-managed keys.
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Versioned:         jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                          jsii.String("ExpireAccessLogs"),
			Expiration:                  awscdk.Duration_Days(jsii.Number(365)),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30)),
		}},
	})
	// A name CloudFormation generates: a redeploy after a delete does not
	// collide with the bucket the deleted stack kept (ExistingBucket reuses it).
	bucket := awss3.NewBucket(w, jsii.String("Bucket"), &awss3.BucketProps{
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
	// Object-level events go to EventBridge's default bus (free for AWS
	// service events), where a security team can watch the workspaces;
	// set on the L1 because the L2's eventBridgeEnabled adds a Lambda-backed
	// custom resource. AWS Control Tower's CT.S3.PR.4 asks for it.
	for _, b := range []awss3.Bucket{accessLogs, bucket} {
		b.Node().DefaultChild().(awss3.CfnBucket).SetNotificationConfiguration(&awss3.CfnBucket_NotificationConfigurationProperty{
			EventBridgeConfiguration: &awss3.CfnBucket_EventBridgeConfigurationProperty{EventBridgeEnabled: jsii.Bool(true)},
		})
	}
	w.Bucket, w.AccessLogs = bucket, accessLogs
	w.policies(props, bucket)
	w.function(props, bucket)
	w.parameters(props)
	return w
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
		Env:            map[string]*string{names.EnvBucket: bucket.BucketName()},
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

// Package stacks composes the catalog from the constructs under
// constructs/: a hub (the portfolio, its product, principals, launch role
// and self-service actions), a spoke (an account that accepts the hub's
// shared portfolio) and the CDK pipeline that deploys them. Both hub and
// spoke deploy the parts notebooks need in their account (Parts). The
// stacks compose; every resource is built by a construct.
package stacks

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/dashboard"
	"github.com/datalake-platform/sagemaker-catalog/constructs/janitor"
	"github.com/datalake-platform/sagemaker-catalog/constructs/keys"
	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole"
	"github.com/datalake-platform/sagemaker-catalog/constructs/network"
	"github.com/datalake-platform/sagemaker-catalog/constructs/notebook"
	"github.com/datalake-platform/sagemaker-catalog/constructs/workspaces"
	"github.com/datalake-platform/sagemaker-catalog/internal/arns"
	"github.com/datalake-platform/sagemaker-catalog/internal/config"
	"github.com/datalake-platform/sagemaker-catalog/internal/functions"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

// Props configures a Hub or a Spoke.
type Props struct {
	awscdk.StackProps
	// Config is the catalog's configuration (config.Parse validates it).
	// Default: config.Default().
	Config *config.Config
	// FunctionsCode is the catalog's Lambda functions binary.
	// Default: functions.Code(), built by the asset system.
	FunctionsCode awslambda.Code
}

// Parts are what a hub and a spoke both deploy in their account: the
// notebook key, the network, the notebook product's template and its
// catalog side (workspaces), the janitor and the operator dashboard.
type Parts struct {
	NotebookKey awskms.IKey
	Network     *network.Network
	Template    *notebook.Template
	Workspaces  *workspaces.Workspaces
	// Janitor is added once the launch role exists (it acts only on
	// provisioned products launched with it).
	Janitor *janitor.Janitor
	// Dashboard is added with the janitor: the operator dashboard and its
	// alarms.
	Dashboard *dashboard.Dashboard
	// FunctionLogKey encrypts the functions' log groups.
	FunctionLogKey awskms.IKey

	code awslambda.Code
	// notebookKey is the created notebook key (nil with Config.KmsKeyArn),
	// whose use is restricted to its users.
	notebookKey *keys.Key
}

// newStack creates the catalog's stack and reads its props.
func newStack(scope constructs.Construct, id *string, props *Props) (awscdk.Stack, config.Config, awslambda.Code) {
	if props == nil {
		props = &Props{}
	}
	cfg := config.Default()
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
	// Deleting the catalog under provisioned notebooks orphans them (docs/operating.md, tearing down).
	if sp.TerminationProtection == nil {
		sp.TerminationProtection = jsii.Bool(true)
	}
	stack := awscdk.NewStack(scope, id, &sp)
	// Access logs are delivered under a bucket policy, not an ACL (the
	// buckets enforce bucket-owner object ownership), whatever the app's
	// feature flags.
	stack.Node().SetContext(jsii.String("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"), true)
	code := props.FunctionsCode
	if code == nil {
		code = functions.Code()
	}
	return stack, cfg, code
}

// newParts builds the parts in stack.
func newParts(stack awscdk.Stack, cfg config.Config, code awslambda.Code) Parts {
	p := Parts{code: code}
	catalog := cfg.StackName
	region := *awscdk.Aws_REGION()
	// The principals the perimeter lets in, by ARNs that depend on no
	// resource (the roles' policies name the key: a token of their own ARN
	// in the key's policy would be a circular dependency): the notebook
	// roles' path, and the launch role's and janitor's fixed names.
	notebookRoles := workspaces.NotebookRoles(stack, catalog)
	launchRole := arns.Global(stack, "iam", "role", names.LaunchRole(catalog, region))
	janitorRole := arns.Global(stack, "iam", "role", names.JanitorRole(catalog, region))
	if cfg.KmsKeyArn != "" {
		p.NotebookKey = awskms.Key_FromKeyArn(stack, jsii.String("NotebookKey"), jsii.String(cfg.KmsKeyArn))
	} else {
		// Its users: the notebook roles (the workspaces through S3), the
		// launch role (the volume's grant through SageMaker), the janitor
		// (the status through S3, the notices through SNS); the Start
		// action's role is added by the hub.
		p.notebookKey = keys.New(stack, jsii.String("NotebookKey"), &keys.Props{
			Description: jsii.String("Encrypts the ML storage volumes of Service Catalog SageMaker notebooks"),
			// The break-glass administrators (adminRoleArns) too: reading a
			// workspace decrypts it.
			Users: append([]*string{notebookRoles, launchRole, janitorRole}, *jsii.Strings(cfg.AdminRoleArns...)...),
		})
		p.NotebookKey = p.notebookKey.Key
	}
	// The S3 endpoint admits the workspace bucket (named before it exists)
	// and the data lake.
	bucketName := workspaces.BucketName(stack)
	if cfg.WorkspaceBucketName != "" {
		bucketName = jsii.String(cfg.WorkspaceBucketName)
	}
	buckets := []*string{stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("s3"), Region: jsii.String(""), Account: jsii.String(""),
		Resource: bucketName, ArnFormat: awscdk.ArnFormat_NO_RESOURCE_NAME})}
	buckets = append(buckets, *jsii.Strings(cfg.DataBucketArns...)...)
	p.Network = network.New(stack, jsii.String("Network"), &network.Props{
		SubnetIds:        *jsii.Strings(cfg.SubnetIds...),
		SecurityGroupIds: *jsii.Strings(cfg.SecurityGroupIds...),
		// Unique to the stack instance: a redeploy after a delete does not
		// collide with the group the deleted stack kept.
		FlowLogGroupName: jsii.String(names.FlowLogGroup(catalog) + "/" + *arns.StackInstance(stack)),
		S3BucketArns:     buckets,
	})
	p.Template = notebook.New(stack, jsii.String("NotebookProduct"), &notebook.Props{
		AllowedInstanceTypes:   cfg.AllowedInstanceTypes,
		DefaultInstanceType:    jsii.String(cfg.DefaultInstanceType),
		DefaultVolumeSizeGB:    jsii.Number(cfg.DefaultVolumeSizeGB),
		MaxVolumeSizeGB:        jsii.Number(cfg.MaxVolumeSizeGB),
		IdleTimeoutMinutes:     jsii.Number(cfg.IdleTimeoutMinutes),
		MaxIdleTimeoutMinutes:  jsii.Number(cfg.MaxIdleTimeoutMinutes),
		IdleIgnoresConnections: jsii.Bool(cfg.IdleIgnoresConnections),
		SecurityGroupCount:     jsii.Number(len(p.Network.SecurityGroupIds)),
		CatalogName:            jsii.String(catalog),
		LeaseDays:              jsii.Number(cfg.LeaseDays),
		MaxLeaseDays:           jsii.Number(cfg.MaxLeaseDays),
	})
	// One key for the functions' log groups (a given notebook key's policy
	// would not be ours to change).
	p.FunctionLogKey = keys.New(stack, jsii.String("FunctionLogKey"), &keys.Props{
		Description:  jsii.String("Encrypts the logs of the SageMaker notebook catalog's functions"),
		LogGroupArns: arns.LogGroup(stack, names.FunctionLogGroups(catalog)+"*"),
		// CloudWatch Logs only.
		RestrictUse: jsii.Bool(true),
	}).Key
	var kept awss3.IBucket
	if cfg.WorkspaceBucketName != "" {
		kept = awss3.Bucket_FromBucketName(stack, jsii.String("KeptWorkspaces"), jsii.String(cfg.WorkspaceBucketName))
	}
	var endpoint *string
	if p.Network.Created() {
		endpoint = p.Network.S3Endpoint.VpcEndpointId()
	}
	p.Workspaces = workspaces.New(stack, jsii.String("Workspaces"), &workspaces.Props{
		ExistingBucket:   kept,
		StatusReaderArns: []*string{janitorRole},
		AdminRoleArns:    *jsii.Strings(cfg.AdminRoleArns...),
		S3EndpointId:     endpoint,
		CatalogName:      jsii.String(catalog),
		Key:              p.NotebookKey,
		Code:             code,
		LogKey:           p.FunctionLogKey,
		Parameters:       &p.Template.Parameters,
		SubnetIds:        p.Network.SubnetIds,
		SecurityGroupIds: p.Network.SecurityGroupIds,
		DataBucketArns:   cfg.DataBucketArns,
		DataAccess:       jsii.String(cfg.DataAccess),
		StackTagKeys:     append([]string{}, slices.Sorted(maps.Keys(tagOptions(cfg)))...),
	})
	output(stack, "WorkspaceBucket", "", p.Workspaces.Bucket.BucketName())
	return p
}

// addJanitor adds the janitor, which acts only on the provisioned products
// launched with launchRole (and, when productID is not nil, of that
// product), as Service Catalog reports them.
func (p *Parts) addJanitor(stack awscdk.Stack, cfg config.Config, launchRole awsiam.IRole, productID *string) {
	p.Janitor = janitor.New(stack, jsii.String("Janitor"), &janitor.Props{
		Code:          p.code,
		Workspaces:    p.Workspaces.Bucket,
		Key:           p.NotebookKey,
		LogKey:        p.FunctionLogKey,
		CatalogName:   jsii.String(cfg.StackName),
		LaunchRoleArn: launchRole.RoleArn(),
		ProductId:     productID,
		LeaseDays:     jsii.Number(cfg.LeaseDays),
		NoticeHours:   jsii.Number(cfg.LeaseNoticeHours),
		Mode:          jsii.String(cfg.JanitorMode),
		// The name the notebook key's and the bucket's policies give it.
		RoleName: jsii.String(names.JanitorRole(cfg.StackName, *awscdk.Aws_REGION())),
	})
	p.Dashboard = dashboard.New(stack, jsii.String("Dashboard"), &dashboard.Props{Janitor: p.Janitor.Function, DeadLetters: p.Janitor.DeadLetters, Functions: []awslambda.IFunction{p.Workspaces.Function}})
	output(stack, "OperatorAlarmsTopicArn", "Subscribe the platform team: janitor errors and dead letters", p.Dashboard.AlarmTopicArn())
	output(stack, "JanitorDeadLetterQueueUrl", "Janitor runs that failed after every retry; alarm on its depth", p.Janitor.DeadLetters.QueueUrl())
	output(stack, "LeaseNoticesTopicArn", "Subscribe owners with a filter policy on the owner message attribute", p.Janitor.Notices.TopicArn())
}

// launchRoleProps scopes a launch role to the parts' resources.
func (p Parts) launchRoleProps(cfg config.Config) *launchrole.Props {
	props := &launchrole.Props{
		RoleCreation:     p.Workspaces.RoleCreation(),
		Permissions:      p.Workspaces.LaunchPermissions(),
		KmsKeyArns:       []*string{p.NotebookKey.KeyArn()},
		SubnetIds:        p.Network.SubnetIds,
		SecurityGroupIds: p.Network.SecurityGroupIds,
		InstanceTypes:    cfg.AllowedInstanceTypes,
		ParameterNames:   p.Template.Parameters.All(),
		TagKeys:          notebookTagKeys(cfg),
		// The product names its notebook and lifecycle configuration in
		// lower case (the workspace function): one spelling, sc-*.
		NamePrefix: jsii.String(names.NotebookNamePrefix),
	}
	// Always this name: accounts that share the portfolio find the role by
	// it, and the notebook key's policy names it (newParts).
	props.RoleName = jsii.String(names.LaunchRole(cfg.StackName, *awscdk.Aws_REGION()))
	return props
}

// output adds a stack output; description may be empty.
func output(stack awscdk.Stack, id, description string, value *string) {
	props := &awscdk.CfnOutputProps{Value: value}
	if description != "" {
		props.Description = jsii.String(description)
	}
	awscdk.NewCfnOutput(stack, jsii.String(id), props)
}

// absolute panics unless dir is absolute: product version snapshots belong
// to the app, which resolves the context value against its directory.
func absolute(stack awscdk.Stack, dir string) {
	if !filepath.IsAbs(dir) {
		panic(fmt.Errorf("%s: Config.ProductVersionsDir: invalid value %q: an absolute path (the app resolves the context value against the working directory)", *stack.Node().Path(), dir))
	}
}

// notebookTagKeys are the tag keys a notebook instance carries: the
// template's own and the TagOptions analysts choose.
func notebookTagKeys(cfg config.Config) []string {
	keys := []string{names.TagProduct, names.TagStack, names.TagOwner, names.TagOwnerId, names.TagWorkspace,
		names.TagProvisionedProduct, names.TagLeaseDays, names.TagLeaseStart}
	options := slices.Sorted(maps.Keys(tagOptions(cfg)))
	return append(keys, options...)
}

// notebookRoles is the ARN pattern of the notebooks' roles (under the
// catalog's path).
func (p Parts) notebookRoles() *string {
	path := p.Workspaces.RoleCreation().Path
	return arns.Global(p.Workspaces, "iam", "role", strings.TrimPrefix(path, "/")+"*")
}

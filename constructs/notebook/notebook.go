// Package notebook provides the SageMaker notebook product template of the
// catalog, written as a Go ProductStack.
//
// The template (New) launches one notebook instance that is secure by
// construction: in a private subnet with the catalog's security groups, no
// direct internet access, no root access, IMDSv2 only, a KMS-encrypted
// volume, a current Amazon Linux 2023 platform, and a lifecycle
// configuration that stops it when idle. Analysts choose its size; every
// launch parameter has a default, so launching needs no typing.
//
// The template reads the catalog's shared resources (KMS key, subnet,
// security groups) from SSM parameters through {{resolve:ssm:...}} dynamic
// references: a product template is a separate stack, so it cannot Ref the
// catalog stack, and an analyst cannot override a dynamic reference the way
// they could override a template parameter.
//
// Each notebook gets its own execution role, created by the template under
// a fixed path (names.NotebookRolePath) with a mandatory permissions boundary
// (names.NotebookBoundary), the catalog's shared notebook policy
// (names.NotebookPolicy), and access to its owner's workspace prefix only. The
// owner comes from a Custom::Workspace resource served by the catalog's
// workspace function (names.WorkspaceFunction): it reads what Service Catalog
// recorded about the launch, so the analyst cannot choose it. The lifecycle
// configuration restores the workspace on first start and saves it
// periodically and before every stop (lifecycle/workspace-sync.sh).
package notebook

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssagemaker"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/internal/check"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

var (
	//go:embed lifecycle/on-start.sh
	onStartTemplate string
	//go:embed lifecycle/autostop.py
	autostopScript string
	//go:embed lifecycle/workspace-sync.sh
	syncScript string
)

// OnStartScript returns the lifecycle configuration's on-start script, with
// autostop.py inline, before CloudFormation substitutes ${IdleTimeoutMinutes}
// and ${IgnoreConnections}.
func OnStartScript() string {
	return strings.NewReplacer("@AUTOSTOP_PY@\n", autostopScript, "@WORKSPACE_SYNC_SH@\n", syncScript).Replace(onStartTemplate)
}

// WorkspaceSyncScript returns workspace-sync.sh, which the on-start script installs.
func WorkspaceSyncScript() string { return syncScript }

// AutostopScript returns autostop.py, the idle check the on-start script installs.
func AutostopScript() string { return autostopScript }

// Defaults of Props and limits of the launch form.
const (
	DefaultInstanceType          = "ml.t3.medium"
	DefaultVolumeSizeGB          = 20
	DefaultMaxVolumeSizeGB       = 100
	DefaultIdleTimeoutMinutes    = 60
	DefaultMaxIdleTimeoutMinutes = 240
	DefaultCatalogName           = "SageMakerCatalog"
	DefaultLeaseDays             = 7
	DefaultMaxLeaseDays          = 30
	// MaxLeaseLimitDays bounds MaxLeaseDays.
	MaxLeaseLimitDays = 365
	// PlatformIdentifier is the notebook platform: Amazon Linux 2023, JupyterLab 4.
	PlatformIdentifier = "notebook-al2023-v1"
	// MinVolumeSizeGB and MaxVolumeSizeLimitGB are SageMaker's volume limits.
	MinVolumeSizeGB      = 5
	MaxVolumeSizeLimitGB = 16384
	// MinIdleTimeoutMinutes and MaxIdleTimeoutLimitMinutes bound the idle time.
	MinIdleTimeoutMinutes      = 5
	MaxIdleTimeoutLimitMinutes = 1440
	// MaxSecurityGroups is SageMaker's limit per notebook instance.
	MaxSecurityGroups = 5
)

// DefaultAllowedInstanceTypes are the sizes analysts may choose by default:
// burstable for exploration, general purpose and memory optimized for
// heavier work.
var DefaultAllowedInstanceTypes = []string{
	"ml.t3.medium", "ml.t3.large", "ml.t3.xlarge",
	"ml.m5.xlarge", "ml.m5.2xlarge", "ml.m5.4xlarge",
	"ml.r5.large", "ml.r5.xlarge", "ml.r5.2xlarge",
}

// Props configures the notebook product template. Every field is optional.
type Props struct {
	// AllowedInstanceTypes are the instance types analysts may choose.
	// Default: DefaultAllowedInstanceTypes.
	AllowedInstanceTypes []string
	// DefaultInstanceType is preselected in the launch form; it must be allowed.
	// Default: DefaultInstanceType.
	DefaultInstanceType *string
	// DefaultVolumeSizeGB is the preselected volume size.
	// Default: DefaultVolumeSizeGB, or MaxVolumeSizeGB when that is smaller.
	DefaultVolumeSizeGB *float64
	// MaxVolumeSizeGB is the largest volume analysts may choose (5-16384).
	// Default: DefaultMaxVolumeSizeGB.
	MaxVolumeSizeGB *float64
	// IdleTimeoutMinutes is the preselected idle time after which the
	// notebook stops.
	// Default: DefaultIdleTimeoutMinutes.
	IdleTimeoutMinutes *float64
	// MaxIdleTimeoutMinutes is the longest idle time analysts may choose.
	// Default: DefaultMaxIdleTimeoutMinutes, or IdleTimeoutMinutes when that is larger.
	MaxIdleTimeoutMinutes *float64
	// IdleIgnoresConnections lets a notebook stop when idle even while a
	// browser is still connected to a kernel (a forgotten tab); false keeps
	// it running as long as a browser is connected.
	// Default: true.
	IdleIgnoresConnections *bool
	// SecurityGroupCount is how many security groups the catalog publishes
	// (1-5); the template reads that many security-group parameters.
	// Default: 1.
	SecurityGroupCount *float64
	// CatalogName names the catalog's resources the template uses by name:
	// the workspace function, the notebook role path, the boundary and the
	// shared notebook policy (see names.WorkspaceFunction and the others).
	// Default: DefaultCatalogName.
	CatalogName *string
	// LeaseDays is the preselected lease: a notebook unused for this many
	// days is terminated (its workspace is kept).
	// Default: DefaultLeaseDays.
	LeaseDays *float64
	// MaxLeaseDays is the longest lease analysts may choose (1-365).
	// Default: DefaultMaxLeaseDays, or LeaseDays when that is larger.
	MaxLeaseDays *float64
	// ParameterPrefix is the SSM path under which the catalog publishes the
	// shared resources (see Parameters).
	// Default: /<CatalogName>/notebook (names.NotebookParameterPrefix), where
	// the catalog stack publishes them.
	ParameterPrefix *string
}

// Parameters are the SSM parameter names the notebook template
// resolves; the catalog stack writes them.
type Parameters struct {
	KmsKeyArn        string
	SubnetId         string
	SecurityGroupIds []string
}

// All returns every parameter name.
func (p Parameters) All() []string {
	return append([]string{p.KmsKeyArn, p.SubnetId}, p.SecurityGroupIds...)
}

// Template is the SageMaker notebook product template.
type Template struct {
	// Stack is the product stack; give it to a product version.
	Stack awsservicecatalog.ProductStack
	// NotebookInstance and LifecycleConfig are the template's resources.
	NotebookInstance awssagemaker.CfnNotebookInstance
	LifecycleConfig  awssagemaker.CfnNotebookInstanceLifecycleConfig
	// Role is the notebook's own execution role; Workspace resolves its
	// owner, workspace and names.
	Role      awscdk.CfnResource
	Workspace awscdk.CfnResource
	// InstanceType, VolumeSizeInGB, IdleTimeoutMinutes and LeaseDays are the
	// launch parameters.
	InstanceType       awscdk.CfnParameter
	VolumeSizeInGB     awscdk.CfnParameter
	IdleTimeoutMinutes awscdk.CfnParameter
	LeaseDays          awscdk.CfnParameter
	// Parameters names the SSM parameters the template resolves.
	Parameters Parameters
	// Generation identifies the notebook's replacing properties (see New):
	// part of the notebook's name.
	Generation *string
}

// New builds the notebook product template as a ProductStack in scope.
//
// New panics if a field is invalid; the message names the field, the
// value and what is allowed.
func New(scope constructs.Construct, id *string, props *Props) *Template {
	if props == nil {
		props = &Props{}
	}
	r, err := props.resolve()
	if err != nil {
		panic(fmt.Errorf("%s/%s: %w", *scope.Node().Path(), *id, err))
	}

	stack := awsservicecatalog.NewProductStack(scope, id, &awsservicecatalog.ProductStackProps{
		Description:        jsii.String("SageMaker notebook instance for data analysts (Service Catalog product)"),
		AnalyticsReporting: jsii.Bool(false),
	})
	// The template is the product's released artifact (and its locked
	// snapshot): keep it free of CDK tooling metadata, so that it is the same
	// whether or not the CLI asks for path metadata.
	stack.Node().SetContext(jsii.String("aws:cdk:enable-path-metadata"), false)
	n := &Template{Stack: stack, Parameters: r.parameters}

	n.InstanceType = awscdk.NewCfnParameter(stack, jsii.String("InstanceType"), &awscdk.CfnParameterProps{
		Type:                  jsii.String("String"),
		Description:           jsii.String("Compute size of the notebook instance. Larger sizes cost more per hour while running."),
		AllowedValues:         jsii.Strings(r.allowed...),
		Default:               r.defaultType,
		ConstraintDescription: jsii.String("choose one of the listed instance types"),
	})
	n.VolumeSizeInGB = awscdk.NewCfnParameter(stack, jsii.String("VolumeSizeInGB"), &awscdk.CfnParameterProps{
		Type:                  jsii.String("Number"),
		Description:           jsii.String(fmt.Sprintf("Size of the encrypted ML storage volume, in GB (%d-%d).", MinVolumeSizeGB, r.maxVolume)),
		MinValue:              jsii.Number(MinVolumeSizeGB),
		MaxValue:              jsii.Number(r.maxVolume),
		Default:               jsii.Number(r.defaultVolume),
		ConstraintDescription: jsii.String(fmt.Sprintf("a whole number of GB from %d to %d", MinVolumeSizeGB, r.maxVolume)),
	})
	n.IdleTimeoutMinutes = awscdk.NewCfnParameter(stack, jsii.String("IdleTimeoutMinutes"), &awscdk.CfnParameterProps{
		Type:                  jsii.String("Number"),
		Description:           jsii.String(fmt.Sprintf("The notebook stops after this many minutes without activity (%d-%d).", MinIdleTimeoutMinutes, r.maxIdle)),
		MinValue:              jsii.Number(MinIdleTimeoutMinutes),
		MaxValue:              jsii.Number(r.maxIdle),
		Default:               jsii.Number(r.idle),
		ConstraintDescription: jsii.String(fmt.Sprintf("a whole number of minutes from %d to %d", MinIdleTimeoutMinutes, r.maxIdle)),
	})
	n.LeaseDays = awscdk.NewCfnParameter(stack, jsii.String("LeaseDays"), &awscdk.CfnParameterProps{
		Type: jsii.String("Number"),
		Description: jsii.String(fmt.Sprintf("The notebook is terminated after this many days without use; your workspace is kept and restored "+
			"in your next notebook. Update the product with a new value to renew the lease (1-%d).", r.maxLease)),
		MinValue:              jsii.Number(1),
		MaxValue:              jsii.Number(r.maxLease),
		Default:               jsii.Number(r.lease),
		ConstraintDescription: jsii.String(fmt.Sprintf("a whole number of days from 1 to %d", r.maxLease)),
	})
	stack.AddMetadata(jsii.String("AWS::CloudFormation::Interface"), map[string]any{
		"ParameterGroups": []any{
			map[string]any{"Label": map[string]any{"default": "Notebook size"}, "Parameters": []any{"InstanceType", "VolumeSizeInGB"}},
			map[string]any{"Label": map[string]any{"default": "Cost control"}, "Parameters": []any{"IdleTimeoutMinutes", "LeaseDays"}},
		},
		"ParameterLabels": map[string]any{
			"InstanceType":       map[string]any{"default": "Instance type"},
			"VolumeSizeInGB":     map[string]any{"default": "Volume size (GB)"},
			"IdleTimeoutMinutes": map[string]any{"default": "Stop after idle (minutes)"},
			"LeaseDays":          map[string]any{"default": "Terminate after unused (days)"},
		},
	})

	sgs := make([]*string, len(r.parameters.SecurityGroupIds))
	for i, name := range r.parameters.SecurityGroupIds {
		sgs[i] = resolveSSM(name)
	}
	// The properties whose change replaces the notebook (AWS::SageMaker::
	// NotebookInstance: KmsKeyId, SubnetId, SecurityGroupIds,
	// DirectInternetAccess, PlatformIdentifier; "Update requires:
	// Replacement"), as the template writes them: a product version that
	// changes one gets a new Generation, so that the new notebook gets a
	// name of its own and CloudFormation can create it before it deletes
	// the old one.
	replacing := map[string]any{
		"KmsKeyId": *resolveSSM(r.parameters.KmsKeyArn), "SubnetId": *resolveSSM(r.parameters.SubnetId),
		"SecurityGroupIds": r.parameters.SecurityGroupIds, "DirectInternetAccess": "Disabled", "PlatformIdentifier": PlatformIdentifier,
	}
	n.Generation = generation(replacing)

	// The workspace: owner, names and prefixes from what Service Catalog
	// recorded about the launch. LeaseDays is a property so that changing
	// it calls the function again, which renews the lease.
	n.Workspace = awscdk.NewCfnResource(stack, jsii.String("Workspace"), &awscdk.CfnResourceProps{
		Type: jsii.String("Custom::Workspace"),
		Properties: &map[string]any{
			"ServiceToken": awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"+names.WorkspaceFunction(r.catalog)), nil),
			"LeaseDays":    n.LeaseDays.ValueAsString(),
			"Generation":   n.Generation,
		},
	})
	// The workspace outlives the notebook: deleting the resource deletes nothing.
	n.Workspace.ApplyRemovalPolicy(awscdk.RemovalPolicy_DESTROY, nil)
	ws := func(attr string) *string {
		return awscdk.Token_AsString(n.Workspace.GetAtt(jsii.String(attr), awscdk.ResolutionTypeHint_STRING), nil)
	}
	sub := func(s string) *string {
		return awscdk.Fn_Sub(jsii.String(s), &map[string]*string{
			"Bucket": ws("Bucket"), "Prefix": ws("Prefix"), "Owner": ws("Owner"), "Notebook": ws("NotebookName"),
		})
	}

	// The notebook's own role: under the catalog's path, with its boundary
	// and shared policy (the launch role can create no other kind), tagged
	// with its owner (the boundary and the bucket policy allow a notebook
	// role its own owner's prefixes only), plus its owner's workspace, its
	// status, its own log streams and stopping itself.
	n.Role = awscdk.NewCfnResource(stack, jsii.String("NotebookRole"), &awscdk.CfnResourceProps{
		Type: jsii.String("AWS::IAM::Role"),
		Properties: &map[string]any{
			"Description":         "Execution role of one Service Catalog SageMaker notebook",
			"Path":                names.NotebookRolePath(r.catalog, *awscdk.Aws_REGION()),
			"PermissionsBoundary": awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/"+names.NotebookBoundary(r.catalog, "${AWS::Region}")), nil),
			"ManagedPolicyArns":   []any{awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/"+names.NotebookPolicy(r.catalog, "${AWS::Region}")), nil)},
			"Tags":                []any{map[string]any{"Key": names.TagOwner, "Value": ws("Owner")}},
			"AssumeRolePolicyDocument": map[string]any{
				"Version": "2012-10-17",
				"Statement": []any{map[string]any{
					"Effect": "Allow", "Principal": map[string]any{"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole",
					// SageMaker assumes the role for this account's notebooks only
					// (aws:SourceAccount, as SageMaker's confused-deputy guidance).
					"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}},
				}},
			},
			"Policies": []any{map[string]any{
				"PolicyName": "OwnWorkspaceAndNotebook",
				"PolicyDocument": map[string]any{
					"Version": "2012-10-17",
					"Statement": []any{
						map[string]any{
							"Sid": "ListOwnWorkspace", "Effect": "Allow", "Action": "s3:ListBucket",
							"Resource":  sub("arn:${AWS::Partition}:s3:::${Bucket}"),
							"Condition": map[string]any{"StringLike": map[string]any{"s3:prefix": awscdk.Fn_Join(jsii.String(""), &[]*string{ws("Prefix"), jsii.String("*")})}},
						},
						map[string]any{
							// Delete: the sync mirrors deletions; the bucket keeps old versions.
							"Sid": "ReadWriteOwnWorkspace", "Effect": "Allow",
							"Action":   []any{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"},
							"Resource": sub("arn:${AWS::Partition}:s3:::${Bucket}/${Prefix}*"),
						},
						map[string]any{
							// The sync's status, which the janitor reads.
							"Sid": "WriteOwnStatus", "Effect": "Allow", "Action": "s3:PutObject",
							"Resource": sub("arn:${AWS::Partition}:s3:::${Bucket}/" + names.StatusPrefix + "${Owner}/${Notebook}.json"),
						},
						map[string]any{
							// SageMaker writes the notebook's logs with its role, to
							// streams named after it (<notebook>/jupyter.log,
							// <notebook>/LifecycleConfigOnStart).
							"Sid": "OwnLogStreams", "Effect": "Allow",
							"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
							"Resource": sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/sagemaker/NotebookInstances:log-stream:${Notebook}/*"),
						},
						map[string]any{
							// autostop.py's only SageMaker call; the name is in lower
							// case, as in the ARN SageMaker authorizes.
							"Sid": "StopOwnNotebookWhenIdle", "Effect": "Allow",
							"Action":   "sagemaker:StopNotebookInstance",
							"Resource": sub("arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:notebook-instance/${Notebook}"),
						},
					},
				},
			}},
		},
	})

	// Named as the workspace function names the notebook: the stack's name
	// in lower case and the generation.
	n.LifecycleConfig = awssagemaker.NewCfnNotebookInstanceLifecycleConfig(stack, jsii.String("LifecycleConfig"), &awssagemaker.CfnNotebookInstanceLifecycleConfigProps{
		NotebookInstanceLifecycleConfigName: ws("NotebookName"),
		OnStart: []any{&awssagemaker.CfnNotebookInstanceLifecycleConfig_NotebookInstanceLifecycleHookProperty{
			Content: awscdk.Fn_Base64(awscdk.Fn_Sub(jsii.String(OnStartScript()), &map[string]*string{
				"IdleTimeoutMinutes": n.IdleTimeoutMinutes.ValueAsString(),
				"IgnoreConnections":  jsii.String(strconv.FormatBool(props.IdleIgnoresConnections == nil || *props.IdleIgnoresConnections)),
				"WorkspaceUri":       ws("Uri"),
			})),
		}},
	})
	n.NotebookInstance = awssagemaker.NewCfnNotebookInstance(stack, jsii.String("NotebookInstance"), &awssagemaker.CfnNotebookInstanceProps{
		NotebookInstanceName: ws("NotebookName"),
		InstanceType:         n.InstanceType.ValueAsString(),
		VolumeSizeInGb:       n.VolumeSizeInGB.ValueAsNumber(),
		RoleArn:              awscdk.Token_AsString(n.Role.GetAtt(jsii.String("Arn"), awscdk.ResolutionTypeHint_STRING), nil),
		KmsKeyId:             resolveSSM(r.parameters.KmsKeyArn),
		SubnetId:             resolveSSM(r.parameters.SubnetId),
		SecurityGroupIds:     &sgs,
		DirectInternetAccess: jsii.String("Disabled"),
		RootAccess:           jsii.String("Disabled"),
		PlatformIdentifier:   jsii.String(PlatformIdentifier),
		InstanceMetadataServiceConfiguration: &awssagemaker.CfnNotebookInstance_InstanceMetadataServiceConfigurationProperty{
			MinimumInstanceMetadataServiceVersion: jsii.String("2"),
		},
		LifecycleConfigName: n.LifecycleConfig.AttrNotebookInstanceLifecycleConfigName(),
		Tags: &[]*awscdk.CfnTag{
			// Cost attribution: Service Catalog adds the launching principal
			// (aws:servicecatalog:provisioningPrincipalArn) and the portfolio's
			// TagOptions (CostCenter, Project); these name the product.
			{Key: jsii.String(names.TagProduct), Value: jsii.String("notebook")},
			{Key: jsii.String(names.TagStack), Value: awscdk.Aws_STACK_NAME()},
			// Whose notebook: the analysts' policies compare owner-id with
			// ${aws:userid} (per person, even for one shared role); the
			// janitor reads the owner, the workspace and the lease.
			{Key: jsii.String(names.TagOwner), Value: ws("Owner")},
			{Key: jsii.String(names.TagOwnerId), Value: ws("OwnerId")},
			{Key: jsii.String(names.TagWorkspace), Value: ws("Uri")},
			{Key: jsii.String(names.TagProvisionedProduct), Value: ws("ProvisionedProductId")},
			{Key: jsii.String(names.TagLeaseDays), Value: n.LeaseDays.ValueAsString()},
			{Key: jsii.String(names.TagLeaseStart), Value: ws("LeaseStart")},
		},
	})

	awscdk.NewCfnOutput(stack, jsii.String("NotebookInstanceName"), &awscdk.CfnOutputProps{
		Description: jsii.String("Name of the notebook instance"),
		Value:       n.NotebookInstance.AttrNotebookInstanceName(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("NotebookInstanceArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("ARN of the notebook instance"),
		Value:       n.NotebookInstance.Ref(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("WorkspaceUri"), &awscdk.CfnOutputProps{
		Description: jsii.String("Where your work is saved; your next notebook restores it"),
		Value:       ws("Uri"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("OpenNotebookUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("Opens JupyterLab through the SageMaker console"),
		Value: awscdk.Fn_Sub(jsii.String("https://${AWS::Region}.console.aws.amazon.com/sagemaker/home?region=${AWS::Region}#/notebook-instances/openNotebook/${Name}?view=lab"),
			&map[string]*string{"Name": n.NotebookInstance.AttrNotebookInstanceName()}),
	})
	return n
}

func resolveSSM(name string) *string { return jsii.String("{{resolve:ssm:" + name + "}}") }

type resolved struct {
	allowed                  []string
	defaultType              *string
	defaultVolume, maxVolume int
	idle, maxIdle            int
	lease, maxLease          int
	catalog                  string
	parameters               Parameters
}

// Validate reports every invalid field of props, or nil.
func (props *Props) Validate() error {
	_, err := props.resolve()
	return err
}

func (props *Props) resolve() (*resolved, error) {
	p := check.New("notebook.Props")
	r := &resolved{allowed: props.AllowedInstanceTypes}
	if len(r.allowed) == 0 {
		r.allowed = DefaultAllowedInstanceTypes
	}
	seen := map[string]bool{}
	for i, t := range r.allowed {
		if check.Unresolved(t) {
			p.Add(fmt.Sprintf("AllowedInstanceTypes[%d]", i), t, knownAtSynthesis)
			continue
		}
		if !NotebookInstanceTypes[t] {
			p.Add(fmt.Sprintf("AllowedInstanceTypes[%d]", i), t, "a SageMaker notebook instance type such as ml.t3.medium")
		}
		if seen[t] {
			p.Add(fmt.Sprintf("AllowedInstanceTypes[%d]", i), t, "each instance type may appear once")
		}
		seen[t] = true
	}
	def := check.Or(props.DefaultInstanceType, DefaultInstanceType)
	if props.DefaultInstanceType == nil && !slices.Contains(r.allowed, def) {
		def = r.allowed[0]
	}
	switch {
	case check.Unresolved(def):
		p.Add("DefaultInstanceType", def, knownAtSynthesis)
	case !slices.Contains(r.allowed, def):
		p.Add("DefaultInstanceType", def, "one of AllowedInstanceTypes: "+strings.Join(r.allowed, ", "))
	}
	r.defaultType = jsii.String(def)

	r.maxVolume = whole(p, "MaxVolumeSizeGB", props.MaxVolumeSizeGB, DefaultMaxVolumeSizeGB, MinVolumeSizeGB, MaxVolumeSizeLimitGB)
	r.defaultVolume = whole(p, "DefaultVolumeSizeGB", props.DefaultVolumeSizeGB, min(DefaultVolumeSizeGB, r.maxVolume), MinVolumeSizeGB, r.maxVolume)
	r.idle = whole(p, "IdleTimeoutMinutes", props.IdleTimeoutMinutes, DefaultIdleTimeoutMinutes, MinIdleTimeoutMinutes, MaxIdleTimeoutLimitMinutes)
	r.maxIdle = whole(p, "MaxIdleTimeoutMinutes", props.MaxIdleTimeoutMinutes, max(DefaultMaxIdleTimeoutMinutes, r.idle), r.idle, MaxIdleTimeoutLimitMinutes)
	r.lease = whole(p, "LeaseDays", props.LeaseDays, DefaultLeaseDays, 1, MaxLeaseLimitDays)
	r.maxLease = whole(p, "MaxLeaseDays", props.MaxLeaseDays, max(DefaultMaxLeaseDays, r.lease), r.lease, MaxLeaseLimitDays)
	r.catalog = check.Or(props.CatalogName, DefaultCatalogName)
	if check.Unresolved(r.catalog) {
		p.Add("CatalogName", r.catalog, knownAtSynthesis)
	} else if !catalogNamePattern.MatchString(r.catalog) {
		p.Add("CatalogName", r.catalog, "a letter, then letters, digits and hyphens, at most 100 characters (the catalog stack's name)")
	}
	sgCount := whole(p, "SecurityGroupCount", props.SecurityGroupCount, 1, 1, MaxSecurityGroups)

	prefix := strings.TrimSuffix(check.Or(props.ParameterPrefix, names.NotebookParameterPrefix(r.catalog)), "/")
	if check.Unresolved(prefix) {
		p.Add("ParameterPrefix", prefix, knownAtSynthesis)
	} else if !strings.HasPrefix(prefix, "/") || strings.ContainsAny(prefix, " {}*?") || len(prefix) > 900 {
		p.Add("ParameterPrefix", prefix, `an SSM path such as /SageMakerCatalog/notebook (starts with "/", no spaces, braces or wildcards)`)
	}
	r.parameters = Parameters{
		KmsKeyArn: prefix + "/kms-key-arn",
		SubnetId:  prefix + "/subnet-id",
	}
	for i := 1; i <= sgCount; i++ {
		r.parameters.SecurityGroupIds = append(r.parameters.SecurityGroupIds, prefix+"/security-group-"+strconv.Itoa(i))
	}
	return r, p.Err()
}

var catalogNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,99}$`)

// knownAtSynthesis is what a token is refused with: the template is a stack
// of its own, released as a file, so a reference into the stack that holds
// it would resolve to nothing.
const knownAtSynthesis = "a value known at synthesis (the product template is a stack of its own and cannot refer to the catalog's)"

// whole returns *v (or def when v is nil), recording a problem unless it is a
// whole number within [lo, hi].
func whole(p *check.Problems, field string, v *float64, def, lo, hi int) int {
	if v == nil {
		return def
	}
	if *awscdk.Token_IsUnresolved(*v) {
		p.Add(field, "a token", knownAtSynthesis)
		return def
	}
	if *v != float64(int(*v)) || *v < float64(lo) || *v > float64(hi) {
		p.Add(field, strconv.FormatFloat(*v, 'g', -1, 64), fmt.Sprintf("a whole number from %d to %d", lo, hi))
		return def
	}
	return int(*v)
}

// generation is a short hash of the properties whose change replaces the
// notebook.
func generation(props map[string]any) *string {
	body, _ := json.Marshal(props)
	sum := sha256.Sum256(body)
	return jsii.String(hex.EncodeToString(sum[:])[:8])
}

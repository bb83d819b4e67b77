package stacks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/keys"
	"github.com/datalake-platform/sagemaker-catalog/internal/arns"
	"github.com/datalake-platform/sagemaker-catalog/internal/buckets"
	"github.com/datalake-platform/sagemaker-catalog/internal/config"
	"github.com/datalake-platform/sagemaker-catalog/internal/functions"
)

// CatalogStage is one deployment of the catalog: the Stage a pipeline
// deploys, holding the same stack that `cdk deploy` deploys (a Hub, or a
// Spoke when the configuration imports a portfolio).
type CatalogStage struct {
	Stage   awscdk.Stage
	Catalog awscdk.Stack
}

// NewCatalogStage builds the catalog in a new Stage of scope.
//
// A stage deploys to an explicit account and region, where the CDK would
// look up the availability zones with AWS credentials, which a pipeline's
// synthesis has not. Unless the context already holds them (the CDK's key
// availability-zones:account=ACCOUNT:region=REGION, for example in
// cdk.json), the stage uses the region's zones a and b.
func NewCatalogStage(scope constructs.Construct, id *string, props *awscdk.StageProps, cfg config.Config, code awslambda.Code) *CatalogStage {
	stage := awscdk.NewStage(scope, id, props)
	if props != nil && props.Env != nil && props.Env.Account != nil && props.Env.Region != nil {
		key := jsii.String(fmt.Sprintf("availability-zones:account=%s:region=%s", *props.Env.Account, *props.Env.Region))
		if stage.Node().TryGetContext(key) == nil {
			region := *props.Env.Region
			stage.Node().SetContext(key, []string{region + "a", region + "b"})
		}
	}
	return &CatalogStage{
		Stage:   stage,
		Catalog: NewCatalog(stage, cfg, code),
	}
}

// PipelineStack deploys the catalog to every configured environment, in
// order, after testing and synthesizing it.
//
// It meets AWS Control Tower's proactive controls (checks/controltower)
// where CDK Pipelines does not: every CodeBuild project logs to BuildLogs;
// the artifact keys refuse grants that are not for an AWS resource; the
// artifact buckets (the pipeline's own and the replication bucket of each
// other region) are versioned, expire old artifacts, send their events to
// EventBridge and log their server access to an access-log bucket of their
// region (AccessLogs).
type PipelineStack struct {
	Stack    awscdk.Stack
	Pipeline pipelines.CodePipeline
	Synth    pipelines.CodeBuildStep
	Stages   []*CatalogStage
	// BuildLogs receives the logs of every CodeBuild project of the
	// pipeline (synthesis, self-mutation, asset publishing).
	BuildLogs awslogs.ILogGroup
	// AccessLogs receives the server access logs of the artifact buckets,
	// one bucket per region, by region: the pipeline's region, and the
	// region of each stage deployed elsewhere (in its cross-region support
	// stack).
	AccessLogs map[string]awss3.IBucket
	config     config.PipelineConfig
}

// PipelineStackId is the pipeline stack's construct ID (and name) in the app.
func PipelineStackId(cfg config.Config) string { return cfg.StackName + "-pipeline" }

// SynthNodeVersion is the Node.js major version the synth step asks
// CodeBuild for: an LTS release that the image (aws/codebuild/standard:7.0),
// the CDK CLI and jsii all support, so that jsii prints no end-of-life
// warning and needs no JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION.
const SynthNodeVersion = "22"

// ArtifactExpirationDays and ArtifactVersionDays bound how long the
// pipeline keeps an artifact and a replaced or deleted version of one: an
// execution older than that can no longer be retried, and every run
// uploads its artifacts anew.
const (
	ArtifactExpirationDays = 30
	ArtifactVersionDays    = 7
)

// NewPipelineStack builds the pipeline stack. cfg.Pipeline must be set.
// code returns the functions' code for each stage's stack; nil means
// functions.Code.
func NewPipelineStack(scope constructs.Construct, id *string, cfg config.Config, code func() awslambda.Code) *PipelineStack {
	if code == nil {
		code = functions.Code
	}
	pc := cfg.Pipeline
	if pc == nil {
		panic(fmt.Errorf("%s/%s: Config.Pipeline: required for a pipeline stack", *scope.Node().Path(), *id))
	}
	stack := awscdk.NewStack(scope, id, &awscdk.StackProps{
		Env:         &awscdk.Environment{Account: jsii.String(pc.Home.Account), Region: jsii.String(pc.Home.Region)},
		Description: jsii.String("CDK pipeline of the self-service SageMaker notebook catalog"),
	})
	ps := &PipelineStack{Stack: stack, config: *pc, AccessLogs: map[string]awss3.IBucket{}}
	ps.Synth = pipelines.NewCodeBuildStep(jsii.String("Synth"), &pipelines.CodeBuildStepProps{
		Input: pipelines.CodePipelineSource_Connection(jsii.String(pc.Repository), jsii.String(pc.Branch), &pipelines.ConnectionSourceOptions{
			ConnectionArn: jsii.String(pc.ConnectionArn),
		}),
		BuildEnvironment: &awscodebuild.BuildEnvironment{BuildImage: awscodebuild.LinuxBuildImage_STANDARD_7_0()},
		PartialBuildSpec: awscodebuild.BuildSpec_FromObject(&map[string]any{
			"phases": map[string]any{"install": map[string]any{"runtime-versions": map[string]any{"nodejs": SynthNodeVersion, "golang": "1.22"}}},
		}),
		Env: &map[string]*string{
			// go.mod asks for a newer Go: the go command fetches that toolchain.
			"GOTOOLCHAIN": jsii.String("auto"),
		},
		InstallCommands: jsii.Strings("go version", "npm ci"),
		Commands:        jsii.Strings(SynthCommands(cfg)...),
	})
	ps.BuildLogs = buildLogs(stack, cfg.StackName+"-pipeline")
	ps.Pipeline = pipelines.NewCodePipeline(stack, jsii.String("Pipeline"), &pipelines.CodePipelineProps{
		PipelineName:      jsii.String(cfg.StackName + "-pipeline"),
		Synth:             ps.Synth,
		SelfMutation:      jsii.Bool(true),
		CrossAccountKeys:  jsii.Bool(true),
		EnableKeyRotation: jsii.Bool(true),
		// Every project (synth, self-mutation, assets) logs to BuildLogs:
		// LogsConfig.CloudWatchLogs with Status ENABLED, which AWS Control
		// Tower's CT.CODEBUILD.PR.3 asks for; the CDK grants each project's
		// role logs:CreateLogStream and logs:PutLogEvents on the group.
		CodeBuildDefaults: &pipelines.CodeBuildOptions{
			Logging: &awscodebuild.LoggingOptions{CloudWatch: &awscodebuild.CloudWatchLoggingOptions{LogGroup: ps.BuildLogs}},
		},
	})
	for _, env := range pc.Stages {
		stage := NewCatalogStage(stack, jsii.String(env.Name), &awscdk.StageProps{
			Env: &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(env.Region)},
		}, cfg, code())
		ps.Pipeline.AddStage(stage.Stage, nil)
		ps.Stages = append(ps.Stages, stage)
	}
	// cdk-nag reads the pipeline's resources only once it is built, and
	// the artifact stores exist only then.
	ps.Pipeline.BuildPipeline()
	// The CDK makes the pipeline depend on its role at the construct level,
	// which no API undoes; the pipeline's GetAtt of the role already orders
	// them, and cfn-lint would warn (W3005) on this resource only.
	ps.Pipeline.Pipeline().Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String("cfn-lint"),
		map[string]any{"config": map[string]any{"ignore_checks": []string{"W3005"}}})

	// The artifact stores: the pipeline's bucket, and the replication
	// bucket of each other region a stage deploys to, in the cross-region
	// support stack the CDK adds for that region. CDK Pipelines has no
	// props for what follows, so it is set on the resources it built.
	ps.AccessLogs[pc.Home.Region] = hardenArtifactStore(stack, ps.Pipeline.Pipeline().ArtifactBucket())
	support := ps.Pipeline.Pipeline().CrossRegionSupport()
	regions := make([]string, 0, len(*support))
	for region := range *support {
		regions = append(regions, region)
	}
	slices.Sort(regions)
	for _, region := range regions {
		s := (*support)[region]
		ps.AccessLogs[region] = hardenArtifactStore(s.Stack, s.ReplicationBucket)
	}
	return ps
}

// buildLogs creates the log group of the pipeline's CodeBuild projects,
// kept a year (CT.CLOUDWATCH.PR.2) and encrypted with a key of its own
// (CT.CLOUDWATCH.PR.3), whose policy lets CloudWatch Logs use it for the
// log groups under /codebuild/<pipeline>/ only. The group is named
// /codebuild/<pipeline>/<the UUID of the stack's ID>: the key's policy can
// name it before it exists, and the group, kept when the stack is deleted,
// does not stop the stack from being deployed again.
func buildLogs(stack awscdk.Stack, pipeline string) awslogs.ILogGroup {
	prefix := "/codebuild/" + pipeline + "/"
	key := keys.New(stack, jsii.String("BuildLogKey"), &keys.Props{
		Description:  jsii.String("Encrypts the CodeBuild logs of the SageMaker notebook catalog's pipeline"),
		LogGroupArns: arns.LogGroup(stack, prefix+"*"),
	})
	// arn:aws:cloudformation:region:account:stack/name/uuid
	uuid := awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), awscdk.Aws_STACK_ID(), nil))
	return awslogs.NewLogGroup(stack, jsii.String("BuildLogs"), &awslogs.LogGroupProps{
		LogGroupName:  awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String(prefix), uuid}),
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		EncryptionKey: key.Key,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
}

// hardenArtifactStore makes an artifact bucket CDK Pipelines created (in
// stack) meet the Control Tower controls it fails, and returns the new
// bucket that receives its server access logs:
//
//   - CT.KMS.PR.3: its key's policy denies kms:CreateGrant unless the grant
//     is for an AWS resource (keys.DenyGrantsExceptForAWSResources);
//     CodePipeline, CodeBuild and CloudFormation use the key without grants;
//   - CT.S3.PR.11 and CT.S3.PR.6: versioning, with a lifecycle rule that
//     expires artifacts after ArtifactExpirationDays and replaced or deleted
//     versions after ArtifactVersionDays;
//   - CT.S3.PR.4: object events to EventBridge's default bus (set on the L1:
//     the L2's eventBridgeEnabled adds a Lambda-backed custom resource);
//   - CT.S3.PR.2: server access logs, under artifacts/, to a new bucket in
//     the same stack (S3 delivers them only within a region and account).
//
// It panics if the bucket has no key whose policy it can change.
func hardenArtifactStore(stack awscdk.Stack, bucket awss3.IBucket) awss3.IBucket {
	key := bucket.EncryptionKey()
	if key == nil || !*key.AddToResourcePolicy(keys.DenyGrantsExceptForAWSResources(), jsii.Bool(true)).StatementAdded {
		panic(fmt.Errorf("%s: the artifact bucket's KMS key: want a key this app creates, whose policy can deny kms:CreateGrant (CT.KMS.PR.3)", *bucket.Node().Path()))
	}
	accessLogs := newAccessLogs(stack, bucket)
	cfn := bucket.Node().DefaultChild().(awss3.CfnBucket)
	cfn.SetVersioningConfiguration(&awss3.CfnBucket_VersioningConfigurationProperty{Status: jsii.String("Enabled")})
	cfn.SetLifecycleConfiguration(&awss3.CfnBucket_LifecycleConfigurationProperty{Rules: &[]any{
		&awss3.CfnBucket_RuleProperty{
			Id:                             jsii.String("ExpireArtifacts"),
			Status:                         jsii.String("Enabled"),
			ExpirationInDays:               jsii.Number(ArtifactExpirationDays),
			NoncurrentVersionExpiration:    &awss3.CfnBucket_NoncurrentVersionExpirationProperty{NoncurrentDays: jsii.Number(ArtifactVersionDays)},
			AbortIncompleteMultipartUpload: &awss3.CfnBucket_AbortIncompleteMultipartUploadProperty{DaysAfterInitiation: jsii.Number(ArtifactVersionDays)},
		},
	}})
	buckets.SendEvents(bucket)
	cfn.SetLoggingConfiguration(&awss3.CfnBucket_LoggingConfigurationProperty{
		DestinationBucketName: accessLogs.BucketName(),
		LogFilePrefix:         jsii.String(artifactLogPrefix),
	})
	return accessLogs
}

// artifactLogPrefix starts the keys of an artifact bucket's access logs.
const artifactLogPrefix = "artifacts/"

// newAccessLogs creates the bucket (ArtifactsAccessLogs in stack) that
// receives source's server access logs, set up as the catalog's own
// (workspaces.Workspaces.AccessLogs): buckets.NewAccessLogs.
func newAccessLogs(stack awscdk.Stack, source awss3.IBucket) awss3.IBucket {
	logs := buckets.NewAccessLogs(stack, "ArtifactsAccessLogs", nil)
	// The statement AWS documents for log delivery to a bucket with
	// bucket-owner-enforced ownership, as the CDK writes it for
	// serverAccessLogsBucket ("Enabling Amazon S3 server access logging",
	// https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html):
	// s3:PutObject for the service principal logging.s3.amazonaws.com, on the
	// prefix only, for requests about source in this account.
	logs.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("S3ServerAccessLogsOfTheArtifactBucket"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logging.s3.amazonaws.com"), nil)},
		Actions:    jsii.Strings("s3:PutObject"),
		Resources:  jsii.Strings(*logs.ArnForObjects(jsii.String(artifactLogPrefix + "*"))),
		Conditions: &map[string]any{
			"ArnLike":      map[string]any{"aws:SourceArn": source.BucketArn()},
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
		},
	}))
	return logs
}

// SynthCommands are what the pipeline's synth step runs: the tests, then
// the synthesis with the same context the pipeline was made with.
func SynthCommands(cfg config.Config) []string {
	synth := "npx cdk synth"
	for _, k := range config.Keys {
		if v, ok := cfg.Context[k.Name]; ok {
			synth += " -c " + shellQuote(k.Name+"="+v)
		}
	}
	return []string{"go vet ./...", "go test ./...", synth}
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

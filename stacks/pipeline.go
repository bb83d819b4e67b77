package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/keys"
	"github.com/datalake-platform/sagemaker-catalog/internal/arns"
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
// Every CodeBuild project logs to BuildLogs, as AWS Control Tower's
// CT.CODEBUILD.PR.3 asks (checks/controltower).
type PipelineStack struct {
	Stack    awscdk.Stack
	Pipeline pipelines.CodePipeline
	Synth    pipelines.CodeBuildStep
	Stages   []*CatalogStage
	// BuildLogs receives the logs of every CodeBuild project of the
	// pipeline (synthesis, self-mutation, asset publishing).
	BuildLogs awslogs.ILogGroup
	config    config.PipelineConfig
}

// PipelineStackId is the pipeline stack's construct ID (and name) in the app.
func PipelineStackId(cfg config.Config) string { return cfg.StackName + "-pipeline" }

// SynthNodeVersion is the Node.js major version the synth step asks
// CodeBuild for: an LTS release that the image (aws/codebuild/standard:7.0),
// the CDK CLI and jsii all support, so that jsii prints no end-of-life
// warning and needs no JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION.
const SynthNodeVersion = "22"

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
	ps := &PipelineStack{Stack: stack, config: *pc}
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
	// cdk-nag reads the pipeline's resources only once it is built.
	ps.Pipeline.BuildPipeline()
	// The CDK makes the pipeline depend on its role at the construct level,
	// which no API undoes; the pipeline's GetAtt of the role already orders
	// them, and cfn-lint would warn (W3005) on this resource only.
	ps.Pipeline.Pipeline().Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String("cfn-lint"),
		map[string]any{"config": map[string]any{"ignore_checks": []string{"W3005"}}})
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

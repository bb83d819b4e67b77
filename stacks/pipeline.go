package stacks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/internal/check"
)

// Environment is an account and region a pipeline deploys to.
type Environment struct {
	Name    string
	Account string
	Region  string
}

// PipelineConfig configures the CDK pipeline.
type PipelineConfig struct {
	ConnectionArn string
	Repository    string
	Branch        string
	// Home is where the pipeline itself runs.
	Home Environment
	// Stages are deployed in order, each with the same catalog composition.
	Stages []Environment
}

var (
	connectionPattern = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):(codestar-connections|codeconnections):[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:connection/[0-9a-f-]{36}$`)
	repositoryPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	branchPattern     = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,200}$`)
	envPattern        = regexp.MustCompile(`^([0-9]{12})/([a-z]{2}(-[a-z]+)+-[0-9])$`)
	stageNamePattern  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,63}$`)
)

// parsePipeline reads the pipeline keys: none set means no pipeline; any
// set needs the connection, the repository, the pipeline's environment and
// at least one stage.
func parsePipeline(p *check.Problems, get func(string) string, list func(string) []string) *PipelineConfig {
	keys := []string{"pipelineConnectionArn", "pipelineRepository", "pipelineEnvironment", "deployEnvironments"}
	set := 0
	for _, k := range keys {
		if get(k) != "" {
			set++
		}
	}
	if set == 0 {
		return nil
	}
	for _, k := range keys {
		if get(k) == "" {
			p.Add(k, "", "required with the other pipeline keys ("+strings.Join(keys, ", ")+")")
		}
	}
	c := &PipelineConfig{ConnectionArn: get("pipelineConnectionArn"), Repository: get("pipelineRepository"), Branch: get("pipelineBranch")}
	if c.ConnectionArn != "" && !connectionPattern.MatchString(c.ConnectionArn) {
		p.Add("pipelineConnectionArn", c.ConnectionArn, "a connection ARN such as arn:aws:codeconnections:eu-west-1:123456789012:connection/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
	}
	if c.Repository != "" && !repositoryPattern.MatchString(c.Repository) {
		p.Add("pipelineRepository", c.Repository, "owner/name, such as data-platform/sagemaker-catalog")
	}
	if !branchPattern.MatchString(c.Branch) || strings.Contains(c.Branch, "..") {
		p.Add("pipelineBranch", c.Branch, "a branch name such as main")
	}
	if home := get("pipelineEnvironment"); home != "" {
		if m := envPattern.FindStringSubmatch(home); m == nil {
			p.Add("pipelineEnvironment", home, "ACCOUNT/REGION such as 123456789012/eu-west-1")
		} else {
			c.Home = Environment{Name: "pipeline", Account: m[1], Region: m[2]}
		}
	}
	for _, item := range list("deployEnvironments") {
		name, env, ok := strings.Cut(item, "=")
		m := envPattern.FindStringSubmatch(env)
		if !ok || m == nil || !stageNamePattern.MatchString(name) {
			p.Add("deployEnvironments", item, "NAME=ACCOUNT/REGION such as prod=123456789012/eu-west-1 (NAME: a letter, then letters, digits, hyphens)")
			continue
		}
		for _, s := range c.Stages {
			if s.Name == name {
				p.Add("deployEnvironments", item, "each stage name once")
			}
		}
		c.Stages = append(c.Stages, Environment{Name: name, Account: m[1], Region: m[2]})
	}
	return c
}

// CatalogStage is one deployment of the catalog: the Stage a pipeline
// deploys, holding the same CatalogStack that `cdk deploy` deploys.
type CatalogStage struct {
	Stage   awscdk.Stage
	Catalog *CatalogStack
}

// NewCatalogStage builds the catalog in a new Stage of scope.
//
// A stage deploys to an explicit account and region, where the CDK would
// look up the availability zones with AWS credentials, which a pipeline's
// synthesis has not. Unless the context already holds them (the CDK's key
// availability-zones:account=ACCOUNT:region=REGION, for example in
// cdk.json), the stage uses the region's zones a and b.
func NewCatalogStage(scope constructs.Construct, id *string, props *awscdk.StageProps, cfg Config) *CatalogStage {
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
		Catalog: NewCatalogStack(stage, jsii.String(cfg.StackName), &CatalogStackProps{Config: &cfg}),
	}
}

// PipelineStack deploys the catalog to every configured environment, in
// order, after testing and synthesizing it.
type PipelineStack struct {
	Stack    awscdk.Stack
	Pipeline pipelines.CodePipeline
	Synth    pipelines.CodeBuildStep
	Stages   []*CatalogStage
	config   PipelineConfig
}

// PipelineStackId is the pipeline stack's construct ID (and name) in the app.
func PipelineStackId(cfg Config) string { return cfg.StackName + "-pipeline" }

// NewPipelineStack builds the pipeline stack. cfg.Pipeline must be set.
func NewPipelineStack(scope constructs.Construct, id *string, cfg Config) *PipelineStack {
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
			"phases": map[string]any{"install": map[string]any{"runtime-versions": map[string]any{"nodejs": "20", "golang": "1.22"}}},
		}),
		Env: &map[string]*string{
			// go.mod asks for a newer Go: the go command fetches that toolchain.
			"GOTOOLCHAIN": jsii.String("auto"),
			"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": jsii.String("20"),
		},
		InstallCommands: jsii.Strings("go version", "npm ci"),
		Commands:        jsii.Strings(SynthCommands(cfg)...),
	})
	ps.Pipeline = pipelines.NewCodePipeline(stack, jsii.String("Pipeline"), &pipelines.CodePipelineProps{
		PipelineName:      jsii.String(cfg.StackName + "-pipeline"),
		Synth:             ps.Synth,
		SelfMutation:      jsii.Bool(true),
		CrossAccountKeys:  jsii.Bool(true),
		EnableKeyRotation: jsii.Bool(true),
	})
	for _, env := range pc.Stages {
		stage := NewCatalogStage(stack, jsii.String(env.Name), &awscdk.StageProps{
			Env: &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(env.Region)},
		}, cfg)
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
	applySuppressions(stack, ps.Suppressions())
	// Deploying to another region adds a support stack there (at the
	// root) with a replication bucket for the artifacts.
	for _, c := range *stack.Node().Root().Node().Children() {
		if support, ok := c.(awscdk.Stack); ok && strings.HasPrefix(*c.Node().Id(), "cross-region-stack-") {
			applySuppressions(support, artifactBucketSuppressions("Default/CrossRegionCodePipelineReplicationBucket"))
		}
	}
	return ps
}

// SynthCommands are what the pipeline's synth step runs: the tests, then
// the synthesis with the same context the pipeline was made with.
func SynthCommands(cfg Config) []string {
	synth := "npx cdk synth"
	for _, k := range ContextKeys {
		if v, ok := cfg.Context[k.Name]; ok {
			synth += " -c " + shellQuote(k.Name+"="+v)
		}
	}
	return []string{"go vet ./...", "go test ./...", synth}
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

package stacks_test

import (
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/internal/config"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
	"github.com/datalake-platform/sagemaker-catalog/stacks"
)

var pipelineValues = map[string]string{
	"pipelineConnectionArn": "arn:aws:codeconnections:eu-west-1:123456789012:connection/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
	"pipelineRepository":    "data-platform/sagemaker-catalog",
	"pipelineEnvironment":   "123456789012/eu-west-1",
	"deployEnvironments":    "dev=111111111111/eu-west-1,prod=222222222222/eu-central-1",
	"principalPatterns":     "arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataAnalyst_*",
}

func TestPipelineConfig(t *testing.T) {
	cfg, err := config.Parse(pipelineValues)
	require.NoError(t, err)
	require.NotNil(t, cfg.Pipeline)
	assert.Equal(t, "main", cfg.Pipeline.Branch)
	assert.Equal(t, config.Environment{Name: "pipeline", Account: "123456789012", Region: "eu-west-1"}, cfg.Pipeline.Home)
	assert.Equal(t, []config.Environment{
		{Name: "dev", Account: "111111111111", Region: "eu-west-1"},
		{Name: "prod", Account: "222222222222", Region: "eu-central-1"},
	}, cfg.Pipeline.Stages)

	none, err := config.Parse(nil)
	require.NoError(t, err)
	assert.Nil(t, none.Pipeline, "without pipeline context, no pipeline")
}

// pipelineApp is the pipeline stack of pipelineValues, synthesized once per
// test binary, with the templates of its stack and of its cross-region
// support stacks (by region).
type pipelineApp struct {
	ps      *stacks.PipelineStack
	cfg     config.Config
	tmpl    assertions.Template
	support map[string]awscdk.Stack
	// templates holds every stack's template by region: the pipeline's
	// region, then each support stack's.
	templates map[string]testutil.Template
}

var pipelineOnce struct {
	sync.Once
	app *pipelineApp
	err error
}

func synthPipeline() (*pipelineApp, error) {
	dir, err := os.MkdirTemp(shared, "versions-")
	if err != nil {
		return nil, err
	}
	cfg, err := parse(pipelineValues, dir)
	if err != nil {
		return nil, err
	}
	app := testutil.NewApp(nil)
	ps := stacks.NewPipelineStack(app, jsii.String(stacks.PipelineStackId(cfg)), cfg, nil)
	out := &pipelineApp{ps: ps, cfg: cfg, support: map[string]awscdk.Stack{}, templates: map[string]testutil.Template{}}
	out.tmpl = assertions.Template_FromStack(ps.Stack, nil)
	out.templates[cfg.Pipeline.Home.Region] = testutil.Template(*out.tmpl.ToJSON())
	for region, s := range *ps.Pipeline.Pipeline().CrossRegionSupport() {
		out.support[region] = s.Stack
		out.templates[region] = testutil.Template(*assertions.Template_FromStack(s.Stack, nil).ToJSON())
	}
	return out, nil
}

func pipeline(t *testing.T) *pipelineApp {
	t.Helper()
	pipelineOnce.Do(func() { pipelineOnce.app, pipelineOnce.err = synthPipeline() })
	require.NoError(t, pipelineOnce.err)
	return pipelineOnce.app
}

func TestPipelineStack(t *testing.T) {
	p := pipeline(t)
	cfg, ps, tmpl := p.cfg, p.ps, p.tmpl

	// Source, synth (tests, then synthesis), self-mutation, assets, then one stage per environment.
	pipelines := tmpl.FindResources(jsii.String("AWS::CodePipeline::Pipeline"), nil)
	require.Len(t, *pipelines, 1)
	var stages []string
	for _, p := range *pipelines {
		for _, s := range (*p)["Properties"].(map[string]any)["Stages"].([]any) {
			stages = append(stages, s.(map[string]any)["Name"].(string))
		}
	}
	assert.Equal(t, []string{"Source", "Build", "UpdatePipeline", "Assets", "dev", "prod"}, stages)

	all := testutil.JSON(tmpl.ToJSON())
	assert.Contains(t, all, `"ConnectionArn":"arn:aws:codeconnections:eu-west-1:123456789012:connection/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"`)
	assert.Contains(t, all, `"FullRepositoryId":"data-platform/sagemaker-catalog"`)
	assert.Contains(t, all, `"BranchName":"main"`)
	// The synth step installs Go, tests, and synthesizes with the pipeline's own context.
	commands := strings.Join(stacks.SynthCommands(cfg), "\n")
	assert.Contains(t, commands, "go test ./...")
	assert.Contains(t, commands, "npx cdk synth -c 'principalPatterns=arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataAnalyst_*'")
	assert.Contains(t, commands, "-c 'deployEnvironments=dev=111111111111/eu-west-1,prod=222222222222/eu-central-1'")
	buildspecs := testutil.JSON(tmpl.FindResources(jsii.String("AWS::CodeBuild::Project"), nil))
	assert.Contains(t, buildspecs, `go test ./...`)
	assert.Contains(t, buildspecs, `GOTOOLCHAIN`)
	assert.Contains(t, buildspecs, `golang`)
	// Node.js 22: an LTS release jsii supports, so no end-of-life warning to silence.
	assert.Contains(t, buildspecs, `\"nodejs\": \"22\"`)
	assert.NotContains(t, buildspecs, `JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION`)
	// Cross-account keys, rotating.
	tmpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
	// Each stage deploys with its account's CDK bootstrap deploy role.
	for _, account := range []string{"111111111111", "222222222222"} {
		assert.Contains(t, all, ":iam::"+account+":role/cdk-hnb659fds-deploy-role-"+account)
	}

	// The stages hold the same composition as `cdk deploy`, in their environments.
	require.Len(t, ps.Stages, 2)
	assert.Equal(t, "111111111111", *ps.Stages[0].Catalog.Account())
	assert.Equal(t, "eu-central-1", *ps.Stages[1].Catalog.Region())
	assert.Equal(t, "SageMakerCatalog", *ps.Stages[1].Catalog.StackName())
	assert.NotNil(t, ps.Stages[0].Catalog.Node().TryFindChild(jsii.String("Portfolio")), "a hub")
}

// The pipeline meets the AWS Control Tower proactive controls that CDK
// Pipelines alone fails (checks/controltower runs the controls themselves).
func TestPipelineMeetsControlTowerControls(t *testing.T) {
	p := pipeline(t)
	home := p.cfg.Pipeline.Home.Region
	regions := make([]string, 0, len(p.templates))
	for r := range p.templates {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	assert.Equal(t, []string{"eu-central-1", "eu-west-1"}, regions, "the prod stage's region has a support stack")

	// CT.CODEBUILD.PR.3: every project logs to the build log group, which
	// is kept a year and encrypted (CT.CLOUDWATCH.PR.2, PR.3).
	group := p.ps.Stack.Resolve(p.ps.BuildLogs.LogGroupName())
	projects := p.templates[home].Resources("AWS::CodeBuild::Project")
	assert.Len(t, projects, 5, "synth, self-mutation and three file assets")
	for id, project := range projects {
		logs := project["Properties"].(map[string]any)["LogsConfig"]
		assert.Equal(t, map[string]any{"CloudWatchLogs": map[string]any{"Status": "ENABLED", "GroupName": group}}, logs, id)
	}
	logGroup := p.templates[home].Only(t, "AWS::Logs::LogGroup")
	assert.EqualValues(t, 365, logGroup["RetentionInDays"])
	assert.NotNil(t, logGroup["KmsKeyId"])
	// Named after the stack's UUID, under the prefix the key admits.
	assert.Equal(t, `{"Fn::Join":["",["/codebuild/SageMakerCatalog-pipeline/",{"Fn::Select":[2,{"Fn::Split":["/",{"Ref":"AWS::StackId"}]}]}]]}`,
		testutil.JSON(logGroup["LogGroupName"]))
	assert.Contains(t, testutil.JSON(p.templates[home].Resources("AWS::KMS::Key")),
		`"ArnLike":{"kms:EncryptionContext:aws:logs:arn":"arn:aws:logs:eu-west-1:123456789012:log-group:/codebuild/SageMakerCatalog-pipeline/*"}`)

	for _, region := range regions {
		tmpl := p.templates[region]
		stack, bucket := p.ps.Stack, p.ps.Pipeline.Pipeline().ArtifactBucket()
		if region != home {
			stack, bucket = p.support[region], (*p.ps.Pipeline.Pipeline().CrossRegionSupport())[region].ReplicationBucket
		}
		logicalID := func(b awss3.IBucket) string {
			return *stack.GetLogicalId(b.Node().DefaultChild().(awscdk.CfnElement))
		}
		// CT.KMS.PR.3: each key denies grants that are not for an AWS resource.
		for id, key := range tmpl.Resources("AWS::KMS::Key") {
			assert.Contains(t, testutil.JSON(key), `{"Action":"kms:CreateGrant","Condition":{"BoolIfExists":{"aws:PrincipalIsAWSService":"false",`+
				`"kms:GrantIsForAWSResource":"false"}},"Effect":"Deny","Principal":{"AWS":"*"},"Resource":"*","Sid":"DenyCreateGrantUnlessForAWSResource"}`,
				"%s %s", region, id)
		}
		// CT.S3.PR.11, PR.6, PR.4, PR.2 on the artifact bucket.
		artifacts := tmpl["Resources"].(map[string]any)[logicalID(bucket)].(map[string]any)["Properties"].(map[string]any)
		assert.Equal(t, map[string]any{"Status": "Enabled"}, artifacts["VersioningConfiguration"], region)
		assert.Equal(t, `{"Rules":[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7},"ExpirationInDays":30,`+
			`"Id":"ExpireArtifacts","NoncurrentVersionExpiration":{"NoncurrentDays":7},"Status":"Enabled"}]}`,
			testutil.JSON(artifacts["LifecycleConfiguration"]), region)
		assert.Equal(t, map[string]any{"EventBridgeConfiguration": map[string]any{"EventBridgeEnabled": true}}, artifacts["NotificationConfiguration"], region)
		accessLogs := p.ps.AccessLogs[region]
		require.NotNil(t, accessLogs, region)
		assert.Equal(t, map[string]any{"DestinationBucketName": map[string]any{"Ref": logicalID(accessLogs)}, "LogFilePrefix": "artifacts/"},
			artifacts["LoggingConfiguration"], region)

		// The access-log bucket: SSE-S3 (the only encryption log delivery
		// supports), versioned, and S3's log delivery may write only the
		// artifact bucket's logs, under its prefix.
		logs := tmpl["Resources"].(map[string]any)[logicalID(accessLogs)].(map[string]any)["Properties"].(map[string]any)
		assert.Contains(t, testutil.JSON(logs["BucketEncryption"]), `"SSEAlgorithm":"AES256"`, region)
		assert.Equal(t, map[string]any{"Status": "Enabled"}, logs["VersioningConfiguration"], region)
		assert.Equal(t, map[string]any{"EventBridgeConfiguration": map[string]any{"EventBridgeEnabled": true}}, logs["NotificationConfiguration"], region)
		policies := testutil.JSON(tmpl.Resources("AWS::S3::BucketPolicy"))
		// Support stacks are in the pipeline's account.
		account := p.cfg.Pipeline.Home.Account
		assert.Contains(t, policies, `{"Action":"s3:PutObject","Condition":{"ArnLike":{"aws:SourceArn":`+testutil.JSON(stack.Resolve(bucket.BucketArn()))+
			`},"StringEquals":{"aws:SourceAccount":"`+account+`"}},"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},`+
			`"Resource":{"Fn::Join":["",[{"Fn::GetAtt":["`+logicalID(accessLogs)+`","Arn"]},"/artifacts/*"]]},"Sid":"S3ServerAccessLogsOfTheArtifactBucket"}`, region)
	}
}

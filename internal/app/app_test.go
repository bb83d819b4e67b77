package app_test

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/internal/app"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

// shared holds assemblies that outlive one test (t.TempDir would not).
var shared string

func TestMain(m *testing.M) {
	var err error
	if shared, err = os.MkdirTemp("", "catalog-test-"); err != nil {
		panic(err)
	}
	app.Notices = io.Discard // TestFirstVersionIsUnreleased reads them
	testutil.Run(m, func() { os.RemoveAll(shared) })
}

// synthApp builds and synthesizes the app as main does, with context values
// on cdk.json's feature flags (the app must work on its embedded defaults).
// It takes no testing.T: a synthesis may be shared by several tests.
func synthApp(context map[string]any) (string, error) {
	outdir, err := os.MkdirTemp(shared, "cdk.out-")
	if err != nil {
		return "", err
	}
	ctx := testutil.CLIContext()
	ctx["productVersionsDir"] = filepath.Join(outdir, "product-versions")
	ctx["aws:cdk:bundling-stacks"] = []any{}
	for k, v := range context {
		ctx[k] = v
	}
	return app.Synth(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(outdir), AnalyticsReporting: jsii.Bool(false),
		BuiltinCloudFormationValidation: jsii.Bool(false)})
}

var (
	defaultOnce sync.Once
	defaultDir  string
	defaultErr  error
)

// assembly is the app synthesized on embedded defaults, once per test binary.
func assembly(t *testing.T) string {
	defaultOnce.Do(func() { defaultDir, defaultErr = synthApp(nil) })
	require.NoError(t, defaultErr)
	return defaultDir
}

func templates(t *testing.T, dir string) map[string][]byte {
	files, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, f := range files {
		body, err := os.ReadFile(f)
		require.NoError(t, err)
		out[filepath.Base(f)] = body
	}
	return out
}

func TestSynthesizesOnEmbeddedDefaults(t *testing.T) {
	tmpls := templates(t, assembly(t))
	require.Contains(t, tmpls, "SageMakerCatalog.template.json")
	var products []string
	for name := range tmpls {
		if strings.HasSuffix(name, ".product.template.json") {
			products = append(products, name)
		}
	}
	require.Len(t, products, 1, "the notebook product template is part of the assembly")
	assert.Contains(t, string(tmpls[products[0]]), "AWS::SageMaker::NotebookInstance")
	assert.Contains(t, string(tmpls["SageMakerCatalog.template.json"]), "AWS::ServiceCatalog::LaunchRoleConstraint")
}

// No Allow statement grants a service wildcard like the seed's policy
// (Deny statements may: the buckets and queues deny s3:* and sqs:* without
// TLS). VPC endpoint policies grant nothing: they only limit what may pass
// the endpoint (this account's principals, and its resources or the
// catalog's buckets), whatever the action, as AWS's data perimeter
// examples do (constructs/network); they are checked there.
func TestNoSeedWildcards(t *testing.T) {
	for name, body := range templates(t, assembly(t)) {
		var tmpl struct {
			Resources map[string]struct {
				Type       string
				Properties any
			}
		}
		require.NoError(t, json.Unmarshal(body, &tmpl))
		var doc []any
		for _, r := range tmpl.Resources {
			if r.Type != "AWS::EC2::VPCEndpoint" {
				doc = append(doc, r.Properties)
			}
		}
		allows := 0
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if v["Effect"] == "Allow" {
					allows++
					actions := testutil.JSON(v["Action"])
					for _, seed := range []string{`"sagemaker:*"`, `"s3:*"`, `"ec2:*"`, `"kms:*"`, `"iam:*"`, `"iam:Get*"`, `"*:*"`, `"*"`} {
						assert.False(t, strings.Contains(actions, seed), "%s grants %s", name, seed)
					}
				}
				for _, x := range v {
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		walk(doc)
		if !strings.HasSuffix(name, ".product.template.json") {
			assert.NotZero(t, allows, "%s: the walk found the policies", name)
		}
	}
}

func TestSynthesisIsDeterministic(t *testing.T) {
	again, err := synthApp(map[string]any{})
	require.NoError(t, err)
	first, second := templates(t, assembly(t)), templates(t, again)
	require.NotEmpty(t, first)
	require.Equal(t, len(first), len(second))
	for name, body := range first {
		assert.True(t, string(body) == string(second[name]), "%s differs between two syntheses", name)
	}
}

func TestContextOverridesAndLists(t *testing.T) {
	dir, err := synthApp(map[string]any{
		"stackName":            "TeamCatalog",
		"allowedInstanceTypes": []any{"ml.t3.medium", "ml.m5.xlarge"}, // cdk.json may hold a JSON list
		"maxVolumeSizeGB":      float64(250),                          // or a number
	})
	require.NoError(t, err)
	tmpls := templates(t, dir)
	require.Contains(t, tmpls, "TeamCatalog.template.json")
	for name, body := range tmpls {
		if strings.HasSuffix(name, ".product.template.json") {
			assert.Contains(t, string(body), `"MaxValue": 250`)
			assert.Contains(t, string(body), `"ml.m5.xlarge"`)
		}
	}
}

// The pipeline's stages each get their own functions asset (an asset
// belongs to one stack), built as the CLI builds it.
func TestPipelineSynthesizes(t *testing.T) {
	dir, err := synthApp(map[string]any{
		"pipelineConnectionArn": "arn:aws:codeconnections:eu-west-1:123456789012:connection/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
		"pipelineRepository":    "data-platform/sagemaker-catalog",
		"pipelineEnvironment":   "123456789012/eu-west-1",
		"deployEnvironments":    "dev=111111111111/eu-west-1,prod=222222222222/eu-central-1",
	})
	require.NoError(t, err)
	stages, err := filepath.Glob(filepath.Join(dir, "assembly-*", "*.template.json"))
	require.NoError(t, err)
	assert.Len(t, stages, 4, "a catalog and a product template per stage")
}

func TestBadContextIsOneLinePerKey(t *testing.T) {
	_, err := synthApp(map[string]any{"maxVolumeSizeGB": "huge", "subnetIds": "vpc-1", "securityGroupIds": "sg-0123456789abcdef0"})
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	assert.Equal(t, []string{
		`context: maxVolumeSizeGB: invalid value "huge": a whole number from 5 to 16384`,
		`context: subnetIds: invalid value "vpc-1": a subnet ID such as subnet-0123456789abcdef0`,
	}, lines)

	_, err = synthApp(map[string]any{"principalArns": map[string]any{"a": "b"}})
	assert.EqualError(t, err, "context: principalArns: a string, number or list of strings, not map[string]interface {}")

	_, err = synthApp(map[string]any{"allowedInstanceType": "ml.t3.medium"})
	assert.EqualError(t, err, "context: allowedInstanceType: unknown key (did you mean allowedInstanceTypes?)")
}

func TestPanicErrorDropsStackTraces(t *testing.T) {
	err := app.PanicError(errors.New("Error: something failed\n    at Foo (/x.js:1:2)\n    at Bar (/y.js:3:4)"))
	assert.EqualError(t, err, "Error: something failed")
	assert.EqualError(t, app.PanicError("plain"), "plain")
}

// The CDK app does not build the AWS SDK (the functions do, for their own
// binary): it would add half a minute to a cold build of the app.
func TestAppDoesNotBuildTheAWSSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../..").Output()
	require.NoError(t, err)
	for _, pkg := range strings.Fields(string(out)) {
		assert.False(t, strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2"), "the app imports %s", pkg)
	}
	assert.Contains(t, string(out), "github.com/datalake-platform/sagemaker-catalog/stacks")
}

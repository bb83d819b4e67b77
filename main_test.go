package main

import (
	"encoding/json"
	"errors"
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

	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
	"github.com/datalake-platform/sagemaker-catalog/stacks"
)

// shared holds assemblies that outlive one test (t.TempDir would not).
var shared string

func TestMain(m *testing.M) {
	var err error
	if shared, err = os.MkdirTemp("", "catalog-test-"); err != nil {
		panic(err)
	}
	testutil.Run(m, func() { os.RemoveAll(shared) })
}

// synthApp builds and synthesizes the app as main does, with context values.
func synthApp(t *testing.T, context map[string]any) (string, error) {
	t.Helper()
	outdir, err := os.MkdirTemp(shared, "cdk.out-")
	require.NoError(t, err)
	// cdk.json's feature flags, but not its configuration: the app must
	// work on its embedded defaults.
	ctx := testutil.CLIContext()
	for _, k := range stacks.ContextKeys {
		delete(ctx, k.Name)
	}
	ctx["productVersionsDir"] = filepath.Join(outdir, "product-versions")
	for k, v := range context {
		ctx[k] = v
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(outdir), AnalyticsReporting: jsii.Bool(false),
		BuiltinCloudFormationValidation: jsii.Bool(false)})
	var dir string
	err = guard(func() error {
		if _, err := build(app); err != nil {
			return err
		}
		dir = *app.Synth(nil).Directory()
		return nil
	})
	return dir, err
}

var (
	defaultOnce sync.Once
	defaultDir  string
	defaultErr  error
)

// assembly is the app synthesized on embedded defaults, once per test binary.
func assembly(t *testing.T) string {
	defaultOnce.Do(func() { defaultDir, defaultErr = synthApp(t, map[string]any{}) })
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
// (Deny statements may: the buckets and queues deny s3:* and sqs:* without TLS).
func TestNoSeedWildcards(t *testing.T) {
	for name, body := range templates(t, assembly(t)) {
		var doc any
		require.NoError(t, json.Unmarshal(body, &doc))
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
	again, err := synthApp(t, map[string]any{})
	require.NoError(t, err)
	first, second := templates(t, assembly(t)), templates(t, again)
	require.NotEmpty(t, first)
	require.Equal(t, len(first), len(second))
	for name, body := range first {
		assert.True(t, string(body) == string(second[name]), "%s differs between two syntheses", name)
	}
}

func TestContextOverridesAndLists(t *testing.T) {
	dir, err := synthApp(t, map[string]any{
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

func TestBadContextIsOneLinePerKey(t *testing.T) {
	_, err := synthApp(t, map[string]any{"maxVolumeSizeGB": "huge", "subnetIds": "vpc-1", "securityGroupIds": "sg-0123456789abcdef0"})
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	assert.Equal(t, []string{
		`context: maxVolumeSizeGB: invalid value "huge": a whole number from 5 to 16384`,
		`context: subnetIds: invalid value "vpc-1": a subnet ID such as subnet-0123456789abcdef0`,
	}, lines)

	_, err = synthApp(t, map[string]any{"principalArns": map[string]any{"a": "b"}})
	assert.EqualError(t, err, "context: principalArns: a string, number or list of strings, not map[string]interface {}")
}

func TestPanicErrorDropsStackTraces(t *testing.T) {
	err := panicError(errors.New("Error: something failed\n    at Foo (/x.js:1:2)\n    at Bar (/y.js:3:4)"))
	assert.EqualError(t, err, "Error: something failed")
	assert.EqualError(t, panicError("plain"), "plain")
}

// TestCLIRejectsBadContext runs the pinned CDK CLI as a user would: exit
// code 1 and one clean line per bad key, no Go or JavaScript trace.
func TestCLIRejectsBadContext(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the CDK CLI runs")
	}
	if _, err := os.Stat("node_modules/.bin/cdk"); err != nil {
		t.Skip("the CDK CLI is not installed: run npm ci first")
	}
	// Build the app once; the runs share it (cdk.json's "app" would rebuild
	// it in each run, into the same file).
	app := filepath.Join(t.TempDir(), "app")
	build := exec.Command("go", "build", "-o", app, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, tc := range []struct{ context, want string }{
		{"idleTimeoutMinutes=-5", `error: context: idleTimeoutMinutes: invalid value "-5": a whole number from 5 to 1440`},
		{"principalPatterns=arn:aws:iam::123456789012:role/a*", `error: context: principalPatterns: invalid value "arn:aws:iam::123456789012:role/a*": an IAM_PATTERN ARN with an empty account field`},
		{"kmsKeyArn=alias/notebooks", `error: context: kmsKeyArn: invalid value "alias/notebooks": a KMS key ARN`},
	} {
		t.Run(tc.context, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command("node_modules/.bin/cdk", "synth", "--quiet", "--app", app, "--output", t.TempDir(), "-c", tc.context)
			cmd.Env = append(os.Environ(), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "%s", out)
			assert.Equal(t, 1, exit.ExitCode())
			assert.Contains(t, string(out), tc.want)
			assert.NotContains(t, string(out), "goroutine")
			assert.NotContains(t, string(out), "    at ")
		})
	}
}

// The CDK app does not build the AWS SDK (the functions do, for their own
// binary): it would add half a minute to a cold build of the app.
func TestAppDoesNotBuildTheAWSSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	require.NoError(t, err)
	for _, pkg := range strings.Fields(string(out)) {
		assert.False(t, strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2"), "the app imports %s", pkg)
	}
	assert.Contains(t, string(out), "github.com/datalake-platform/sagemaker-catalog/stacks")
}

// Package integration holds the tests that run the app and its parts
// against real engines and data this project did not write: moto's
// CloudFormation (the launch simulation), the official CloudFormation
// resource schemas and handler permissions (../shared), and the CDK CLI.
package integration_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/internal/app"
	"github.com/datalake-platform/sagemaker-catalog/internal/motoserver"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

// root is the module root, relative to this package.
const root = "../.."

// shared holds assemblies that outlive one test (t.TempDir would not).
var shared string

func TestMain(m *testing.M) {
	var err error
	if shared, err = os.MkdirTemp("", "integration-test-"); err != nil {
		panic(err)
	}
	testutil.Run(m, motoserver.Stop, func() { os.RemoveAll(shared) })
}

// synthApp builds and synthesizes the app as `cdk synth` does, with context
// values on cdk.json's feature flags. It takes no testing.T: a synthesis
// may be shared by several tests.
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

type assemblyOnce struct {
	once sync.Once
	dir  string
	err  error
}

var assemblies sync.Map // name -> *assemblyOnce

// assemblyOf synthesizes context once per test binary under name.
func assemblyOf(t *testing.T, name string, context map[string]any) string {
	t.Helper()
	v, _ := assemblies.LoadOrStore(name, &assemblyOnce{})
	a := v.(*assemblyOnce)
	a.once.Do(func() { a.dir, a.err = synthApp(context) })
	require.NoError(t, a.err, name)
	return a.dir
}

// assembly is the app on embedded defaults.
func assembly(t *testing.T) string { return assemblyOf(t, "defaults", nil) }

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

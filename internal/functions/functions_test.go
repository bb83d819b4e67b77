package functions_test

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/internal/functions"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Run(m) }

// The hash covers every package of this module the binary is built from:
// a change there must build a new binary.
func TestSourcesCoverTheBinary(t *testing.T) {
	list := exec.Command("go", "list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.Dir}}{{end}}{{end}}", functions.Package)
	list.Dir = functions.ModuleRoot()
	out, err := list.Output()
	require.NoError(t, err)
	root, err := filepath.Abs(functions.ModuleRoot())
	require.NoError(t, err)
	dirs := strings.Fields(string(out))
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		rel, err := filepath.Rel(root, dir)
		require.NoError(t, err)
		covered := false
		for _, s := range functions.Sources {
			covered = covered || rel == s || strings.HasPrefix(rel, s+string(filepath.Separator))
		}
		assert.True(t, covered, "the functions import %s, which functions.Sources does not hash", rel)
	}
}

func TestHashIsStable(t *testing.T) {
	a, err := functions.Hash()
	require.NoError(t, err)
	b, err := functions.Hash()
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.Len(t, a, 64)
}

// The binary is a static Linux arm64 executable named bootstrap, as the
// provided.al2023 runtime expects.
func TestBuildCrossCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the cross-compilation (about a minute on 2 cores with a cold Go build cache)")
	}
	out := filepath.Join(t.TempDir(), "bootstrap")
	require.NoError(t, functions.Build(functions.ModuleRoot(), out))
	f, err := elf.Open(out)
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, elf.EM_AARCH64, f.Machine)
	assert.Equal(t, elf.ET_EXEC, f.Type, "statically linked (CGO_ENABLED=0)")
	for _, p := range f.Progs {
		assert.NotEqual(t, elf.PT_INTERP, p.Type, "no dynamic loader")
	}
}

// Synthesis bundles the binary into the assembly.
func TestCodeIsBundledUnderTheSourcesHash(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the bundling")
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("Test"), nil)
	awslambda.NewFunction(stack, jsii.String("F"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(), Handler: jsii.String("bootstrap"), Code: functions.Code(),
	})
	dir := *app.Synth(nil).Directory()
	binaries, err := filepath.Glob(filepath.Join(dir, "asset.*", "bootstrap"))
	require.NoError(t, err)
	require.Len(t, binaries, 1)
	info, err := os.Stat(binaries[0])
	require.NoError(t, err)
	assert.NotZero(t, info.Mode()&0o111, "executable")
}

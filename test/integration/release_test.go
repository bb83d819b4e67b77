package integration_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/notebook"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

// TestReleaseProcedure follows docs/releasing.md in a fresh copy of the
// repository, with the pinned CDK CLI and cdk.json's app command, as a
// platform engineer would: set allowedInstanceTypes in cdk.json,
// synthesize, test, release v1, change it (one clean line says what to do),
// do that (v2 next to v1), test, synthesize again. The copy reuses the
// module and build caches and this clone's node_modules; it is made in the
// same directory each run (workDir), where the build cache serves it.
func TestReleaseProcedure(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the release procedure (CDK CLI runs in a copy of the repository)")
	}
	t.Parallel() // in a copy of its own, beside the other tests that run tools
	cdk, err := filepath.Abs(filepath.Join(root, "node_modules", ".bin", "cdk"))
	require.NoError(t, err)
	if _, err := os.Stat(cdk); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the CDK CLI is not installed: npm ci")
		}
		t.Skip("the CDK CLI is not installed: run npm ci first")
	}
	clone := copyRepository(t, workDir(t, "release"))
	out := filepath.Join(clone, "cdk.out")
	versions := filepath.Join(clone, "product-versions")

	// synth runs `npx cdk synth --quiet` in the copy with args; it returns
	// the output and the exit code.
	synth := func(args ...string) (string, int) {
		cmd := exec.Command(cdk, append([]string{"synth", "--quiet"}, args...)...)
		cmd.Dir = clone
		cmd.Env = append(os.Environ(), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20", "CDK_DISABLE_CLI_TELEMETRY=true")
		b, err := cmd.CombinedOutput()
		code := 0
		if e, ok := err.(*exec.ExitError); ok {
			code = e.ExitCode()
		} else {
			require.NoError(t, err)
		}
		return string(b), code
	}
	// goTest runs the configuration's tests in the copy: the one that
	// reads cdk.json among them.
	goTest := func() {
		cmd := exec.Command("go", "test", "-count=1", "./internal/config/")
		cmd.Dir = clone
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, "go test in the copy:\n%s", b)
	}
	setContext := func(values map[string]any) {
		body, err := os.ReadFile(filepath.Join(clone, "cdk.json"))
		require.NoError(t, err)
		var doc map[string]any
		require.NoError(t, json.Unmarshal(body, &doc))
		ctx := doc["context"].(map[string]any)
		for k, v := range values {
			ctx[k] = v
		}
		body, err = json.MarshalIndent(doc, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(clone, "cdk.json"), append(body, '\n'), 0o644))
	}
	snapshots := func() []string {
		files, _ := filepath.Glob(filepath.Join(versions, "*.product.template.json"))
		return files
	}

	// A fresh clone changes a product-shaping value: synthesis and tests work,
	// and v1 is not released.
	setContext(map[string]any{"allowedInstanceTypes": []any{"ml.t3.medium", "ml.t3.large"}})
	output, code := synth()
	require.Equal(t, 0, code, output)
	assert.Contains(t, output, "note: product version v1 of SageMakerCatalog is not released")
	assert.Empty(t, snapshots(), "synthesis released nothing")
	goTest()

	// Release v1.
	output, code = synth("-c", "release=v1")
	require.Equal(t, 0, code, output)
	require.Len(t, snapshots(), 1, output)
	assert.Contains(t, output, "released product version v1 of SageMakerCatalog: commit product-versions/")

	// A change to the released v1 fails, in one line that says what to do.
	setContext(map[string]any{"maxVolumeSizeGB": float64(200)})
	output, code = synth()
	require.Equal(t, 1, code, output)
	var errors []string
	for _, line := range strings.Split(output, "\n") {
		if strings.HasPrefix(line, "error: ") {
			errors = append(errors, line)
		}
	}
	require.Len(t, errors, 1, output)
	assert.Contains(t, errors[0], "error: product version v1 of SageMakerCatalog is released (product-versions/")
	assert.Contains(t, errors[0], "and maxVolumeSizeGB would change its template (Parameters.VolumeSizeInGB.")
	assert.Contains(t, errors[0], "set productVersion to v2 and previousProductVersions to v1 in cdk.json, then run npx cdk synth --quiet -c release=v2")
	for _, noise := range []string{"TemplateChangedForLockedVersion", "goroutine", "    at "} {
		assert.NotContains(t, output, noise)
	}

	// Do what it says: v2 next to v1, released.
	setContext(map[string]any{"productVersion": "v2", "previousProductVersions": "v1"})
	output, code = synth("-c", "release=v2")
	require.Equal(t, 0, code, output)
	assert.Len(t, snapshots(), 2, output)
	goTest()

	// Both versions synthesize, both released.
	output, code = synth()
	require.Equal(t, 0, code, output)
	assert.NotContains(t, output, "not released")
	catalog := testutil.ReadTemplate(t, filepath.Join(out, "SageMakerCatalog.template.json"))
	var names []any
	for _, r := range catalog.Resources("AWS::ServiceCatalog::CloudFormationProduct") {
		for _, a := range r["Properties"].(map[string]any)["ProvisioningArtifactParameters"].([]any) {
			names = append(names, a.(map[string]any)["Name"])
		}
	}
	assert.Equal(t, []any{"v1", "v2"}, names)
	for _, f := range snapshots() {
		body, err := os.ReadFile(f)
		require.NoError(t, err)
		limit := `"MaxValue": 200`
		if strings.Contains(f, ".v1.") {
			limit = fmt.Sprintf(`"MaxValue": %d`, notebook.DefaultMaxVolumeSizeGB)
		}
		assert.True(t, strings.Contains(string(body), limit), "%s: %s", filepath.Base(f), limit)
		assert.True(t, strings.Contains(string(body), `"ml.t3.large"`) && !strings.Contains(string(body), `"ml.m5.xlarge"`),
			"%s has the deployment's instance types", filepath.Base(f))
	}
}

// copyRepository copies the repository's files (tracked, and new ones not
// ignored) into clone, with a link to node_modules. What clone held before
// goes, but its built app (.bin, which go build links again when it is not
// up to date) and workDir's lock.
func copyRepository(t *testing.T, clone string) string {
	t.Helper()
	list := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	list.Dir = root
	files, err := list.Output()
	if err != nil {
		t.Skipf("git ls-files: %v: the test copies a git checkout", err)
	}
	entries, err := os.ReadDir(clone)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Name() != ".bin" && e.Name() != ".lock" {
			require.NoError(t, os.RemoveAll(filepath.Join(clone, e.Name())))
		}
	}
	for _, f := range strings.Split(strings.TrimRight(string(files), "\x00"), "\x00") {
		body, err := os.ReadFile(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		require.NoError(t, err)
		info, err := os.Stat(filepath.Join(root, f))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Join(clone, filepath.Dir(f)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(clone, f), body, info.Mode().Perm()))
	}
	modules, err := filepath.Abs(filepath.Join(root, "node_modules"))
	require.NoError(t, err)
	require.NoError(t, os.Symlink(modules, filepath.Join(clone, "node_modules")))
	pristine(t, clone)
	return clone
}

// pristine makes the copy a fresh clone of the project, whatever the
// repository it was copied from holds: a deployment's repository keeps its
// configuration in cdk.json and its released versions in product-versions/
// (docs/releasing.md), and the procedure starts from neither. It keeps the
// CDK's own keys of cdk.json (feature flags, settings).
func pristine(t *testing.T, clone string) {
	t.Helper()
	released, err := filepath.Glob(filepath.Join(clone, "product-versions", "*.product.template.json"))
	require.NoError(t, err)
	for _, f := range released {
		require.NoError(t, os.Remove(f))
	}
	path := filepath.Join(clone, "cdk.json")
	body, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(body, &doc))
	if ctx, ok := doc["context"].(map[string]any); ok {
		for k := range ctx {
			if !testutil.CDKKey(k) {
				delete(ctx, k)
			}
		}
	}
	body, err = json.MarshalIndent(doc, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, append(body, '\n'), 0o644))
}

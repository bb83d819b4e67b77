// Package outside proves the construct library from outside the
// repository: a test writes a Go module of its own in a temporary
// directory (testdata/teamcatalog, with a replace directive to this
// module), runs it, and checks what it printed.
package outside_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A catalog whose product creates a DynamoDB table, an SQS queue and a
// Glue database, with zero hand-written grants: its launch role covers
// exactly what CloudFormation's handlers need (missing 0, excess 0).
func TestAnotherTeamsModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a separate module (about a minute cold): skipped with -short")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	ourMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	// Our requirements, direct and indirect, as the other team's go.mod
	// would list them after go mod tidy: go then loads the same module
	// graph as for this module, whose go.mod files a build of this module
	// has in the module cache (with only the direct ones, go must read the
	// go.mod files of old dependencies' dependencies, which a fresh module
	// cache does not have, and no network is allowed below).
	requires := regexp.MustCompile(`(?ms)^require \(.*?^\)\n|^require [^(\n]+\n`).FindAll(ourMod, -1)
	require.NotEmpty(t, requires, "require directives in go.mod")

	dir := t.TempDir() // outside the repository
	main, err := os.ReadFile(filepath.Join("testdata", "teamcatalog", "main.go"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), main, 0o644))
	goMod := "module example.com/teamcatalog\n\ngo 1.26.0\n\nrequire github.com/datalake-platform/sagemaker-catalog v0.0.0\n\n" +
		string(bytes.Join(requires, []byte("\n"))) +
		"\nreplace github.com/datalake-platform/sagemaker-catalog => " + root + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(goMod), 0o644))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))

	cmd := exec.Command("go", "run", ".", filepath.Join(dir, "cdk.out"))
	cmd.Dir = dir
	// The module cache only: no network; -mod=mod lets go complete the
	// module's requirements from it.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	t.Logf("the other team's module printed:\n%s", out)

	var last string
	for s := bufio.NewScanner(strings.NewReader(string(out))); s.Scan(); {
		if strings.HasPrefix(s.Text(), "{") {
			last = s.Text()
		}
	}
	var res struct {
		ResourceTypes   []string
		Actions         int
		Statements      int
		Missing, Excess []string
		PolicyChars     int
	}
	require.NoError(t, json.Unmarshal([]byte(last), &res), "the module's JSON line: %q", last)
	assert.Equal(t, []string{"AWS::DynamoDB::Table", "AWS::Glue::Database", "AWS::SQS::Queue"}, res.ResourceTypes)
	assert.Empty(t, res.Missing, "missing")
	assert.Empty(t, res.Excess, "excess")
	assert.Greater(t, res.Actions, 60)
	t.Logf("checked: %d resource types, %d actions in %d statements, missing %d, excess %d; policy document %d characters (IAM allows 10,240 for a role's inline policies, counted after deploy-time values)",
		len(res.ResourceTypes), res.Actions, res.Statements, len(res.Missing), len(res.Excess), res.PolicyChars)
}

package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const skipper = "github.com/datalake-platform/sagemaker-catalog/cmd/gotest/testdata/skipper"

// run runs the command as the README does, on testdata/skipper, with env.
func run(t *testing.T, env ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("go", "run", ".", "-count=1", "./testdata/skipper")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if e, ok := err.(*exec.ExitError); ok {
		code = e.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return string(out), code
}

func TestSummaryOfSkippedTests(t *testing.T) {
	out, code := run(t, "CI=", "GOTEST_FAIL=")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "ok  \t"+skipper)
	assert.NotContains(t, out, "=== RUN", "quiet, as go test without -v")
	assert.NotContains(t, out, "fine")
	assert.True(t, strings.HasSuffix(out, "skipped: 2 tests\n"+
		"  "+skipper+" TestSkips: moto is not installed (pip install 'moto[server]')\n"+
		"  "+skipper+" TestSubtests/skips: -short: skipping 3 syntheses\n"), out)
}

func TestCIFailsOnASkip(t *testing.T) {
	out, code := run(t, "CI=true", "GOTEST_FAIL=")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "FAIL: CI=true and 2 tests skipped")
}

func TestFailuresShowInFull(t *testing.T) {
	out, code := run(t, "CI=", "GOTEST_FAIL=1")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "--- FAIL: TestFails")
	assert.Contains(t, out, "failed on purpose")
	assert.Contains(t, out, "FAIL\t"+skipper)
	assert.Contains(t, out, "skipped: 2 tests")
}

func TestReason(t *testing.T) {
	assert.Equal(t, "a b", reason([]string{"=== RUN   T\n", "    x_test.go:3: a\n", "    b\n", "--- SKIP: T (0.00s)\n"}))
	assert.Equal(t, "(no reason given)", reason([]string{"--- SKIP: T (0.00s)\n"}))
	var b strings.Builder
	s, err := Summarize(strings.NewReader("not json\n"), &b, false)
	require.NoError(t, err)
	assert.Equal(t, "not json\nskipped: none\n", b.String())
	assert.Empty(t, s.Skipped)
}

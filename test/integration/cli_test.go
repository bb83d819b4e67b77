package integration_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCLIRejectsBadContext runs the pinned CDK CLI as a user would: exit
// code 1 and one clean line per bad key, no Go or JavaScript trace.
func TestCLIRejectsBadContext(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the CDK CLI runs")
	}
	t.Parallel() // its own app binary, beside the other tests that run tools
	cdk := filepath.Join(root, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		t.Skip("the CDK CLI is not installed: run npm ci first")
	}
	// Build the app once; the runs share it (cdk.json's "app" would rebuild
	// it in each run, into the same file). Kept between runs (workDir), it is
	// linked again only when it is not up to date.
	app := filepath.Join(workDir(t, "cli"), "app")
	build := exec.Command("go", "build", "-o", app, ".")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, tc := range []struct{ context, want string }{
		{"idleTimeoutMinutes=-5", `error: context: idleTimeoutMinutes: invalid value "-5": a whole number from 5 to 1440`},
		{"principalPatterns=arn:aws:iam::123456789012:role/a*", `error: context: principalPatterns: invalid value "arn:aws:iam::123456789012:role/a*": an IAM_PATTERN ARN with an empty account field`},
		{"kmsKeyArn=alias/notebooks", `error: context: kmsKeyArn: invalid value "alias/notebooks": a KMS key ARN`},
		{"allowedInstanceType=ml.t3.medium", `error: context: allowedInstanceType: unknown key (did you mean allowedInstanceTypes?)`},
	} {
		t.Run(tc.context, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(cdk, "synth", "--quiet", "--app", app, "--output", t.TempDir(), "-c", tc.context)
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

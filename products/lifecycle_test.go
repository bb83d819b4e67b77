package products_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/products"
)

// fakeAws writes an aws command that records its arguments, one call a line.
func fakeAws(t *testing.T, dir string) (cli, calls string) {
	calls = filepath.Join(dir, "aws-calls")
	cli = filepath.Join(dir, "aws")
	require.NoError(t, os.WriteFile(cli, []byte("#!/bin/sh\necho \"$*\" >> "+calls+"\n"), 0o755))
	return cli, calls
}

func python(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
}

// jupyterState is what the fake Jupyter server answers.
type jupyterState struct {
	status    map[string]any
	kernels   []map[string]any
	terminals []map[string]any
}

func stamp(ago time.Duration) string {
	return time.Now().Add(-ago).UTC().Format("2006-01-02T15:04:05.000000Z")
}

func TestAutostopDecisions(t *testing.T) {
	python(t)
	for _, tc := range []struct {
		name              string
		startedAgo        time.Duration
		state             jupyterState
		ignoreConnections bool
		syncing           bool
		wantStop          bool
		wantReason        string
	}{
		{"no session since a long start", 2 * time.Hour, jupyterState{}, true, false, true, "idle"},
		{"no session, just started", 10 * time.Minute, jupyterState{}, true, false, false, "active"},
		{"busy kernel", 5 * time.Hour, jupyterState{kernels: []map[string]any{{"execution_state": "busy", "last_activity": stamp(3 * time.Hour)}}}, true, false, false, "a kernel is busy"},
		{"recent kernel activity", 5 * time.Hour, jupyterState{kernels: []map[string]any{{"execution_state": "idle", "last_activity": stamp(20 * time.Minute)}}}, true, false, false, "active"},
		{"old kernel activity", 5 * time.Hour, jupyterState{kernels: []map[string]any{{"execution_state": "idle", "last_activity": stamp(2 * time.Hour)}}}, true, false, true, "idle"},
		{"recent terminal", 5 * time.Hour, jupyterState{terminals: []map[string]any{{"last_activity": stamp(5 * time.Minute)}}}, true, false, false, "active"},
		{"recent server activity", 5 * time.Hour, jupyterState{status: map[string]any{"last_activity": stamp(30 * time.Minute)}}, true, false, false, "active"},
		{"open browser, connections ignored", 5 * time.Hour, jupyterState{kernels: []map[string]any{{"execution_state": "idle", "connections": 1, "last_activity": stamp(3 * time.Hour)}}}, true, false, true, "idle"},
		{"open browser, connections count", 5 * time.Hour, jupyterState{kernels: []map[string]any{{"execution_state": "idle", "connections": 1, "last_activity": stamp(3 * time.Hour)}}}, false, false, false, "a browser is connected"},
		{"sync running", 5 * time.Hour, jupyterState{}, true, true, false, "a workspace sync is running"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			jupyter := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var body any
				switch r.URL.Path {
				case "/api/status":
					body = map[string]any{}
					if tc.state.status != nil {
						body = tc.state.status
					}
				case "/api/kernels":
					body = append([]map[string]any{}, tc.state.kernels...)
				case "/api/terminals":
					body = append([]map[string]any{}, tc.state.terminals...)
				default:
					http.NotFound(w, r)
					return
				}
				json.NewEncoder(w).Encode(body)
			}))
			defer jupyter.Close()

			script := filepath.Join(dir, "autostop.py")
			require.NoError(t, os.WriteFile(script, []byte(products.AutostopScript()), 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "started-at"), fmt.Appendf(nil, "%d\n", time.Now().Add(-tc.startedAgo).Unix()), 0o644))
			if tc.syncing {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "sync.lock"), nil, 0o644))
			}
			metadata := filepath.Join(dir, "resource-metadata.json")
			require.NoError(t, os.WriteFile(metadata, []byte(`{"ResourceArn":"arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/sc-123456789012-pp-abc","ResourceName":"SC-123456789012-pp-abc"}`), 0o644))
			cli, calls := fakeAws(t, dir)

			cmd := exec.Command("python3", script, "60", fmt.Sprint(tc.ignoreConnections), cli, dir)
			cmd.Env = append(os.Environ(), "AUTOSTOP_JUPYTER="+jupyter.URL, "AUTOSTOP_METADATA="+metadata)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)

			var decision struct {
				Stop   bool   `json:"stop"`
				Reason string `json:"reason"`
			}
			require.NoError(t, json.Unmarshal(out, &decision), "one JSON line: %s", out)
			assert.Equal(t, tc.wantStop, decision.Stop)
			assert.Equal(t, tc.wantReason, decision.Reason)
			recorded, _ := os.ReadFile(calls)
			if tc.wantStop {
				assert.Equal(t, "sagemaker stop-notebook-instance --region eu-west-1 --notebook-instance-name SC-123456789012-pp-abc\n", string(recorded))
			} else {
				assert.Empty(t, string(recorded), "no AWS call")
			}
		})
	}
}

// TestOnStartInstallsTheTimer runs the on-start script, as CloudFormation's
// Fn::Sub renders it, in a scratch root with fake aws and systemctl commands.
func TestOnStartInstallsTheTimer(t *testing.T) {
	root, bin := t.TempDir(), t.TempDir()
	cli, _ := fakeAws(t, bin)
	systemctlCalls := filepath.Join(bin, "systemctl-calls")
	require.NoError(t, os.WriteFile(filepath.Join(bin, "systemctl"), []byte("#!/bin/sh\necho \"$*\" >> "+systemctlCalls+"\n"), 0o755))

	rendered := strings.NewReplacer("${IdleTimeoutMinutes}", "45", "${IgnoreConnections}", "false").Replace(products.OnStartScript())
	script := filepath.Join(bin, "on-start.sh")
	require.NoError(t, os.WriteFile(script, []byte(rendered), 0o755))
	cmd := exec.Command("bash", script)
	cmd.Env = append(os.Environ(), "AUTOSTOP_ROOT="+root, "PATH="+bin+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	installed, err := os.ReadFile(filepath.Join(root, "usr/local/bin/autostop.py"))
	require.NoError(t, err)
	assert.Equal(t, products.AutostopScript(), string(installed))
	service, err := os.ReadFile(filepath.Join(root, "etc/systemd/system/autostop.service"))
	require.NoError(t, err)
	assert.Contains(t, string(service), "ExecStart=/usr/bin/python3 /usr/local/bin/autostop.py 45 false "+cli+" "+root+"/var/lib/autostop")
	assert.FileExists(t, filepath.Join(root, "etc/systemd/system/autostop.timer"))
	assert.FileExists(t, filepath.Join(root, "var/lib/autostop/started-at"))
	calls, err := os.ReadFile(systemctlCalls)
	require.NoError(t, err)
	assert.Equal(t, "daemon-reload\nenable --now autostop.timer\n", string(calls))
}

package notebook_test

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

	"github.com/datalake-platform/sagemaker-catalog/constructs/notebook"
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
			require.NoError(t, os.WriteFile(script, []byte(notebook.AutostopScript()), 0o644))
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

	rendered := strings.NewReplacer("${IdleTimeoutMinutes}", "45", "${IgnoreConnections}", "false",
		"${WorkspaceUri}", "s3://ws-bucket/owners/assumed-role/Analyst/alice/", "${AWS::Region}", "eu-west-1").Replace(notebook.OnStartScript())
	require.NotContains(t, rendered, "${", "Fn::Sub fills in every dollar-brace form")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "opt/ml/metadata"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "opt/ml/metadata/resource-metadata.json"), []byte(`{"ResourceName":"SC-123456789012-pp-abc"}`), 0o644))
	script := filepath.Join(bin, "on-start.sh")
	require.NoError(t, os.WriteFile(script, []byte(rendered), 0o755))
	cmd := exec.Command("bash", script)
	cmd.Env = append(os.Environ(), "AUTOSTOP_ROOT="+root, "PATH="+bin+":"+os.Getenv("PATH"), "WORKSPACE_FILE_OWNER=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	sync, err := os.ReadFile(filepath.Join(root, "usr/local/bin/workspace-sync"))
	require.NoError(t, err)
	assert.Equal(t, notebook.WorkspaceSyncScript(), string(sync))
	conf, err := os.ReadFile(filepath.Join(root, "etc/workspace-sync.conf"))
	require.NoError(t, err)
	assert.Equal(t, "WORKSPACE_URI=s3://ws-bucket/owners/assumed-role/Analyst/alice/\nREGION=eu-west-1\nNOTEBOOK=SC-123456789012-pp-abc\nAWS_CLI="+cli+
		"\nSTATE_DIR="+root+"/var/lib/autostop\nHOME_DIR="+root+"/home/ec2-user/SageMaker\nFILE_OWNER=\n", string(conf))
	final, err := os.ReadFile(filepath.Join(root, "etc/systemd/system/workspace-sync-final.service"))
	require.NoError(t, err)
	assert.Contains(t, string(final), "ExecStop="+root+"/usr/local/bin/workspace-sync final")
	assert.FileExists(t, filepath.Join(root, "etc/systemd/system/workspace-sync.timer"))

	installed, err := os.ReadFile(filepath.Join(root, "usr/local/bin/autostop.py"))
	require.NoError(t, err)
	assert.Equal(t, notebook.AutostopScript(), string(installed))
	service, err := os.ReadFile(filepath.Join(root, "etc/systemd/system/autostop.service"))
	require.NoError(t, err)
	assert.Contains(t, string(service), "ExecStart=/usr/bin/python3 /usr/local/bin/autostop.py 45 false "+cli+" "+root+"/var/lib/autostop "+root+"/usr/local/bin/workspace-sync")
	assert.FileExists(t, filepath.Join(root, "etc/systemd/system/autostop.timer"))
	assert.FileExists(t, filepath.Join(root, "var/lib/autostop/started-at"))
	calls, err := os.ReadFile(systemctlCalls)
	require.NoError(t, err)
	assert.Equal(t, "daemon-reload\nenable --now autostop.timer workspace-sync.timer workspace-sync-final.service\n", string(calls))
	// The first start restores the workspace, in the background.
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(filepath.Join(bin, "aws-calls"))
		return strings.Contains(string(b), "s3 sync s3://ws-bucket/owners/assumed-role/Analyst/alice/home/ "+root+"/home/ec2-user/SageMaker/")
	}, 10*time.Second, 50*time.Millisecond)
}

// fakeS3Aws writes an aws command that keeps "S3" in a directory: s3 sync
// copies between it and local directories, s3 cp - writes standard input.
// FAKE_AWS_FAIL=1 makes every call fail, FAKE_AWS_FAIL=sync the syncs only. Calls are recorded one a line.
func fakeS3Aws(t *testing.T, dir, store string) (cli, calls string) {
	calls = filepath.Join(dir, "aws-calls")
	cli = filepath.Join(dir, "aws")
	script := `#!/bin/bash
echo "$*" >> ` + calls + `
[ "$FAKE_AWS_FAIL" = 1 ] && exit 1
[ "$FAKE_AWS_FAIL" = sync ] && [ "$2" = sync ] && exit 1
local() { case "$1" in s3://*) echo "` + store + `/${1#s3://}" ;; *) echo "$1" ;; esac; }
case "$1 $2" in
  "s3 sync") src=$(local "$3"); dst=$(local "$4"); mkdir -p "$dst"; [ -d "$src" ] && cp -a "$src/." "$dst/"; exit 0 ;;
  "s3 cp") dst=$(local "$4"); mkdir -p "$(dirname "$dst")"; cat > "$dst"; exit 0 ;;
esac
exit 3
`
	require.NoError(t, os.WriteFile(cli, []byte(script), 0o755))
	return cli, calls
}

func TestWorkspaceSync(t *testing.T) {
	dir, store, state, home := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	cli, calls := fakeS3Aws(t, dir, store)
	script := filepath.Join(dir, "workspace-sync")
	require.NoError(t, os.WriteFile(script, []byte(notebook.WorkspaceSyncScript()), 0o755))
	conf := filepath.Join(dir, "workspace-sync.conf")
	uri := "s3://ws/owners/assumed-role/Analyst/alice/"
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf("WORKSPACE_URI=%s\nREGION=eu-west-1\nNOTEBOOK=SC-nb\nAWS_CLI=%s\nSTATE_DIR=%s\nHOME_DIR=%s\nFILE_OWNER=\n", uri, cli, state, home)), 0o644))
	saved := filepath.Join(store, "ws/owners/assumed-role/Analyst/alice/home")
	statusFile := filepath.Join(store, "ws/owners/assumed-role/Analyst/alice/.sagemaker-catalog/SC-nb.json")
	attempt := func(mode string, env ...string) (string, error) {
		t.Helper()
		cmd := exec.Command("bash", script, mode)
		cmd.Env = append(os.Environ(), append(env, "WORKSPACE_SYNC_CONF="+conf)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	run := func(mode string, env ...string) string {
		t.Helper()
		out, err := attempt(mode, env...)
		require.NoError(t, err, "%s", out)
		return out
	}
	status := func() map[string]any {
		t.Helper()
		body, err := os.ReadFile(statusFile)
		require.NoError(t, err)
		var s map[string]any
		require.NoError(t, json.Unmarshal(body, &s), "%s", body)
		return s
	}

	// Last week's work, saved by an earlier notebook.
	require.NoError(t, os.MkdirAll(saved, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(saved, "analysis.ipynb"), []byte("last week"), 0o644))

	// A failed restore saves nothing: a partial workspace never overwrites the saved one.
	out, err := attempt("save", "FAKE_AWS_FAIL=1")
	require.Error(t, err, "a failed save fails its systemd unit")
	assert.Contains(t, out, "nothing is saved until it succeeds")
	assert.NoFileExists(t, statusFile)
	assert.NoFileExists(t, filepath.Join(home, "analysis.ipynb"))

	// Restore brings it back and marks the volume.
	assert.Contains(t, run("restore"), "restored from "+uri)
	body, err := os.ReadFile(filepath.Join(home, "analysis.ipynb"))
	require.NoError(t, err)
	assert.Equal(t, "last week", string(body))
	assert.FileExists(t, filepath.Join(home, ".sagemaker-catalog/restored"))
	run("restore") // once only: a second restore copies nothing
	assert.Equal(t, 2, strings.Count(readFile(t, calls), "s3 sync "+uri+"home/"), "the failed attempt and the restore")

	// Save writes the work and a status the janitor reads.
	require.NoError(t, os.WriteFile(filepath.Join(home, "today.py"), []byte("today"), 0o644))
	before := time.Now().UTC().Truncate(time.Second)
	assert.Contains(t, run("save"), "saved to "+uri)
	assert.FileExists(t, filepath.Join(saved, "today.py"))
	s := status()
	assert.Equal(t, map[string]any{"notebook": "SC-nb", "ok": true, "final": false, "syncedAt": s["syncedAt"]}, s)
	synced, err := time.Parse(time.RFC3339, s["syncedAt"].(string))
	require.NoError(t, err)
	assert.False(t, synced.Before(before))
	assert.Contains(t, readFile(t, calls), "s3 sync "+home+"/ "+uri+"home/ --region eu-west-1 --only-show-errors --delete --exclude .sagemaker-catalog/* --exclude lost+found/*")

	// A failed final save says so, and keeps the time of the last good one.
	run("final", "FAKE_AWS_FAIL=")
	s = status()
	assert.Equal(t, true, s["final"])
	out, err = attempt("final", "FAKE_AWS_FAIL=sync")
	require.Error(t, err, "%s", out)
	assert.Equal(t, map[string]any{"notebook": "SC-nb", "ok": false, "final": true, "syncedAt": s["syncedAt"]}, status())

	// While a sync runs (its lock exists), a periodic save does nothing, and
	// autostop.py does not stop the notebook.
	require.NoError(t, os.Mkdir(filepath.Join(state, "sync.lock"), 0o755))
	n := strings.Count(readFile(t, calls), "\n")
	assert.Contains(t, run("save"), "another sync is running")
	assert.Equal(t, n, strings.Count(readFile(t, calls), "\n"), "no call while locked")
	assert.DirExists(t, filepath.Join(state, "sync.lock"), "the other sync's lock is left alone")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

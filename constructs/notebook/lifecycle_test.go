package notebook_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/notebook"
	"github.com/datalake-platform/sagemaker-catalog/internal/motoserver"
)

// The lifecycle scripts (lifecycle/) as the analyst's adversary sees them.
//
// On the notebook the analyst is ec2-user: Jupyter, its kernels and
// terminals run as ec2-user, RootAccess is Disabled, and ec2-user owns the
// workspace volume (/home/ec2-user/SageMaker) and the conda environments
// (/home/ec2-user/anaconda3). The lifecycle script runs as root. Anything
// root does over a path ec2-user can write, or with a program ec2-user can
// replace, is a way to root. So:
//
//   - on-start.sh (root) only writes root's own files (/etc, /usr/local/bin,
//     /var/lib/autostop), installs systemd units and starts them. It runs no
//     aws command and reads nothing on the volume. Its PATH is set to root's
//     directories: SageMaker's documented PATH, /sbin:bin:/usr/sbin:/usr/bin,
//     has a relative entry.
//   - The units (restore, saves, the shutdown save, the idle check) run as
//     User=ec2-user: the analyst's own user, so whatever the analyst puts in
//     the workspace, the lock, the restore marker or ~/.aws steers them no
//     further than the analyst can already go. The idle check needs no root:
//     it reads Jupyter's API on localhost and calls StopNotebookInstance with
//     the notebook's role, which ec2-user's processes share.
//   - The aws command is root's (/usr/bin/aws or /usr/local/bin/aws, owned by
//     root in directories only root may write). When there is none, on-start
//     fails: SageMaker then fails the start (create or start), with the
//     message in the LifecycleConfigOnStart log stream and a failure reason
//     pointing to it; Service Catalog shows the failed launch. A notebook that
//     started anyway would neither save the workspace nor stop when idle, and
//     a tag saying so would need the aws command that is missing (and
//     sagemaker:AddTags, which the notebook role does not have).
//   - Saves skip symbolic links (aws s3 sync --no-follow-symlinks); a restore
//     downloads into a new directory, then links each file into the
//     workspace with O_NOFOLLOW on every directory and link(2), which
//     neither follows nor replaces anything. Local files win over saved ones.
//   - The restore marker must live on the volume (it marks the volume), so
//     the analyst can delete or plant it: deleting it makes the next save
//     restore again, through no link, replacing nothing; planting it skips
//     the restore, so the next save mirrors an unrestored volume: the
//     analyst's own workspace, whose replaced versions the bucket keeps for
//     30 days, and which the notebook role may delete anyway.
//   - aws s3 exit code 2 (skipped FIFOs, sockets, unreadable files, keys
//     naming a parent directory; everything else copied) is a success:
//     otherwise a FIFO in the workspace would fail every save.
//
// What the analyst can still do, as ever: keep the notebook busy (the idle
// check is a cost control, not a boundary), make saves fail, and change the
// workspace and its status object (the notebook role may).
//
// Sources (checked for notebook-al2023-v1):
//   - Lifecycle scripts run as root; ec2-user is "the same user that Amazon
//     SageMaker runs as": https://docs.aws.amazon.com/sagemaker/latest/dg/nbi-lifecycle-config-install.html
//   - PATH /sbin:bin:/usr/sbin:/usr/bin, the 16384-character limit, the
//     5-minute limit, and the /aws/sagemaker/NotebookInstances log stream
//     [notebook-instance-name]/[LifecycleConfigHook]:
//     https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_NotebookInstanceLifecycleHook.html
//   - notebook-al2023-v1 is Amazon Linux 2023 with JupyterLab 4, kernels as
//     conda environments: https://docs.aws.amazon.com/sagemaker/latest/dg/nbi-al2023.html;
//     AWS's samples install into /home/ec2-user/anaconda3/envs as ec2-user
//     (sudo -u ec2-user): aws-samples/amazon-sagemaker-notebook-instance-lifecycle-config-samples,
//     scripts/install-conda-package-all-environments/on-start.sh.
//   - AL2023 has systemd timers instead of cron, and AWS CLI v2 instead of
//     v1: https://docs.aws.amazon.com/linux/al2023/ug/compare-with-al2.html
//     (sections "systemd timers replace cron" and "AWS CLI v2"). That
//     SageMaker's notebook-al2023-v1 image keeps the distribution's aws at
//     /usr/bin/aws (the awscli-2 package) is not documented: an assumption
//     the first real start checks, loudly.
//   - Jupyter on a notebook instance: https://localhost:8443, /api/sessions
//     and /api/terminals without a token, the notebook's name in
//     /opt/ml/metadata/resource-metadata.json, readable by ec2-user: the
//     samples' scripts/auto-stop-idle/autostop.py and
//     scripts/migrate-ebs-data-backup/on-start.sh (which also runs its
//     aws s3 sync as ec2-user).
//   - Only the ML storage volume (/home/ec2-user/SageMaker) survives a stop:
//     StopNotebookInstance terminates the instance and keeps the volume;
//     StartNotebookInstance attaches it to a new one:
//     https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopNotebookInstance.html.
//     So /var/lib and /etc start empty on every start.
//   - aws s3 sync --follow-symlinks is the default; --no-follow-symlinks
//     skips links: https://docs.aws.amazon.com/cli/latest/reference/s3/sync.html.
//     Exit code 2: https://docs.aws.amazon.com/cli/latest/topic/return-codes.html.
//     A download creates missing directories through an existing link and
//     replaces a link at the file itself; keys with ".." are skipped with
//     exit code 2 (TestWorkspaceSyncWithTheRealAwsCli shows it with the
//     real CLI; fakeS3Aws reproduces it).

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

// systemPython skips a test of workspace-sync where /usr/bin/python3, which
// the script runs (AL2023's python3), is missing.
func systemPython(t *testing.T) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("/usr/bin/python3 is not installed")
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
	t.Parallel() // a script in a directory of its own: beside the other script tests
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
			t.Parallel()
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
			startedAt, lock := filepath.Join(dir, "started-at"), filepath.Join(dir, "sync.lock")
			require.NoError(t, os.WriteFile(startedAt, fmt.Appendf(nil, "%d\n", time.Now().Add(-tc.startedAgo).Unix()), 0o644))
			if tc.syncing {
				require.NoError(t, os.Mkdir(lock, 0o755))
			}
			metadata := filepath.Join(dir, "resource-metadata.json")
			require.NoError(t, os.WriteFile(metadata, []byte(`{"ResourceArn":"arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/sc-123456789012-pp-abc","ResourceName":"SC-123456789012-pp-abc"}`), 0o644))
			cli, calls := fakeAws(t, dir)

			cmd := exec.Command("python3", script, "60", fmt.Sprint(tc.ignoreConnections), cli, startedAt, lock)
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

// notebookRoot is a scratch root for on-start.sh (AUTOSTOP_ROOT): the
// notebook's metadata and volume, root's aws at usr/bin/aws and a systemctl
// that records its calls.
type notebookRoot struct {
	dir, aws, awsCalls, systemctlCalls string
}

func newNotebookRoot(t *testing.T, name string) notebookRoot {
	t.Helper()
	r := notebookRoot{dir: t.TempDir()}
	for _, d := range []string{"opt/ml/metadata", "home/ec2-user/SageMaker", "usr/bin"} {
		require.NoError(t, os.MkdirAll(filepath.Join(r.dir, d), 0o755))
	}
	meta, err := json.Marshal(map[string]string{"ResourceName": name})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(r.dir, "opt/ml/metadata/resource-metadata.json"), meta, 0o644))
	r.aws, r.awsCalls = fakeAws(t, filepath.Join(r.dir, "usr/bin"))
	r.systemctlCalls = filepath.Join(r.dir, "systemctl-calls")
	require.NoError(t, os.WriteFile(filepath.Join(r.dir, "usr/bin/systemctl"), []byte("#!/bin/sh\necho \"$*\" >> "+r.systemctlCalls+"\n"), 0o755))
	return r
}

// onStart runs the on-start script, as CloudFormation's Fn::Sub renders it,
// in r, with SageMaker's documented PATH (plus extra directories) and dir as
// the working directory.
func (r notebookRoot) onStart(t *testing.T, dir string, extraPath ...string) (string, error) {
	t.Helper()
	rendered := strings.NewReplacer("${IdleTimeoutMinutes}", "45", "${IgnoreConnections}", "false",
		"${WorkspaceUri}", "s3://ws-bucket/owners/assumed-role/Analyst/alice+x=y,z@example.com/", "${AWS::Region}", "eu-west-1").Replace(notebook.OnStartScript())
	require.NotContains(t, rendered, "${", "Fn::Sub fills in every dollar-brace form")
	script := filepath.Join(t.TempDir(), "on-start.sh")
	require.NoError(t, os.WriteFile(script, []byte(rendered), 0o755))
	cmd := exec.Command("bash", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AUTOSTOP_ROOT="+r.dir, "PATH="+strings.Join(append(extraPath, "/sbin:bin:/usr/sbin:/usr/bin"), ":"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (r notebookRoot) read(t *testing.T, path string) string {
	t.Helper()
	return readFile(t, filepath.Join(r.dir, path))
}

// TestOnStartInstallsUnitsThatRunAsTheAnalyst: root installs and starts
// units, runs no aws command itself, and every unit that touches the
// workspace or the idle check runs as ec2-user. (Today's script ran the
// restore itself, as root, and its units had no User=.)
func TestOnStartInstallsUnitsThatRunAsTheAnalyst(t *testing.T) {
	t.Parallel() // a script in a directory of its own: beside the other script tests
	r := newNotebookRoot(t, "SC-123456789012-pp-abc")
	out, err := r.onStart(t, "/", filepath.Join(r.dir, "usr/bin"))
	require.NoError(t, err, "%s", out)

	assert.Equal(t, notebook.WorkspaceSyncScript(), r.read(t, "usr/local/bin/workspace-sync"))
	assert.Equal(t, notebook.AutostopScript(), r.read(t, "usr/local/bin/autostop.py"))
	// Quoted for the shell that sources it (printf %q).
	assert.Equal(t, `WORKSPACE_URI=s3://ws-bucket/owners/assumed-role/Analyst/alice+x=y\,z@example.com/
STATUS_URI=s3://ws-bucket/status/assumed-role/Analyst/alice+x=y\,z@example.com/
REGION=eu-west-1
NOTEBOOK=SC-123456789012-pp-abc
AWS_CLI=`+r.aws+`
STATE_DIR=`+r.dir+`/var/lib/workspace-sync
HOME_DIR=`+r.dir+`/home/ec2-user/SageMaker
`, r.read(t, "etc/workspace-sync.conf"))
	assert.FileExists(t, filepath.Join(r.dir, "var/lib/autostop/started-at"))

	sync := r.dir + "/usr/local/bin/workspace-sync"
	for unit, exec := range map[string]string{
		"workspace-restore.service":    "ExecStart=" + sync + " restore",
		"workspace-sync.service":       "ExecStart=" + sync + " save",
		"workspace-sync-final.service": "ExecStop=" + sync + " final",
		"autostop.service": "ExecStart=/usr/bin/python3 -I " + r.dir + "/usr/local/bin/autostop.py 45 false " + r.aws + " " +
			r.dir + "/var/lib/autostop/started-at " + r.dir + "/var/lib/workspace-sync/sync.lock " + sync,
	} {
		body := r.read(t, "etc/systemd/system/"+unit)
		assert.Contains(t, body, "\n"+exec+"\n", unit)
		assert.Contains(t, body, "\nUser=ec2-user\n", "%s runs as the analyst's own user", unit)
		assert.Contains(t, body, "\nStateDirectory=workspace-sync\n", "%s: systemd gives ec2-user the lock's directory", unit)
	}
	assert.FileExists(t, filepath.Join(r.dir, "etc/systemd/system/workspace-sync.timer"))
	assert.FileExists(t, filepath.Join(r.dir, "etc/systemd/system/autostop.timer"))
	assert.Equal(t, "daemon-reload\nenable --now autostop.timer workspace-sync.timer workspace-sync-final.service\nstart --no-block workspace-restore.service\n",
		r.read(t, "systemctl-calls"), "the restore runs in the background, as its unit's user")
	time.Sleep(200 * time.Millisecond) // a restore started in the background by mistake would have called aws by now
	assert.NoFileExists(t, r.awsCalls, "root runs no aws command")
}

// TestOnStartTrustsNoAnalystWritableAws: without an aws command that only
// root can change, on-start fails loudly (SageMaker then fails the start)
// and never uses, let alone runs, one the analyst could have planted: in
// the conda environments, in a PATH directory, or in bin under the working
// directory (SageMaker's PATH has "bin"). (Today's script took the first aws
// in PATH or the conda one, ran it as root, and exited 0 without one.)
func TestOnStartTrustsNoAnalystWritableAws(t *testing.T) {
	t.Parallel() // a script in a directory of its own: beside the other script tests
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, r notebookRoot, planted string)
		root  bool // needs root to chown
	}{
		{"none", func(t *testing.T, r notebookRoot, planted string) { require.NoError(t, os.Remove(r.aws)) }, false},
		{"group-writable", func(t *testing.T, r notebookRoot, planted string) { require.NoError(t, os.Chmod(r.aws, 0o775)) }, false},
		{"in a directory others may write", func(t *testing.T, r notebookRoot, planted string) {
			require.NoError(t, os.Chmod(filepath.Dir(r.aws), 0o777))
		}, false},
		{"a link to the analyst's aws", func(t *testing.T, r notebookRoot, planted string) {
			require.NoError(t, os.Remove(r.aws))
			require.NoError(t, os.Symlink(planted, r.aws))
		}, false},
		{"owned by the analyst", func(t *testing.T, r notebookRoot, planted string) {
			require.NoError(t, os.Chown(r.aws, 1000, 1000))
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.root && os.Geteuid() != 0 {
				t.Skip("chown needs root")
			}
			r := newNotebookRoot(t, "SC-123456789012-pp-abc")
			// The analyst's aws, in the conda environment, in a PATH
			// directory and in bin under the working directory: each
			// leaves evidence when run.
			pwned := filepath.Join(t.TempDir(), "pwned")
			conda := filepath.Join(r.dir, "home/ec2-user/anaconda3/bin")
			work := filepath.Join(r.dir, "home/ec2-user/SageMaker")
			// Without root the test cannot give them to another user:
			// writable by all, they are the analyst's as much.
			for _, d := range []string{conda, filepath.Join(work, "bin")} {
				require.NoError(t, os.MkdirAll(d, 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(d, "aws"), []byte("#!/bin/sh\necho \"$0 $*\" >> "+pwned+"\n"), 0o755))
				for _, p := range []string{d, filepath.Join(d, "aws")} {
					require.NoError(t, os.Chmod(p, 0o777))
					if os.Geteuid() == 0 {
						require.NoError(t, os.Chown(p, 1000, 1000))
					}
				}
			}
			tc.setup(t, r, filepath.Join(conda, "aws"))

			out, err := r.onStart(t, work, conda)
			require.Error(t, err, "%s", out)
			assert.Contains(t, out, "on-start: ERROR: no aws command that only root can change, at /usr/bin/aws or /usr/local/bin/aws")
			assert.Contains(t, out, "does not start")
			time.Sleep(200 * time.Millisecond)
			assert.NoFileExists(t, pwned, "the analyst's aws never runs")
			assert.NoFileExists(t, filepath.Join(r.dir, "etc/workspace-sync.conf"))
			assert.NoFileExists(t, r.systemctlCalls, "no unit is installed that would run without saving or stopping")
		})
	}

	t.Run("root's /usr/local/bin/aws", func(t *testing.T) {
		r := newNotebookRoot(t, "SC-123456789012-pp-abc")
		require.NoError(t, os.Remove(r.aws))
		local := filepath.Join(r.dir, "usr/local/bin")
		require.NoError(t, os.MkdirAll(local, 0o755))
		cli, _ := fakeAws(t, local)
		out, err := r.onStart(t, "/")
		require.NoError(t, err, "%s", out)
		assert.Contains(t, r.read(t, "etc/workspace-sync.conf"), "\nAWS_CLI="+cli+"\n")
	})
}

// TestOnStartRefusesAnUnexpectedNotebookName: the name goes into the
// configuration the sync sources; a name SageMaker would never give (its
// pattern is [a-zA-Z0-9](-*[a-zA-Z0-9])*) stops the script instead of
// reaching a shell. (Today's script wrote it unquoted, and its restore,
// running as root, executed it.)
func TestOnStartRefusesAnUnexpectedNotebookName(t *testing.T) {
	t.Parallel() // a script in a directory of its own: beside the other script tests
	pwned := filepath.Join(t.TempDir(), "pwned")
	r := newNotebookRoot(t, "SC-1\ntouch "+pwned+"\nX=$(touch "+pwned+")")
	out, err := r.onStart(t, "/", filepath.Join(r.dir, "usr/bin"))
	time.Sleep(500 * time.Millisecond) // for a background restore that would run the name
	assert.NoFileExists(t, pwned)
	require.Error(t, err, "%s", out)
	assert.Contains(t, out, "on-start: ERROR: invalid notebook name in "+r.dir+"/opt/ml/metadata/resource-metadata.json")
	assert.NoFileExists(t, r.systemctlCalls)
}

// fakeS3Aws writes an aws command that keeps "S3" in a directory (store/
// bucket/key) and copies the way the AWS CLI does (shown with the real CLI
// by TestWorkspaceSyncWithTheRealAwsCli): s3 sync follows symbolic links
// unless --no-follow-symlinks, where it skips them; it skips FIFOs, sockets
// and unreadable files with exit code 2; a download creates missing
// directories through existing links and replaces a link at the file
// itself; --exclude patterns match paths under the source, "*" across "/";
// --delete removes what the source lacks. s3 cp - writes standard input.
// FAKE_AWS_FAIL=1 makes every call fail, FAKE_AWS_FAIL=sync the syncs only.
// Calls are recorded one a line.
func fakeS3Aws(t *testing.T, dir, store string) (cli, calls string) {
	calls = filepath.Join(dir, "aws-calls")
	cli = filepath.Join(dir, "aws")
	script := `#!/usr/bin/env python3
import fnmatch, os, shutil, sys
store, calls, args = ` + fmt.Sprintf("%q, %q", store, calls) + `, sys.argv[1:]
with open(calls, "a") as f:
    f.write(" ".join(args) + "\n")
fail = os.environ.get("FAKE_AWS_FAIL", "")
if fail == "1" or (fail == "sync" and args[1] == "sync"):
    sys.exit(1)
pos, opts, excludes, i = [], set(), [], 2
while i < len(args):
    if args[i] in ("--region", "--content-type", "--exclude"):
        if args[i] == "--exclude":
            excludes.append(args[i + 1])
        i += 2
    else:
        (opts.add if args[i].startswith("--") else pos.append)(args[i])
        i += 1
local = lambda p: os.path.join(store, p[len("s3://"):]) if p.startswith("s3://") else p
excluded = lambda rel: any(fnmatch.fnmatch(rel, e) for e in excludes)
rc = 0
def skip(path, why):
    global rc
    rc = 2
    print("warning: Skipping file %s. %s" % (path, why), file=sys.stderr)
if args[:2] == ["s3", "cp"]:
    os.makedirs(os.path.dirname(local(pos[1])), exist_ok=True)
    with open(local(pos[1]), "wb") as f:
        f.write(sys.stdin.buffer.read())
elif args[:2] == ["s3", "sync"] and pos[1].startswith("s3://"):
    src, dst, follow, kept = pos[0], local(pos[1]), "--no-follow-symlinks" not in opts, set()
    for root, dirs, files in os.walk(src, followlinks=follow):
        for n in files:
            path = os.path.join(root, n)
            rel = os.path.relpath(path, src)
            if excluded(rel) or (os.path.islink(path) and not follow):
                continue
            if not os.path.exists(path):
                skip(path, "File does not exist.")
            elif not os.path.isfile(path):
                skip(path, "File is character special device, block special device, FIFO, or socket.")
            elif not os.access(path, os.R_OK):
                skip(path, "File/Directory is not readable.")
            else:
                os.makedirs(os.path.dirname(os.path.join(dst, rel)), exist_ok=True)
                shutil.copyfile(path, os.path.join(dst, rel))
                kept.add(rel)
    if "--delete" in opts:
        for root, dirs, files in os.walk(dst):
            for n in files:
                rel = os.path.relpath(os.path.join(root, n), dst)
                if rel not in kept and not excluded(rel):
                    os.remove(os.path.join(root, n))
elif args[:2] == ["s3", "sync"]:
    src, dst = local(pos[0]), pos[1]
    for root, dirs, files in os.walk(src):
        for n in files:
            target = os.path.join(dst, os.path.relpath(os.path.join(root, n), src))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(os.path.join(root, n), target + ".tmp")
            os.replace(target + ".tmp", target)
else:
    sys.exit(3)
sys.exit(rc)
`
	require.NoError(t, os.WriteFile(cli, []byte(script), 0o755))
	return cli, calls
}

// syncFixture runs workspace-sync as its units would (the configuration
// on-start.sh writes), against a workspace volume, a state directory and an
// S3 kept by fakeS3Aws (or the real aws command).
type syncFixture struct {
	dir, home, state, store, conf, calls, uri, saved, statusFile string
}

func newSyncFixture(t *testing.T) *syncFixture {
	t.Helper()
	systemPython(t)
	f := &syncFixture{dir: t.TempDir(), home: t.TempDir(), state: t.TempDir(), store: t.TempDir(), uri: "s3://ws-bucket/owners/assumed-role/Analyst/alice/"}
	var cli string
	cli, f.calls = fakeS3Aws(t, f.dir, f.store)
	f.saved = filepath.Join(f.store, "ws-bucket/owners/assumed-role/Analyst/alice/home")
	f.statusFile = filepath.Join(f.store, "ws-bucket/status/assumed-role/Analyst/alice/SC-nb.json")
	f.configure(t, cli)
	return f
}

func (f *syncFixture) configure(t *testing.T, cli string) {
	f.conf = filepath.Join(f.dir, "workspace-sync.conf")
	require.NoError(t, os.WriteFile(f.conf, fmt.Appendf(nil, "WORKSPACE_URI=%s\nSTATUS_URI=%s\nREGION=eu-west-1\nNOTEBOOK=SC-nb\nAWS_CLI=%s\nSTATE_DIR=%s\nHOME_DIR=%s\n",
		f.uri, strings.Replace(f.uri, "/owners/", "/status/", 1), cli, f.state, f.home), 0o644))
}

func (f *syncFixture) attempt(t *testing.T, mode string, env ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("bash", filepath.Join(f.dir, "workspace-sync"), mode)
	if _, err := os.Stat(cmd.Args[1]); err != nil {
		require.NoError(t, os.WriteFile(cmd.Args[1], []byte(notebook.WorkspaceSyncScript()), 0o755))
	}
	cmd.Dir = f.dir // where a name run as a command would leave its mark
	cmd.Env = append(os.Environ(), append(env, "WORKSPACE_SYNC_CONF="+f.conf)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (f *syncFixture) run(t *testing.T, mode string, env ...string) string {
	t.Helper()
	out, err := f.attempt(t, mode, env...)
	require.NoError(t, err, "%s", out)
	return out
}

func (f *syncFixture) status(t *testing.T) map[string]any {
	t.Helper()
	var s map[string]any
	require.NoError(t, json.Unmarshal([]byte(readFile(t, f.statusFile)), &s))
	return s
}

// files lists the regular files under dir (relative path: content), and
// fails on anything else but directories.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	require.NoError(t, filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if !info.Mode().IsRegular() {
			got[rel] = info.Mode().Type().String()
			return nil
		}
		got[rel] = readFile(t, path)
		return nil
	}))
	return got
}

func write(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func TestWorkspaceSync(t *testing.T) {
	t.Parallel() // a script in a directory of its own: beside the other script tests
	f := newSyncFixture(t)

	// Last week's work, saved by an earlier notebook.
	write(t, filepath.Join(f.saved, "analysis.ipynb"), "last week")

	// A failed restore saves nothing: a partial workspace never overwrites the saved one.
	out, err := f.attempt(t, "save", "FAKE_AWS_FAIL=1")
	require.Error(t, err, "a failed save fails its systemd unit")
	assert.Contains(t, out, "nothing is saved until it succeeds")
	assert.NoFileExists(t, f.statusFile)
	assert.Equal(t, map[string]string{}, files(t, f.home), "nothing half-restored is left")

	// Restore brings it back and marks the volume.
	assert.Contains(t, f.run(t, "restore"), "restored from "+f.uri)
	restored := files(t, f.home)
	assert.Equal(t, "last week", restored["analysis.ipynb"])
	assert.Contains(t, restored, ".sagemaker-catalog/restored")
	assert.Len(t, restored, 2)
	f.run(t, "restore") // once only: a second restore copies nothing
	assert.Equal(t, 2, strings.Count(readFile(t, f.calls), "s3 sync "+f.uri+"home/"), "the failed attempt and the restore")

	// Save writes the work and a status the janitor reads.
	write(t, filepath.Join(f.home, "today.py"), "today")
	before := time.Now().UTC().Truncate(time.Second)
	assert.Contains(t, f.run(t, "save"), "saved to "+f.uri)
	assert.FileExists(t, filepath.Join(f.saved, "today.py"))
	s := f.status(t)
	assert.Equal(t, map[string]any{"notebook": "SC-nb", "ok": true, "final": false, "syncedAt": s["syncedAt"]}, s)
	synced, err := time.Parse(time.RFC3339, s["syncedAt"].(string))
	require.NoError(t, err)
	assert.False(t, synced.Before(before))
	assert.Contains(t, readFile(t, f.calls), "s3 sync "+f.home+"/ "+f.uri+"home/ --delete --no-follow-symlinks --exclude .sagemaker-catalog/* --exclude lost+found/* --exclude */.ipynb_checkpoints/* --region eu-west-1 --only-show-errors\n")

	// A failed final save says so, and keeps the time of the last good one.
	f.run(t, "final", "FAKE_AWS_FAIL=")
	s = f.status(t)
	assert.Equal(t, true, s["final"])
	out, err = f.attempt(t, "final", "FAKE_AWS_FAIL=sync")
	require.Error(t, err, "%s", out)
	assert.Equal(t, map[string]any{"notebook": "SC-nb", "ok": false, "final": true, "syncedAt": s["syncedAt"]}, f.status(t))

	// While a sync runs (its lock exists), a periodic save does nothing, and
	// autostop.py does not stop the notebook.
	require.NoError(t, os.Mkdir(filepath.Join(f.state, "sync.lock"), 0o755))
	n := strings.Count(readFile(t, f.calls), "\n")
	assert.Contains(t, f.run(t, "save"), "another sync is running")
	assert.Equal(t, n, strings.Count(readFile(t, f.calls), "\n"), "no call while locked")
	assert.DirExists(t, filepath.Join(f.state, "sync.lock"), "the other sync's lock is left alone")
}

// hostile plants what an analyst (or a careless tool) may leave in the
// workspace: links to a directory outside (as /etc), to another owner's
// private file and to a file outside, and returns the outside directory.
func hostile(t *testing.T, home string) (outside string) {
	t.Helper()
	outside = t.TempDir()
	write(t, filepath.Join(outside, "etc/shadow"), "root's secret")
	write(t, filepath.Join(outside, "bob/private.txt"), "bob's secret")
	require.NoError(t, os.Symlink(filepath.Join(outside, "etc"), filepath.Join(home, "etc")))
	require.NoError(t, os.Symlink(filepath.Join(outside, "bob/private.txt"), filepath.Join(home, "bob.txt")))
	require.NoError(t, os.Symlink(filepath.Join(outside, "bob"), filepath.Join(home, "bob")))
	require.NoError(t, os.Symlink("/nonexistent", filepath.Join(home, "dangling")))
	return outside
}

// TestWorkspaceSyncHostileWorkspace: the workspace is the analyst's; the
// sync, whichever user runs it, reads and writes nothing outside it.
func TestWorkspaceSyncHostileWorkspace(t *testing.T) {
	t.Parallel() // a script in a directory of its own: beside the other script tests
	// Today's script uploaded what the links point to (other users' files
	// when it ran as root).
	t.Run("saves skip symbolic links", func(t *testing.T) {
		f := newSyncFixture(t)
		f.run(t, "restore")
		hostile(t, f.home)
		write(t, filepath.Join(f.home, "notes.md"), "mine")
		out, err := f.attempt(t, "save")
		assert.Equal(t, map[string]string{"notes.md": "mine"}, files(t, f.saved))
		assert.NoError(t, err, "a dangling link does not fail the save: %s", out)
		assert.Equal(t, true, f.status(t)["ok"])
	})

	// Today's script restored through the link, as root: with a saved
	// home/etc/sudoers.d/x and a link etc -> /etc, a deleted marker made
	// the next save write /etc/sudoers.d/x.
	t.Run("a deleted marker restores again through no link", func(t *testing.T) {
		f := newSyncFixture(t)
		write(t, filepath.Join(f.saved, "etc/sudoers.d/analyst"), "ec2-user ALL=(ALL) NOPASSWD: ALL")
		write(t, filepath.Join(f.saved, "bob/private.txt"), "overwritten")
		write(t, filepath.Join(f.saved, "bob.txt"), "overwritten")
		write(t, filepath.Join(f.saved, "kept.txt"), "saved")
		f.run(t, "restore")
		require.NoError(t, os.RemoveAll(filepath.Join(f.home, "etc")))
		require.NoError(t, os.RemoveAll(filepath.Join(f.home, "bob")))
		require.NoError(t, os.Remove(filepath.Join(f.home, "bob.txt")))
		outside := hostile(t, f.home)
		write(t, filepath.Join(f.home, "kept.txt"), "changed locally")
		require.NoError(t, os.Remove(filepath.Join(f.home, ".sagemaker-catalog/restored")))

		out, err := f.attempt(t, "save")
		assert.Equal(t, map[string]string{"etc/shadow": "root's secret", "bob/private.txt": "bob's secret"}, files(t, outside), "nothing written outside")
		require.NoError(t, err, "%s", out)
		assert.Contains(t, out, "restored from "+f.uri)
		assert.Contains(t, out, "not restored: 'etc'")
		assert.Equal(t, "changed locally", readFile(t, filepath.Join(f.home, "kept.txt")), "a restore replaces no local file")
		assert.FileExists(t, filepath.Join(f.home, ".sagemaker-catalog/restored"))
		entries, _ := os.ReadDir(filepath.Join(f.home, ".sagemaker-catalog"))
		assert.Len(t, entries, 1, "only the marker is left: the download directory is removed")
	})

	// A planted marker skips the restore: the analyst's own workspace is
	// then mirrored unrestored (the bucket keeps its old versions), and
	// nothing else happens. Today's script behaved the same.
	t.Run("a planted marker only skips the restore", func(t *testing.T) {
		f := newSyncFixture(t)
		write(t, filepath.Join(f.saved, "analysis.ipynb"), "saved")
		write(t, filepath.Join(f.home, ".sagemaker-catalog/restored"), "planted")
		f.run(t, "restore")
		assert.NoFileExists(t, f.calls, "no call")
		assert.NoFileExists(t, filepath.Join(f.home, "analysis.ipynb"))
	})

	// Names the shell, the CLI or a log could mistake for something else.
	// Today's script handled them too.
	t.Run("odd names round trip", func(t *testing.T) {
		f := newSyncFixture(t)
		f.run(t, "restore")
		want := map[string]string{}
		for i, name := range []string{"with space.txt", "new\nline.txt", "-rf", "--delete", "--exclude=*", "ünïcødé/日本語.ipynb", "a\\b", "$(touch x)", "'quoted\"", "*"} {
			want[name] = fmt.Sprint(i)
			write(t, filepath.Join(f.home, name), want[name])
		}
		f.run(t, "save")
		assert.Equal(t, want, files(t, f.saved))

		fresh := newSyncFixture(t)
		require.NoError(t, os.CopyFS(fresh.store, os.DirFS(f.store)))
		out := fresh.run(t, "restore")
		assert.NotContains(t, out, "not restored")
		got := files(t, fresh.home)
		delete(got, ".sagemaker-catalog/restored")
		assert.Equal(t, want, got)
		assert.NoFileExists(t, filepath.Join(fresh.dir, "x"))
	})

	// aws s3 exits 2 for what it skipped; today's script counted that as a
	// failed save, so a FIFO failed every save (and the janitor then never
	// terminated the notebook).
	t.Run("special files do not fail the save", func(t *testing.T) {
		f := newSyncFixture(t)
		f.run(t, "restore")
		require.NoError(t, syscall.Mkfifo(filepath.Join(f.home, "fifo"), 0o644))
		write(t, filepath.Join(f.home, "notes.md"), "mine")
		out, err := f.attempt(t, "save")
		assert.Equal(t, true, f.status(t)["ok"], "%s", out)
		require.NoError(t, err, "%s", out)
		assert.Contains(t, out, "skipped what S3 cannot hold")
		assert.Equal(t, map[string]string{"notes.md": "mine"}, files(t, f.saved))
	})
}

// TestWorkspaceSyncWithTheRealAwsCli runs the sync with the real aws command
// against moto's S3, on a hostile workspace: links, odd names and a file
// large enough for a multipart upload, then restores it into a new volume.
// It shows that the CLI behaves as fakeS3Aws assumes. (Today's script
// uploaded the links' targets.)
func TestWorkspaceSyncWithTheRealAwsCli(t *testing.T) {
	t.Parallel() // a script in a directory of its own: beside the other script tests
	systemPython(t)
	srv := motoserver.Start(t, motoserver.Options{Tools: []string{"aws"}})
	cli, err := exec.LookPath("aws")
	require.NoError(t, err)
	cfg := srv.Config()
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := motoserver.Context(t)
	_, err = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("ws-bucket"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(motoserver.Region)}})
	require.NoError(t, err)
	env := []string{"AWS_ENDPOINT_URL=" + srv.Endpoint, "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"}
	keys := func(prefix string) []string {
		out, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("ws-bucket"), Prefix: aws.String(prefix)})
		require.NoError(t, err)
		var k []string
		for _, o := range out.Contents {
			k = append(k, strings.TrimPrefix(*o.Key, prefix))
		}
		sort.Strings(k)
		return k
	}

	f := newSyncFixture(t)
	f.configure(t, cli)
	f.run(t, "restore", env...)
	outside := hostile(t, f.home)
	// moto cannot store a key with a newline (it answers 404): no such name here.
	want := map[string]string{"with space.txt": "1", "-rf": "2", "--delete": "3", "ünïcødé/日本語.ipynb": "4", "$(touch x)": "5"}
	for name, content := range want {
		write(t, filepath.Join(f.home, name), content)
	}
	large := make([]byte, 12<<20) // over the CLI's 8 MiB multipart threshold
	_, err = rand.Read(large)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(f.home, "large.bin"), large, 0o644))
	require.NoError(t, syscall.Mkfifo(filepath.Join(f.home, "fifo"), 0o644))

	out, err := f.attempt(t, "save", env...)
	saved := []string{"$(touch x)", "--delete", "-rf", "large.bin", "with space.txt", "ünïcødé/日本語.ipynb"}
	assert.Equal(t, saved, keys("owners/assumed-role/Analyst/alice/home/"), "links and the FIFO skipped")
	require.NoError(t, err, "%s", out)
	status, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("ws-bucket"), Key: aws.String("status/assumed-role/Analyst/alice/SC-nb.json")})
	require.NoError(t, err)
	var s map[string]any
	require.NoError(t, json.NewDecoder(status.Body).Decode(&s))
	assert.Equal(t, true, s["ok"])

	// A poisoned workspace: a key under the link etc -> outside, a key that
	// names a parent directory, and the marker deleted.
	for key, body := range map[string]string{"etc/sudoers.d/analyst": "ec2-user ALL=(ALL) NOPASSWD: ALL", "../escaped": "escaped"} {
		_, err = client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ws-bucket"), Key: aws.String("owners/assumed-role/Analyst/alice/home/" + key), Body: strings.NewReader(body)})
		require.NoError(t, err)
	}
	require.NoError(t, os.Remove(filepath.Join(f.home, ".sagemaker-catalog/restored")))
	out = f.run(t, "save", env...)
	assert.Contains(t, out, "not restored: 'etc'")
	assert.Equal(t, map[string]string{"etc/shadow": "root's secret", "bob/private.txt": "bob's secret"}, files(t, outside), "nothing written outside")
	assert.NoFileExists(t, filepath.Join(filepath.Dir(f.home), "escaped"))
	assert.NoFileExists(t, filepath.Join(f.home, ".sagemaker-catalog/escaped"))
	assert.Equal(t, saved, keys("owners/assumed-role/Analyst/alice/home/"),
		"the save after it mirrored the workspace: neither key is in it (the bucket keeps their versions)")

	// A new notebook restores every name and the large file intact.
	fresh := newSyncFixture(t)
	fresh.configure(t, cli)
	fresh.run(t, "restore", env...)
	got := files(t, fresh.home)
	assert.Equal(t, sha256.Sum256(large), sha256.Sum256([]byte(got["large.bin"])))
	for name, content := range want {
		assert.Equal(t, content, got[name], name)
	}
	assert.NoFileExists(t, filepath.Join(fresh.dir, "x"))
	assert.False(t, bytes.Contains([]byte(strings.Join(keys(""), "\n")), []byte("shadow")), "root's secret never reached S3")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

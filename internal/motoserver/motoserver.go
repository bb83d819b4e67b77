// Package motoserver runs moto_server, the AWS API emulator on the machine
// image (moto 5.2), on a free port of 127.0.0.1, and gives AWS SDK
// configuration that talks to it.
//
// Starting moto_server takes seconds (Python imports moto and Flask), its
// reset a few milliseconds: a test binary shares one server, reset for each
// test that asks for it (Shared), or, for tests that run side by side, each
// in an account of its own (SharedAccount); it stops the server when its
// tests are done (Run, or Stop from TestMain).
package motoserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Region and Account are moto's defaults.
const (
	Region  = "eu-west-1"
	Account = "123456789012"
)

// Server is a running moto_server, as one account sees it.
type Server struct {
	Endpoint string
	// Account is the account that Config's calls act in: moto's default
	// (Account), or one of SharedAccount's.
	Account string
	cmd     *exec.Cmd
	output  *tail
}

// Options change how the server runs.
type Options struct {
	// Script is a Python file that wraps moto's server (as
	// testdata/moto_server.py does) and takes its -H and -p arguments.
	// Default: moto's own server.
	Script string
	// Env is added to the server's environment.
	Env []string
	// Tools are further commands the test needs (for example "aws"):
	// missing, they skip the test like moto itself.
	Tools []string
}

// key identifies the server an Options starts.
func (o Options) key() string {
	return o.Script + "\x00" + strings.Join(o.Env, "\x00")
}

// Start runs a moto_server of the test's own until the test ends. With
// -short it skips the test; without moto (or a tool the options name) too,
// except in CI (CI=true), where the machine image must provide it.
func Start(t testing.TB, opts ...Options) *Server {
	t.Helper()
	o := options(opts)
	require(t, o)
	s, err := start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("moto_server's last output:\n%s", s.output.String())
		}
	})
	return s
}

var shared = struct {
	sync.Mutex
	servers  map[string]*Server
	accounts int // handed out by SharedAccount
}{servers: map[string]*Server{}}

// Shared returns the test binary's moto_server for the options, reset to an
// empty state (every service, every account): started by the first test
// that asks for it, reset for each following one (do not mix it with
// SharedAccount on one server). Tests that share a server
// do not run in parallel with each other (a reset would empty the other's
// state); a test that needs a server alongside another uses Start. The
// server stops at Stop (Run calls it; testutil.Run takes it as a cleanup).
// Without moto, or a tool, it skips or fails as Start does.
func Shared(t testing.TB, opts ...Options) *Server {
	t.Helper()
	return sharedServer(t, options(opts), true)
}

// SharedAccount returns the test binary's moto_server for the options, as
// an account that no other test of the binary has used sees it: started by
// the first test that asks for it (Shared or SharedAccount) and not reset.
// Tests that run side by side on one server so keep their state apart
// (moto keeps accounts apart; every call of Config names the account in the
// x-moto-account-id header), and so does a test run again (go test
// -count=2). S3 bucket names are global, as in AWS: a test names its
// buckets after its account, or deletes them. Without moto, or a tool, it
// skips or fails as Start does.
func SharedAccount(t testing.TB, opts ...Options) *Server {
	t.Helper()
	s := sharedServer(t, options(opts), false)
	shared.Lock()
	defer shared.Unlock()
	shared.accounts++
	in := *s
	in.Account = fmt.Sprintf("%012d", 100000000000+shared.accounts)
	return &in
}

// sharedServer returns the test binary's server for o, started on first
// use; reset empties an existing one. On a failed test it logs the
// server's last output.
func sharedServer(t testing.TB, o Options, reset bool) *Server {
	t.Helper()
	require(t, o)
	shared.Lock()
	defer shared.Unlock()
	s := shared.servers[o.key()]
	if s == nil {
		var err error
		if s, err = start(o); err != nil {
			t.Fatal(err)
		}
		shared.servers[o.key()] = s
	} else if reset {
		s.Reset(t)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("moto_server's last output:\n%s", s.output.String())
		}
	})
	return s
}

// Stop stops the shared servers. Call it from TestMain after the tests.
func Stop() {
	shared.Lock()
	defer shared.Unlock()
	for k, s := range shared.servers {
		s.stop()
		delete(shared.servers, k)
	}
}

// Run runs the package's tests, then stops the shared servers: the TestMain
// of a package that uses Shared and no CDK (testutil.Run does the same, given
// Stop as a cleanup).
func Run(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Reset empties the server: every service's state, in every account and
// region (moto's POST /moto-api/reset).
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	resp, err := http.Post(s.Endpoint+"/moto-api/reset", "application/json", nil)
	if err != nil {
		t.Fatalf("resetting moto_server: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("resetting moto_server: %s", resp.Status)
	}
}

func options(opts []Options) Options {
	if len(opts) > 0 {
		return opts[0]
	}
	return Options{}
}

var (
	lookups sync.Map // tool or "moto" -> error (nil when found), once per test binary
	motoErr = errors.New("moto with its server (python3 -c 'import moto.server')")
)

// missing returns the first of the tools (or moto) that is not installed,
// or "". Each is looked up once per test binary: the moto check starts
// Python.
func missing(tools []string) string {
	for _, tool := range append(slices.Clone(tools), "moto") {
		found, ok := lookups.Load(tool)
		if !ok {
			var err error
			if tool == "moto" {
				if exec.Command("python3", "-c", "import moto.server, flask").Run() != nil {
					err = motoErr
				}
			} else {
				_, err = exec.LookPath(tool)
			}
			found, _ = lookups.LoadOrStore(tool, err)
		}
		if found != nil {
			if tool == "moto" {
				return motoErr.Error()
			}
			return tool
		}
	}
	return ""
}

// require skips the test with -short (go test -short runs no emulator), and
// skips it, or fails it in CI, when moto or a tool is missing.
func require(t testing.TB, o Options) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the AWS API emulator test")
	}
	if m := missing(o.Tools); m != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: the machine image provides it", m)
		}
		t.Skipf("%s is not installed (pip install 'moto[server]' awscli): skipping the AWS API emulator test", m)
	}
}

// start runs a server and waits until it answers.
func start(o Options) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := []string{"-c", "import sys; from moto.server import main; sys.exit(main(sys.argv[1:]))"}
	if o.Script != "" {
		args = []string{o.Script}
	}
	cmd := exec.Command("python3", append(args, "-H", "127.0.0.1", "-p", fmt.Sprint(port))...)
	cmd.Env = append(os.Environ(), o.Env...)
	stopWithParent(cmd)
	// The server's errors (tracebacks) are shown when a test fails.
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), Account: Account, cmd: cmd, output: &tail{}}
	cmd.Stdout, cmd.Stderr = s.output, s.output
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.Endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("moto_server did not start: %v\n%s", err, s.output.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) stop() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

// tail keeps the last 16 KiB written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (w *tail) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if over := len(w.buf) - 16<<10; over > 0 {
		w.buf = w.buf[over:]
	}
	return len(p), nil
}

func (w *tail) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}

// Config is AWS SDK configuration for the server: its endpoint, moto's
// region, test credentials and the server's account. S3 clients also need
// UsePathStyle.
func (s *Server) Config() aws.Config {
	cfg := aws.Config{
		Region:           Region,
		Credentials:      credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint:     aws.String(s.Endpoint),
		RetryMaxAttempts: 1,
	}
	if s.Account != Account {
		cfg.APIOptions = append(cfg.APIOptions, smithyhttp.AddHeaderValue("x-moto-account-id", s.Account))
	}
	return cfg
}

// Context is a context for calls that ends with the test.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

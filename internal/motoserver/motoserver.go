// Package motoserver runs moto_server, the AWS API emulator on the machine
// image (moto 5.2), on a free port of 127.0.0.1 for the length of a test,
// and gives AWS SDK configuration that talks to it.
package motoserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region and Account are moto's defaults.
const (
	Region  = "eu-west-1"
	Account = "123456789012"
)

// Server is a running moto_server.
type Server struct {
	Endpoint string
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

// Start runs moto_server until the test ends. Without moto (or a tool the
// options name) it skips the test, except in CI (CI=true), where the
// machine image must provide it.
func Start(t testing.TB, opts ...Options) *Server {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	missing := ""
	for _, tool := range o.Tools {
		if _, err := exec.LookPath(tool); err != nil && missing == "" {
			missing = tool
		}
	}
	if err := exec.Command("python3", "-c", "import moto.server, flask").Run(); err != nil && missing == "" {
		missing = "moto with its server (python3 -c 'import moto.server')"
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: the machine image provides it", missing)
		}
		t.Skipf("%s is not installed (pip install 'moto[server]' awscli): skipping the AWS API emulator test", missing)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := []string{"-c", "import sys; from moto.server import main; sys.exit(main(sys.argv[1:]))"}
	if o.Script != "" {
		args = []string{o.Script}
	}
	cmd := exec.Command("python3", append(args, "-H", "127.0.0.1", "-p", fmt.Sprint(port))...)
	cmd.Env = append(os.Environ(), o.Env...)
	// The server's errors (tracebacks) are shown when the test fails.
	var output tail
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("moto_server's last output:\n%s", output.String())
		}
	})
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port)}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.Endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not start: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
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
// region and test credentials. S3 clients also need UsePathStyle.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:           Region,
		Credentials:      credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint:     aws.String(s.Endpoint),
		RetryMaxAttempts: 1,
	}
}

// Context is a context for calls that ends with the test.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

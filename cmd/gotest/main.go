// Command gotest runs `go test` and ends with a summary of the tests that
// skipped, which `go test ./...` hides behind "ok" (a test skips when a tool
// or data it needs is missing: moto, the AWS CLI, ../shared, the CDK CLI).
// It is the README's test command:
//
//	go run ./cmd/gotest ./...
//
// Its arguments go to `go test -json` as they are (packages, -run, -short,
// -count...). It prints what `go test` prints without -v: a line per
// package, and the output of failed tests and failed packages in full; -v
// prints every test's output. Then one line per skipped test with its
// reason, and a count. The exit code is go test's; with CI=true a skipped
// test fails the run too, since CI installs every tool the tests need.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
)

func main() {
	args := append([]string{"test", "-json"}, os.Args[1:]...)
	cmd := exec.Command("go", args...)
	cmd.Stdin, cmd.Stderr = os.Stdin, os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gotest:", err)
		os.Exit(2)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "gotest:", err)
		os.Exit(2)
	}
	verbose := slices.ContainsFunc(os.Args[1:], func(a string) bool { return a == "-v" || a == "-test.v" || a == "-v=true" })
	s, readErr := Summarize(stdout, os.Stdout, verbose)
	code := 0
	if err := cmd.Wait(); err != nil {
		code = 1
		if e, ok := err.(*exec.ExitError); ok {
			code = e.ExitCode()
		}
	}
	if readErr != nil {
		fmt.Fprintln(os.Stderr, "gotest: reading go test -json:", readErr)
		code = max(code, 2)
	}
	if n := len(s.Skipped); n > 0 && os.Getenv("CI") == "true" {
		fmt.Printf("FAIL: CI=true and %d %s skipped: CI must provide every tool and data set the tests need\n", n, plural(n, "test"))
		code = max(code, 1)
	}
	os.Exit(code)
}

// Skip is a skipped test and why.
type Skip struct {
	Package, Test, Reason string
}

// Summary is what Summarize saw.
type Summary struct {
	Skipped []Skip
	// Failed counts failed tests.
	Failed int
}

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string
}

// Summarize reads `go test -json` from r and writes to w what `go test`
// prints (everything with verbose), then the skipped tests and a count.
func Summarize(r io.Reader, w io.Writer, verbose bool) (Summary, error) {
	var s Summary
	output := map[string][]string{} // package + "\x00" + test -> its lines
	key := func(e event) string { return e.Package + "\x00" + e.Test }
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if json.Unmarshal(line, &e) != nil || e.Action == "" {
			fmt.Fprintln(w, string(line)) // not an event: pass it on
			continue
		}
		switch e.Action {
		case "build-output":
			fmt.Fprint(w, e.Output)
		case "output":
			if verbose {
				fmt.Fprint(w, e.Output)
			} else {
				output[key(e)] = append(output[key(e)], e.Output)
			}
		case "skip":
			if e.Test != "" {
				s.Skipped = append(s.Skipped, Skip{e.Package, e.Test, reason(output[key(e)])})
			} else if !verbose {
				printPackage(w, output[key(e)], false)
			}
			delete(output, key(e))
		case "fail":
			if e.Test != "" {
				s.Failed++
			}
			if !verbose {
				printPackage(w, output[key(e)], true)
			}
			delete(output, key(e))
		case "pass":
			if e.Test == "" && !verbose {
				printPackage(w, output[key(e)], false)
			}
			delete(output, key(e))
		}
	}
	slices.SortFunc(s.Skipped, func(a, b Skip) int {
		return strings.Compare(a.Package+" "+a.Test, b.Package+" "+b.Test)
	})
	if len(s.Skipped) == 0 {
		fmt.Fprintln(w, "skipped: none")
	} else {
		fmt.Fprintf(w, "skipped: %d %s\n", len(s.Skipped), plural(len(s.Skipped), "test"))
		for _, k := range s.Skipped {
			fmt.Fprintf(w, "  %s %s: %s\n", k.Package, k.Test, k.Reason)
		}
	}
	return s, sc.Err()
}

// printPackage prints a test's or a package's lines: all of them when it
// failed, else only the package's result line ("ok", "?").
func printPackage(w io.Writer, lines []string, failed bool) {
	for _, l := range lines {
		if failed || strings.HasPrefix(l, "ok ") || strings.HasPrefix(l, "?") {
			fmt.Fprint(w, l)
		}
	}
}

// reason is what a skipped test logged (t.Skip's message), on one line.
func reason(lines []string) string {
	var out []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		// "file_test.go:12: message" -> "message"
		if i := strings.Index(t, ".go:"); i > 0 && !strings.Contains(t[:i], " ") {
			if j := strings.Index(t[i+4:], ": "); j >= 0 {
				t = t[i+4+j+2:]
			}
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return "(no reason given)"
	}
	return strings.Join(out, " ")
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

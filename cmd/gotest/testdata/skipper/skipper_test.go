// Package skipper has tests that pass, skip and (with GOTEST_FAIL=1) fail,
// for cmd/gotest's test.
package skipper

import (
	"os"
	"testing"
)

func TestPasses(t *testing.T) { t.Log("fine") }

func TestSkips(t *testing.T) { t.Skip("moto is not installed (pip install 'moto[server]')") }

func TestSubtests(t *testing.T) {
	t.Run("runs", func(t *testing.T) {})
	t.Run("skips", func(t *testing.T) { t.Skipf("-short: skipping %d syntheses", 3) })
}

func TestFails(t *testing.T) {
	if os.Getenv("GOTEST_FAIL") == "1" {
		t.Error("failed on purpose")
	}
}

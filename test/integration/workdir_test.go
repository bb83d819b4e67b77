package integration_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// workDir returns a directory named name that this clone's test runs keep
// between runs: below the user's cache directory, one per clone (a hash of
// its path). A copy of the repository there is compiled from the same
// directory each run, so the Go build cache serves it (the compiler's cache
// keys hold the source directory), and a binary built there with go build
// -o is not linked again while it is up to date. The directory is locked
// for the test: another test process of the same clone that finds it locked
// (two go test runs at once) gets a temporary directory instead, as does a
// machine without a cache directory.
func workDir(t *testing.T, name string) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		return t.TempDir()
	}
	abs, err := filepath.Abs(root)
	require.NoError(t, err)
	sum := sha256.Sum256([]byte(abs))
	dir := filepath.Join(cache, "sagemaker-catalog", "test", hex.EncodeToString(sum[:8]), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return t.TempDir()
	}
	unlock, ok := lock(filepath.Join(dir, ".lock"))
	if !ok {
		return t.TempDir()
	}
	t.Cleanup(unlock)
	return dir
}

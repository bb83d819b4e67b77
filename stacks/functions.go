package stacks

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

// FunctionsPackage is the Go package of the catalog's Lambda functions.
const FunctionsPackage = "github.com/datalake-platform/sagemaker-catalog/functions"

var (
	functionsOnce sync.Once
	functionsDir  string
	functionsErr  error
)

// FunctionsAsset builds the catalog's Lambda functions (FunctionsPackage)
// for the provided.al2023 runtime on arm64, without Docker: a static,
// reproducible cross-compiled binary named bootstrap. It returns the
// directory that holds it, named after the binary's hash in the user's
// cache directory, so that processes share it and the asset (hashed by
// content) is the same for the same sources and Go version. It builds once
// per process; with a warm Go build cache that costs about 0.2 s.
func FunctionsAsset() (string, error) {
	functionsOnce.Do(func() { functionsDir, functionsErr = buildFunctions() })
	return functionsDir, functionsErr
}

func buildFunctions() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	root := filepath.Join(cache, "sagemaker-catalog", "functions")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(root, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "bootstrap")
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc",
		"-ldflags", "-s -w -buildid=", "-o", out, FunctionsPackage)
	// Build from this module's source when it is on disk (this repository,
	// or the module cache of a team that imports it).
	if _, file, _, ok := runtime.Caller(0); ok {
		if dir := filepath.Join(filepath.Dir(file), "..", "functions"); isDir(dir) {
			cmd.Dir = dir
			cmd.Args[len(cmd.Args)-1] = "."
		}
	}
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the catalog's Lambda functions (%s): %v\n%s", FunctionsPackage, err, b)
	}
	body, err := os.ReadFile(out)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(body)
	dir := filepath.Join(root, hex.EncodeToString(sum[:8]))
	if isDir(dir) {
		return dir, nil
	}
	if err := os.Rename(tmp, dir); err != nil && !isDir(dir) {
		return "", err
	}
	return dir, nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

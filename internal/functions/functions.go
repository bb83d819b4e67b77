// Package functions gives the catalog's Lambda functions (lambda/cmd/functions:
// the janitor and the workspace function in one Go binary) to the CDK as a
// code asset that the asset system builds: locally with the Go toolchain,
// cross-compiled for provided.al2023 on arm64 (no Docker), or, where no Go
// toolchain is found, in the official Go image with Docker.
//
// The asset's hash is computed from the sources the binary is built from
// (see Sources), so that the CDK builds it only when one of them changes: it
// keeps the binary in the cloud assembly under that hash (cdk.out/asset.*),
// and skips the build when it is there already.
package functions

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/jsii-runtime-go"
)

// Package is the Go package of the catalog's functions, relative to the module root.
const Package = "./lambda/cmd/functions"

// Sources are the module's directories (recursively) and files the
// functions are built from; a test checks that the binary's packages lie
// within them.
var Sources = []string{"lambda", "internal/names", "go.mod", "go.sum"}

// BuildFlags and BuildEnv are the cross-compilation settings; part of the hash.
var (
	BuildFlags = []string{"build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc", "-ldflags", "-s -w -buildid="}
	BuildEnv   = []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64"}
)

// Image is the container image that builds the functions where no Go
// toolchain is installed.
const Image = "public.ecr.aws/docker/library/golang:1.26"

// ModuleRoot is the directory of this module's source: this repository, or
// the module cache of a team that imports it.
func ModuleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

var (
	hashOnce sync.Once
	hash     string
	hashErr  error
)

// Hash identifies the functions' sources: the Go version and flags, and the
// content of every file of Sources. It reads them once per process.
func Hash() (string, error) {
	hashOnce.Do(func() { hash, hashErr = sourceHash(ModuleRoot()) })
	return hash, hashErr
}

func sourceHash(root string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%q\n%q\n", runtime.Version(), BuildFlags, BuildEnv)
	var files []string
	for _, s := range Sources {
		err := filepath.WalkDir(filepath.Join(root, s), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (filepath.Ext(path) == ".go" && !strings.HasSuffix(path, "_test.go") || filepath.Ext(path) != ".go" && !strings.Contains(path, "testdata")) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	slices.Sort(files)
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(root, f)
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(body))
		h.Write(body)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Code returns the functions as a Lambda code asset. It panics if the
// sources cannot be read.
func Code() awslambda.Code {
	root := ModuleRoot()
	sum, err := Hash()
	if err != nil {
		panic(fmt.Errorf("the catalog's Lambda functions (%s): reading the sources: %w", Package, err))
	}
	script := strings.Join(BuildEnv, " ") + " go " + strings.Join(quoted(BuildFlags), " ") + " -o /asset-output/bootstrap " + Package
	return awslambda.Code_FromAsset(jsii.String(root), &awss3assets.AssetOptions{
		AssetHash:     jsii.String(sum),
		AssetHashType: awscdk.AssetHashType_CUSTOM,
		Bundling: &awscdk.BundlingOptions{
			Image:   awscdk.DockerImage_FromRegistry(jsii.String(Image)),
			Command: jsii.Strings("bash", "-c", script),
			Local:   &localBuild{root: root},
		},
	})
}

// localBuild cross-compiles the functions with the Go toolchain on PATH.
type localBuild struct{ root string }

// TryBundle puts bootstrap into outputDir: a copy of the binary built
// before from the same sources (kept in the user's cache directory under
// the hash, so that a fresh cloud assembly does not build again), or a new
// build. It returns false (the CDK then tries Docker) when it must build and
// no Go toolchain is found, and panics when the build fails.
func (b *localBuild) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	out := filepath.Join(*outputDir, "bootstrap")
	sum, _ := Hash()
	cached := ""
	if dir, err := os.UserCacheDir(); err == nil && sum != "" {
		cached = filepath.Join(dir, "sagemaker-catalog", "functions", sum, "bootstrap")
		if copyFile(cached, out) == nil {
			return jsii.Bool(true)
		}
	}
	if _, err := exec.LookPath("go"); err != nil {
		return jsii.Bool(false)
	}
	if err := Build(b.root, out); err != nil {
		panic(err)
	}
	if cached != "" && os.MkdirAll(filepath.Dir(cached), 0o755) == nil {
		// Another process may write the same content meanwhile: write a
		// temporary file, then rename it into place.
		tmp := cached + ".tmp" + strconv.Itoa(os.Getpid())
		if copyFile(out, tmp) == nil {
			_ = os.Rename(tmp, cached)
		}
	}
	return jsii.Bool(true)
}

func copyFile(from, to string) error {
	body, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, body, 0o755)
}

// Build cross-compiles the functions of the module at root into out.
func Build(root, out string) error {
	cmd := exec.Command("go", append(slices.Clone(BuildFlags), "-o", out, Package)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), BuildEnv...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the catalog's Lambda functions (%s): %v\n%s", Package, err, b)
	}
	return nil
}

func quoted(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return out
}

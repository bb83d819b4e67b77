// Package app is the body of the CDK app (main.go): it reads the
// configuration from the app's context, composes the stacks, records the
// cdk-nag suppressions and, when asked, adds the rule packs. Tests build the
// app through it, exactly as `cdk synth` does.
package app

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/datalake-platform/sagemaker-catalog/checks"
	"github.com/datalake-platform/sagemaker-catalog/checks/nag"
	"github.com/datalake-platform/sagemaker-catalog/constructs/product"
	"github.com/datalake-platform/sagemaker-catalog/internal/config"
	"github.com/datalake-platform/sagemaker-catalog/internal/functions"
	"github.com/datalake-platform/sagemaker-catalog/stacks"
)

// Build reads the configuration from app's context, adds the catalog (or
// its pipeline) and records the cdk-nag suppressions; with nag=true it
// checks the app with the cdk-nag packs too.
func Build(app awscdk.App) error {
	_, err := build(app)
	return err
}

func build(app awscdk.App) (config.Config, error) {
	ctx, _ := app.Node().GetAllContext(nil).(map[string]any)
	cfg, err := config.FromContext(ctx)
	if err != nil {
		return cfg, err
	}
	// Version snapshots belong to the app: relative to cdk.json's directory.
	if cfg.ProductVersionsDir, err = filepath.Abs(cfg.ProductVersionsDir); err != nil {
		return cfg, fmt.Errorf("context: productVersionsDir: %w", err)
	}
	stacks.New(app, cfg, functions.Code)
	repository := ""
	if cfg.Pipeline != nil {
		repository = cfg.Pipeline.Repository
	}
	checks.Apply(app, cfg.StackName, repository, cfg.DataBucketArns)
	if cfg.Nag {
		nag.Apply(app)
	}
	return cfg, nil
}

// Synth creates an App with props (nil: the CDK CLI's context and output
// directory, from the environment the CLI gives the app), builds it and
// synthesizes it; then it releases the product version the configuration's
// release names, or checks that no released version changed (Versions).
// It returns the cloud assembly's directory, or an error without a Go or
// JavaScript stack trace: a construct's validation panic, an error the CDK
// raised in Node.js, or a released version that changed.
func Synth(props *awscdk.AppProps) (dir string, err error) {
	err = guard(func() error {
		a := awscdk.NewApp(props)
		cfg, err := build(a)
		if err != nil {
			return err
		}
		dir = *a.Synth(nil).Directory()
		if err := Versions(a, cfg); err != nil {
			return err
		}
		for _, l := range product.Locks(a) {
			switch {
			case cfg.Release != "":
				fmt.Fprintf(Notices, "released product version %s of %s: commit %s\n", l.Version, catalogOf(l.Node().Path()), relative(l.Snapshot))
			case !l.Released():
				fmt.Fprintf(Notices, "note: product version %s of %s is not released, and may still change: release it before analysts use it (docs/releasing.md)\n", l.Version, catalogOf(l.Node().Path()))
			}
		}
		return nil
	})
	return dir, err
}

// Notices receives one line per catalog after synthesis: an unreleased
// product version, or the snapshot a release wrote.
var Notices io.Writer = os.Stderr

// relative returns path relative to the working directory (where cdk.json
// is) when it is below it.
func relative(path string) string {
	if wd, err := filepath.Abs("."); err == nil {
		if rel, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return path
}

// catalogOf returns the catalog's stack path from a path below it.
func catalogOf(path *string) string { return (*path)[:strings.LastIndex(*path, "/")] }

// Versions runs after synthesis: with cfg.Release set, it releases the
// current product version of every catalog in app (writes its snapshot to
// cfg.ProductVersionsDir); else it checks that no released version's
// template changed. A changed version is one line naming the properties
// (and the keys) that changed it and the next step.
func Versions(app awscdk.App, cfg config.Config) error {
	var errs []error
	for _, l := range product.Locks(app) {
		var err error
		if cfg.Release != "" {
			err = l.Release()
		} else {
			err = l.Check()
		}
		if changed := (*product.ChangedError)(nil); errors.As(err, &changed) {
			err = releasedVersionChanged(changed, cfg)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// releasedVersionChanged says which released version changed, what changed
// it (the configuration keys, and the template's properties) and what to
// do, in one line.
func releasedVersionChanged(e *product.ChangedError, cfg config.Config) error {
	var keys []string
	for _, c := range e.Changes {
		if key, ok := config.ProductProperties[c]; ok && !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	what := "its template would change"
	if len(keys) > 0 {
		what = strings.Join(keys, ", ") + " would change its template"
	}
	snapshot := relative(e.Snapshot)
	next := nextVersion(cfg.ProductVersion, cfg.PreviousProductVersions)
	previous := strings.Join(append(slices.Clone(cfg.PreviousProductVersions), cfg.ProductVersion), ",")
	return fmt.Errorf("product version %s of %s is released (%s) and %s (%s); "+
		"to ship the change, set productVersion to %s and previousProductVersions to %s in cdk.json, "+
		"then run npx cdk synth --quiet -c release=%s and commit cdk.json and %s (docs/releasing.md); to keep %s, undo the change "+
		"(a clone without the cdk.json %s was released with: use that cdk.json)",
		e.Version, catalogOf(&e.Path), snapshot, what, e.Describe(),
		next, previous, next, filepath.Dir(snapshot), e.Version, e.Version)
}

// nextVersion proposes the name after current: its trailing number plus
// one (v1 -> v2), or current with "-2" appended, never a name in use.
func nextVersion(current string, previous []string) string {
	i := len(current)
	for i > 0 && current[i-1] >= '0' && current[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(current[i:])
	if err != nil {
		current, n = current+"-", 1
		i = len(current)
	}
	for {
		n++
		next := current[:i] + strconv.Itoa(n)
		if next != current && !slices.Contains(previous, next) {
			return next
		}
	}
}

// guard runs f and turns a panic (a construct's validation error, or an
// error raised by the CDK in Node.js) into an error without a stack trace.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = PanicError(r)
		}
	}()
	return f()
}

// PanicError turns a recovered panic value into an error of its message,
// without the JavaScript stack that jsii errors carry.
func PanicError(r any) error {
	var msg string
	switch v := r.(type) {
	case error:
		msg = v.Error()
	default:
		msg = fmt.Sprint(v)
	}
	// jsii errors carry the JavaScript stack after the message.
	var lines []string
	for _, line := range strings.Split(msg, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "at ") {
			break
		}
		lines = append(lines, line)
	}
	return errors.New(strings.TrimSpace(strings.Join(lines, "\n")))
}

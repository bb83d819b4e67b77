// Package app is the body of the CDK app (main.go): it reads the
// configuration from the app's context, composes the stacks, records the
// cdk-nag suppressions and, when asked, adds the rule packs. Tests build the
// app through it, exactly as `cdk synth` does.
package app

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/datalake-platform/sagemaker-catalog/checks"
	"github.com/datalake-platform/sagemaker-catalog/checks/nag"
	"github.com/datalake-platform/sagemaker-catalog/internal/config"
	"github.com/datalake-platform/sagemaker-catalog/internal/functions"
	"github.com/datalake-platform/sagemaker-catalog/stacks"
)

// Build reads the configuration from app's context, adds the catalog (or
// its pipeline) and records the cdk-nag suppressions; with nag=true it
// checks the app with the cdk-nag packs too.
func Build(app awscdk.App) error {
	ctx, _ := app.Node().GetAllContext(nil).(map[string]any)
	cfg, err := config.FromContext(ctx)
	if err != nil {
		return err
	}
	// Version snapshots belong to the app: relative to cdk.json's directory.
	if cfg.ProductVersionsDir, err = filepath.Abs(cfg.ProductVersionsDir); err != nil {
		return fmt.Errorf("context: productVersionsDir: %w", err)
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
	return nil
}

// Synth creates an App with props (nil: the CDK CLI's context and output
// directory, from the environment the CLI gives the app), builds it and
// synthesizes it. It returns the cloud assembly's directory, or an error
// without a Go or JavaScript stack trace: a construct's validation panic,
// or an error the CDK raised in Node.js.
func Synth(props *awscdk.AppProps) (dir string, err error) {
	err = guard(func() error {
		a := awscdk.NewApp(props)
		if err := Build(a); err != nil {
			return err
		}
		dir = *a.Synth(nil).Directory()
		return nil
	})
	return dir, err
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

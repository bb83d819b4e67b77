// Command sagemaker-catalog is the CDK app of the self-service SageMaker
// notebook catalog. It reads its configuration from CDK context (defaults in
// cdk.json and stacks.ContextKeys, overrides with `cdk synth -c key=value`),
// builds the catalog stack and synthesizes it.
//
// A bad configuration value stops synthesis with exit code 1 and one line per
// problem naming the key, the value and what is allowed.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/stacks"
)

func main() {
	os.Exit(run())
}

func run() int {
	defer jsii.Close()
	app := awscdk.NewApp(&awscdk.AppProps{
		// CDK's built-in CloudFormation validation costs about 1.3 s per
		// synthesis (its WebAssembly engine); CI runs cfn-lint and the schema
		// tests on every template instead. CDK_VALIDATION=true turns it on.
		BuiltinCloudFormationValidation: jsii.Bool(os.Getenv("CDK_VALIDATION") == "true"),
	})
	err := guard(func() error {
		if _, err := build(app); err != nil {
			return err
		}
		app.Synth(nil)
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	return 0
}

// build reads the configuration from app's context and adds the catalog stack.
func build(app awscdk.App) (*stacks.CatalogStack, error) {
	values := map[string]string{}
	for _, k := range stacks.ContextKeys {
		v := app.Node().TryGetContext(jsii.String(k.Name))
		if v == nil {
			continue
		}
		s, err := stacks.ContextString(v)
		if err != nil {
			return nil, fmt.Errorf("context: %s: %w", k.Name, err)
		}
		values[k.Name] = s
	}
	cfg, err := stacks.ParseContext(values)
	if err != nil {
		return nil, err
	}
	// Version snapshots belong to the app: relative to cdk.json's directory.
	if cfg.ProductVersionsDir, err = filepath.Abs(cfg.ProductVersionsDir); err != nil {
		return nil, fmt.Errorf("context: productVersionsDir: %w", err)
	}
	if cfg.Nag {
		stacks.ApplyNagPacks(app)
	}
	if cfg.Pipeline != nil {
		stacks.NewPipelineStack(app, jsii.String(stacks.PipelineStackId(cfg)), cfg)
		return nil, nil
	}
	return stacks.NewCatalogStack(app, jsii.String(cfg.StackName), &stacks.CatalogStackProps{Config: &cfg}), nil
}

// guard runs f and turns a panic (a construct's validation error, or an
// error raised by the CDK in Node.js) into an error without a stack trace.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError(r)
		}
	}()
	return f()
}

func panicError(r any) error {
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

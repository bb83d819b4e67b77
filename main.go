// Command sagemaker-catalog is the CDK app of the self-service SageMaker
// notebook catalog. It reads its configuration from CDK context (defaults in
// internal/config, a deployment's values in cdk.json, overrides with
// `cdk synth -c key=value`), builds the catalog (or its pipeline) and
// synthesizes it.
//
// A bad configuration value stops synthesis with exit code 1 and one line per
// problem naming the key, the value and what is allowed.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/internal/app"
)

func main() {
	os.Exit(run())
}

func run() int {
	defer jsii.Close()
	_, err := app.Synth(&awscdk.AppProps{
		// CDK's built-in CloudFormation validation costs about 1.3 s per
		// synthesis (its WebAssembly engine); CI runs cfn-lint and the schema
		// tests on every template instead. CDK_VALIDATION=true turns it on.
		BuiltinCloudFormationValidation: jsii.Bool(os.Getenv("CDK_VALIDATION") == "true"),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	return 0
}

// Command floor is the benchmark's floor: a Go CDK app, built with the same
// dependencies as the catalog, that synthesizes one empty stack. Its time is
// mostly starting the jsii runtime and loading the CDK in Node.js.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	awscdk.NewStack(app, jsii.String("Floor"), nil)
	app.Synth(nil)
}

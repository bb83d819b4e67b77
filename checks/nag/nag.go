// Package nag checks an app with the cdk-nag rule packs the catalog is held
// to; the findings it accepts are recorded by the checks package.
package nag

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// PackNames are the cdk-nag rule packs the catalog is checked against.
var PackNames = []string{"AwsSolutions", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"}

// Apply checks everything under scope (an App or a Stage, product stacks
// included) with the packs: unsuppressed findings become error and warning
// annotations, which fail `cdk synth`.
func Apply(scope constructs.IConstruct) {
	props := &cdknag.NagPackProps{Verbose: jsii.Bool(true), Reports: jsii.Bool(false)}
	for _, pack := range []awscdk.IAspect{
		cdknag.NewAwsSolutionsChecks(props),
		cdknag.NewHIPAASecurityChecks(props),
		cdknag.NewNIST80053R5Checks(props),
		cdknag.NewPCIDSS321Checks(props),
	} {
		awscdk.Aspects_Of(scope).Add(pack, nil)
	}
}

// Package arns formats the ARNs the catalog's constructs grant on, in the
// partition, region and account of the stack that holds the grant.
package arns

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// CatalogNamePrefix starts the names of the resources the notebook product
// names after its stack (SC-<account>-pp-<id>), in the lower case SageMaker
// uses in the ARNs it returns.
const CatalogNamePrefix = "sc-"

// Slash formats service:region:account:resource/name in scope's stack.
func Slash(scope constructs.IConstruct, service, resource, name string) *string {
	return awscdk.Stack_Of(scope).FormatArn(&awscdk.ArnComponents{Service: jsii.String(service), Resource: jsii.String(resource),
		ResourceName: jsii.String(name), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME})
}

// Global formats an ARN without a region (IAM, STS) in scope's stack.
func Global(scope constructs.IConstruct, service, resource, name string) *string {
	return awscdk.Stack_Of(scope).FormatArn(&awscdk.ArnComponents{Service: jsii.String(service), Region: jsii.String(""),
		Resource: jsii.String(resource), ResourceName: jsii.String(name), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME})
}

// LogGroup formats the ARN of a log group (or of its streams, with a
// ":log-stream:..." suffix) in scope's stack.
func LogGroup(scope constructs.IConstruct, name string) *string {
	return awscdk.Stack_Of(scope).FormatArn(&awscdk.ArnComponents{Service: jsii.String("logs"), Resource: jsii.String("log-group"),
		ResourceName: jsii.String(name), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME})
}

// CatalogNotebooks is the ARN pattern of the notebooks the catalog launches:
// named after their SC-* stacks, lower-cased in SageMaker's ARNs.
func CatalogNotebooks(scope constructs.IConstruct) *string {
	return Slash(scope, "sagemaker", "notebook-instance", CatalogNamePrefix+"*")
}

// StackInstance is the last part of scope's stack's ID (a UUID): unique to
// each instance of the stack, so that a name that ends with it does not
// collide with what a deleted instance of the same stack kept (retained log
// groups, for example) when the stack is deployed again.
func StackInstance(scope constructs.IConstruct) *string {
	return awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), awscdk.Stack_Of(scope).StackId(), nil))
}

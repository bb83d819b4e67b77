package actions_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/actions"
)

// Stop, Start and Open on a notebook product with two versions, and an
// analysts' role that may run them.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), nil)
	product := awsservicecatalog.NewCloudFormationProduct(stack, jsii.String("Notebook"), &awsservicecatalog.CloudFormationProductProps{
		ProductName: jsii.String("SageMaker notebook"), Owner: jsii.String("Platform"),
		ProductVersions: &[]*awsservicecatalog.CloudFormationProductVersion{
			{ProductVersionName: jsii.String("v1"), CloudFormationTemplate: awsservicecatalog.CloudFormationTemplate_FromUrl(jsii.String("https://example.com/v1.yaml"))},
			{ProductVersionName: jsii.String("v2"), CloudFormationTemplate: awsservicecatalog.CloudFormationTemplate_FromUrl(jsii.String("https://example.com/v2.yaml"))},
		},
	})

	a := actions.New(stack, jsii.String("Actions"), &actions.Props{Product: product, Versions: jsii.Number(2)})
	analysts := awsiam.NewRole(stack, jsii.String("Analysts"), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()})
	for _, s := range a.EndUserStatements() {
		analysts.AddToPrincipalPolicy(s)
	}

	for _, x := range a.Actions {
		fmt.Println(x.Name, "calls", x.Api)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	fmt.Println(len(*tmpl.FindResources(jsii.String("AWS::ServiceCatalog::ServiceActionAssociation"), nil)), "associations")
	// Output:
	// StopNotebook calls StopNotebookInstance
	// StartNotebook calls StartNotebookInstance
	// OpenNotebook calls CreatePresignedNotebookInstanceUrl
	// 6 associations
}

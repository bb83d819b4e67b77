package actions_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/actions"
)

// Stop and Start on a notebook product with two versions; analysts run
// them through Service Catalog, which assumes each action's role.
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

	a := actions.New(stack, jsii.String("Actions"), &actions.Props{
		Product: product, Versions: jsii.Number(2),
		// What starting a notebook needs: its role, its key, its network.
		NotebookRoleArns: *jsii.Strings("arn:aws:iam::123456789012:role/catalog/notebooks/*"),
		KmsKeyArns:       *jsii.Strings("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
		SubnetIds:        *jsii.Strings("subnet-0123456789abcdef0"),
		SecurityGroupIds: *jsii.Strings("sg-0123456789abcdef0"),
	})

	for _, x := range a.Actions {
		fmt.Println(x.Name, "calls", x.Api)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	fmt.Println(len(*tmpl.FindResources(jsii.String("AWS::ServiceCatalog::ServiceActionAssociation"), nil)), "associations")
	// Output:
	// StopNotebook calls StopNotebookInstance
	// StartNotebook calls StartNotebookInstance
	// 4 associations
}

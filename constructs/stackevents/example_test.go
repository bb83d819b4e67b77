package stackevents_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/stackevents"
)

// The stack events of a product's provisioned stacks, mailed to the
// platform team.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), nil)
	portfolio := awsservicecatalog.NewPortfolio(stack, jsii.String("Portfolio"), &awsservicecatalog.PortfolioProps{
		DisplayName: jsii.String("Notebooks"), ProviderName: jsii.String("Platform"),
	})
	product := awsservicecatalog.NewCloudFormationProduct(stack, jsii.String("Notebook"), &awsservicecatalog.CloudFormationProductProps{
		ProductName: jsii.String("SageMaker notebook"), Owner: jsii.String("Platform"),
		ProductVersions: &[]*awsservicecatalog.CloudFormationProductVersion{{
			CloudFormationTemplate: awsservicecatalog.CloudFormationTemplate_FromUrl(jsii.String("https://example.com/notebook.yaml")),
		}},
	})

	e := stackevents.New(stack, jsii.String("StackEvents"), &stackevents.Props{Portfolio: portfolio, Product: product})
	awssns.NewSubscription(stack, jsii.String("Platform"), &awssns.SubscriptionProps{
		Topic: e.Topic, Protocol: awssns.SubscriptionProtocol_EMAIL, Endpoint: jsii.String("platform@example.com"),
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	for _, typ := range []string{"AWS::ServiceCatalog::LaunchNotificationConstraint", "AWS::SNS::Topic", "AWS::KMS::Key", "AWS::SNS::Subscription"} {
		fmt.Println(len(*tmpl.FindResources(jsii.String(typ), nil)), typ)
	}
	// Output:
	// 1 AWS::ServiceCatalog::LaunchNotificationConstraint
	// 1 AWS::SNS::Topic
	// 1 AWS::KMS::Key
	// 1 AWS::SNS::Subscription
}

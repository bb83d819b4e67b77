package product_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/product"
)

// A product with two versions: one defined in Go, one from a template file.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), nil)

	v1 := awsservicecatalog.NewProductStack(stack, jsii.String("TopicV1"), nil)
	awssns.NewTopic(v1, jsii.String("Topic"), nil)

	p := product.New(stack, jsii.String("TopicProduct"), &product.Props{
		ProductName: jsii.String("Team topic"),
		Owner:       jsii.String("Platform team"),
		Versions: []product.Version{
			{ProductStack: v1},
			{Name: jsii.String("v2"), TemplateFile: jsii.String("testdata/topic.yaml")},
		},
	})

	fmt.Println(p.ResourceTypes())
	// Output:
	// [AWS::SNS::Topic AWS::SQS::Queue]
}

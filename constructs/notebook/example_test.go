package notebook_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/notebook"
)

// The notebook product template with a smaller choice of sizes.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), nil)

	n := notebook.New(stack, jsii.String("Notebook"), &notebook.Props{
		AllowedInstanceTypes: []string{"ml.t3.medium", "ml.m5.xlarge"},
		MaxVolumeSizeGB:      jsii.Number(200),
	})

	fmt.Println(*n.NotebookInstance.DirectInternetAccess(), *n.NotebookInstance.RootAccess())
	fmt.Println(n.InstanceType.Default(), *n.VolumeSizeInGB.MaxValue())
	fmt.Println(n.Parameters.KmsKeyArn)
	// Output:
	// Disabled Disabled
	// ml.t3.medium 200
	// /SageMakerCatalog/notebook/kms-key-arn
}

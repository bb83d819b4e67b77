package portfolio_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/portfolio"
)

// A portfolio whose analysts tag what they launch with a cost center and a project.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), nil)

	p := portfolio.New(stack, jsii.String("Portfolio"), &portfolio.Props{
		DisplayName:  jsii.String("Data lake notebooks"),
		ProviderName: jsii.String("Data platform team"),
		TagOptions: map[string][]string{
			"CostCenter": {"cc-1001", "cc-1002"},
			"Project":    {"churn"},
		},
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	fmt.Println(*p.Node().Path())
	fmt.Println(len(*tmpl.FindResources(jsii.String("AWS::ServiceCatalog::TagOption"), nil)), "TagOptions")
	fmt.Println(len(*tmpl.FindResources(jsii.String("AWS::ServiceCatalog::TagOptionAssociation"), nil)), "associated with the portfolio")
	// Output:
	// Catalog/Portfolio
	// 3 TagOptions
	// 3 associated with the portfolio
}

package principals_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/principals"
)

// Give an IAM role and every IAM Identity Center "DataAnalyst" role access to a portfolio.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), nil)
	portfolio := awsservicecatalog.NewPortfolio(stack, jsii.String("Portfolio"), &awsservicecatalog.PortfolioProps{
		DisplayName: jsii.String("Notebooks"), ProviderName: jsii.String("Platform"),
	})

	p := principals.New(stack, jsii.String("Analysts"), &principals.Props{
		Portfolio:     portfolio,
		PrincipalArns: []string{"arn:aws:iam::123456789012:role/analyst"},
		Patterns:      []string{"arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataAnalyst_*"},
	})

	fmt.Println(len(p.Roles), "role,", len(p.PatternAssociations), "pattern")
	fmt.Println(*p.PatternAssociations[0].PrincipalType())
	// Output:
	// 1 role, 1 pattern
	// IAM_PATTERN
}

package analystrole_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/analystrole"
)

// The analysts' role for a product, given access to its portfolio.
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
	portfolio.AddProduct(product)

	r := analystrole.New(stack, jsii.String("AnalystRole"), &analystrole.Props{
		Product:    product,
		PolicyName: jsii.String("Catalog-analyst-policy"),
		RoleName:   jsii.String("Catalog-analyst"),
	})
	portfolio.GiveAccessToRole(r.Role)

	tmpl := assertions.Template_FromStack(stack, nil)
	for _, role := range *tmpl.FindResources(jsii.String("AWS::IAM::Role"), nil) {
		props := (*role)["Properties"].(map[string]any)
		trust := props["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)[0].(map[string]any)
		fmt.Println(props["RoleName"], trust["Condition"])
	}
	for _, policy := range *tmpl.FindResources(jsii.String("AWS::IAM::ManagedPolicy"), nil) {
		props := (*policy)["Properties"].(map[string]any)
		for _, s := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			if s := s.(map[string]any); s["Sid"] == "OpenOwnNotebooks" {
				fmt.Println(props["ManagedPolicyName"], s["Condition"])
			}
		}
	}
	// Output:
	// Catalog-analyst map[StringEquals:map[sts:RoleSessionName:${aws:username}]]
	// Catalog-analyst-policy map[StringEquals:map[aws:ResourceTag/sagemaker-catalog:owner-id:${aws:userid}]]
}

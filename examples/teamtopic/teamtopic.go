// Package teamtopic is an example of another team's catalog built from this
// module's constructs: a product from a plain CloudFormation template file
// (an encrypted SNS topic), a portfolio, IAM Identity Center principals, and
// a least-privilege launch role generated from the template's resource
// type, with no hand-written grant.
package teamtopic

import (
	"path/filepath"
	"runtime"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole"
	"github.com/datalake-platform/sagemaker-catalog/constructs/portfolio"
	"github.com/datalake-platform/sagemaker-catalog/constructs/principals"
	"github.com/datalake-platform/sagemaker-catalog/constructs/product"
)

// TemplateFile is the product's template, found next to this source file so
// that it resolves from any working directory.
func TemplateFile() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "topic.yaml")
}

// Catalog is the team's catalog stack.
type Catalog struct {
	awscdk.Stack
	Portfolio  *portfolio.Portfolio
	Product    *product.Product
	Principals *principals.Principals
	LaunchRole *launchrole.LaunchRole
}

// NewCatalog builds the team's catalog in scope.
func NewCatalog(scope constructs.Construct, id *string, props *awscdk.StackProps) *Catalog {
	stack := awscdk.NewStack(scope, id, props)
	c := &Catalog{Stack: stack}
	c.Portfolio = portfolio.New(stack, jsii.String("Portfolio"), &portfolio.Props{
		DisplayName:  jsii.String("Team messaging"),
		ProviderName: jsii.String("Team platform"),
		TagOptions:   map[string][]string{"CostCenter": {"cc-2001"}},
	})
	c.Product = product.New(stack, jsii.String("TopicProduct"), &product.Props{
		ProductName: jsii.String("Team alerts topic"),
		Owner:       jsii.String("Team platform"),
		Versions:    []product.Version{{Name: jsii.String("v1"), TemplateFile: jsii.String(TemplateFile())}},
	})
	c.Portfolio.Portfolio.AddProduct(c.Product.Product)
	c.Principals = principals.New(stack, jsii.String("Members"), &principals.Props{
		Portfolio: c.Portfolio.Portfolio,
		Patterns:  []string{"arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_TeamMember_*"},
	})
	c.LaunchRole = launchrole.New(stack, jsii.String("LaunchRole"), &launchrole.Props{
		Portfolio: c.Portfolio.Portfolio,
		Product:   c.Product,
	})
	return c
}

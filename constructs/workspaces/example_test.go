package workspaces_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/keys"
	"github.com/datalake-platform/sagemaker-catalog/constructs/notebook"
	"github.com/datalake-platform/sagemaker-catalog/constructs/workspaces"
)

// The notebook product template and its catalog side: the names the
// template refers to are the names Workspaces creates.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})

	template := notebook.New(stack, jsii.String("NotebookProduct"), &notebook.Props{CatalogName: jsii.String("Catalog")})
	w := workspaces.New(stack, jsii.String("Workspaces"), &workspaces.Props{
		CatalogName: jsii.String("Catalog"),
		Key:         keys.New(stack, jsii.String("NotebookKey"), nil).Key,
		Code: awslambda.Code_FromBucket(awss3.Bucket_FromBucketName(stack, jsii.String("Functions"), jsii.String("my-functions")),
			jsii.String("functions.zip"), jsii.String("v1")),
		Parameters:       &template.Parameters,
		SubnetIds:        []*string{jsii.String("subnet-0123456789abcdef0")},
		SecurityGroupIds: []*string{jsii.String("sg-0123456789abcdef0")},
		DataBucketArns:   []string{"arn:aws:s3:::my-data-lake/curated"},
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	var names []string
	for _, typ := range []string{"AWS::IAM::ManagedPolicy", "AWS::Lambda::Function", "AWS::SSM::Parameter"} {
		for _, r := range *tmpl.FindResources(jsii.String(typ), nil) {
			props := (*r)["Properties"].(map[string]any)
			for _, key := range []string{"ManagedPolicyName", "FunctionName", "Name"} {
				if name, ok := props[key].(string); ok {
					names = append(names, name)
				}
			}
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Println(n)
	}
	fmt.Println(w.RoleCreation().Path)
	// Output:
	// /Catalog/notebook/kms-key-arn
	// /Catalog/notebook/security-group-1
	// /Catalog/notebook/subnet-id
	// Catalog-eu-west-1-notebook
	// Catalog-eu-west-1-notebook-boundary
	// Catalog-workspace
	// /Catalog/eu-west-1/notebooks/
}

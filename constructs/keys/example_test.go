package keys_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/keys"
)

// A key that CloudWatch Logs may use for the catalog's log groups.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), nil)

	k := keys.New(stack, jsii.String("LogKey"), &keys.Props{
		Description:  jsii.String("Encrypts the catalog's logs"),
		LogGroupArns: jsii.String("arn:aws:logs:eu-west-1:123456789012:log-group:/catalog/*"),
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	for _, r := range *tmpl.FindResources(jsii.String("AWS::KMS::Key"), nil) {
		props := (*r)["Properties"].(map[string]any)
		fmt.Println("rotation:", props["EnableKeyRotation"], "deletion:", (*r)["DeletionPolicy"])
		for _, s := range props["KeyPolicy"].(map[string]any)["Statement"].([]any) {
			fmt.Println(s.(map[string]any)["Sid"])
		}
	}
	fmt.Println(*k.Key.Node().Path())
	// Output:
	// rotation: true deletion: Retain
	// AccountAdministersAndUsesKeyThroughIam
	// CloudWatchLogsEncryptsTheseLogGroups
	// DenyCreateGrantUnlessForAWSResource
	// Catalog/LogKey/Resource
}

// A key only its intended principals may use: the notebook roles (a role
// path) and a role created later.
func Example_restrictedUse() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), nil)

	k := keys.New(stack, jsii.String("NotebookKey"), &keys.Props{
		Users: []*string{jsii.String("arn:aws:iam::123456789012:role/catalog/eu-west-1/notebooks/*")},
	})
	k.AddUsers(jsii.String("arn:aws:iam::123456789012:role/catalog-eu-west-1-launch"))

	tmpl := assertions.Template_FromStack(stack, nil)
	for _, r := range *tmpl.FindResources(jsii.String("AWS::KMS::Key"), nil) {
		for _, s := range (*r)["Properties"].(map[string]any)["KeyPolicy"].(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			if st["Sid"] == keys.DenyUseSid {
				fmt.Println(st["Effect"], st["Condition"].(map[string]any)["ArnNotLike"])
			}
		}
	}
	// Output:
	// Deny map[aws:PrincipalArn:[arn:aws:iam::123456789012:role/catalog/eu-west-1/notebooks/* arn:aws:iam::123456789012:role/catalog-eu-west-1-launch]]
}

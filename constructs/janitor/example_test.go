package janitor_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/janitor"
)

// A janitor that warns owners two days before a 14-day lease ends, checking
// every 30 minutes.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), nil)
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	workspaces := awss3.NewBucket(stack, jsii.String("Workspaces"), &awss3.BucketProps{EncryptionKey: key})

	j := janitor.New(stack, jsii.String("Janitor"), &janitor.Props{
		Code: awslambda.Code_FromBucket(awss3.Bucket_FromBucketName(stack, jsii.String("Functions"), jsii.String("my-functions")),
			jsii.String("functions.zip"), jsii.String("v1")),
		Workspaces:    workspaces,
		Key:           key,
		LaunchRoleArn: jsii.String("arn:aws:iam::123456789012:role/Catalog-launch-eu-west-1"),
		LeaseDays:     jsii.Number(14),
		NoticeHours:   jsii.Number(48),
		Schedule:      jsii.String("rate(30 minutes)"),
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	fn := (*tmpl.ToJSON())["Resources"].(map[string]any)[*stack.GetLogicalId(j.Function.Node().DefaultChild().(awscdk.CfnElement))]
	vars := fn.(map[string]any)["Properties"].(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any)
	fmt.Println(vars["LEASE_DAYS"], vars["NOTICE_HOURS"], vars["MODE"])
	for _, s := range *tmpl.FindResources(jsii.String("AWS::Scheduler::Schedule"), nil) {
		fmt.Println((*s)["Properties"].(map[string]any)["ScheduleExpression"])
	}
	// Output:
	// 14 48 dry-run
	// rate(30 minutes)
}

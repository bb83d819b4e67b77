package dashboard_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/dashboard"
)

// The dashboard of a janitor function and its dead-letter queue, with
// the alarms mailed to the platform team.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), nil)
	janitor := awslambda.NewFunction(stack, jsii.String("Janitor"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(), Handler: jsii.String("bootstrap"),
		Code: awslambda.Code_FromBucket(awss3.Bucket_FromBucketName(stack, jsii.String("Functions"), jsii.String("my-functions")),
			jsii.String("functions.zip"), jsii.String("v1")),
		LogGroup: awslogs.NewLogGroup(stack, jsii.String("JanitorLogs"), nil),
	})
	deadLetters := awssqs.NewQueue(stack, jsii.String("DeadLetters"), nil)

	d := dashboard.New(stack, jsii.String("Dashboard"), &dashboard.Props{Janitor: janitor, DeadLetters: deadLetters})
	awssns.NewSubscription(stack, jsii.String("Platform"), &awssns.SubscriptionProps{
		Topic: d.AlarmTopic, Protocol: awssns.SubscriptionProtocol_EMAIL, Endpoint: jsii.String("platform@example.com"),
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	for _, typ := range []string{"AWS::CloudWatch::Dashboard", "AWS::Logs::MetricFilter", "AWS::CloudWatch::Alarm", "AWS::SNS::Topic"} {
		fmt.Println(len(*tmpl.FindResources(jsii.String(typ), nil)), typ)
	}
	fmt.Println(dashboard.Patterns()[dashboard.MetricWarned])
	// Output:
	// 1 AWS::CloudWatch::Dashboard
	// 7 AWS::Logs::MetricFilter
	// 2 AWS::CloudWatch::Alarm
	// 1 AWS::SNS::Topic
	// { ($.msg = "decision") && ($.decision.action = "notify") && ($.decision.skipped NOT EXISTS) }
}

// Command floor is the benchmark's floor: a Go CDK app, built with the same
// dependencies as the catalog, that synthesizes one empty stack. Its time is
// mostly starting the jsii runtime and loading the CDK in Node.js.
//
// With -services, the stack holds one L1 resource of each of the 12 services
// the catalog's default app deploys (EC2, IAM, KMS, Lambda, CloudWatch Logs,
// S3, SageMaker, EventBridge Scheduler, Service Catalog, SNS, SQS, SSM): the
// least any app that deploys the catalog's services pays, since the CDK
// loads a service's module in Node.js the first time one of its types is used.
package main

import (
	"flag"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssagemaker"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	services := flag.Bool("services", false, "one L1 resource of each service the catalog deploys")
	flag.Parse()
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Floor"), nil)
	if *services {
		addServices(stack)
	}
	app.Synth(nil)
}

func addServices(s awscdk.Stack) {
	id := jsii.String
	awsec2.NewCfnVPC(s, id("Vpc"), &awsec2.CfnVPCProps{CidrBlock: id("10.0.0.0/16")})
	awsiam.NewCfnRole(s, id("Role"), &awsiam.CfnRoleProps{AssumeRolePolicyDocument: map[string]any{}})
	awskms.NewCfnKey(s, id("Key"), &awskms.CfnKeyProps{})
	awslambda.NewCfnFunction(s, id("Function"), &awslambda.CfnFunctionProps{
		Code: &awslambda.CfnFunction_CodeProperty{ZipFile: id("x")}, Role: id("arn:aws:iam::123456789012:role/r"),
	})
	awslogs.NewCfnLogGroup(s, id("Logs"), &awslogs.CfnLogGroupProps{})
	awss3.NewCfnBucket(s, id("Bucket"), &awss3.CfnBucketProps{})
	awssagemaker.NewCfnNotebookInstanceLifecycleConfig(s, id("Lifecycle"), &awssagemaker.CfnNotebookInstanceLifecycleConfigProps{})
	awsscheduler.NewCfnScheduleGroup(s, id("Schedules"), &awsscheduler.CfnScheduleGroupProps{})
	awsservicecatalog.NewCfnPortfolio(s, id("Portfolio"), &awsservicecatalog.CfnPortfolioProps{DisplayName: id("p"), ProviderName: id("p")})
	awssns.NewCfnTopic(s, id("Topic"), &awssns.CfnTopicProps{})
	awssqs.NewCfnQueue(s, id("Queue"), &awssqs.CfnQueueProps{})
	awsssm.NewCfnDocument(s, id("Document"), &awsssm.CfnDocumentProps{Content: map[string]any{}})
}

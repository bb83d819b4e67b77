package acceptance

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// ServiceCatalog is the part of the Service Catalog API the journey calls:
// as the analyst (an end user) for the whole journey, and as the admin to
// terminate what the analyst could not. moto 5.2 serves none of it; the moto
// test gives a fake.
type ServiceCatalog interface {
	SearchProducts(context.Context, *servicecatalog.SearchProductsInput, ...func(*servicecatalog.Options)) (*servicecatalog.SearchProductsOutput, error)
	DescribeProduct(context.Context, *servicecatalog.DescribeProductInput, ...func(*servicecatalog.Options)) (*servicecatalog.DescribeProductOutput, error)
	DescribeProvisioningParameters(context.Context, *servicecatalog.DescribeProvisioningParametersInput, ...func(*servicecatalog.Options)) (*servicecatalog.DescribeProvisioningParametersOutput, error)
	SearchProvisionedProducts(context.Context, *servicecatalog.SearchProvisionedProductsInput, ...func(*servicecatalog.Options)) (*servicecatalog.SearchProvisionedProductsOutput, error)
	ProvisionProduct(context.Context, *servicecatalog.ProvisionProductInput, ...func(*servicecatalog.Options)) (*servicecatalog.ProvisionProductOutput, error)
	DescribeProvisionedProduct(context.Context, *servicecatalog.DescribeProvisionedProductInput, ...func(*servicecatalog.Options)) (*servicecatalog.DescribeProvisionedProductOutput, error)
	DescribeRecord(context.Context, *servicecatalog.DescribeRecordInput, ...func(*servicecatalog.Options)) (*servicecatalog.DescribeRecordOutput, error)
	GetProvisionedProductOutputs(context.Context, *servicecatalog.GetProvisionedProductOutputsInput, ...func(*servicecatalog.Options)) (*servicecatalog.GetProvisionedProductOutputsOutput, error)
	ListServiceActionsForProvisioningArtifact(context.Context, *servicecatalog.ListServiceActionsForProvisioningArtifactInput, ...func(*servicecatalog.Options)) (*servicecatalog.ListServiceActionsForProvisioningArtifactOutput, error)
	ExecuteProvisionedProductServiceAction(context.Context, *servicecatalog.ExecuteProvisionedProductServiceActionInput, ...func(*servicecatalog.Options)) (*servicecatalog.ExecuteProvisionedProductServiceActionOutput, error)
	TerminateProvisionedProduct(context.Context, *servicecatalog.TerminateProvisionedProductInput, ...func(*servicecatalog.Options)) (*servicecatalog.TerminateProvisionedProductOutput, error)
}

// SageMaker is the part of the SageMaker API the journey calls: the
// presigned URL as the analyst, the notebook's status and tags as the admin.
type SageMaker interface {
	CreatePresignedNotebookInstanceUrl(context.Context, *sagemaker.CreatePresignedNotebookInstanceUrlInput, ...func(*sagemaker.Options)) (*sagemaker.CreatePresignedNotebookInstanceUrlOutput, error)
	DescribeNotebookInstance(context.Context, *sagemaker.DescribeNotebookInstanceInput, ...func(*sagemaker.Options)) (*sagemaker.DescribeNotebookInstanceOutput, error)
	ListTags(context.Context, *sagemaker.ListTagsInput, ...func(*sagemaker.Options)) (*sagemaker.ListTagsOutput, error)
}

// STS tells who a principal is.
type STS interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// S3 reads the saved file and deletes its versions (as the admin).
type S3 interface {
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	ListObjectVersions(context.Context, *s3.ListObjectVersionsInput, ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
	DeleteObject(context.Context, *s3.DeleteObjectInput, ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// Lambda finds, reads and invokes the janitor (as the admin).
type Lambda interface {
	ListFunctions(context.Context, *lambda.ListFunctionsInput, ...func(*lambda.Options)) (*lambda.ListFunctionsOutput, error)
	GetFunctionConfiguration(context.Context, *lambda.GetFunctionConfigurationInput, ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
	Invoke(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Logs reads the janitor's log group (as the admin).
type Logs interface {
	FilterLogEvents(context.Context, *cloudwatchlogs.FilterLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error)
}

// Principal is one identity's clients. The journey uses the analyst's
// STS, ServiceCatalog and SageMaker, and every client of the admin.
type Principal struct {
	STS            STS
	ServiceCatalog ServiceCatalog
	SageMaker      SageMaker
	S3             S3
	Lambda         Lambda
	Logs           Logs
}

// NewPrincipal returns the AWS SDK's clients for cfg; s3Options apply to the
// S3 client (moto needs path-style addressing).
func NewPrincipal(cfg aws.Config, s3Options ...func(*s3.Options)) Principal {
	return Principal{
		STS:            sts.NewFromConfig(cfg),
		ServiceCatalog: servicecatalog.NewFromConfig(cfg),
		SageMaker:      sagemaker.NewFromConfig(cfg),
		S3:             s3.NewFromConfig(cfg, s3Options...),
		Lambda:         lambda.NewFromConfig(cfg),
		Logs:           cloudwatchlogs.NewFromConfig(cfg),
	}
}

// identity is who a principal is, as STS says: UserId is the value of
// aws:userid in its requests.
type identity struct {
	Account, Arn, UserId string
}

func whoami(ctx context.Context, c STS) (identity, error) {
	out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return identity{}, err
	}
	return identity{Account: aws.ToString(out.Account), Arn: aws.ToString(out.Arn), UserId: aws.ToString(out.UserId)}, nil
}

package launchrole_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssagemaker"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole"
	"github.com/datalake-platform/sagemaker-catalog/constructs/product"
)

// A launch role derived from a product that creates a notebook instance.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), nil)
	portfolio := awsservicecatalog.NewPortfolio(stack, jsii.String("Portfolio"), &awsservicecatalog.PortfolioProps{
		DisplayName: jsii.String("Notebooks"), ProviderName: jsii.String("Platform"),
	})
	notebookRole := awsiam.NewRole(stack, jsii.String("NotebookRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("sagemaker.amazonaws.com"), nil),
	})
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})

	template := awsservicecatalog.NewProductStack(stack, jsii.String("NotebookTemplate"), nil)
	awssagemaker.NewCfnNotebookInstance(template, jsii.String("Notebook"), &awssagemaker.CfnNotebookInstanceProps{
		InstanceType: jsii.String("ml.t3.medium"),
		RoleArn:      jsii.String("{{resolve:ssm:/catalog/notebook/role-arn}}"),
	})
	p := product.New(stack, jsii.String("Notebook"), &product.Props{
		ProductName: jsii.String("Notebook"), Owner: jsii.String("Platform"),
		Versions: []product.Version{{ProductStack: template}},
	})

	lr := launchrole.New(stack, jsii.String("LaunchRole"), &launchrole.Props{
		Portfolio:        portfolio,
		Product:          p,
		PassRoles:        []awsiam.IRole{notebookRole},
		KmsKeyArns:       []*string{key.KeyArn()},
		SubnetIds:        []*string{jsii.String("subnet-0123456789abcdef0")},
		SecurityGroupIds: []*string{jsii.String("sg-0123456789abcdef0")},
		InstanceTypes:    []string{"ml.t3.medium", "ml.m5.xlarge"},
	})

	fmt.Println(lr.ResourceTypes)
	for _, s := range lr.Policy.ToJSON().(map[string]any)["Statement"].([]any) {
		fmt.Println(s.(map[string]any)["Sid"])
	}
	// Output:
	// [AWS::SageMaker::NotebookInstance]
	// ServiceCatalogStacks
	// ServiceCatalogTemplateChecks
	// ServiceCatalogTemplateRead
	// CreateSecureNotebookInstance
	// UpdateNotebookInstanceWithinLimits
	// TagNotebookInstances
	// SageMakerNotebookInstance
	// PassNotebookRole
	// NotebookVolumeKeyGrants
	// NotebookVolumeKey
	// NotebookNetworkInterfaceInputs
	// NotebookNetworkInterface
	// NotebookNetworkDescribe
}

// A product that creates its own roles: the launch role may create them
// only under the path, only with the boundary, attaching only the given
// policy, and may pass them to SageMaker only.
func ExampleRoleCreation() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), nil)
	boundary := awsiam.NewManagedPolicy(stack, jsii.String("Boundary"), &awsiam.ManagedPolicyProps{
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("s3:GetObject"), Resources: jsii.Strings("arn:aws:s3:::workspaces/*"),
		})},
	})

	template := awsservicecatalog.NewProductStack(stack, jsii.String("Template"), nil)
	awscdk.NewCfnResource(template, jsii.String("Role"), &awscdk.CfnResourceProps{
		Type: jsii.String("AWS::IAM::Role"),
		Properties: &map[string]any{
			"Path":                     "/catalog/notebooks/",
			"PermissionsBoundary":      boundary.ManagedPolicyArn(),
			"AssumeRolePolicyDocument": map[string]any{},
		},
	})

	lr := launchrole.New(stack, jsii.String("LaunchRole"), &launchrole.Props{
		ResourceTypes: []string{"AWS::IAM::Role"},
		RoleCreation: &launchrole.RoleCreation{
			Path:                   "/catalog/notebooks/",
			PermissionsBoundaryArn: boundary.ManagedPolicyArn(),
		},
	})
	for _, s := range lr.Policy.ToJSON().(map[string]any)["Statement"].([]any) {
		st := s.(map[string]any)
		if sid := st["Sid"].(string); sid == "CreateRolesWithTheBoundary" || sid == "ManageProductRoles" {
			fmt.Println(sid, st["Action"])
		}
	}
	// Output:
	// CreateRolesWithTheBoundary [iam:CreateRole iam:DeleteRolePolicy iam:PutRolePermissionsBoundary iam:PutRolePolicy]
	// ManageProductRoles [iam:DeleteRole iam:GetRole iam:GetRolePolicy iam:ListAttachedRolePolicies iam:ListRolePolicies iam:ListRoleTags iam:TagRole iam:UntagRole iam:UpdateRole iam:UpdateRoleDescription]
}

// Any product: a launch role for a queue product needs no hand-written
// grant. Its statements come from the queue's handler permissions, scoped
// to queues named after the provisioned stack; the role covers exactly
// what the handlers need.
func Example_anyProduct() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), nil)
	portfolio := awsservicecatalog.NewPortfolio(stack, jsii.String("Portfolio"), &awsservicecatalog.PortfolioProps{
		DisplayName: jsii.String("Queues"), ProviderName: jsii.String("Platform"),
	})
	template := awsservicecatalog.NewProductStack(stack, jsii.String("QueueTemplate"), nil)
	awssqs.NewCfnQueue(template, jsii.String("Queue"), nil) // CloudFormation names it SC-...-Queue-...
	p := awsservicecatalog.NewCloudFormationProduct(stack, jsii.String("Queue"), &awsservicecatalog.CloudFormationProductProps{
		ProductName: jsii.String("Queue"), Owner: jsii.String("Platform"),
		ProductVersions: &[]*awsservicecatalog.CloudFormationProductVersion{
			{CloudFormationTemplate: awsservicecatalog.CloudFormationTemplate_FromProductStack(template)},
		},
	})

	lr := launchrole.New(stack, jsii.String("LaunchRole"), &launchrole.Props{
		Portfolio: portfolio,
		Product:   launchrole.FromProduct(p, launchrole.StackTypes(template)),
	})
	for _, s := range lr.Policy.ToJSON().(map[string]any)["Statement"].([]any) {
		st := s.(map[string]any)
		if st["Sid"] == "ProductSqs" {
			fmt.Println(st["Action"])
		}
	}
	coverage, _ := lr.Coverage(nil)
	fmt.Println(len(coverage.Missing), len(coverage.Excess))
	// Output:
	// [sqs:CreateQueue sqs:DeleteQueue sqs:GetQueueAttributes sqs:GetQueueUrl sqs:ListQueueTags sqs:SetQueueAttributes sqs:TagQueue sqs:UntagQueue]
	// 0 0
}

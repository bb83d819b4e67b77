// Package function builds the catalog's Lambda functions the one way they
// are all built: the catalog's Go binary for provided.al2023 on arm64, a
// handler chosen by the FUNCTION variable, a role of its own whose inline
// policy is all it grants, an encrypted log group kept a year, JSON logs
// and a reserved concurrency.
package function

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/internal/arns"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

// Props configures one function; every field is required but Env.
type Props struct {
	// Handler is the handler's name (names.FunctionJanitor, ...).
	Handler string
	// LogGroupPrefix starts the log group's name (names.FunctionLogGroups);
	// the handler's name and the stack instance's ID follow.
	LogGroupPrefix string
	// Description describes the function and its role.
	Description string
	// Code is the catalog's functions binary.
	Code awslambda.Code
	// LogKey encrypts the log group; its policy must let CloudWatch Logs use it.
	LogKey awskms.IKey
	// TimeoutSeconds and Concurrency bound a run and the parallel runs.
	TimeoutSeconds float64
	Concurrency    float64
	// Env is the function's environment (EnvFunction is added).
	Env map[string]*string
	// Statements are the role's policy; writing its own logs is added.
	Statements []awsiam.PolicyStatement
}

// New creates the function with its role (id+"Role") and log group
// (id+"Logs") in scope.
func New(scope constructs.Construct, id string, p Props) awslambda.Function {
	// Unique to the stack instance: a redeploy after a delete does not
	// collide with the group the deleted stack kept.
	group := p.LogGroupPrefix + p.Handler + "/" + *arns.StackInstance(scope)
	logs := awslogs.NewLogGroup(scope, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(group),
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		EncryptionKey: p.LogKey,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	statements := append(append([]awsiam.PolicyStatement{}, p.Statements...), awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("OwnLogs"),
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{arns.LogGroup(scope, group+":log-stream:*")},
	}))
	role := awsiam.NewRole(scope, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:      awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description:    jsii.String(p.Description),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"Function": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements})},
	})
	env := map[string]*string{names.EnvFunction: jsii.String(p.Handler)}
	for k, v := range p.Env {
		env[k] = v
	}
	fn := awslambda.NewFunction(scope, jsii.String(id), &awslambda.FunctionProps{
		Description:                  jsii.String(p.Description),
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:                 awslambda.Architecture_ARM_64(),
		Handler:                      jsii.String("bootstrap"),
		Code:                         p.Code,
		MemorySize:                   jsii.Number(256),
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(p.TimeoutSeconds)),
		ReservedConcurrentExecutions: jsii.Number(p.Concurrency),
		Environment:                  &env,
		Role:                         role,
		LogGroup:                     logs,
		LoggingFormat:                awslambda.LoggingFormat_JSON,
	})
	// The function's Fn::GetAtt of its role (whose inline policy is all it
	// grants) already orders them; the DependsOn the CDK adds is redundant,
	// and cfn-lint warns (W3005).
	fn.Node().DefaultChild().(awscdk.CfnResource).AddDeletionOverride(jsii.String("DependsOn"))
	return fn
}

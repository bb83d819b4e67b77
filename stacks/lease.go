package stacks

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsschedulertargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole"
	"github.com/datalake-platform/sagemaker-catalog/constructs/notebook"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

// WorkspaceVersionDays is how long the workspace bucket keeps a file's
// replaced or deleted versions.
const WorkspaceVersionDays = 30

// JanitorSchedule is how often the janitor runs.
const JanitorSchedule = "rate(1 hour)"

// WorkspaceBucketName is the workspace bucket's name in the stack's account
// and region (see notebook.WorkspaceBucketPrefix).
func WorkspaceBucketName(stack awscdk.Stack, cfg Config) *string {
	return awscdk.Fn_Join(jsii.String("-"), &[]*string{jsii.String(notebook.WorkspaceBucketPrefix(cfg.StackName)), stack.Account(), stack.Region()})
}

// workspaces creates the workspace bucket and its access-log bucket.
func (s *CatalogStack) workspaces(cfg Config) {
	s.AccessLogs = awss3.NewBucket(s.Stack, jsii.String("AccessLogs"), &awss3.BucketProps{
		// Server access logs can only be delivered with S3-managed keys.
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Versioned:         jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                          jsii.String("ExpireAccessLogs"),
			Expiration:                  awscdk.Duration_Days(jsii.Number(365)),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30)),
		}},
	})
	s.Workspaces = awss3.NewBucket(s.Stack, jsii.String("Workspaces"), &awss3.BucketProps{
		BucketName:        WorkspaceBucketName(s.Stack, cfg),
		Encryption:        awss3.BucketEncryption_KMS,
		EncryptionKey:     s.Key,
		BucketKeyEnabled:  jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Versioned:         jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		// The analysts' work: kept when the stack is deleted.
		RemovalPolicy:          awscdk.RemovalPolicy_RETAIN,
		ServerAccessLogsBucket: s.AccessLogs,
		ServerAccessLogsPrefix: jsii.String("workspaces/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("ExpireOldVersions"),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(WorkspaceVersionDays)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
			ExpiredObjectDeleteMarker:           jsii.Bool(true),
		}},
	})
}

// notebookPolicies creates the managed policy every notebook role has and
// the boundary every notebook role must have. Both have fixed names: the
// product template names them, and the launch role requires the boundary.
func (s *CatalogStack) notebookPolicies(cfg Config) {
	stack := s.Stack
	kmsViaS3 := awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		// The workspace bucket's objects are encrypted with the catalog key.
		Sid:        jsii.String("WorkspaceKeyThroughS3"),
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Resources:  &[]*string{s.Key.KeyArn()},
		Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("s3.%s.amazonaws.com", *stack.Region())}},
	})
	shared := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("NotebookLogGroup"),
			Actions:   jsii.Strings("logs:CreateLogGroup"),
			Resources: &[]*string{logGroupArn(stack, "/aws/sagemaker/NotebookInstances")},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("NotebookLogStreams"),
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"),
			Resources: &[]*string{logGroupArn(stack, "/aws/sagemaker/NotebookInstances:log-stream:*")},
		}),
		kmsViaS3,
	}
	shared = append(shared, dataStatements(cfg)...)
	s.NotebookPolicy = awsiam.NewManagedPolicy(stack, jsii.String("NotebookPolicy"), &awsiam.ManagedPolicyProps{
		ManagedPolicyName: jsii.String(notebook.NotebookPolicyName(cfg.StackName)),
		Description:       jsii.String("Shared by every Service Catalog SageMaker notebook role: logs, the data lake, the workspace key"),
		Statements:        &shared,
	})

	// The boundary: everything a notebook role may ever do. Each role's own
	// policy narrows the workspace to its owner's prefix and itself.
	bucket := s.Workspaces.BucketArn()
	boundary := append([]awsiam.PolicyStatement{}, shared...)
	boundary = append(boundary,
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("ListWorkspaces"),
			Actions:    jsii.Strings("s3:ListBucket"),
			Resources:  &[]*string{bucket},
			Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": names.WorkspacePrefix + "*"}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadWriteWorkspaces"),
			Actions:   jsii.Strings("s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"),
			Resources: &[]*string{s.Workspaces.ArnForObjects(jsii.String(names.WorkspacePrefix + "*"))},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("StopCatalogNotebooks"),
			Actions:   jsii.Strings("sagemaker:StopNotebookInstance"),
			Resources: &[]*string{arn(stack, "sagemaker", "notebook-instance", "*")},
			// The tag holds the notebook's stack name, as Service Catalog spells
			// it (SC-<account>-pp-<id>); condition values are case-sensitive.
			Conditions: &map[string]any{"StringLike": map[string]any{"aws:ResourceTag/" + names.TagStack: "SC-*"}},
		}),
	)
	s.NotebookBoundary = awsiam.NewManagedPolicy(stack, jsii.String("NotebookBoundary"), &awsiam.ManagedPolicyProps{
		ManagedPolicyName: jsii.String(notebook.NotebookBoundaryName(cfg.StackName)),
		Description:       jsii.String("Permissions boundary of every Service Catalog SageMaker notebook role"),
		Statements:        &boundary,
	})
}

// NotebookRoleCreation is what a launch role may create: notebook roles only.
func (s *CatalogStack) NotebookRoleCreation() *launchrole.RoleCreation {
	cfg := s.Config
	return &launchrole.RoleCreation{
		Path:                   notebook.NotebookRolePath(cfg.StackName),
		PermissionsBoundaryArn: s.NotebookBoundary.ManagedPolicyArn(),
		ManagedPolicyArns:      []*string{s.NotebookPolicy.ManagedPolicyArn()},
	}
}

// WorkspacePermissions lets the launch role call the workspace function,
// which CloudFormation invokes with it for the Custom::Workspace resource.
func (s *CatalogStack) WorkspacePermissions() launchrole.Permissions {
	fn := s.WorkspaceFunction.FunctionArn()
	return launchrole.Permissions{"Custom::Workspace": {{
		Sid:       "ResolveWorkspace",
		Actions:   []string{"lambda:InvokeFunction"},
		Resources: func(*launchrole.Context) []*string { return []*string{fn} },
	}}}
}

// functionsCode is the asset of the catalog's Lambda functions.
func functionsCode(stack awscdk.Stack) awslambda.Code {
	dir, err := FunctionsAsset()
	if err != nil {
		panic(fmt.Errorf("%s: %w", *stack.Node().Path(), err))
	}
	return awslambda.Code_FromAsset(jsii.String(dir), nil)
}

// functionLogGroups is the name prefix of the functions' log groups.
func functionLogGroups(stack awscdk.Stack) string { return "/" + *stack.StackName() + "/functions/" }

// catalogFunctions builds the catalog's functions: one code asset, and one
// key for their log groups (a key of its own: the notebook key may be
// imported, and its policy is then not ours to change).
type catalogFunctions struct {
	stack  awscdk.Stack
	code   awslambda.Code
	logKey awskms.Key
}

func newCatalogFunctions(stack awscdk.Stack) catalogFunctions {
	return catalogFunctions{stack: stack, code: functionsCode(stack), logKey: newLogsKey(stack, "FunctionLogKey",
		"Encrypts the logs of the SageMaker notebook catalog's functions", logGroupArn(stack, functionLogGroups(stack)+"*"))}
}

// new creates one of the catalog's functions (FUNCTION=name) with its own
// role (policy given), a log group kept a year, arm64, and a reserved
// concurrency.
func (f catalogFunctions) new(id, name, description string, timeout float64, concurrency int,
	env map[string]*string, statements []awsiam.PolicyStatement) awslambda.Function {
	stack := f.stack
	logs := awslogs.NewLogGroup(stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(functionLogGroups(stack) + name),
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		EncryptionKey: f.logKey,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("OwnLogs"),
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{logGroupArn(stack, functionLogGroups(stack)+name+":log-stream:*")},
	}))
	role := awsiam.NewRole(stack, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:      awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description:    jsii.String(description),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"Function": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements})},
	})
	env["FUNCTION"] = jsii.String(name)
	fn := awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
		Description:                  jsii.String(description),
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:                 awslambda.Architecture_ARM_64(),
		Handler:                      jsii.String("bootstrap"),
		Code:                         f.code,
		MemorySize:                   jsii.Number(256),
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(timeout)),
		ReservedConcurrentExecutions: jsii.Number(concurrency),
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

// leaseAndJanitor creates the workspace function, the notices topic, and
// the janitor with its schedule and dead-letter queue.
func (s *CatalogStack) leaseAndJanitor(cfg Config) {
	stack := s.Stack
	functions := newCatalogFunctions(stack)

	s.WorkspaceFunction = functions.new("WorkspaceFunction", "workspace",
		"Resolves the owner and workspace of a notebook Service Catalog launches (Custom::Workspace)", 30, 2,
		map[string]*string{"BUCKET": s.Workspaces.BucketName()},
		[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// Service Catalog's tags on the provisioned stack name the owner.
			Sid:       jsii.String("ReadProvisionedStacks"),
			Actions:   jsii.Strings("cloudformation:DescribeStacks"),
			Resources: &[]*string{arn(stack, "cloudformation", "stack", "SC-*/*")},
		})})
	s.WorkspaceFunction.Node().DefaultChild().(awslambda.CfnFunction).SetFunctionName(jsii.String(notebook.WorkspaceFunctionName(cfg.StackName)))

	s.LeaseNotices = awssns.NewTopic(stack, jsii.String("LeaseNotices"), &awssns.TopicProps{
		DisplayName: jsii.String("SageMaker notebook lease notices"),
		MasterKey:   s.Key,
		EnforceSSL:  jsii.Bool(true),
	})
	s.JanitorDeadLetters = awssqs.NewQueue(stack, jsii.String("JanitorDeadLetters"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})

	notebooks := catalogNotebooks(stack)
	s.Janitor = functions.new("Janitor", "janitor",
		"Warns owners of unused SageMaker notebooks and terminates them through Service Catalog when their lease ends", 300, 1,
		map[string]*string{
			"TOPIC_ARN":    s.LeaseNotices.TopicArn(),
			"LEASE_DAYS":   jsii.String(strconv.Itoa(cfg.LeaseDays)),
			"NOTICE_HOURS": jsii.String(strconv.Itoa(cfg.LeaseNoticeHours)),
			"MODE":         jsii.String(cfg.JanitorMode),
		},
		[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// ListNotebookInstances has no resource-level permissions.
				Sid:       jsii.String("ListNotebooks"),
				Actions:   jsii.Strings("sagemaker:ListNotebookInstances"),
				Resources: jsii.Strings("*"),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ReadNotebookTags"),
				Actions:   jsii.Strings("sagemaker:ListTags"),
				Resources: &[]*string{notebooks},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// The janitor records the notices it sent; it may set no other tag.
				Sid:       jsii.String("RecordNotices"),
				Actions:   jsii.Strings("sagemaker:AddTags"),
				Resources: &[]*string{notebooks},
				Conditions: &map[string]any{
					"ForAllValues:StringEquals": map[string]any{"aws:TagKeys": []any{names.TagNotifiedAt}},
				},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ReadSyncStatus"),
				Actions:   jsii.Strings("s3:GetObject"),
				Resources: &[]*string{s.Workspaces.ArnForObjects(jsii.String(names.WorkspacePrefix + "*/" + names.StatusDir + "*"))},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// The janitor lists a status key before reading it, to tell a
				// missing status from a denied one.
				Sid:        jsii.String("FindSyncStatus"),
				Actions:    jsii.Strings("s3:ListBucket"),
				Resources:  &[]*string{s.Workspaces.BucketArn()},
				Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": names.WorkspacePrefix + "*/" + names.StatusDir + "*"}},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// Reading a status object: S3 decrypts it with the catalog key.
				Sid:        jsii.String("ReadSyncStatusKey"),
				Actions:    jsii.Strings("kms:Decrypt"),
				Resources:  &[]*string{s.Key.KeyArn()},
				Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("s3.%s.amazonaws.com", *stack.Region())}},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// Publishing to the encrypted topic: SNS asks for a data key.
				Sid:        jsii.String("NotifyOwnersKey"),
				Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
				Resources:  &[]*string{s.Key.KeyArn()},
				Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("sns.%s.amazonaws.com", *stack.Region())}},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("NotifyOwners"),
				Actions:   jsii.Strings("sns:Publish"),
				Resources: &[]*string{s.LeaseNotices.TopicArn()},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// Lambda sends a failed asynchronous run here with the function's role.
				Sid:       jsii.String("DeadLetters"),
				Actions:   jsii.Strings("sqs:SendMessage"),
				Resources: &[]*string{s.JanitorDeadLetters.QueueArn()},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// TerminateProvisionedProduct has no resource-level permissions.
				// Service Catalog deletes the stack with the product's launch
				// role; the janitor terminates only the provisioned products
				// its notebooks' tags name.
				Sid:       jsii.String("TerminateExpiredNotebooks"),
				Actions:   jsii.Strings("servicecatalog:TerminateProvisionedProduct"),
				Resources: jsii.Strings("*"),
			}),
		})
	// Retries of failed runs: twice by Lambda, then the dead-letter queue.
	s.Janitor.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		RetryAttempts: jsii.Number(2),
		MaxEventAge:   awscdk.Duration_Hours(jsii.Number(1)),
	})
	s.Janitor.Node().DefaultChild().(awslambda.CfnFunction).SetDeadLetterConfig(&awslambda.CfnFunction_DeadLetterConfigProperty{
		TargetArn: s.JanitorDeadLetters.QueueArn(),
	})

	// The schedule's role: invoke the janitor, and hand undeliverable runs
	// to the dead-letter queue. Its own policy, complete, so the target adds
	// no default policy.
	schedulerStatements := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("InvokeJanitor"),
			Actions:   jsii.Strings("lambda:InvokeFunction"),
			Resources: &[]*string{s.Janitor.FunctionArn()},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("DeadLetters"),
			Actions:   jsii.Strings("sqs:SendMessage"),
			Resources: &[]*string{s.JanitorDeadLetters.QueueArn()},
		}),
	}
	schedulerRole := awsiam.NewRole(stack, jsii.String("JanitorScheduleRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}},
		}),
		Description:    jsii.String("EventBridge Scheduler: runs the notebook janitor"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"Schedule": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &schedulerStatements})},
	})
	s.JanitorSchedule = awsscheduler.NewSchedule(stack, jsii.String("JanitorSchedule"), &awsscheduler.ScheduleProps{
		Description: jsii.String("Runs the notebook janitor"),
		Schedule:    awsscheduler.ScheduleExpression_Expression(jsii.String(JanitorSchedule), nil),
		Target: awsschedulertargets.NewLambdaInvoke(s.Janitor, &awsschedulertargets.ScheduleTargetBaseProps{
			RetryAttempts:   jsii.Number(3),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(1)),
			DeadLetterQueue: s.JanitorDeadLetters,
			Role:            schedulerRole.WithoutPolicyUpdates(nil),
		}),
	})

	awscdk.NewCfnOutput(stack, jsii.String("WorkspaceBucket"), &awscdk.CfnOutputProps{Value: s.Workspaces.BucketName()})
	awscdk.NewCfnOutput(stack, jsii.String("JanitorDeadLetterQueueUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("Janitor runs that failed after every retry; alarm on its depth"),
		Value:       s.JanitorDeadLetters.QueueUrl(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("LeaseNoticesTopicArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("Subscribe owners with a filter policy on the owner message attribute"),
		Value:       s.LeaseNotices.TopicArn(),
	})
}

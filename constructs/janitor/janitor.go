// Package janitor provides the lease janitor of the notebook catalog: a
// Lambda function (lambda/janitor, in the catalog's functions binary) that
// EventBridge Scheduler runs on a schedule, which warns the owners of unused
// notebooks through an SNS topic and terminates their provisioned products
// through Service Catalog when the lease ends; failed runs are retried, then
// kept in a dead-letter queue.
package janitor

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsschedulertargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/keys"
	"github.com/datalake-platform/sagemaker-catalog/internal/arns"
	"github.com/datalake-platform/sagemaker-catalog/internal/check"
	"github.com/datalake-platform/sagemaker-catalog/internal/function"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

// Defaults of Props.
const (
	DefaultSchedule    = "rate(1 hour)"
	DefaultLeaseDays   = 7
	DefaultNoticeHours = 24
	DefaultMode        = names.ModeDryRun
)

var (
	catalogNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,99}$`)
	// Recurring EventBridge Scheduler expressions: rate(value unit) with a
	// positive whole value and a unit of minute(s), hour(s) or day(s), and
	// cron(fields) with six fields (EventBridge Scheduler API Reference,
	// CreateSchedule ScheduleExpression).
	ratePattern = regexp.MustCompile(`^rate\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\)$`)
	cronPattern = regexp.MustCompile(`^cron\(\S+( \S+){5}\)$`)
	// What lambda/cmd/functions accepts in LAUNCH_ROLE_ARN and PRODUCT_ID.
	launchRolePattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)
	productIdPattern  = regexp.MustCompile(`^prod-[A-Za-z0-9]{1,96}$`)
	roleNamePattern   = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
)

// Props configures a Janitor.
type Props struct {
	// Code is the catalog's functions binary (lambda/cmd/functions). Required.
	Code awslambda.Code
	// Workspaces is the workspace bucket, where notebooks write their sync
	// status. Required.
	Workspaces awss3.IBucket
	// Key encrypts the workspace bucket and the notices topic. Required.
	Key awskms.IKey
	// LaunchRoleArn is the catalog's launch role: the janitor acts only on
	// provisioned products Service Catalog launched with it. Required.
	LaunchRoleArn *string
	// ProductId is the notebook product: when set, the janitor acts only on
	// provisioned products of it.
	// Default: any product launched with LaunchRoleArn.
	ProductId *string
	// LogKey encrypts the function's log group; its policy must let
	// CloudWatch Logs use it for names.FunctionLogGroups(CatalogName).
	// Default: a key of its own.
	LogKey awskms.IKey
	// CatalogName starts the function's log group name
	// (/<CatalogName>/functions/janitor).
	// Default: the stack's name.
	CatalogName *string
	// LeaseDays is the lease of a notebook without a lease tag.
	// Default: DefaultLeaseDays.
	LeaseDays *float64
	// NoticeHours is how long before termination owners are warned.
	// Default: DefaultNoticeHours.
	NoticeHours *float64
	// Mode is "enforce" (warn, then terminate), "notify-only" (warn, never
	// terminate) or "dry-run" (decide and log only).
	// Default: DefaultMode.
	Mode *string
	// RoleName names the function's role (a key or bucket policy may name it
	// before it exists).
	// Default: a generated name.
	RoleName *string
	// Schedule is how often the janitor runs: a recurring EventBridge
	// Scheduler expression, rate(...) or cron(...).
	// Default: DefaultSchedule.
	Schedule *string
}

// Janitor is the lease janitor.
type Janitor struct {
	constructs.Construct
	// Function applies the leases, on Schedule; failed runs end in
	// DeadLetters; owners hear from it through Notices.
	Function    awslambda.IFunction
	Schedule    awsscheduler.ISchedule
	DeadLetters awssqs.IQueue
	Notices     awssns.ITopic
	// ScheduleRole is the role EventBridge Scheduler runs the janitor with.
	ScheduleRole awsiam.IRole
}

// New creates the janitor in scope.
//
// New panics if a field is invalid or missing; the message names the
// field, the value and what is allowed.
func New(scope constructs.Construct, id *string, props *Props) *Janitor {
	if props == nil {
		props = &Props{}
	}
	j := &Janitor{}
	constructs.NewConstruct_Override(j, scope, id)
	if err := props.Validate(); err != nil {
		panic(fmt.Errorf("%s: %w", *j.Node().Path(), err))
	}
	stack := awscdk.Stack_Of(j)
	catalog := check.Or(props.CatalogName, *stack.StackName())
	region := *stack.Region()
	logKey := props.LogKey
	if logKey == nil {
		logKey = keys.New(j, jsii.String("LogKey"), &keys.Props{
			Description:  jsii.String("Encrypts the logs of the SageMaker notebook catalog's janitor"),
			LogGroupArns: arns.LogGroup(j, names.FunctionLogGroups(catalog)+"*"),
		}).Key
	}

	notices := awssns.NewTopic(j, jsii.String("Notices"), &awssns.TopicProps{
		DisplayName: jsii.String("SageMaker notebook lease notices"),
		MasterKey:   props.Key,
		EnforceSSL:  jsii.Bool(true),
	})
	deadLetters := awssqs.NewQueue(j, jsii.String("DeadLetters"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		// Marked as a dead-letter queue, as AWS Control Tower's CT.SQS.PR.1
		// asks (a redrive allow policy of allowAll or byQueue). allowAll is
		// SQS's default, so nothing changes: its messages come from Lambda
		// and EventBridge Scheduler, which need no redrive permission, and
		// byQueue would need source queues, of which there are none.
		RedriveAllowPolicy: &awssqs.RedriveAllowPolicy{RedrivePermission: awssqs.RedrivePermission_ALLOW_ALL},
	})
	j.Notices, j.DeadLetters = notices, deadLetters

	notebooks := arns.CatalogNotebooks(j)
	statusObjects := props.Workspaces.ArnForObjects(jsii.String(names.StatusPrefix + "*"))
	env := map[string]*string{
		names.EnvTopicArn:      notices.TopicArn(),
		names.EnvLeaseDays:     whole(props.LeaseDays, DefaultLeaseDays),
		names.EnvNoticeHours:   whole(props.NoticeHours, DefaultNoticeHours),
		names.EnvMode:          jsii.String(check.Or(props.Mode, DefaultMode)),
		names.EnvBucket:        props.Workspaces.BucketName(),
		names.EnvLaunchRoleArn: props.LaunchRoleArn,
	}
	if props.ProductId != nil {
		env[names.EnvProductId] = props.ProductId
	}
	fn := function.New(j, "Function", function.Props{
		Handler:        names.FunctionJanitor,
		LogGroupPrefix: names.FunctionLogGroups(catalog),
		Description:    "Warns owners of unused SageMaker notebooks and terminates them through Service Catalog when their lease ends",
		Code:           props.Code,
		LogKey:         logKey,
		TimeoutSeconds: 300,
		Concurrency:    1,
		Env:            env,
		Statements: []awsiam.PolicyStatement{
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
				Resources: &[]*string{statusObjects},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// The janitor lists a status key before reading it, to tell a
				// missing status from a denied one.
				Sid:        jsii.String("FindSyncStatus"),
				Actions:    jsii.Strings("s3:ListBucket"),
				Resources:  &[]*string{props.Workspaces.BucketArn()},
				Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": names.StatusPrefix + "*"}},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// Reading a status object: S3 decrypts it with the catalog key.
				Sid:        jsii.String("ReadSyncStatusKey"),
				Actions:    jsii.Strings("kms:Decrypt"),
				Resources:  &[]*string{props.Key.KeyArn()},
				Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("s3.%s.amazonaws.com", region)}},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// Publishing to the encrypted topic: SNS asks for a data key.
				Sid:        jsii.String("NotifyOwnersKey"),
				Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
				Resources:  &[]*string{props.Key.KeyArn()},
				Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("sns.%s.amazonaws.com", region)}},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("NotifyOwners"),
				Actions:   jsii.Strings("sns:Publish"),
				Resources: &[]*string{notices.TopicArn()},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// Lambda sends a failed asynchronous run here with the function's role.
				Sid:       jsii.String("DeadLetters"),
				Actions:   jsii.Strings("sqs:SendMessage"),
				Resources: &[]*string{deadLetters.QueueArn()},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// Before it warns or terminates, the janitor asks Service
				// Catalog whether the provisioned product is the catalog's
				// (its launch role and product). No resource-level
				// permissions (Service Authorization Reference, AWS Service
				// Catalog: DescribeProvisionedProduct has no resource types).
				Sid:       jsii.String("VerifyProvisionedProducts"),
				Actions:   jsii.Strings("servicecatalog:DescribeProvisionedProduct"),
				Resources: jsii.Strings("*"),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// TerminateProvisionedProduct has no resource-level permissions.
				// Service Catalog deletes the stack with the product's launch
				// role; the janitor terminates only the provisioned products
				// Service Catalog confirmed as the catalog's.
				Sid:       jsii.String("TerminateExpiredNotebooks"),
				Actions:   jsii.Strings("servicecatalog:TerminateProvisionedProduct"),
				Resources: jsii.Strings("*"),
			}),
		},
	})
	if props.RoleName != nil {
		fn.Role().Node().DefaultChild().(awsiam.CfnRole).SetRoleName(props.RoleName)
	}
	// Retries of failed runs: twice by Lambda, then the dead-letter queue.
	fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		RetryAttempts: jsii.Number(2),
		MaxEventAge:   awscdk.Duration_Hours(jsii.Number(1)),
	})
	fn.Node().DefaultChild().(awslambda.CfnFunction).SetDeadLetterConfig(&awslambda.CfnFunction_DeadLetterConfigProperty{
		TargetArn: deadLetters.QueueArn(),
	})
	j.Function = fn

	// The schedule's role: invoke the janitor, and hand undeliverable runs
	// to the dead-letter queue. Its own policy, complete, so the target adds
	// no default policy.
	schedulerStatements := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("InvokeJanitor"),
			Actions:   jsii.Strings("lambda:InvokeFunction"),
			Resources: &[]*string{fn.FunctionArn()},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("DeadLetters"),
			Actions:   jsii.Strings("sqs:SendMessage"),
			Resources: &[]*string{deadLetters.QueueArn()},
		}),
	}
	schedulerRole := awsiam.NewRole(j, jsii.String("ScheduleRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}},
		}),
		Description:    jsii.String("EventBridge Scheduler: runs the notebook janitor"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"Schedule": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &schedulerStatements})},
	})
	j.ScheduleRole = schedulerRole
	j.Schedule = awsscheduler.NewSchedule(j, jsii.String("Schedule"), &awsscheduler.ScheduleProps{
		Description: jsii.String("Runs the notebook janitor"),
		Schedule:    awsscheduler.ScheduleExpression_Expression(jsii.String(check.Or(props.Schedule, DefaultSchedule)), nil),
		Target: awsschedulertargets.NewLambdaInvoke(fn, &awsschedulertargets.ScheduleTargetBaseProps{
			RetryAttempts:   jsii.Number(3),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(1)),
			DeadLetterQueue: deadLetters,
			Role:            schedulerRole.WithoutPolicyUpdates(nil),
		}),
	})
	return j
}

// whole renders a whole number, or the token it is, for the environment.
func whole(v *float64, def int) *string {
	switch {
	case v == nil:
		return jsii.String(strconv.Itoa(def))
	case *awscdk.Token_IsUnresolved(*v):
		return awscdk.Tokenization_StringifyNumber(v)
	}
	return jsii.String(strconv.Itoa(int(*v)))
}

// Validate reports every invalid or missing field of props, or nil.
func (props *Props) Validate() error {
	p := check.New("janitor.Props")
	if props.Code == nil {
		p.Addf("Code", "required: the catalog's functions binary (lambda/cmd/functions)")
	}
	if props.Workspaces == nil {
		p.Addf("Workspaces", "required: the workspace bucket (workspaces.Workspaces.Bucket)")
	}
	if props.Key == nil {
		p.Addf("Key", "required: the key of the workspace bucket")
	}
	switch a := props.LaunchRoleArn; {
	case a == nil || *a == "":
		p.Addf("LaunchRoleArn", "required: the catalog's launch role (the janitor acts only on what Service Catalog launched with it)")
	case !check.Unresolved(*a) && !launchRolePattern.MatchString(*a):
		p.Add("LaunchRoleArn", *a, "an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
	}
	if id := props.ProductId; id != nil && !check.Unresolved(*id) && !productIdPattern.MatchString(*id) {
		p.Add("ProductId", *id, "a Service Catalog product ID (prod-...)")
	}
	number := func(field string, v *float64, lo, hi int) {
		if v != nil && !*awscdk.Token_IsUnresolved(*v) && (*v != float64(int(*v)) || *v < float64(lo) || *v > float64(hi)) {
			p.Add(field, strconv.FormatFloat(*v, 'g', -1, 64), fmt.Sprintf("a whole number from %d to %d", lo, hi))
		}
	}
	number("LeaseDays", props.LeaseDays, 1, 365)
	number("NoticeHours", props.NoticeHours, 1, 168)
	switch m := check.Or(props.Mode, DefaultMode); {
	case m == names.ModeEnforce, m == names.ModeNotifyOnly, m == names.ModeDryRun, check.Unresolved(m):
	default:
		p.Add("Mode", m, `"enforce", "notify-only" or "dry-run"`)
	}
	switch s := check.Or(props.Schedule, DefaultSchedule); {
	case check.Unresolved(s), ratePattern.MatchString(s), cronPattern.MatchString(s):
	case len(s) > 3 && s[:3] == "at(":
		p.Add("Schedule", s, "a recurring schedule, rate(...) or cron(...), not a one-time at(...)")
	default:
		p.Add("Schedule", s, "an EventBridge Scheduler expression such as rate(1 hour) (a whole number of minutes, hours or days) or cron(0 7 * * ? *) (six fields)")
	}
	if c := props.CatalogName; c != nil && !check.Unresolved(*c) && !catalogNamePattern.MatchString(*c) {
		p.Add("CatalogName", *c, "a letter, then letters, digits and hyphens, at most 100 characters (the catalog stack's name)")
	}
	if n := props.RoleName; n != nil && !check.Unresolved(*n) && !roleNamePattern.MatchString(*n) {
		p.Add("RoleName", *n, "1-64 characters from letters, digits and +=,.@_-")
	}
	return p.Err()
}

// FunctionArn returns the janitor function's ARN, a token until deployment.
func (j *Janitor) FunctionArn() *string { return j.Function.FunctionArn() }

// Package dashboard provides the notebook catalog's operator dashboard: a
// CloudWatch dashboard built from the lease janitor's JSON decision logs
// (metric filters: notebooks warned, terminated, held back by the janitor's
// mode, kept for unsaved work, left alone, janitor errors), its dead-letter
// queue and the functions' metrics, with alarms on janitor errors and dead
// letters to an SNS topic.
//
// The janitor (lambda/janitor) writes one JSON line per decision,
// {"msg":"decision","decision":{"action":...,"reason":...,"skipped":...}},
// and one per failure, {"level":"ERROR",...}; Lambda keeps a JSON line as it
// is (JSON log format), so the filters read these fields at the top level.
package dashboard

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/keys"
	"github.com/datalake-platform/sagemaker-catalog/internal/check"
)

// HeldBackByMode are the janitor's reasons (Decision.Skipped) for not
// carrying out a decision because of its mode: a dry run, or notify-only
// for a termination (a prefix, as a filter pattern matches it).
var HeldBackByMode = []string{"dry run", "notify-only*"}

// UnsavedWorkReasons start the reasons the janitor gives for keeping a
// notebook whose lease has ended because terminating it could lose work
// (janitor.Decide): the last save failed, or it is older than the last use.
var UnsavedWorkReasons = []string{"last workspace sync failed", "workspace last saved"}

// The metrics the filters publish, by name.
const (
	MetricWarned         = "NotebooksWarned"
	MetricTerminated     = "NotebooksTerminated"
	MetricWouldWarn      = "NotebooksWouldWarn"
	MetricWouldTerminate = "NotebooksWouldTerminate"
	MetricKeptUnsaved    = "NotebooksKeptForUnsavedWork"
	MetricLeftAlone      = "NotebooksLeftAlone"
	MetricJanitorErrors  = "JanitorErrors"
)

// The filter patterns (CloudWatch Logs JSON filter pattern syntax,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html,
// written with the CDK's FilterPattern, which renders Exists as = "*" and
// NotExists as NOT EXISTS).
func patterns() map[string]awslogs.IFilterPattern {
	s := func(field, value string) awslogs.JsonPattern {
		return awslogs.FilterPattern_StringValue(jsii.String(field), jsii.String("="), jsii.String(value))
	}
	decision := func(action string, more ...awslogs.JsonPattern) awslogs.JsonPattern {
		return awslogs.FilterPattern_All(append([]awslogs.JsonPattern{s("$.msg", "decision"), s("$.decision.action", action)}, more...)...)
	}
	carriedOut := awslogs.FilterPattern_NotExists(jsii.String("$.decision.skipped"))
	var byMode, notByMode []awslogs.JsonPattern
	for _, r := range HeldBackByMode {
		byMode = append(byMode, s("$.decision.skipped", r))
		notByMode = append(notByMode, awslogs.FilterPattern_StringValue(jsii.String("$.decision.skipped"), jsii.String("!="), jsii.String(r)))
	}
	heldBack := awslogs.FilterPattern_Any(byMode...)
	// Skipped for another reason: not this catalog's provisioned product,
	// one Service Catalog is changing, a tag that names another.
	leftAlone := awslogs.FilterPattern_All(append([]awslogs.JsonPattern{s("$.msg", "decision"),
		awslogs.FilterPattern_Any(s("$.decision.action", "notify"), s("$.decision.action", "terminate")),
		awslogs.FilterPattern_Exists(jsii.String("$.decision.skipped"))}, notByMode...)...)
	var unsaved []awslogs.JsonPattern
	for _, r := range UnsavedWorkReasons {
		unsaved = append(unsaved, s("$.decision.reason", r+"*"))
	}
	return map[string]awslogs.IFilterPattern{
		MetricWarned:         decision("notify", carriedOut),
		MetricTerminated:     decision("terminate", carriedOut),
		MetricWouldWarn:      decision("notify", heldBack),
		MetricWouldTerminate: decision("terminate", heldBack),
		MetricKeptUnsaved:    decision("keep", awslogs.FilterPattern_Any(unsaved...)),
		MetricLeftAlone:      leftAlone,
		MetricJanitorErrors:  s("$.level", "ERROR"),
	}
}

// Patterns returns the filter pattern of each metric, as CloudWatch Logs
// receives it.
func Patterns() map[string]string {
	out := map[string]string{}
	for name, p := range patterns() {
		out[name] = *p.LogPatternString()
	}
	return out
}

var (
	dashboardNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	namespacePattern     = regexp.MustCompile(`^[A-Za-z0-9._/#:-]{1,255}$`)
)

// Props configures a Dashboard.
type Props struct {
	// Janitor is the lease janitor function; its log group's JSON lines
	// become the decision metrics. Required.
	Janitor awslambda.IFunction
	// JanitorLogs is the janitor's log group.
	// Default: Janitor's own, which an awslambda.Function has (an imported
	// function does not: give its log group here).
	JanitorLogs awslogs.ILogGroup
	// DeadLetters is where failed janitor runs end. Required.
	DeadLetters awssqs.IQueue
	// Functions are further functions to graph (invocations, errors,
	// throttles, duration) next to the janitor.
	// Default: the janitor only.
	Functions []awslambda.IFunction
	// AlarmTopic receives the alarms' notifications (in alarm, and back to
	// OK). If it is encrypted, its key must let cloudwatch.amazonaws.com use
	// it (kms:Decrypt, kms:GenerateDataKey*), or CloudWatch drops them.
	// Default: a topic of its own, encrypted with a key of its own that
	// CloudWatch may use.
	AlarmTopic awssns.ITopic
	// DashboardName names the dashboard: letters, digits, - and _.
	// Default: <stack name>-operations.
	DashboardName *string
	// Namespace is the CloudWatch namespace of the decision metrics.
	// Default: <stack name>/Janitor, one per catalog.
	Namespace *string
}

// Dashboard is the operator dashboard and its alarms.
type Dashboard struct {
	constructs.Construct
	// Dashboard shows the janitor's decisions and errors, the dead letters
	// and the functions' health.
	Dashboard awscloudwatch.Dashboard
	// AlarmTopic receives the alarms; subscribe the platform team.
	AlarmTopic awssns.ITopic
	// Metrics are the decision metrics, by name (MetricWarned, ...): the
	// sum over an hour.
	Metrics map[string]awscloudwatch.IMetric
	// JanitorErrors is in alarm when the janitor logged an error or failed
	// in the last hour; DeadLetters when a run is in the dead-letter queue.
	JanitorErrors awscloudwatch.IAlarm
	DeadLetters   awscloudwatch.IAlarm
}

// New creates the dashboard, the metric filters and the alarms in scope.
//
// New panics if a field is missing or invalid; the message names the
// field, the value and what is allowed.
func New(scope constructs.Construct, id *string, props *Props) *Dashboard {
	if props == nil {
		props = &Props{}
	}
	d := &Dashboard{}
	constructs.NewConstruct_Override(d, scope, id)
	if err := props.Validate(); err != nil {
		panic(fmt.Errorf("%s: %w", *d.Node().Path(), err))
	}
	stack := awscdk.Stack_Of(d)
	namespace := check.Or(props.Namespace, *stack.StackName()+"/Janitor")
	hour := awscdk.Duration_Hours(jsii.Number(1))
	logs := props.JanitorLogs
	if logs == nil {
		logs = props.Janitor.(awslambda.Function).LogGroup()
	}

	d.Metrics = map[string]awscloudwatch.IMetric{}
	ps := patterns()
	for _, name := range []string{MetricWarned, MetricTerminated, MetricWouldWarn, MetricWouldTerminate, MetricKeptUnsaved, MetricLeftAlone, MetricJanitorErrors} {
		f := awslogs.NewMetricFilter(d, jsii.String(name), &awslogs.MetricFilterProps{
			LogGroup:        logs,
			FilterPattern:   ps[name],
			MetricNamespace: jsii.String(namespace),
			MetricName:      jsii.String(name),
			MetricValue:     jsii.String("1"),
		})
		d.Metrics[name] = f.Metric(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: hour})
	}

	d.AlarmTopic = props.AlarmTopic
	if d.AlarmTopic == nil {
		d.AlarmTopic = alarmTopic(d, stack)
	}
	notify := awscloudwatchactions.NewSnsAction(d.AlarmTopic)

	// Errors: what the janitor logged (one notebook failed), and runs that
	// failed as a whole (an error returned, a timeout).
	failedRuns := props.Janitor.MetricErrors(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: hour})
	errors := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String("FILL(logged, 0) + FILL(failed, 0)"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{"logged": d.Metrics[MetricJanitorErrors], "failed": failedRuns},
		Label:        jsii.String("Janitor errors and failed runs"),
		Period:       hour,
	})
	d.JanitorErrors = alarm(d, "JanitorErrorsAlarm", errors, notify,
		"The notebook janitor logged an error or a run failed in the last hour: read its log group")
	visible := props.DeadLetters.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
		Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Minutes(jsii.Number(5)),
	})
	d.DeadLetters = alarm(d, "DeadLettersAlarm", visible, notify,
		"A janitor run failed after every retry and is in the dead-letter queue: read the message and the janitor's log group")

	functions := append([]awslambda.IFunction{props.Janitor}, props.Functions...)
	var invocations, durations []awscloudwatch.IMetric
	for _, fn := range functions {
		opts := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5))}
		invocations = append(invocations, fn.MetricInvocations(opts), fn.MetricErrors(opts), fn.MetricThrottles(opts))
		durations = append(durations, fn.MetricDuration(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: opts.Period}))
	}

	graph := func(title string, width float64, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &metrics, Width: jsii.Number(width), Height: jsii.Number(6),
		})
	}
	d.Dashboard = awscloudwatch.NewDashboard(d, jsii.String("Resource"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String(check.Or(props.DashboardName, *stack.StackName()+"-operations")),
		DefaultInterval: awscdk.Duration_Days(jsii.Number(7)),
	})
	d.Dashboard.AddWidgets(awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{
		Markdown: jsii.String("## Notebook catalog operations\n" +
			"The janitor's decisions, counted from its JSON log lines (namespace `" + namespace + "`). " +
			"*Would warn* and *would terminate* count what `janitorMode` held back (`dry-run`, `notify-only`). " +
			"Alarms go to the operator alarm topic. Runbook: docs/operating.md."),
		Width: jsii.Number(24), Height: jsii.Number(2),
	}))
	d.Dashboard.AddWidgets(
		graph("Notebooks warned and terminated", 12, d.Metrics[MetricWarned], d.Metrics[MetricTerminated]),
		graph("Held back by janitorMode: would warn, would terminate", 12, d.Metrics[MetricWouldWarn], d.Metrics[MetricWouldTerminate]),
	)
	d.Dashboard.AddWidgets(
		graph("Kept for unsaved work; left alone (not this catalog's, or changing)", 8, d.Metrics[MetricKeptUnsaved], d.Metrics[MetricLeftAlone]),
		graph("Janitor errors and failed runs", 8, d.Metrics[MetricJanitorErrors], failedRuns),
		awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
			Title: jsii.String("Alarms"), Alarms: &[]interfacesawscloudwatch.IAlarmRef{d.JanitorErrors, d.DeadLetters},
			Width: jsii.Number(8), Height: jsii.Number(6),
		}),
	)
	d.Dashboard.AddWidgets(
		graph("Dead letters: messages, oldest (s)", 8, visible,
			props.DeadLetters.MetricApproximateAgeOfOldestMessage(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum")})),
		graph("Functions: invocations, errors, throttles", 8, invocations...),
		graph("Functions: longest run (ms)", 8, durations...),
	)
	d.Dashboard.AddWidgets(awscloudwatch.NewLogQueryWidget(&awscloudwatch.LogQueryWidgetProps{
		Title:         jsii.String("Latest janitor decisions"),
		LogGroupNames: &[]*string{logs.LogGroupName()},
		QueryLines: jsii.Strings(
			`fields @timestamp, decision.notebook, decision.action, decision.reason, decision.skipped, decision.owner`,
			`filter (msg = "decision" and (decision.action != "keep" or decision.reason like /^(last workspace sync failed|workspace last saved)/)) or level = "ERROR" or level = "WARN"`,
			`sort @timestamp desc`,
			`limit 50`,
		),
		View:  awscloudwatch.LogQueryVisualizationType_TABLE,
		Width: jsii.Number(24), Height: jsii.Number(6),
	}))
	return d
}

// alarm alarms on metric at 1 or more, for one period, to action; missing
// data (no run, an empty queue) is fine.
func alarm(scope constructs.Construct, id string, metric awscloudwatch.IMetric, action awscloudwatch.IAlarmAction, description string) awscloudwatch.IAlarm {
	a := awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
		Metric:             metric,
		Threshold:          jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription:   jsii.String(description),
		ActionsEnabled:     jsii.Bool(true),
	})
	a.AddAlarmAction(action)
	a.AddOkAction(action)
	return a
}

// alarmTopic is a topic of the dashboard's own, for the operators: not the
// owners' lease notices (their subscriptions filter on an owner attribute
// that alarms lack, and that topic's key may be one given to the catalog,
// whose policy cannot let CloudWatch in).
func alarmTopic(d *Dashboard, stack awscdk.Stack) awssns.ITopic {
	// CloudWatch publishes alarms as the service principal, on behalf of
	// an alarm (aws:SourceArn) of an account (aws:SourceAccount): only this
	// account's alarms may use the topic and its key (confused-deputy
	// prevention; the conditions as in the AWS samples'
	// amazon-cloudwatch-auto-alarms topic policy and AWS's MDAA
	// grantCloudWatchAlarmsTopicAccess).
	cloudwatch := awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)
	sameAccount := map[string]any{"aws:SourceAccount": stack.Account()}
	alarms := fmt.Sprintf("arn:%s:cloudwatch:%s:%s:alarm:*", *stack.Partition(), *stack.Region(), *stack.Account())
	key := keys.New(d, jsii.String("AlarmKey"), &keys.Props{
		Description: jsii.String("Encrypts the operator alarms of the SageMaker notebook catalog"),
		Statements: []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// CloudWatch publishes to an encrypted topic with these two
			// (Amazon SNS Developer Guide, "Key management": compatibility
			// with event sources from AWS services); in a key policy,
			// Resource "*" is this key.
			Sid:        jsii.String("CloudWatchAlarmsPublishEncrypted"),
			Principals: &[]awsiam.IPrincipal{cloudwatch},
			Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": sameAccount},
		})},
	}).Key
	topic := awssns.NewTopic(d, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("SageMaker notebook catalog: operator alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: &map[string]any{"StringEquals": sameAccount, "ArnLike": map[string]any{"aws:SourceArn": alarms}},
	}))
	return topic
}

// Validate reports every missing or invalid field of props, or nil.
func (props *Props) Validate() error {
	p := check.New("dashboard.Props")
	if props.Janitor == nil {
		p.Addf("Janitor", "required: the janitor function (janitor.Janitor.Function)")
	} else if _, owned := props.Janitor.(awslambda.Function); !owned && props.JanitorLogs == nil {
		p.Addf("JanitorLogs", "required when Janitor is an imported function: its log group")
	}
	if props.DeadLetters == nil {
		p.Addf("DeadLetters", "required: the janitor's dead-letter queue (janitor.Janitor.DeadLetters)")
	}
	for i, fn := range props.Functions {
		if fn == nil {
			p.Addf(fmt.Sprintf("Functions[%d]", i), "nil: give a function or leave it out")
		}
	}
	if n := props.DashboardName; n != nil && !check.Unresolved(*n) && !dashboardNamePattern.MatchString(*n) {
		p.Add("DashboardName", *n, "1-255 letters, digits, hyphens and underscores")
	}
	if n := props.Namespace; n != nil && !check.Unresolved(*n) && !namespacePattern.MatchString(*n) {
		p.Add("Namespace", *n, "a CloudWatch namespace: 1-255 letters, digits and . - _ / # :")
	}
	return p.Err()
}

// AlarmTopicArn returns the alarm topic's ARN, a token until deployment.
func (d *Dashboard) AlarmTopicArn() *string { return d.AlarmTopic.TopicArn() }

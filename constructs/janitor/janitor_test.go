package janitor_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/janitor"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

// stackInstance is the last part of the stack's ID (internal/arns.StackInstance).
var stackInstance = map[string]any{"Fn::Select": []any{float64(2), map[string]any{"Fn::Split": []any{"/", map[string]any{"Ref": "AWS::StackId"}}}}}

func join(parts ...any) map[string]any { return map[string]any{"Fn::Join": []any{"", parts}} }

func TestMain(m *testing.M) { testutil.Run(m) }

const launchRole = "arn:aws:iam::123456789012:role/Catalog-launch-eu-west-1"

// fixture is a stack with what a Janitor requires: the functions' code
// (from a bucket: no asset to build), the workspace bucket and its key.
type fixture struct {
	stack  awscdk.Stack
	key    awskms.IKey
	bucket awss3.IBucket
	props  *janitor.Props
}

func newFixture() *fixture {
	_, stack := testutil.NewStack()
	f := &fixture{stack: stack}
	f.key = awskms.NewKey(stack, jsii.String("Key"), nil)
	f.bucket = awss3.NewBucket(stack, jsii.String("Workspaces"), nil)
	f.props = &janitor.Props{
		Code:          awslambda.Code_FromBucket(awss3.Bucket_FromBucketName(stack, jsii.String("CodeBucket"), jsii.String("code")), jsii.String("functions.zip"), jsii.String("1")),
		Workspaces:    f.bucket,
		Key:           f.key,
		LaunchRoleArn: jsii.String(launchRole),
	}
	return f
}

func (f *fixture) new() *janitor.Janitor {
	return janitor.New(f.stack, jsii.String("Janitor"), f.props)
}

func (f *fixture) id(c constructs.IConstruct) string {
	return *f.stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

func (f *fixture) template() map[string]any {
	return *assertions.Template_FromStack(f.stack, nil).ToJSON()
}

func (f *fixture) resource(t *testing.T, c constructs.IConstruct) map[string]any {
	t.Helper()
	r, ok := f.template()["Resources"].(map[string]any)[f.id(c)].(map[string]any)
	require.True(t, ok, "no resource for %s", *c.Node().Path())
	return r
}

func (f *fixture) properties(t *testing.T, c constructs.IConstruct) map[string]any {
	t.Helper()
	return f.resource(t, c)["Properties"].(map[string]any)
}

func arnOf(id string) map[string]any { return map[string]any{"Fn::GetAtt": []any{id, "Arn"}} }

// statements returns the statements of a role's only inline policy, by Sid.
func statements(t *testing.T, role map[string]any) map[string]map[string]any {
	t.Helper()
	policies := role["Policies"].([]any)
	require.Len(t, policies, 1)
	out := map[string]map[string]any{}
	for _, s := range policies[0].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
		st := s.(map[string]any)
		sid := st["Sid"].(string)
		require.NotContains(t, out, sid)
		out[sid] = st
	}
	return out
}

func strs(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func env(t *testing.T, f *fixture, j *janitor.Janitor) map[string]any {
	t.Helper()
	return f.properties(t, j.Function)["Environment"].(map[string]any)["Variables"].(map[string]any)
}

func TestFunctionAndEnvironment(t *testing.T) {
	f := newFixture()
	j := f.new()
	fn := f.properties(t, j.Function)
	assert.Equal(t, "provided.al2023", fn["Runtime"])
	assert.Equal(t, []any{"arm64"}, fn["Architectures"])
	assert.EqualValues(t, 300, fn["Timeout"])
	assert.EqualValues(t, 1, fn["ReservedConcurrentExecutions"], "never two runs at once")
	assert.Equal(t, map[string]any{
		"FUNCTION":        "janitor",
		"TOPIC_ARN":       map[string]any{"Ref": f.id(j.Notices)},
		"LEASE_DAYS":      "7",
		"NOTICE_HOURS":    "24",
		"MODE":            "dry-run",
		"BUCKET":          map[string]any{"Ref": f.id(f.bucket)},
		"LAUNCH_ROLE_ARN": launchRole,
	}, env(t, f, j), "no PRODUCT_ID without ProductId")
	assert.Equal(t, map[string]any{"TargetArn": arnOf(f.id(j.DeadLetters))}, fn["DeadLetterConfig"])

	// Its logs: /<catalog>/functions/janitor/<stack instance>, with a key
	// of its own; a stack deployed again does not meet the group its
	// deleted instance retained.
	logs := f.properties(t, j.Function.(awslambda.Function).LogGroup())
	assert.Equal(t, join("/Test/functions/janitor/", stackInstance), logs["LogGroupName"])
	logKey := logs["KmsKeyId"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
	assert.NotEqual(t, f.id(f.key), logKey)
	assert.Contains(t, testutil.JSON(f.template()["Resources"].(map[string]any)[logKey]), `":log-group:/Test/functions/*"`)
}

// A failed run is retried twice by Lambda, then kept in the dead-letter
// queue; a schedule that cannot invoke it retries three times, then the
// same queue.
func TestRetriesAndDeadLetters(t *testing.T) {
	f := newFixture()
	j := f.new()
	tmpl := assertions.Template_FromStack(f.stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::EventInvokeConfig"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), map[string]any{
		"FunctionName":             map[string]any{"Ref": f.id(j.Function)},
		"MaximumRetryAttempts":     2,
		"MaximumEventAgeInSeconds": 3600,
		"Qualifier":                "$LATEST",
	})

	q := f.resource(t, j.DeadLetters)
	assert.Equal(t, map[string]any{"SqsManagedSseEnabled": true, "MessageRetentionPeriod": float64(14 * 24 * 3600),
		"RedriveAllowPolicy": map[string]any{"redrivePermission": "allowAll"}}, q["Properties"], "a dead-letter queue (CT.SQS.PR.1)")
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), map[string]any{
		"Queues": []any{map[string]any{"Ref": f.id(j.DeadLetters)}},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Action": "sqs:*", "Effect": "Deny", "Principal": map[string]any{"AWS": "*"},
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
			"Resource":  arnOf(f.id(j.DeadLetters)),
		}})},
	})
}

func TestSchedule(t *testing.T) {
	f := newFixture()
	j := f.new()
	s := f.properties(t, j.Schedule)
	assert.Equal(t, janitor.DefaultSchedule, s["ScheduleExpression"])
	assert.Equal(t, "ENABLED", s["State"])
	assert.Equal(t, map[string]any{
		"Arn":              arnOf(f.id(j.Function)),
		"RoleArn":          arnOf(f.id(j.ScheduleRole)),
		"RetryPolicy":      map[string]any{"MaximumRetryAttempts": float64(3), "MaximumEventAgeInSeconds": float64(3600)},
		"DeadLetterConfig": map[string]any{"Arn": arnOf(f.id(j.DeadLetters))},
	}, s["Target"])

	// Its role: EventBridge Scheduler of this account; invoke the function
	// (not its versions) and use the dead-letter queue; nothing else.
	role := f.properties(t, j.ScheduleRole)
	assert.Equal(t, []any{map[string]any{
		"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "scheduler.amazonaws.com"},
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}}},
	}}, role["AssumeRolePolicyDocument"].(map[string]any)["Statement"])
	st := statements(t, role)
	require.Len(t, st, 2)
	assert.Equal(t, "lambda:InvokeFunction", st["InvokeJanitor"]["Action"])
	assert.Equal(t, arnOf(f.id(j.Function)), st["InvokeJanitor"]["Resource"])
	assert.Equal(t, "sqs:SendMessage", st["DeadLetters"]["Action"])
	assert.Equal(t, arnOf(f.id(j.DeadLetters)), st["DeadLetters"]["Resource"])

	// Every grant is in the roles' own inline policies: no default policy.
	assert.Empty(t, *assertions.Template_FromStack(f.stack, nil).FindResources(jsii.String("AWS::IAM::Policy"), nil))
}

// The function's role: exactly what the janitor calls, each scoped; "*"
// only where the API has no resource-level permissions.
func TestFunctionRoleStatements(t *testing.T) {
	f := newFixture()
	j := f.new()
	st := statements(t, f.properties(t, j.Function.Role()))
	sagemakerNotebooks := `":sagemaker:",{"Ref":"AWS::Region"},":",{"Ref":"AWS::AccountId"},":notebook-instance/sc-*"`
	bucket := arnOf(f.id(f.bucket))
	key := arnOf(f.id(f.key))
	viaService := func(service string) map[string]any {
		return map[string]any{"StringEquals": map[string]any{"kms:ViaService": map[string]any{"Fn::Join": []any{"", []any{service + ".", map[string]any{"Ref": "AWS::Region"}, ".amazonaws.com"}}}}}
	}
	for sid, want := range map[string]struct {
		actions   []string
		resource  any // a value, or a JSON substring
		condition any
	}{
		"ListNotebooks":             {[]string{"sagemaker:ListNotebookInstances"}, "*", nil},
		"ReadNotebookTags":          {[]string{"sagemaker:ListTags"}, sagemakerNotebooks, nil},
		"RecordNotices":             {[]string{"sagemaker:AddTags"}, sagemakerNotebooks, map[string]any{"ForAllValues:StringEquals": map[string]any{"aws:TagKeys": []any{"sagemaker-catalog:notified-at"}}}},
		"ReadSyncStatus":            {[]string{"s3:GetObject"}, map[string]any{"Fn::Join": []any{"", []any{bucket, "/status/*"}}}, nil},
		"FindSyncStatus":            {[]string{"s3:ListBucket"}, bucket, map[string]any{"StringLike": map[string]any{"s3:prefix": "status/*"}}},
		"VerifyProvisionedProducts": {[]string{"servicecatalog:DescribeProvisionedProduct"}, "*", nil},
		"ReadSyncStatusKey":         {[]string{"kms:Decrypt"}, key, viaService("s3")},
		"NotifyOwnersKey":           {[]string{"kms:Decrypt", "kms:GenerateDataKey"}, key, viaService("sns")},
		"NotifyOwners":              {[]string{"sns:Publish"}, map[string]any{"Ref": f.id(j.Notices)}, nil},
		"DeadLetters":               {[]string{"sqs:SendMessage"}, arnOf(f.id(j.DeadLetters)), nil},
		"TerminateExpiredNotebooks": {[]string{"servicecatalog:TerminateProvisionedProduct"}, "*", nil},
		"OwnLogs":                   {[]string{"logs:CreateLogStream", "logs:PutLogEvents"}, `":log-group:/Test/functions/janitor/",{"Fn::Select":[2,{"Fn::Split":["/",{"Ref":"AWS::StackId"}]}]},":log-stream:*"`, nil},
	} {
		s, ok := st[sid]
		if !assert.True(t, ok, "statement %s", sid) {
			continue
		}
		assert.Equal(t, "Allow", s["Effect"], sid)
		assert.Equal(t, want.actions, strs(s["Action"]), sid)
		if text, ok := want.resource.(string); ok && text != "*" {
			assert.Contains(t, testutil.JSON(s["Resource"]), text, sid)
		} else {
			assert.Equal(t, want.resource, s["Resource"], sid)
		}
		if want.condition == nil {
			assert.NotContains(t, s, "Condition", sid)
		} else {
			assert.Equal(t, want.condition, s["Condition"], sid)
		}
		delete(st, sid)
	}
	assert.Empty(t, st, "no other statement")
}

func TestNoticesTopic(t *testing.T) {
	f := newFixture()
	j := f.new()
	topic := f.properties(t, j.Notices)
	assert.Equal(t, arnOf(f.id(f.key)), topic["KmsMasterKeyId"], "encrypted with the workspace key")
	assert.Equal(t, "SageMaker notebook lease notices", topic["DisplayName"])
	assertions.Template_FromStack(f.stack, nil).HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), map[string]any{
		"Topics": []any{map[string]any{"Ref": f.id(j.Notices)}},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		})})},
	})
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{f.id(j.Function), "Arn"}}, f.stack.Resolve(j.FunctionArn()))
}

func TestProps(t *testing.T) {
	f := newFixture()
	f.props.CatalogName = jsii.String("Team-Catalog")
	f.props.LeaseDays = jsii.Number(3)
	f.props.NoticeHours = jsii.Number(6)
	f.props.Mode = jsii.String("dry-run")
	f.props.Schedule = jsii.String("cron(0 7-19 ? * MON-FRI *)")
	f.props.ProductId = jsii.String("prod-abcdefghijklm")
	f.props.RoleName = jsii.String("Team-Catalog-eu-west-1-janitor")
	j := f.new()
	assert.Equal(t, "Team-Catalog-eu-west-1-janitor", f.properties(t, j.Function.Role())["RoleName"])
	e := env(t, f, j)
	assert.Equal(t, "prod-abcdefghijklm", e["PRODUCT_ID"])
	assert.Equal(t, "3", e["LEASE_DAYS"])
	assert.Equal(t, "6", e["NOTICE_HOURS"])
	assert.Equal(t, "dry-run", e["MODE"])
	assert.Equal(t, "cron(0 7-19 ? * MON-FRI *)", f.properties(t, j.Schedule)["ScheduleExpression"])
	assert.Equal(t, join("/Team-Catalog/functions/janitor/", stackInstance), f.properties(t, j.Function.(awslambda.Function).LogGroup())["LogGroupName"])
	assert.Equal(t, "dry-run", *f.props.Mode, "the caller's props are not written to")

	for _, mode := range []string{"enforce", "notify-only"} {
		f := newFixture()
		f.props.Mode = jsii.String(mode)
		assert.Equal(t, mode, env(t, f, f.new())["MODE"])
	}
}

func TestLogKey(t *testing.T) {
	f := newFixture()
	logKey := awskms.NewKey(f.stack, jsii.String("LogKey"), nil)
	f.props.LogKey = logKey
	j := f.new()
	assert.Equal(t, arnOf(f.id(logKey)), f.properties(t, j.Function.(awslambda.Function).LogGroup())["KmsKeyId"])
	assertions.Template_FromStack(f.stack, nil).ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(2)) // the given two only
}

// Props given as tokens: an imported bucket and key, and the mode, lease,
// notice and schedule from parameters.
func TestTokens(t *testing.T) {
	f := newFixture()
	param := func(id, typ string) awscdk.CfnParameter {
		return awscdk.NewCfnParameter(f.stack, jsii.String(id), &awscdk.CfnParameterProps{Type: jsii.String(typ)})
	}
	f.props.Workspaces = awss3.Bucket_FromBucketName(f.stack, jsii.String("Imported"), param("Bucket", "String").ValueAsString())
	f.props.Key = awskms.Key_FromKeyArn(f.stack, jsii.String("ImportedKey"), param("KeyArn", "String").ValueAsString())
	f.props.Mode = param("Mode", "String").ValueAsString()
	f.props.LeaseDays = param("Lease", "Number").ValueAsNumber()
	f.props.NoticeHours = param("Notice", "Number").ValueAsNumber()
	f.props.Schedule = param("Schedule", "String").ValueAsString()
	f.props.CatalogName = param("Catalog", "String").ValueAsString()
	f.props.LaunchRoleArn = param("LaunchRole", "String").ValueAsString()
	f.props.ProductId = param("Product", "String").ValueAsString()
	j := f.new()

	e := env(t, f, j)
	assert.Equal(t, map[string]any{"Ref": "Mode"}, e["MODE"])
	assert.Equal(t, map[string]any{"Ref": "LaunchRole"}, e["LAUNCH_ROLE_ARN"])
	assert.Equal(t, map[string]any{"Ref": "Product"}, e["PRODUCT_ID"])
	assert.Equal(t, map[string]any{"Ref": "Bucket"}, e["BUCKET"])
	assert.Equal(t, map[string]any{"Ref": "Lease"}, e["LEASE_DAYS"])
	assert.Equal(t, map[string]any{"Ref": "Notice"}, e["NOTICE_HOURS"])
	assert.Equal(t, map[string]any{"Ref": "Schedule"}, f.properties(t, j.Schedule)["ScheduleExpression"])
	assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{"/", map[string]any{"Ref": "Catalog"}, "/functions/janitor/", stackInstance}}},
		f.properties(t, j.Function.(awslambda.Function).LogGroup())["LogGroupName"])
	st := statements(t, f.properties(t, j.Function.Role()))
	assert.Equal(t, map[string]any{"Ref": "KeyArn"}, st["ReadSyncStatusKey"]["Resource"])
	assert.Contains(t, testutil.JSON(st["FindSyncStatus"]["Resource"]), `{"Ref":"Bucket"}`)
	assert.Equal(t, map[string]any{"Ref": "KeyArn"}, f.properties(t, j.Notices)["KmsMasterKeyId"])
}

func TestFailsOnInvalidProps(t *testing.T) {
	s := jsii.String
	for _, tc := range []struct {
		name   string
		change func(p *janitor.Props)
		want   []string
	}{
		{"fails without code", func(p *janitor.Props) { p.Code = nil }, []string{"Test/Janitor: janitor.Props: Code: required"}},
		{"fails without the workspace bucket", func(p *janitor.Props) { p.Workspaces = nil }, []string{"Workspaces: required"}},
		{"fails without a key", func(p *janitor.Props) { p.Key = nil }, []string{"Key: required"}},
		{"fails without the launch role", func(p *janitor.Props) { p.LaunchRoleArn = nil }, []string{"LaunchRoleArn: required"}},
		{"fails on an empty launch role", func(p *janitor.Props) { p.LaunchRoleArn = s("") }, []string{"LaunchRoleArn: required"}},
		{"fails on a launch role name", func(p *janitor.Props) { p.LaunchRoleArn = s("Catalog-launch") }, []string{`LaunchRoleArn: invalid value "Catalog-launch": an IAM role ARN`}},
		{"fails on a user ARN", func(p *janitor.Props) { p.LaunchRoleArn = s("arn:aws:iam::123456789012:user/launch") }, []string{`LaunchRoleArn: invalid value "arn:aws:iam::123456789012:user/launch"`}},
		{"fails on a role name with a space", func(p *janitor.Props) { p.RoleName = s("the janitor") }, []string{`RoleName: invalid value "the janitor": 1-64 characters`}},
		{"fails on a portfolio ID as product", func(p *janitor.Props) { p.ProductId = s("port-abcdefghijklm") }, []string{`ProductId: invalid value "port-abcdefghijklm": a Service Catalog product ID (prod-...)`}},
		{"fails on a zero lease", func(p *janitor.Props) { p.LeaseDays = jsii.Number(0) }, []string{`LeaseDays: invalid value "0": a whole number from 1 to 365`}},
		{"fails on a lease over a year", func(p *janitor.Props) { p.LeaseDays = jsii.Number(366) }, []string{`LeaseDays: invalid value "366"`}},
		{"fails on a fractional lease", func(p *janitor.Props) { p.LeaseDays = jsii.Number(1.5) }, []string{`LeaseDays: invalid value "1.5"`}},
		{"fails on a zero notice", func(p *janitor.Props) { p.NoticeHours = jsii.Number(0) }, []string{`NoticeHours: invalid value "0": a whole number from 1 to 168`}},
		{"fails on a notice over a week", func(p *janitor.Props) { p.NoticeHours = jsii.Number(169) }, []string{`NoticeHours: invalid value "169"`}},
		{"fails on an unknown mode", func(p *janitor.Props) { p.Mode = s("off") }, []string{`Mode: invalid value "off": "enforce", "notify-only" or "dry-run"`}},
		{"fails on a schedule in words", func(p *janitor.Props) { p.Schedule = s("every hour") }, []string{`Schedule: invalid value "every hour"`, "rate(1 hour)"}},
		{"fails on a zero rate", func(p *janitor.Props) { p.Schedule = s("rate(0 hours)") }, []string{`Schedule: invalid value "rate(0 hours)"`}},
		{"fails on a rate in seconds", func(p *janitor.Props) { p.Schedule = s("rate(30 seconds)") }, []string{`Schedule: invalid value "rate(30 seconds)"`}},
		{"fails on a five-field cron", func(p *janitor.Props) { p.Schedule = s("cron(0 * * * *)") }, []string{`Schedule: invalid value "cron(0 * * * *)"`, "six fields"}},
		{"fails on a one-time schedule", func(p *janitor.Props) { p.Schedule = s("at(2030-01-01T00:00:00)") }, []string{`Schedule: invalid value "at(2030-01-01T00:00:00)"`, "recurring"}},
		{"fails on a catalog name with a space", func(p *janitor.Props) { p.CatalogName = s("my catalog") }, []string{`CatalogName: invalid value "my catalog"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture()
			tc.change(f.props)
			msg := testutil.PanicMessage(func() { f.new() })
			require.NotEmpty(t, msg, "New should panic")
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
			assert.Error(t, f.props.Validate())
		})
	}
}

func TestFailsOnNilPropsNamingEveryRequiredField(t *testing.T) {
	_, stack := testutil.NewStack()
	msg := testutil.PanicMessage(func() { janitor.New(stack, jsii.String("Janitor"), nil) })
	assert.Contains(t, msg, "Test/Janitor: janitor.Props: Code: required")
	for _, field := range []string{"Workspaces", "Key", "LaunchRoleArn"} {
		assert.Contains(t, msg, "\njanitor.Props: "+field+": required")
	}
}

func TestValidSchedules(t *testing.T) {
	f := newFixture()
	for _, s := range []string{"rate(1 hour)", "rate(15 minutes)", "rate(1 minute)", "rate(2 days)", "cron(0 7 * * ? *)", "cron(0/30 8-18 ? * MON-FRI *)"} {
		f.props.Schedule = jsii.String(s)
		assert.NoError(t, f.props.Validate(), s)
	}
}

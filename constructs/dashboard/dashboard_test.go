package dashboard_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/dashboard"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the dashboard's picture in docs/operating.md")

func TestMain(m *testing.M) { testutil.Run(m) }

type fixture struct {
	stack     awscdk.Stack
	janitor   awslambda.Function
	logs      awslogs.LogGroup
	queue     awssqs.Queue
	workspace awslambda.Function
}

func newFixture() *fixture {
	_, stack := testutil.NewStack()
	f := &fixture{stack: stack}
	f.logs = awslogs.NewLogGroup(stack, jsii.String("JanitorLogs"), &awslogs.LogGroupProps{LogGroupName: jsii.String("/Test/functions/janitor")})
	code := awslambda.Code_FromBucket(awss3.Bucket_FromBucketName(stack, jsii.String("Functions"), jsii.String("my-functions")), jsii.String("functions.zip"), jsii.String("v1"))
	fn := func(id string, logs awslogs.ILogGroup) awslambda.Function {
		return awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
			Runtime: awslambda.Runtime_PROVIDED_AL2023(), Handler: jsii.String("bootstrap"), Code: code, LogGroup: logs,
		})
	}
	f.janitor = fn("Janitor", f.logs)
	f.workspace = fn("Workspace", nil)
	f.queue = awssqs.NewQueue(stack, jsii.String("DeadLetters"), nil)
	return f
}

func (f *fixture) new(mutate ...func(*dashboard.Props)) *dashboard.Dashboard {
	props := &dashboard.Props{Janitor: f.janitor, DeadLetters: f.queue, Functions: []awslambda.IFunction{f.workspace}}
	for _, m := range mutate {
		m(props)
	}
	return dashboard.New(f.stack, jsii.String("Dashboard"), props)
}

func (f *fixture) id(c constructs.IConstruct) string {
	return *f.stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

func (f *fixture) template() map[string]any {
	return *assertions.Template_FromStack(f.stack, nil).ToJSON()
}

func (f *fixture) resources(typ string) []map[string]any {
	var out []map[string]any
	for _, r := range f.template()["Resources"].(map[string]any) {
		if r := r.(map[string]any); r["Type"] == typ {
			props, _ := r["Properties"].(map[string]any)
			out = append(out, props)
		}
	}
	return out
}

func TestMetricFiltersOnTheJanitorsLogs(t *testing.T) {
	f := newFixture()
	d := f.new()
	filters := f.resources("AWS::Logs::MetricFilter")
	require.Len(t, filters, 7)
	patterns := dashboard.Patterns()
	for _, mf := range filters {
		assert.Equal(t, map[string]any{"Ref": f.id(f.logs)}, mf["LogGroupName"])
		tr := mf["MetricTransformations"].([]any)[0].(map[string]any)
		name := tr["MetricName"].(string)
		assert.Equal(t, patterns[name], mf["FilterPattern"], name)
		assert.Equal(t, "Test/Janitor", tr["MetricNamespace"])
		assert.Equal(t, "1", tr["MetricValue"])
		delete(patterns, name)
	}
	assert.Empty(t, patterns, "one filter per metric")
	assert.Len(t, d.Metrics, 7)
	assert.Equal(t, `{ ($.msg = "decision") && ($.decision.action = "terminate") && ($.decision.skipped NOT EXISTS) }`,
		dashboard.Patterns()[dashboard.MetricTerminated])
}

func TestAlarmsNotifyTheirTopic(t *testing.T) {
	f := newFixture()
	d := f.new()
	alarms := f.resources("AWS::CloudWatch::Alarm")
	require.Len(t, alarms, 2)
	topic := map[string]any{"Ref": f.id(d.AlarmTopic)}
	for _, a := range alarms {
		assert.Equal(t, []any{topic}, a["AlarmActions"])
		assert.Equal(t, []any{topic}, a["OKActions"])
		assert.Equal(t, true, a["ActionsEnabled"])
		assert.EqualValues(t, 1, a["Threshold"])
		assert.Equal(t, "GreaterThanOrEqualToThreshold", a["ComparisonOperator"])
		assert.Equal(t, "notBreaching", a["TreatMissingData"])
	}
	var errors, deadLetters map[string]any
	for _, a := range alarms {
		if a["Metrics"] != nil {
			errors = a
		} else {
			deadLetters = a
		}
	}
	require.NotNil(t, errors, "the errors alarm is a metric math alarm")
	require.NotNil(t, deadLetters)
	assert.Equal(t, "ApproximateNumberOfMessagesVisible", deadLetters["MetricName"])
	assert.Equal(t, []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{f.id(f.queue), "QueueName"}}}}, deadLetters["Dimensions"])
	math := testutil.JSON(errors["Metrics"])
	assert.Contains(t, math, `"Expression":"FILL(logged, 0) + FILL(failed, 0)"`)
	assert.Contains(t, math, `"MetricName":"JanitorErrors","Namespace":"Test/Janitor"`)
	assert.Contains(t, math, `"MetricName":"Errors","Namespace":"AWS/Lambda"`)
	assert.Contains(t, math, f.id(f.janitor))
}

// The alarm topic of its own: encrypted with a key that CloudWatch of this
// account may use, TLS only, published to by this account's alarms.
func TestOwnAlarmTopic(t *testing.T) {
	f := newFixture()
	d := f.new()
	topics := f.resources("AWS::SNS::Topic")
	require.Len(t, topics, 1)
	keys := f.resources("AWS::KMS::Key")
	require.Len(t, keys, 1)
	assert.Contains(t, testutil.JSON(topics[0]["KmsMasterKeyId"]), "AlarmKey")
	key := testutil.JSON(keys[0]["KeyPolicy"])
	assert.Contains(t, key, `{"Action":["kms:Decrypt","kms:GenerateDataKey*"],"Condition":{"StringEquals":{"aws:SourceAccount":{"Ref":"AWS::AccountId"}}},"Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Resource":"*","Sid":"CloudWatchAlarmsPublishEncrypted"}`)
	assert.NotContains(t, key, `"kms:*"`)
	policy := testutil.JSON(f.resources("AWS::SNS::TopicPolicy")[0]["PolicyDocument"])
	assert.Contains(t, policy, `"Sid":"CloudWatchAlarmsPublish"`)
	assert.Contains(t, policy, `"aws:SourceArn":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":cloudwatch:",{"Ref":"AWS::Region"},":",{"Ref":"AWS::AccountId"},":alarm:*"]]}`)
	assert.Contains(t, policy, `"aws:SecureTransport":"false"`)
	assert.Equal(t, "Test/Dashboard/AlarmTopic", *d.AlarmTopic.Node().Path())

	// A topic given: neither a topic nor a key of its own.
	g := newFixture()
	given := awssns.NewTopic(g.stack, jsii.String("Ops"), nil)
	g.new(func(p *dashboard.Props) { p.AlarmTopic = given })
	assert.Len(t, g.resources("AWS::SNS::Topic"), 1)
	assert.Empty(t, g.resources("AWS::KMS::Key"))
	for _, a := range g.resources("AWS::CloudWatch::Alarm") {
		assert.Equal(t, []any{map[string]any{"Ref": g.id(given)}}, a["AlarmActions"])
	}
}

type widget struct {
	Type       string         `json:"type"`
	X          int            `json:"x"`
	Y          int            `json:"y"`
	Width      int            `json:"width"`
	Height     int            `json:"height"`
	Properties map[string]any `json:"properties"`
}

// widgets decodes the dashboard body; a token in it becomes "<token>".
func widgets(t *testing.T, f *fixture) []widget {
	t.Helper()
	boards := f.resources("AWS::CloudWatch::Dashboard")
	require.Len(t, boards, 1)
	var body strings.Builder
	for _, part := range boards[0]["DashboardBody"].(map[string]any)["Fn::Join"].([]any)[1].([]any) {
		if s, ok := part.(string); ok {
			body.WriteString(s)
		} else {
			body.WriteString("<token>")
		}
	}
	var doc struct{ Widgets []widget }
	require.NoError(t, json.Unmarshal([]byte(body.String()), &doc), body.String())
	return doc.Widgets
}

func title(w widget) string {
	if s, ok := w.Properties["title"].(string); ok {
		return s
	}
	md, _ := w.Properties["markdown"].(string)
	return strings.TrimPrefix(strings.SplitN(md, "\n", 2)[0], "## ")
}

func TestDashboardLayout(t *testing.T) {
	f := newFixture()
	f.new()
	boards := f.resources("AWS::CloudWatch::Dashboard")
	assert.Equal(t, "Test-operations", boards[0]["DashboardName"])
	ws := widgets(t, f)
	var titles []string
	for _, w := range ws {
		titles = append(titles, title(w))
		assert.LessOrEqual(t, w.X+w.Width, 24, "%s fits the 24-column grid", title(w))
	}
	assert.Equal(t, []string{
		"Notebook catalog operations",
		"Notebooks warned and terminated", "Held back by janitorMode: would warn, would terminate",
		"Kept for unsaved work; left alone (not this catalog's, or changing)", "Janitor errors and failed runs", "Alarms",
		"Dead letters: messages, oldest (s)", "Functions: invocations, errors, throttles", "Functions: longest run (ms)",
		"Latest janitor decisions",
	}, titles)
	// Both functions are graphed.
	for _, w := range ws {
		if title(w) == "Functions: invocations, errors, throttles" {
			assert.Len(t, w.Properties["metrics"], 6)
		}
	}
	for _, w := range ws {
		if w.Type == "log" {
			assert.Contains(t, w.Properties["query"], `SOURCE '<token>' | fields @timestamp, decision.notebook, decision.action`)
			assert.Contains(t, testutil.JSON(boards[0]["DashboardBody"]), `{"Ref":"`+f.id(f.logs)+`"}`, "the janitor's log group")
			for _, r := range dashboard.UnsavedWorkReasons {
				assert.Contains(t, w.Properties["query"], r, "the query shows the notebooks kept for unsaved work")
			}
		}
	}
}

// picture draws the widgets on the dashboard's 24-column grid, three
// characters a column and a line a row.
func picture(ws []widget) string {
	width, height := 24*3+1, 0
	for _, w := range ws {
		height = max(height, w.Y+w.Height+1)
	}
	canvas := make([][]rune, height)
	for i := range canvas {
		canvas[i] = []rune(strings.Repeat(" ", width))
	}
	for _, w := range ws {
		x0, x1, y0, y1 := w.X*3, (w.X+w.Width)*3, w.Y, w.Y+w.Height
		for x := x0; x <= x1; x++ {
			canvas[y0][x], canvas[y1][x] = '-', '-'
		}
		for y := y0; y <= y1; y++ {
			canvas[y][x0], canvas[y][x1] = '|', '|'
		}
		for _, c := range [][2]int{{x0, y0}, {x1, y0}, {x0, y1}, {x1, y1}} {
			canvas[c[1]][c[0]] = '+'
		}
		lines := wrap(title(w), x1-x0-3)
		for i, line := range lines {
			if y0+1+i < y1 {
				copy(canvas[y0+1+i][x0+2:], []rune(line))
			}
		}
	}
	var b strings.Builder
	for _, line := range canvas {
		b.WriteString(strings.TrimRight(string(line), " ") + "\n")
	}
	return b.String()
}

func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}

// docs/operating.md shows the dashboard as New lays it out.
func TestPictureInTheDocs(t *testing.T) {
	f := newFixture()
	f.new()
	const begin, end = "<!-- dashboard layout: go test ./constructs/dashboard -update -->\n```text\n", "```\n"
	doc, err := os.ReadFile("../../docs/operating.md")
	require.NoError(t, err)
	i := strings.Index(string(doc), begin)
	require.GreaterOrEqual(t, i, 0, "docs/operating.md has no dashboard picture")
	j := strings.Index(string(doc)[i+len(begin):], end)
	require.GreaterOrEqual(t, j, 0)
	want := picture(widgets(t, f))
	got := string(doc)[i+len(begin) : i+len(begin)+j]
	if *update && got != want {
		updated := string(doc)[:i+len(begin)] + want + string(doc)[i+len(begin)+j:]
		require.NoError(t, os.WriteFile("../../docs/operating.md", []byte(updated), 0o644))
		got = want
	}
	assert.Equal(t, want, got, "run go test ./constructs/dashboard -update")
}

func TestTokensPassThrough(t *testing.T) {
	f := newFixture()
	name := awscdk.NewCfnParameter(f.stack, jsii.String("Name"), &awscdk.CfnParameterProps{Type: jsii.String("String")}).ValueAsString()
	ns := awscdk.NewCfnParameter(f.stack, jsii.String("Namespace"), &awscdk.CfnParameterProps{Type: jsii.String("String")}).ValueAsString()
	f.new(func(p *dashboard.Props) { p.DashboardName, p.Namespace = name, ns })
	boards := f.resources("AWS::CloudWatch::Dashboard")
	assert.Equal(t, map[string]any{"Ref": "Name"}, boards[0]["DashboardName"])
	for _, mf := range f.resources("AWS::Logs::MetricFilter") {
		assert.Equal(t, map[string]any{"Ref": "Namespace"}, mf["MetricTransformations"].([]any)[0].(map[string]any)["MetricNamespace"])
	}
}

// An imported janitor function needs its log group.
func TestImportedJanitor(t *testing.T) {
	f := newFixture()
	imported := awslambda.Function_FromFunctionName(f.stack, jsii.String("Imported"), jsii.String("janitor"))
	logs := awslogs.LogGroup_FromLogGroupName(f.stack, jsii.String("ImportedLogs"), jsii.String("/other/janitor"))
	f.new(func(p *dashboard.Props) { p.Janitor, p.JanitorLogs = imported, logs })
	for _, mf := range f.resources("AWS::Logs::MetricFilter") {
		assert.Equal(t, "/other/janitor", mf["LogGroupName"])
	}
}

func TestFailsOnInvalidProps(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(f *fixture, p *dashboard.Props)
		want   []string
	}{
		{"fails without janitor and queue", func(_ *fixture, p *dashboard.Props) { p.Janitor, p.DeadLetters = nil, nil },
			[]string{"Janitor: required", "DeadLetters: required"}},
		{"fails on an imported janitor without its logs", func(f *fixture, p *dashboard.Props) {
			p.Janitor = awslambda.Function_FromFunctionName(f.stack, jsii.String("Imported"), jsii.String("janitor"))
		}, []string{"JanitorLogs: required when Janitor is an imported function"}},
		{"fails on a nil function", func(_ *fixture, p *dashboard.Props) { p.Functions = []awslambda.IFunction{nil} },
			[]string{"Functions[0]: nil"}},
		{"fails on a bad name and namespace", func(_ *fixture, p *dashboard.Props) {
			p.DashboardName, p.Namespace = jsii.String("my dashboard"), jsii.String(strings.Repeat("n", 256))
		}, []string{`DashboardName: invalid value "my dashboard": 1-255 letters, digits, hyphens and underscores`, "Namespace: invalid value"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture()
			msg := testutil.PanicMessage(func() {
				f.new(func(p *dashboard.Props) { tc.mutate(f, p) })
			})
			require.NotEmpty(t, msg)
			for _, w := range tc.want {
				assert.Contains(t, msg, "Test/Dashboard: ")
				assert.Contains(t, msg, w)
			}
		})
	}
	err := (&dashboard.Props{}).Validate()
	assert.ErrorContains(t, err, "dashboard.Props: Janitor: required")
	assert.Contains(t, testutil.PanicMessage(func() { dashboard.New(newFixture().stack, jsii.String("D"), nil) }), "Janitor: required")
}

func TestMetricNamesAreStable(t *testing.T) {
	names := []string{dashboard.MetricWarned, dashboard.MetricTerminated, dashboard.MetricWouldWarn,
		dashboard.MetricWouldTerminate, dashboard.MetricKeptUnsaved, dashboard.MetricLeftAlone, dashboard.MetricJanitorErrors}
	keys := make([]string, 0)
	for k := range dashboard.Patterns() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	slices.Sort(names)
	assert.Equal(t, names, keys, fmt.Sprint("every metric has a pattern"))
}

package dashboard_test

// The filter patterns against the janitor's real log lines: janitor.Run,
// with in-memory SageMaker, S3, SNS and Service Catalog, writes its JSON
// lines as in Lambda, and a small evaluator of the filter pattern syntax the
// patterns use (CloudWatch Logs' JSON patterns: =, NOT EXISTS, && and ||,
// parentheses, * as a wildcard in a quoted value; see
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html)
// counts the lines each metric filter would count. No emulator evaluates
// JSON patterns (moto 5.2 matches every event for one), so this checks the
// fields and values the patterns rely on, not CloudWatch itself.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/dashboard"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
	"github.com/datalake-platform/sagemaker-catalog/lambda/janitor"
)

type notebook struct {
	status   smtypes.NotebookInstanceStatus
	modified time.Time
	tags     map[string]string
	sync     *janitor.SyncStatus
	tagsFail bool
}

type fakes struct{ notebooks map[string]*notebook }

func (f *fakes) ListNotebookInstances(context.Context, *sagemaker.ListNotebookInstancesInput, ...func(*sagemaker.Options)) (*sagemaker.ListNotebookInstancesOutput, error) {
	out := &sagemaker.ListNotebookInstancesOutput{}
	for name, n := range f.notebooks {
		out.NotebookInstances = append(out.NotebookInstances, smtypes.NotebookInstanceSummary{
			NotebookInstanceName: aws.String(name), NotebookInstanceArn: aws.String("arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/" + name),
			NotebookInstanceStatus: n.status, CreationTime: aws.Time(n.modified.Add(-30 * 24 * time.Hour)), LastModifiedTime: aws.Time(n.modified),
		})
	}
	return out, nil
}

func (f *fakes) byArn(arn *string) *notebook {
	return f.notebooks[aws.ToString(arn)[strings.LastIndex(aws.ToString(arn), "/")+1:]]
}

func (f *fakes) ListTags(_ context.Context, in *sagemaker.ListTagsInput, _ ...func(*sagemaker.Options)) (*sagemaker.ListTagsOutput, error) {
	n := f.byArn(in.ResourceArn)
	if n.tagsFail {
		return nil, errors.New("throttled")
	}
	out := &sagemaker.ListTagsOutput{}
	for k, v := range n.tags {
		out.Tags = append(out.Tags, smtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out, nil
}

func (f *fakes) AddTags(context.Context, *sagemaker.AddTagsInput, ...func(*sagemaker.Options)) (*sagemaker.AddTagsOutput, error) {
	return &sagemaker.AddTagsOutput{}, nil
}

// status finds the notebook whose sync status key is key, wherever the
// janitor keeps it: the key ends with /<notebook>.json.
func (f *fakes) status(key string) *janitor.SyncStatus {
	for name, n := range f.notebooks {
		if strings.HasSuffix(key, "/"+name+".json") {
			return n.sync
		}
	}
	return nil
}

func (f *fakes) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	out := &s3.ListObjectsV2Output{}
	if f.status(aws.ToString(in.Prefix)) != nil {
		out.Contents = []s3types.Object{{Key: in.Prefix}}
	}
	return out, nil
}

func (f *fakes) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	body, err := json.Marshal(f.status(aws.ToString(in.Key)))
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(body))}, err
}

func (f *fakes) Publish(context.Context, *sns.PublishInput, ...func(*sns.Options)) (*sns.PublishOutput, error) {
	return &sns.PublishOutput{}, nil
}

func (f *fakes) Terminate(context.Context, string, string) error { return nil }

const launchRole = "arn:aws:iam::123456789012:role/SageMakerCatalog-launch"

// Describe answers as Service Catalog does for this catalog's provisioned
// products, but one launched with another role ("pp-sc-elsewhere").
func (f *fakes) Describe(_ context.Context, id string) (janitor.ProvisionedProduct, error) {
	role := launchRole
	if id == "pp-sc-elsewhere" {
		role = "arn:aws:iam::123456789012:role/other"
	}
	return janitor.ProvisionedProduct{ID: id, ProductID: "prod-abcdefghijklm", LaunchRoleArn: role, Status: "AVAILABLE"}, nil
}

// janitorLines runs the janitor in mode over one notebook of each kind the
// dashboard counts, and returns its log lines.
func janitorLines(t *testing.T, mode janitor.Mode) []string {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tags := func(name string, notifiedAt time.Time) map[string]string {
		t := map[string]string{
			names.TagProduct: "notebook", names.TagProvisionedProduct: "pp-" + name, names.TagOwner: "assumed-role/Analyst/alice",
			names.TagCloudFormationStackName: "SC-123456789012-pp-" + name, names.TagLeaseDays: "7",
		}
		if !notifiedAt.IsZero() {
			t[names.TagNotifiedAt] = notifiedAt.Format(time.RFC3339)
		}
		return t
	}
	ended, warned := now.Add(-10*day), now.Add(-3*day)
	saved := &janitor.SyncStatus{SyncedAt: ended, OK: true, Final: true}
	f := &fakes{notebooks: map[string]*notebook{
		// In the notice period, not warned yet: warn.
		"sc-warn": {status: smtypes.NotebookInstanceStatusStopped, modified: now.Add(-6*day - 12*time.Hour), tags: tags("sc-warn", time.Time{})},
		// Lease over, warned, saved: terminate.
		"sc-terminate": {status: smtypes.NotebookInstanceStatusStopped, modified: ended, tags: tags("sc-terminate", warned), sync: saved},
		// Lease over, warned, but the last save failed, or is older than the last use: keep.
		"sc-failed-save": {status: smtypes.NotebookInstanceStatusStopped, modified: ended, tags: tags("sc-failed-save", warned),
			sync: &janitor.SyncStatus{SyncedAt: ended, OK: false, Final: true}},
		"sc-stale-save": {status: smtypes.NotebookInstanceStatusStopped, modified: ended, tags: tags("sc-stale-save", warned),
			sync: &janitor.SyncStatus{SyncedAt: ended.Add(-2 * day), OK: true}},
		// In use: keep.
		"sc-running": {status: smtypes.NotebookInstanceStatusInService, modified: now, tags: tags("sc-running", time.Time{})},
		// Due a warning, but launched with another launch role: left alone.
		"sc-elsewhere": {status: smtypes.NotebookInstanceStatusStopped, modified: now.Add(-6*day - 12*time.Hour), tags: tags("sc-elsewhere", time.Time{})},
		// Its tags cannot be read: an error.
		"sc-broken": {status: smtypes.NotebookInstanceStatusStopped, modified: ended, tagsFail: true},
		// Not the catalog's (no product tag): ignored.
		"sc-other": {status: smtypes.NotebookInstanceStatusStopped, modified: ended, tags: map[string]string{}},
	}}
	var out bytes.Buffer
	j := &janitor.Janitor{Mode: mode, SageMaker: f, S3: f, SNS: f, ProvisionedProducts: f, LaunchRoleArn: launchRole,
		Bucket: "ws-bucket", TopicArn: "arn:aws:sns:eu-west-1:123456789012:notices",
		Lease: 7 * day, NotifyBefore: day, Log: slog.New(slog.NewJSONHandler(&out, nil))}
	_, err := j.Run(context.Background(), now)
	require.Error(t, err, "the broken notebook fails the run")
	return strings.Split(strings.TrimSpace(out.String()), "\n")
}

func TestPatternsCountTheJanitorsDecisions(t *testing.T) {
	for _, tc := range []struct {
		mode janitor.Mode
		want map[string]int
	}{
		{janitor.Enforce, map[string]int{dashboard.MetricWarned: 1, dashboard.MetricTerminated: 1, dashboard.MetricKeptUnsaved: 2,
			dashboard.MetricLeftAlone: 1, dashboard.MetricJanitorErrors: 1}},
		{janitor.DryRun, map[string]int{dashboard.MetricWouldWarn: 1, dashboard.MetricWouldTerminate: 1, dashboard.MetricKeptUnsaved: 2,
			dashboard.MetricLeftAlone: 1, dashboard.MetricJanitorErrors: 1}},
		{janitor.NotifyOnly, map[string]int{dashboard.MetricWarned: 1, dashboard.MetricWouldTerminate: 1, dashboard.MetricKeptUnsaved: 2,
			dashboard.MetricLeftAlone: 1, dashboard.MetricJanitorErrors: 1}},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			lines := janitorLines(t, tc.mode)
			require.Len(t, lines, 7, "a line per catalog notebook")
			got := map[string]int{}
			for name, pattern := range dashboard.Patterns() {
				for _, line := range lines {
					ok, err := matches(pattern, line)
					require.NoError(t, err, pattern)
					if ok {
						got[name]++
					}
				}
			}
			assert.Equal(t, tc.want, got, strings.Join(lines, "\n"))
		})
	}
}

// The evaluator itself, on the documented behaviour.
func TestEvaluator(t *testing.T) {
	line := `{"msg":"decision","level":"INFO","decision":{"action":"keep","reason":"workspace last saved 2026-01-01"}}`
	for pattern, want := range map[string]bool{
		`{ $.msg = "decision" }`:                        true,
		`{ $.msg = "other" }`:                           false,
		`{ $.decision.reason = "workspace last*" }`:     true,
		`{ $.decision.reason = "workspace" }`:           false,
		`{ $.decision.skipped NOT EXISTS }`:             true,
		`{ $.decision.action NOT EXISTS }`:              false,
		`{ $.decision.skipped = "*" }`:                  false,
		`{ ($.msg = "x") || ($.level = "INFO") }`:       true,
		`{ ($.msg = "decision") && ($.level = "ERR") }`: false,
		`{ $.msg != "other" }`:                          true,
		`{ $.decision.reason != "workspace*" }`:         false,
	} {
		got, err := matches(pattern, line)
		require.NoError(t, err, pattern)
		assert.Equal(t, want, got, pattern)
	}
	_, err := matches(`{ $.a > 1 }`, line)
	assert.Error(t, err, "only the syntax the dashboard uses")
}

// matches evaluates a JSON filter pattern on a log line.
func matches(pattern, line string) (bool, error) {
	var event map[string]any
	if err := json.Unmarshal([]byte(line), &event); err != nil {
		return false, nil // not a JSON event: JSON patterns match none
	}
	p := &parser{tokens: tokenize(pattern)}
	if !p.accept("{") {
		return false, fmt.Errorf("%q: not a JSON pattern", pattern)
	}
	v, err := p.or(event)
	if err == nil && (!p.accept("}") || p.i != len(p.tokens)) {
		err = fmt.Errorf("%q: unexpected %q", pattern, p.peek())
	}
	return v, err
}

func tokenize(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ':
			i++
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			out, i = append(out, s[i:i+j+2]), i+j+2
		case strings.ContainsRune("{}()", rune(c)):
			out, i = append(out, string(c)), i+1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(` "{}()`, rune(s[j])) {
				j++
			}
			out, i = append(out, s[i:j]), j
		}
	}
	return out
}

type parser struct {
	tokens []string
	i      int
}

func (p *parser) peek() string {
	if p.i < len(p.tokens) {
		return p.tokens[p.i]
	}
	return ""
}

func (p *parser) accept(tok string) bool {
	if p.peek() == tok {
		p.i++
		return true
	}
	return false
}

func (p *parser) or(event map[string]any) (bool, error) {
	v, err := p.and(event)
	for err == nil && p.accept("||") {
		var w bool
		w, err = p.and(event)
		v = v || w
	}
	return v, err
}

func (p *parser) and(event map[string]any) (bool, error) {
	v, err := p.primary(event)
	for err == nil && p.accept("&&") {
		var w bool
		w, err = p.primary(event)
		v = v && w
	}
	return v, err
}

func (p *parser) primary(event map[string]any) (bool, error) {
	if p.accept("(") {
		v, err := p.or(event)
		if err == nil && !p.accept(")") {
			err = fmt.Errorf("missing ) at %q", p.peek())
		}
		return v, err
	}
	field := p.peek()
	if !strings.HasPrefix(field, "$.") {
		return false, fmt.Errorf("want a $.field, got %q", field)
	}
	p.i++
	value, exists := lookup(event, strings.Split(field[2:], "."))
	switch {
	case p.accept("NOT"):
		if !p.accept("EXISTS") {
			return false, fmt.Errorf("want EXISTS after NOT")
		}
		return !exists, nil
	case p.peek() == "=" || p.peek() == "!=":
		op := p.peek()
		p.i++
		want := p.peek()
		if !strings.HasPrefix(want, `"`) {
			return false, fmt.Errorf("want a quoted value, got %q", want)
		}
		p.i++
		s, ok := value.(string)
		equal := exists && ok && wildcard(strings.Trim(want, `"`), s)
		if op == "!=" {
			// Here an absent field matches no comparison, as with =; the
			// patterns never rely on it (they test EXISTS first).
			return exists && ok && !equal, nil
		}
		return equal, nil
	}
	return false, fmt.Errorf("unsupported operator %q", p.peek())
}

func lookup(event map[string]any, path []string) (any, bool) {
	var v any = event
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// wildcard matches s against pattern, where * is any run of characters.
func wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

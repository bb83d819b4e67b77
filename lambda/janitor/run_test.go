package janitor_test

// The janitor against moto_server: real SageMaker notebook, S3, SNS and
// tagging API calls. moto has no Service Catalog TerminateProvisionedProduct:
// that one call goes through the Terminator interface, recorded here.

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/internal/motoserver"
	"github.com/datalake-platform/sagemaker-catalog/lambda/janitor"
)

type terminations struct {
	mu    sync.Mutex
	calls []string
}

func (r *terminations) Terminate(_ context.Context, id, token string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, id+" "+token)
	return nil
}

const bucket = "catalog-workspaces"

type fixture struct {
	t     *testing.T
	ctx   context.Context
	sm    *sagemaker.Client
	s3    *s3.Client
	sqs   *sqs.Client
	queue string
	j     *janitor.Janitor
	term  *terminations
	logs  *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	srv := motoserver.Start(t)
	cfg := srv.Config()
	f := &fixture{t: t, ctx: motoserver.Context(t), sm: sagemaker.NewFromConfig(cfg),
		s3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }), sqs: sqs.NewFromConfig(cfg),
		term: &terminations{}, logs: &bytes.Buffer{}}
	snsClient := sns.NewFromConfig(cfg)
	_, err := f.s3.CreateBucket(f.ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(motoserver.Region)}})
	require.NoError(t, err)
	topic, err := snsClient.CreateTopic(f.ctx, &sns.CreateTopicInput{Name: aws.String("notices")})
	require.NoError(t, err)
	q, err := f.sqs.CreateQueue(f.ctx, &sqs.CreateQueueInput{QueueName: aws.String("inbox")})
	require.NoError(t, err)
	f.queue = aws.ToString(q.QueueUrl)
	_, err = snsClient.Subscribe(f.ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String("arn:aws:sqs:" + motoserver.Region + ":" + motoserver.Account + ":inbox")})
	require.NoError(t, err)
	f.j = &janitor.Janitor{SageMaker: f.sm, S3: f.s3, SNS: snsClient, Terminator: f.term, TopicArn: aws.ToString(topic.TopicArn),
		Lease: 7 * 24 * time.Hour, NotifyBefore: 24 * time.Hour, Log: slog.New(slog.NewJSONHandler(f.logs, nil))}
	return f
}

// notebook creates a catalog notebook named name, stopped unless running.
func (f *fixture) notebook(name string, running bool, tags map[string]string) {
	var ts []smtypes.Tag
	for k, v := range tags {
		ts = append(ts, smtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	_, err := f.sm.CreateNotebookInstance(f.ctx, &sagemaker.CreateNotebookInstanceInput{NotebookInstanceName: aws.String(name),
		InstanceType: smtypes.InstanceTypeMlT3Medium, RoleArn: aws.String("arn:aws:iam::123456789012:role/nb"), Tags: ts})
	require.NoError(f.t, err)
	if !running {
		_, err = f.sm.StopNotebookInstance(f.ctx, &sagemaker.StopNotebookInstanceInput{NotebookInstanceName: aws.String(name)})
		require.NoError(f.t, err)
	}
}

func (f *fixture) status(owner, notebook string, s janitor.SyncStatus) {
	body, err := json.Marshal(s)
	require.NoError(f.t, err)
	_, err = f.s3.PutObject(f.ctx, &s3.PutObjectInput{Bucket: aws.String(bucket),
		Key: aws.String(janitor.StatusKey("owners/"+owner+"/", notebook)), Body: bytes.NewReader(body)})
	require.NoError(f.t, err)
}

// messages drains the SNS notices delivered to the queue.
func (f *fixture) messages() []map[string]any {
	var out []map[string]any
	for {
		r, err := f.sqs.ReceiveMessage(f.ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(f.queue), MaxNumberOfMessages: 10})
		require.NoError(f.t, err)
		if len(r.Messages) == 0 {
			return out
		}
		for _, m := range r.Messages {
			var env map[string]any
			require.NoError(f.t, json.Unmarshal([]byte(aws.ToString(m.Body)), &env))
			out = append(out, env)
			_, err := f.sqs.DeleteMessage(f.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(f.queue), ReceiptHandle: m.ReceiptHandle})
			require.NoError(f.t, err)
		}
	}
}

func (f *fixture) tags(name string) map[string]string {
	d, err := f.sm.DescribeNotebookInstance(f.ctx, &sagemaker.DescribeNotebookInstanceInput{NotebookInstanceName: aws.String(name)})
	require.NoError(f.t, err)
	out, err := f.sm.ListTags(f.ctx, &sagemaker.ListTagsInput{ResourceArn: d.NotebookInstanceArn})
	require.NoError(f.t, err)
	tags := map[string]string{}
	for _, t := range out.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return tags
}

func catalogTags(owner, product string, leaseDays int, leaseStart time.Time, extra ...string) map[string]string {
	t := map[string]string{
		janitor.TagProduct: "notebook", janitor.TagOwner: owner, janitor.TagProvisionedProduct: product,
		janitor.TagWorkspace: "s3://" + bucket + "/owners/" + owner + "/", janitor.TagLeaseStart: leaseStart.UTC().Format(time.RFC3339),
		janitor.TagLeaseDays: strconv.Itoa(leaseDays),
	}
	for i := 0; i+1 < len(extra); i += 2 {
		t[extra[i]] = extra[i+1]
	}
	return t
}

func TestJanitorAgainstTheAWSAPIs(t *testing.T) {
	f := newFixture(t)
	start := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	alice, bob := "assumed-role/Analyst/alice", "assumed-role/Analyst/bob"
	// now is two days after the leases started: the one-day leases have
	// run out, the seven-day ones run.
	now := start.Add(48 * time.Hour)
	warnedLongAgo := start.Add(2 * time.Hour).Format(time.RFC3339)

	f.notebook("SC-fresh", false, catalogTags(alice, "pp-fresh", 7, start))
	f.notebook("SC-notify", false, catalogTags(alice, "pp-notify", 2, start))
	f.notebook("SC-saved", false, catalogTags(bob, "pp-saved", 1, start, janitor.TagNotifiedAt, warnedLongAgo))
	f.notebook("SC-failed", false, catalogTags(bob, "pp-failed", 1, start, janitor.TagNotifiedAt, warnedLongAgo))
	f.notebook("SC-unsaved", false, catalogTags(bob, "pp-unsaved", 1, start, janitor.TagNotifiedAt, warnedLongAgo))
	f.notebook("SC-running", true, catalogTags(bob, "pp-running", 1, start, janitor.TagNotifiedAt, warnedLongAgo))
	f.notebook("not-from-the-catalog", false, map[string]string{"team": "x"})
	// The final sync before the stop saved SC-saved; SC-failed's failed.
	stopped := time.Now().UTC().Add(time.Second)
	f.status(bob, "SC-saved", janitor.SyncStatus{Notebook: "SC-saved", SyncedAt: stopped, OK: true, Final: true})
	f.status(bob, "SC-failed", janitor.SyncStatus{Notebook: "SC-failed", SyncedAt: start, OK: false, Final: true})

	run := func() map[string]janitor.Decision {
		t.Helper()
		report, err := f.j.Run(f.ctx, now)
		require.NoError(t, err)
		out := map[string]janitor.Decision{}
		for _, d := range report.Decisions {
			out[d.Notebook] = d
		}
		return out
	}
	first := run()
	require.Len(t, first, 6, "every catalog notebook, and only those: %v", first)
	assert.Equal(t, janitor.Keep, first["SC-fresh"].Action)
	assert.Equal(t, janitor.Notify, first["SC-notify"].Action)
	assert.Equal(t, janitor.Terminate, first["SC-saved"].Action, first["SC-saved"].Reason)
	assert.Equal(t, janitor.Keep, first["SC-failed"].Action)
	assert.Contains(t, first["SC-failed"].Reason, "sync failed")
	assert.Equal(t, janitor.Keep, first["SC-unsaved"].Action)
	assert.Contains(t, first["SC-unsaved"].Reason, "before the last activity")
	assert.Equal(t, janitor.Keep, first["SC-running"].Action, "a running notebook is in use")
	assert.Equal(t, "pp-saved", first["SC-saved"].ProvisionedProductID)
	assert.Equal(t, bob, first["SC-saved"].Owner)

	// The owner heard of it through SNS, with their name to filter on, and
	// the notice is recorded on the notebook.
	msgs := f.messages()
	require.Len(t, msgs, 1)
	assert.Contains(t, msgs[0]["Subject"], "SC-notify")
	assert.Contains(t, msgs[0]["Message"], "LeaseDays")
	attrs := msgs[0]["MessageAttributes"].(map[string]any)
	assert.Equal(t, alice, attrs["owner"].(map[string]any)["Value"])
	assert.Equal(t, now.Format(time.RFC3339), f.tags("SC-notify")[janitor.TagNotifiedAt])

	// Exactly one termination, through Service Catalog, with a token that
	// makes a repeat a no-op.
	require.Len(t, f.term.calls, 1)
	assert.True(t, strings.HasPrefix(f.term.calls[0], "pp-saved janitor-pp-saved-"), f.term.calls[0])

	// Safe to run twice: no second notice; the same termination token.
	second := run()
	assert.Equal(t, janitor.Keep, second["SC-notify"].Action, "owner already warned")
	assert.Empty(t, f.messages())
	require.Len(t, f.term.calls, 2)
	assert.Equal(t, f.term.calls[0], f.term.calls[1], "the repeat uses the same idempotency token")

	// Every decision was logged as one JSON record.
	var logged int
	for _, line := range strings.Split(strings.TrimSpace(f.logs.String()), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		if rec["msg"] == "decision" {
			logged++
			assert.NotEmpty(t, rec["decision"].(map[string]any)["reason"])
		}
	}
	assert.Equal(t, 12, logged)
}

func TestJanitorReportsABadWorkspaceTagAndGoesOn(t *testing.T) {
	f := newFixture(t)
	start := time.Now().UTC().Add(-time.Hour)
	f.notebook("SC-bad", false, catalogTags("x", "pp-bad", 7, start, janitor.TagWorkspace, "s3://../etc/"))
	f.notebook("SC-good", false, catalogTags("y", "pp-good", 7, start))
	report, err := f.j.Run(f.ctx, start.Add(time.Hour))
	require.Error(t, err, "the invocation fails, so that it is retried and alarms")
	assert.Contains(t, err.Error(), "SC-bad")
	require.Len(t, report.Decisions, 1)
	assert.Equal(t, "SC-good", report.Decisions[0].Notebook)
	assert.Contains(t, f.logs.String(), `"level":"ERROR"`)
}

// Rolled out carefully: a dry run decides and logs only; notify-only warns
// and never terminates.
func TestJanitorModes(t *testing.T) {
	f := newFixture(t)
	start := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	f.notebook("SC-notify", false, catalogTags("a", "pp-notify", 2, start))
	f.notebook("SC-saved", false, catalogTags("b", "pp-saved", 1, start, janitor.TagNotifiedAt, start.Add(2*time.Hour).Format(time.RFC3339)))
	f.status("b", "SC-saved", janitor.SyncStatus{Notebook: "SC-saved", SyncedAt: time.Now().UTC().Add(time.Second), OK: true, Final: true})
	now := start.Add(48 * time.Hour)

	f.j.Mode = janitor.DryRun
	report, err := f.j.Run(f.ctx, now)
	require.NoError(t, err)
	require.Len(t, report.Decisions, 2)
	for _, d := range report.Decisions {
		assert.NotEqual(t, janitor.Keep, d.Action, "the decision is still made and logged")
		assert.Equal(t, "dry run", d.Skipped)
	}
	assert.Empty(t, f.messages())
	assert.Empty(t, f.term.calls)
	assert.NotContains(t, f.tags("SC-notify"), janitor.TagNotifiedAt)

	f.j.Mode = janitor.NotifyOnly
	report, err = f.j.Run(f.ctx, now)
	require.NoError(t, err)
	assert.Len(t, f.messages(), 1, "the owner is warned")
	assert.Empty(t, f.term.calls, "nothing is terminated")
	for _, d := range report.Decisions {
		if d.Action == janitor.Terminate {
			assert.Equal(t, "notify-only: termination is off", d.Skipped)
		}
	}
}

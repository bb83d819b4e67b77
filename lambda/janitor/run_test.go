package janitor_test

// The janitor against moto_server: real SageMaker notebook, S3, SNS and
// tagging API calls. moto has no Service Catalog provisioned products:
// DescribeProvisionedProduct and TerminateProvisionedProduct go through the
// ProvisionedProducts interface, faked and recorded here.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
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

const (
	bucket     = "catalog-workspaces"
	launchRole = "arn:aws:iam::123456789012:role/catalog-launch"
	product    = "prod-notebookabcde"
)

// provisionedProducts fakes Service Catalog (moto has no provisioned
// products): what it knows of each provisioned product, and the calls.
type provisionedProducts struct {
	mu         sync.Mutex
	known      map[string]janitor.ProvisionedProduct
	failing    map[string]error
	describes  []string
	terminated []string // "id token"
}

// ours registers provisioned products of this catalog, AVAILABLE.
func (p *provisionedProducts) ours(ids ...string) {
	for _, id := range ids {
		p.add(janitor.ProvisionedProduct{ID: id, ProductID: product, LaunchRoleArn: launchRole, Status: "AVAILABLE"})
	}
}

func (p *provisionedProducts) add(pp janitor.ProvisionedProduct) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.known[pp.ID] = pp
}

func (p *provisionedProducts) Describe(_ context.Context, id string) (janitor.ProvisionedProduct, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.describes = append(p.describes, id)
	if err := p.failing[id]; err != nil {
		return janitor.ProvisionedProduct{}, err
	}
	pp, ok := p.known[id]
	if !ok {
		return janitor.ProvisionedProduct{}, fmt.Errorf("%w: ResourceNotFoundException: %s", janitor.ErrNoProvisionedProduct, id)
	}
	return pp, nil
}

func (p *provisionedProducts) Terminate(_ context.Context, id, token string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.terminated = append(p.terminated, id+" "+token)
	return nil
}

// terminatedIDs lists the terminated provisioned products, without tokens.
func (p *provisionedProducts) terminatedIDs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ids []string
	for _, c := range p.terminated {
		id, _, _ := strings.Cut(c, " ")
		ids = append(ids, id)
	}
	return ids
}

// guardedSageMaker is moto's SageMaker API with the janitor role's one
// resource-level limit that matters here: ListTags only on
// notebook-instance/sc-* (moto evaluates no IAM policy). It records the
// ARNs ListTags was called with.
type guardedSageMaker struct {
	*sagemaker.Client
	mu       sync.Mutex
	listTags []string
}

func (g *guardedSageMaker) ListTags(ctx context.Context, in *sagemaker.ListTagsInput, opts ...func(*sagemaker.Options)) (*sagemaker.ListTagsOutput, error) {
	arn := aws.ToString(in.ResourceArn)
	g.mu.Lock()
	g.listTags = append(g.listTags, arn)
	g.mu.Unlock()
	// SageMaker returns ARNs in lower case; IAM matches the resource ARN.
	if _, resource, _ := strings.Cut(strings.ToLower(arn), ":notebook-instance/"); !strings.HasPrefix(resource, "sc-") {
		return nil, fmt.Errorf("AccessDenied: not authorized to perform sagemaker:ListTags on resource %s", arn)
	}
	return g.Client.ListTags(ctx, in, opts...)
}

func (g *guardedSageMaker) listedTagsOf() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.listTags...)
}

// TestMain stops the moto_server the tests share (each test starts from a
// reset one).
func TestMain(m *testing.M) { motoserver.Run(m) }

type fixture struct {
	t     *testing.T
	ctx   context.Context
	sm    *sagemaker.Client
	guard *guardedSageMaker
	s3    *s3.Client
	sqs   *sqs.Client
	queue string
	j     *janitor.Janitor
	pps   *provisionedProducts
	logs  *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	srv := motoserver.Shared(t)
	cfg := srv.Config()
	f := &fixture{t: t, ctx: motoserver.Context(t), sm: sagemaker.NewFromConfig(cfg),
		s3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }), sqs: sqs.NewFromConfig(cfg),
		pps:  &provisionedProducts{known: map[string]janitor.ProvisionedProduct{}, failing: map[string]error{}},
		logs: &bytes.Buffer{}}
	f.guard = &guardedSageMaker{Client: f.sm}
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
	f.j = &janitor.Janitor{SageMaker: f.guard, S3: f.s3, SNS: snsClient, ProvisionedProducts: f.pps,
		LaunchRoleArn: launchRole, ProductID: product, Bucket: bucket, TopicArn: aws.ToString(topic.TopicArn),
		Lease: 7 * 24 * time.Hour, NotifyBefore: 24 * time.Hour, Log: slog.New(slog.NewJSONHandler(f.logs, nil))}
	return f
}

// notebook creates a notebook named name, stopped unless running.
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

// status writes the notebook's sync status where the notebook writes it.
func (f *fixture) status(owner, notebook string, s janitor.SyncStatus) {
	f.object(janitor.StatusKey(owner, notebook), s)
}

func (f *fixture) object(key string, s janitor.SyncStatus) {
	body, err := json.Marshal(s)
	require.NoError(f.t, err)
	_, err = f.s3.PutObject(f.ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	require.NoError(f.t, err)
}

// decisions runs the janitor at now, wanting no error, and returns its
// decisions by notebook.
func (f *fixture) decisions(now time.Time) map[string]janitor.Decision {
	f.t.Helper()
	report, err := f.j.Run(f.ctx, now)
	require.NoError(f.t, err)
	out := map[string]janitor.Decision{}
	for _, d := range report.Decisions {
		out[d.Notebook] = d
	}
	return out
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

// catalogTags are the tags a notebook of this catalog has: the product's,
// and CloudFormation's stack name, SC-<account>-<provisioned product>.
func catalogTags(owner, pp string, leaseDays int, leaseStart time.Time, extra ...string) map[string]string {
	t := map[string]string{
		janitor.TagProduct: "notebook", janitor.TagOwner: owner, janitor.TagProvisionedProduct: pp,
		janitor.TagWorkspace: "s3://" + bucket + "/owners/" + owner + "/", janitor.TagLeaseStart: leaseStart.UTC().Format(time.RFC3339),
		janitor.TagLeaseDays: strconv.Itoa(leaseDays), janitor.TagStackName: "SC-" + motoserver.Account + "-" + pp,
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

	f.notebook("sc-fresh", false, catalogTags(alice, "pp-fresh", 7, start))
	f.notebook("sc-notify", false, catalogTags(alice, "pp-notify", 2, start))
	f.notebook("sc-saved", false, catalogTags(bob, "pp-saved", 1, start, janitor.TagNotifiedAt, warnedLongAgo))
	f.notebook("sc-failed", false, catalogTags(bob, "pp-failed", 1, start, janitor.TagNotifiedAt, warnedLongAgo))
	f.notebook("sc-unsaved", false, catalogTags(bob, "pp-unsaved", 1, start, janitor.TagNotifiedAt, warnedLongAgo))
	f.notebook("sc-running", true, catalogTags(bob, "pp-running", 1, start, janitor.TagNotifiedAt, warnedLongAgo))
	f.notebook("not-from-the-catalog", false, map[string]string{"team": "x"})
	f.pps.ours("pp-fresh", "pp-notify", "pp-saved", "pp-failed", "pp-unsaved", "pp-running")
	// The final sync before the stop saved sc-saved; sc-failed's failed.
	stopped := time.Now().UTC().Add(time.Second)
	f.status(bob, "sc-saved", janitor.SyncStatus{Notebook: "sc-saved", SyncedAt: stopped, OK: true, Final: true})
	f.status(bob, "sc-failed", janitor.SyncStatus{Notebook: "sc-failed", SyncedAt: start, OK: false, Final: true})

	first := f.decisions(now)
	require.Len(t, first, 6, "every catalog notebook, and only those: %v", first)
	assert.Equal(t, janitor.Keep, first["sc-fresh"].Action)
	assert.Equal(t, janitor.Notify, first["sc-notify"].Action)
	assert.Equal(t, janitor.Terminate, first["sc-saved"].Action, first["sc-saved"].Reason)
	assert.Equal(t, janitor.Keep, first["sc-failed"].Action)
	assert.Contains(t, first["sc-failed"].Reason, "sync failed")
	assert.Equal(t, janitor.Keep, first["sc-unsaved"].Action)
	assert.Contains(t, first["sc-unsaved"].Reason, "before the last activity")
	assert.Equal(t, janitor.Keep, first["sc-running"].Action, "a running notebook is in use")
	assert.Equal(t, "pp-saved", first["sc-saved"].ProvisionedProductID)
	assert.Equal(t, bob, first["sc-saved"].Owner)
	for _, d := range first {
		assert.Empty(t, d.Skipped, d.Notebook)
	}
	// Service Catalog was asked before the notice and the termination only.
	assert.ElementsMatch(t, []string{"pp-notify", "pp-saved"}, f.pps.describes)

	// The owner heard of it through SNS, with their name to filter on, and
	// the notice is recorded on the notebook.
	msgs := f.messages()
	require.Len(t, msgs, 1)
	assert.Contains(t, msgs[0]["Subject"], "sc-notify")
	assert.Contains(t, msgs[0]["Message"], "LeaseDays")
	attrs := msgs[0]["MessageAttributes"].(map[string]any)
	assert.Equal(t, alice, attrs["owner"].(map[string]any)["Value"])
	assert.Equal(t, now.Format(time.RFC3339), f.tags("sc-notify")[janitor.TagNotifiedAt])

	// Exactly one termination, through Service Catalog, with a token that
	// makes a repeat a no-op.
	require.Len(t, f.pps.terminated, 1)
	assert.True(t, strings.HasPrefix(f.pps.terminated[0], "pp-saved janitor-pp-saved-"), f.pps.terminated[0])

	// Safe to run twice: no second notice; the same termination token.
	second := f.decisions(now)
	assert.Equal(t, janitor.Keep, second["sc-notify"].Action, "owner already warned")
	assert.Empty(t, f.messages())
	require.Len(t, f.pps.terminated, 2)
	assert.Equal(t, f.pps.terminated[0], f.pps.terminated[1], "the repeat uses the same idempotency token")

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

// Issue #10: the janitor's role may read the tags of catalog notebooks
// only (notebook-instance/sc-*); any other notebook of the account must
// not make the run fail.
func TestJanitorReadsTagsOnlyOfCatalogNotebooks(t *testing.T) {
	f := newFixture(t)
	start := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	alice := "assumed-role/Analyst/alice"
	f.notebook("team-notebook", false, map[string]string{"team": "x"})
	// Even with the catalog's tags, a notebook named outside the prefix is
	// not the janitor's.
	f.notebook("lookalike", false, catalogTags(alice, "pp-lookalike", 7, start))
	f.notebook("sc-ours", false, catalogTags(alice, "pp-ours", 7, start))
	f.notebook("sc-not-the-product", false, map[string]string{"team": "y"})
	// The product names its notebooks in lower case, the spelling of the
	// ARNs the role's grant matches; an upper-case name is not the janitor's.
	f.notebook("SC-123456789012-pp-upper", false, catalogTags(alice, "pp-upper", 7, start))
	f.pps.ours("pp-ours", "pp-lookalike", "pp-upper")

	got := f.decisions(start.Add(time.Hour))
	assert.Equal(t, []string{"sc-ours"}, keys(got))
	listed := f.guard.listedTagsOf()
	require.Len(t, listed, 2, "ListTags on the sc- notebooks only: %v", listed)
	for _, arn := range listed {
		assert.Contains(t, strings.ToLower(arn), ":notebook-instance/sc-")
	}
	assert.NotContains(t, f.logs.String(), "team-notebook", "a notebook from outside the catalog writes no log line")
	assert.NotContains(t, f.logs.String(), "lookalike")
	assert.NotContains(t, f.logs.String(), "pp-upper")
}

// Issue #11: the provisioned product comes from CloudFormation's stack-name
// tag, which no principal can write, never from the provisioned-product-id
// tag, which anyone allowed sagemaker:AddTags can.
func TestJanitorTrustsTheStackNotTheProvisionedProductTag(t *testing.T) {
	f := newFixture(t)
	start := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	bob := "assumed-role/Analyst/bob"
	now := start.Add(48 * time.Hour)
	warned := janitor.TagNotifiedAt
	warnedLongAgo := start.Add(2 * time.Hour).Format(time.RFC3339)
	saved := janitor.SyncStatus{SyncedAt: time.Now().UTC().Add(time.Second), OK: true, Final: true}

	// The tag names another team's provisioned product; the stack is pp-mine.
	f.notebook("sc-forged", false, catalogTags(bob, "pp-mine", 1, start, warned, warnedLongAgo,
		janitor.TagProvisionedProduct, "pp-victim"))
	// No stack-name tag at all: the tag alone names the victim.
	noStack := catalogTags(bob, "pp-victim2", 1, start, warned, warnedLongAgo)
	delete(noStack, janitor.TagStackName)
	f.notebook("sc-no-stack", false, noStack)
	// A stack name that is not a provisioned product's.
	f.notebook("sc-odd-stack", false, catalogTags(bob, "pp-odd", 1, start, warned, warnedLongAgo, janitor.TagStackName, "my-stack"))
	for _, nb := range []string{"sc-forged", "sc-no-stack", "sc-odd-stack"} {
		f.status(bob, nb, saved)
	}
	f.pps.ours("pp-mine", "pp-victim", "pp-victim2", "pp-odd")

	got := f.decisions(now)
	assert.Empty(t, f.pps.terminated, "nothing is terminated on a tag's word")
	assert.NotContains(t, f.pps.describes, "pp-victim")
	assert.NotContains(t, f.pps.describes, "pp-victim2")
	require.Contains(t, got, "sc-forged")
	assert.Equal(t, "pp-mine", got["sc-forged"].ProvisionedProductID, "the stack decides")
	assert.Contains(t, got["sc-forged"].Skipped, "mismatch")
	assert.Contains(t, got["sc-forged"].Skipped, "pp-victim")
	assert.NotContains(t, got, "sc-no-stack")
	assert.NotContains(t, got, "sc-odd-stack")
	assert.Contains(t, f.logs.String(), `"notebook":"sc-no-stack"`, "an unidentified notebook is logged")
	assert.Contains(t, f.logs.String(), `my-stack`)
}

// Issue #11: the janitor warns and terminates only provisioned products
// Service Catalog says this catalog launched (its launch role, its
// product), in a state that allows termination.
func TestJanitorActsOnlyOnThisCatalogsProvisionedProducts(t *testing.T) {
	f := newFixture(t)
	start := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	bob := "assumed-role/Analyst/bob"
	now := start.Add(48 * time.Hour)
	warnedLongAgo := start.Add(2 * time.Hour).Format(time.RFC3339)
	saved := janitor.SyncStatus{SyncedAt: time.Now().UTC().Add(time.Second), OK: true, Final: true}
	due := func(name, pp string) { // lease over, warned, saved: to terminate
		f.notebook(name, false, catalogTags(bob, pp, 1, start, janitor.TagNotifiedAt, warnedLongAgo))
		f.status(bob, name, saved)
	}
	ours := janitor.ProvisionedProduct{ProductID: product, LaunchRoleArn: launchRole, Status: "AVAILABLE"}
	with := func(id string, change func(*janitor.ProvisionedProduct)) {
		pp := ours
		pp.ID = id
		change(&pp)
		f.pps.add(pp)
	}
	due("sc-other-role", "pp-other-role")
	with("pp-other-role", func(p *janitor.ProvisionedProduct) {
		p.LaunchRoleArn = "arn:aws:iam::123456789012:role/other-catalog-launch"
	})
	due("sc-other-product", "pp-other-product")
	with("pp-other-product", func(p *janitor.ProvisionedProduct) { p.ProductID = "prod-otherproduct1" })
	due("sc-unknown", "pp-unknown") // Service Catalog does not know it
	due("sc-changing", "pp-changing")
	with("pp-changing", func(p *janitor.ProvisionedProduct) { p.Status = "UNDER_CHANGE" })
	due("sc-planned", "pp-planned")
	with("pp-planned", func(p *janitor.ProvisionedProduct) { p.Status = "PLAN_IN_PROGRESS" })
	// Due for a notice, but another catalog's: no notice either.
	f.notebook("sc-other-notice", false, catalogTags(bob, "pp-other-notice", 2, start))
	with("pp-other-notice", func(p *janitor.ProvisionedProduct) { p.LaunchRoleArn = "arn:aws:iam::123456789012:role/x" })
	// Ours: terminated, also when TAINTED or ERROR.
	due("sc-ours", "pp-ours")
	f.pps.ours("pp-ours")
	due("sc-tainted", "pp-tainted")
	with("pp-tainted", func(p *janitor.ProvisionedProduct) { p.Status = "TAINTED" })
	due("sc-error", "pp-error")
	with("pp-error", func(p *janitor.ProvisionedProduct) { p.Status = "ERROR" })

	got := f.decisions(now)
	assert.ElementsMatch(t, []string{"pp-ours", "pp-tainted", "pp-error"}, f.pps.terminatedIDs())
	assert.Empty(t, f.messages(), "no notice for another catalog's notebook")
	assert.NotContains(t, f.tags("sc-other-notice"), janitor.TagNotifiedAt)
	for name, reason := range map[string]string{
		"sc-other-role":    `not this catalog's provisioned product: launched with the role "arn:aws:iam::123456789012:role/other-catalog-launch", not ` + launchRole,
		"sc-other-product": `not this catalog's provisioned product: of the product "prod-otherproduct1", not ` + product,
		"sc-unknown":       "not this catalog's provisioned product: Service Catalog has no provisioned product pp-unknown",
		"sc-changing":      "provisioned product pp-changing is UNDER_CHANGE: waiting until it is AVAILABLE, TAINTED or ERROR",
		"sc-planned":       "provisioned product pp-planned is PLAN_IN_PROGRESS: waiting until it is AVAILABLE, TAINTED or ERROR",
		"sc-other-notice":  "not this catalog's provisioned product: launched with the role",
	} {
		require.Contains(t, got, name)
		assert.Contains(t, got[name].Skipped, reason, name)
	}
	assert.Equal(t, janitor.Notify, got["sc-other-notice"].Action, "the decision stands; carrying it out is refused")

	// Without a product ID, any product launched with the launch role is ours.
	f.j.ProductID = ""
	f.decisions(now)
	assert.Contains(t, f.pps.terminatedIDs(), "pp-other-product")
	assert.NotContains(t, f.pps.terminatedIDs(), "pp-other-role")
}

// When Service Catalog cannot answer, the notebook fails (the run is
// retried), and the others are handled.
func TestJanitorFailsANotebookServiceCatalogCannotDescribe(t *testing.T) {
	f := newFixture(t)
	start := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	bob := "assumed-role/Analyst/bob"
	warnedLongAgo := start.Add(2 * time.Hour).Format(time.RFC3339)
	for _, nb := range []string{"sc-throttled", "sc-ours"} {
		f.notebook(nb, false, catalogTags(bob, "pp-"+strings.TrimPrefix(nb, "sc-"), 1, start, janitor.TagNotifiedAt, warnedLongAgo))
		f.status(bob, nb, janitor.SyncStatus{SyncedAt: time.Now().UTC().Add(time.Second), OK: true, Final: true})
	}
	f.pps.ours("pp-throttled", "pp-ours")
	f.pps.failing["pp-throttled"] = errors.New("ThrottlingException: rate exceeded")
	report, err := f.j.Run(f.ctx, start.Add(48*time.Hour))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sc-throttled: describe provisioned product pp-throttled: ThrottlingException")
	assert.Equal(t, []string{"pp-ours"}, f.pps.terminatedIDs())
	require.Len(t, report.Decisions, 1)
}

// Issue #11: the sync status is read from status/<owner>/, apart from the
// workspaces; a status object at the old place, inside the owner's
// workspace (which the notebook, and so the analyst, can write), counts
// for nothing.
func TestJanitorReadsTheStatusApartFromTheWorkspace(t *testing.T) {
	f := newFixture(t)
	start := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	bob := "assumed-role/Analyst/bob"
	warnedLongAgo := start.Add(2 * time.Hour).Format(time.RFC3339)
	saved := janitor.SyncStatus{SyncedAt: time.Now().UTC().Add(time.Second), OK: true, Final: true}
	f.notebook("sc-old-path", false, catalogTags(bob, "pp-old-path", 1, start, janitor.TagNotifiedAt, warnedLongAgo))
	f.object("owners/"+bob+"/.sagemaker-catalog/sc-old-path.json", saved)
	f.notebook("sc-new-path", false, catalogTags(bob, "pp-new-path", 1, start, janitor.TagNotifiedAt, warnedLongAgo))
	f.object("status/"+bob+"/sc-new-path.json", saved)
	f.pps.ours("pp-old-path", "pp-new-path")

	got := f.decisions(start.Add(48 * time.Hour))
	assert.Equal(t, "status/assumed-role/Analyst/bob/sc-new-path.json", janitor.StatusKey(bob, "sc-new-path"))
	assert.Equal(t, janitor.Keep, got["sc-old-path"].Action)
	assert.Equal(t, "workspace last saved 0001-01-01T00:00:00Z, before the last activity", got["sc-old-path"].Reason, "no status: no save yet")
	assert.Equal(t, janitor.Terminate, got["sc-new-path"].Action, got["sc-new-path"].Reason)
	assert.Equal(t, []string{"pp-new-path"}, f.pps.terminatedIDs())
}

// The owner tag names the status prefix: an owner the workspace function
// would not have written fails that notebook, and the others are handled.
func TestJanitorReportsABadOwnerTagAndGoesOn(t *testing.T) {
	f := newFixture(t)
	start := time.Now().UTC().Add(-time.Hour)
	for name, owner := range map[string]string{
		"sc-dotdot": "assumed-role/Analyst/../bob",
		"sc-star":   "assumed-role/Analyst/*",
		"sc-slash":  "user//bob",
		"sc-none":   "",
	} {
		f.notebook(name, false, catalogTags(owner, "pp-"+name, 7, start, janitor.TagWorkspace, "s3://"+bucket+"/owners/assumed-role/Analyst/bob/"))
	}
	f.notebook("sc-good", false, catalogTags("assumed-role/Analyst/carol", "pp-good", 7, start))
	report, err := f.j.Run(f.ctx, start.Add(time.Hour))
	require.Error(t, err, "the invocation fails, so that it is retried and alarms")
	for _, name := range []string{"sc-dotdot", "sc-star", "sc-slash", "sc-none"} {
		assert.Contains(t, err.Error(), name+": tag "+janitor.TagOwner)
	}
	require.Len(t, report.Decisions, 1)
	assert.Equal(t, "sc-good", report.Decisions[0].Notebook)
	assert.Contains(t, f.logs.String(), `"level":"ERROR"`)
}

// A janitor that could not tell this catalog's provisioned products from
// others does not run.
func TestJanitorRefusesToRunUnconfigured(t *testing.T) {
	j := &janitor.Janitor{Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	_, err := j.Run(context.Background(), time.Now())
	require.Error(t, err)
	for _, field := range []string{"ProvisionedProducts", "LaunchRoleArn", "Bucket"} {
		assert.Contains(t, err.Error(), field)
	}
}

// Rolled out carefully: a dry run decides, asks Service Catalog and logs
// only; notify-only warns and never terminates.
func TestJanitorModes(t *testing.T) {
	f := newFixture(t)
	start := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	a, b := "assumed-role/Analyst/a", "assumed-role/Analyst/b"
	f.notebook("sc-notify", false, catalogTags(a, "pp-notify", 2, start))
	f.notebook("sc-saved", false, catalogTags(b, "pp-saved", 1, start, janitor.TagNotifiedAt, start.Add(2*time.Hour).Format(time.RFC3339)))
	f.status(b, "sc-saved", janitor.SyncStatus{Notebook: "sc-saved", SyncedAt: time.Now().UTC().Add(time.Second), OK: true, Final: true})
	f.notebook("sc-foreign", false, catalogTags(b, "pp-foreign", 1, start, janitor.TagNotifiedAt, start.Add(2*time.Hour).Format(time.RFC3339)))
	f.status(b, "sc-foreign", janitor.SyncStatus{Notebook: "sc-foreign", SyncedAt: time.Now().UTC().Add(time.Second), OK: true, Final: true})
	f.pps.ours("pp-notify", "pp-saved")
	f.pps.add(janitor.ProvisionedProduct{ID: "pp-foreign", ProductID: product, LaunchRoleArn: "arn:aws:iam::123456789012:role/x", Status: "AVAILABLE"})
	now := start.Add(48 * time.Hour)

	f.j.Mode = janitor.DryRun
	report, err := f.j.Run(f.ctx, now)
	require.NoError(t, err)
	require.Len(t, report.Decisions, 3)
	for _, d := range report.Decisions {
		assert.NotEqual(t, janitor.Keep, d.Action, "the decision is still made and logged")
		if d.Notebook == "sc-foreign" {
			assert.Contains(t, d.Skipped, "not this catalog's provisioned product", "a dry run shows what enforcing would refuse")
			continue
		}
		assert.Equal(t, "dry run", d.Skipped)
	}
	assert.Empty(t, f.messages())
	assert.Empty(t, f.pps.terminated)
	assert.NotContains(t, f.tags("sc-notify"), janitor.TagNotifiedAt)

	f.j.Mode = janitor.NotifyOnly
	report, err = f.j.Run(f.ctx, now)
	require.NoError(t, err)
	assert.Len(t, f.messages(), 1, "the owner is warned")
	assert.Empty(t, f.pps.terminated, "nothing is terminated")
	for _, d := range report.Decisions {
		if d.Action == janitor.Terminate && d.Notebook == "sc-saved" {
			assert.Equal(t, "notify-only: termination is off", d.Skipped)
		}
	}
}

func keys(m map[string]janitor.Decision) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

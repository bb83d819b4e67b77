package janitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/datalake-platform/sagemaker-catalog/internal/names"
	"github.com/datalake-platform/sagemaker-catalog/lambda/workspace"
)

// The tags the notebook product puts on its notebook instance, the one the
// janitor adds, and the one CloudFormation adds (TagStackName), which names
// the provisioned product: no principal can set or change an "aws:" tag.
// TagProvisionedProduct, which the launch role writes and anyone allowed
// sagemaker:AddTags could change, is only compared with it.
const (
	TagProduct            = names.TagProduct
	TagOwner              = names.TagOwner
	TagWorkspace          = names.TagWorkspace
	TagProvisionedProduct = names.TagProvisionedProduct
	TagLeaseDays          = names.TagLeaseDays
	TagLeaseStart         = names.TagLeaseStart
	TagNotifiedAt         = names.TagNotifiedAt
	TagStackName          = names.TagCloudFormationStackName
)

// StatusKey is where, in the workspace bucket, a notebook's sync status
// lives: status/<owner>/<notebook>.json, apart from the owners' workspaces
// (see constructs/notebook/lifecycle).
func StatusKey(owner, notebook string) string {
	return names.StatusPrefix + owner + "/" + notebook + ".json"
}

// SyncStatus is the status object the workspace sync writes after every
// attempt.
type SyncStatus struct {
	Notebook string `json:"notebook"`
	// SyncedAt is when the last successful sync started: everything
	// written before it is saved.
	SyncedAt time.Time `json:"syncedAt"`
	// OK reports whether the latest attempt succeeded.
	OK bool `json:"ok"`
	// Final marks the sync run just before the notebook stops: nothing can
	// change after it.
	Final bool `json:"final"`
}

// SageMaker is the part of the SageMaker API the janitor calls.
type SageMaker interface {
	ListNotebookInstances(context.Context, *sagemaker.ListNotebookInstancesInput, ...func(*sagemaker.Options)) (*sagemaker.ListNotebookInstancesOutput, error)
	ListTags(context.Context, *sagemaker.ListTagsInput, ...func(*sagemaker.Options)) (*sagemaker.ListTagsOutput, error)
	AddTags(context.Context, *sagemaker.AddTagsInput, ...func(*sagemaker.Options)) (*sagemaker.AddTagsOutput, error)
}

// S3 finds and reads sync status objects in the workspace bucket.
type S3 interface {
	ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// SNS notifies owners.
type SNS interface {
	Publish(context.Context, *sns.PublishInput, ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Mode is how far the janitor acts on its decisions.
type Mode string

// The modes, from the most careful; the zero value enforces.
const (
	// DryRun decides and logs, and neither warns nor terminates.
	DryRun Mode = "dry-run"
	// NotifyOnly warns owners and never terminates.
	NotifyOnly Mode = "notify-only"
	// Enforce warns and terminates.
	Enforce Mode = "enforce"
)

// Janitor applies the lease policy to every notebook of the catalog.
//
// A catalog notebook is one whose name starts with names.NotebookNamePrefix
// (the only notebooks whose tags the janitor's role may read) and that
// carries the notebook product's tag. Its provisioned product is the one
// its CloudFormation stack-name tag names, and the janitor warns or
// terminates only after Service Catalog confirms that this provisioned
// product was launched with LaunchRoleArn (and, when ProductID is set, from
// that product) and is in a state that allows termination.
type Janitor struct {
	// Mode limits what it does; "" is Enforce.
	Mode      Mode
	SageMaker SageMaker
	S3        S3
	SNS       SNS
	// ProvisionedProducts describes and terminates provisioned products
	// through Service Catalog. Required.
	ProvisionedProducts ProvisionedProducts
	// LaunchRoleArn is this catalog's launch role: the janitor acts only on
	// provisioned products Service Catalog launched with it. Required.
	LaunchRoleArn string
	// ProductID, if set, is this catalog's notebook product: the janitor
	// acts only on provisioned products of it.
	ProductID string
	// Bucket is the workspace bucket, where notebooks write their sync
	// status (StatusKey). Required.
	Bucket string
	// TopicArn receives the owners' notices.
	TopicArn string
	// Lease is the lease of a notebook without a valid lease-days tag;
	// NotifyBefore is the notice period.
	Lease, NotifyBefore time.Duration
	// Log receives one JSON record per decision and per error.
	Log *slog.Logger
}

// Report sums up a run.
type Report struct {
	Decisions []Decision `json:"decisions"`
	Errors    []string   `json:"errors,omitempty"`
}

// Run decides for every catalog notebook at now and carries the decisions
// out. A failure on one notebook is logged and reported, and the others are
// still handled; Run returns an error if any failed, so that the invocation
// is retried (every step is idempotent).
func (j *Janitor) Run(ctx context.Context, now time.Time) (Report, error) {
	var report Report
	if err := j.check(); err != nil {
		return report, err
	}
	var token *string
	for {
		page, err := j.SageMaker.ListNotebookInstances(ctx, &sagemaker.ListNotebookInstancesInput{NextToken: token})
		if err != nil {
			return report, fmt.Errorf("list notebook instances: %w", err)
		}
		for _, nb := range page.NotebookInstances {
			name := aws.ToString(nb.NotebookInstanceName)
			if !strings.HasPrefix(name, names.NotebookNamePrefix) {
				// Not from this catalog: its tags are none of the janitor's
				// business (its role may not read them).
				j.Log.Debug("not a catalog notebook", "notebook", name)
				continue
			}
			d, err := j.handle(ctx, now, nb)
			switch {
			case err != nil:
				report.Errors = append(report.Errors, name+": "+err.Error())
				j.Log.Error("notebook failed", "notebook", name, "error", err.Error())
			case d != nil:
				report.Decisions = append(report.Decisions, *d)
				j.Log.Info("decision", "decision", *d)
			}
		}
		if token = page.NextToken; token == nil {
			break
		}
	}
	if len(report.Errors) > 0 {
		return report, fmt.Errorf("%d of the notebooks failed: %s", len(report.Errors), strings.Join(report.Errors, "; "))
	}
	return report, nil
}

// check reports a Janitor that could not tell this catalog's provisioned
// products from others.
func (j *Janitor) check() error {
	var errs []error
	if j.ProvisionedProducts == nil {
		errs = append(errs, errors.New("ProvisionedProducts is nil"))
	}
	if j.LaunchRoleArn == "" {
		errs = append(errs, errors.New("LaunchRoleArn is empty: the janitor could not tell this catalog's provisioned products from others"))
	}
	if j.Bucket == "" {
		errs = append(errs, errors.New("Bucket is empty: the janitor could not read the sync status"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("janitor: %w", errors.Join(errs...))
	}
	return nil
}

// handle decides for one notebook and acts; nil means not a catalog
// notebook (or one the janitor cannot identify, which it logs).
func (j *Janitor) handle(ctx context.Context, now time.Time, nb smtypes.NotebookInstanceSummary) (*Decision, error) {
	name := aws.ToString(nb.NotebookInstanceName)
	tagsOut, err := j.SageMaker.ListTags(ctx, &sagemaker.ListTagsInput{ResourceArn: nb.NotebookInstanceArn, MaxResults: aws.Int32(100)})
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	tags := map[string]string{}
	for _, t := range tagsOut.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	if tags[TagProduct] != "notebook" {
		j.Log.Debug("not a catalog notebook", "notebook", name)
		return nil, nil // not launched from this catalog's product
	}
	// The provisioned product is the one whose stack created the notebook.
	id, err := ProvisionedProductID(tags[TagStackName])
	if err != nil {
		j.Log.Warn("notebook skipped", "notebook", name, "reason", err.Error()+": nothing done")
		return nil, nil
	}
	n, policy, err := j.state(ctx, now, nb, tags)
	if err != nil {
		return nil, err
	}
	d := Decide(now, policy, n)
	d.Owner, d.ProvisionedProductID, d.Status = tags[TagOwner], id, string(nb.NotebookInstanceStatus)
	if claimed, ok := tags[TagProvisionedProduct]; ok && claimed != id {
		d.Skipped = fmt.Sprintf("mismatch: tag %s says %q, but the notebook's stack belongs to %s: nothing done", TagProvisionedProduct, claimed, id)
		return &d, nil
	}
	if d.Action == Keep {
		return &d, nil
	}
	// Before warning or terminating, even in a dry run (so that it shows
	// what enforcing would do): is it ours, and can it be terminated?
	why, err := j.verify(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case why != "":
		d.Skipped = why
		return &d, nil
	case j.Mode == DryRun:
		d.Skipped = "dry run"
		return &d, nil
	case j.Mode == NotifyOnly && d.Action == Terminate:
		d.Skipped = "notify-only: termination is off"
		return &d, nil
	}
	switch d.Action {
	case Notify:
		if err := j.notify(ctx, aws.ToString(nb.NotebookInstanceArn), name, tags, d); err != nil {
			return nil, err
		}
	case Terminate:
		token := "janitor-" + d.ProvisionedProductID + "-" + strconv.FormatInt(d.LeaseExpiresAt.Unix(), 10)
		if err := j.ProvisionedProducts.Terminate(ctx, d.ProvisionedProductID, token); err != nil {
			return nil, fmt.Errorf("terminate provisioned product %s: %w", d.ProvisionedProductID, err)
		}
	}
	return &d, nil
}

// state gathers what Decide needs: the lease from the tags, the last
// activity from the notebook's status and tags, the last sync from the
// owner's status object.
func (j *Janitor) state(ctx context.Context, now time.Time, nb smtypes.NotebookInstanceSummary, tags map[string]string) (Notebook, Policy, error) {
	name := aws.ToString(nb.NotebookInstanceName)
	policy := Policy{Lease: j.Lease, NotifyBefore: j.NotifyBefore}
	if days, err := strconv.Atoi(tags[TagLeaseDays]); err == nil && days > 0 {
		policy.Lease = time.Duration(days) * 24 * time.Hour
	}
	n := Notebook{Name: name, LastActivity: aws.ToTime(nb.CreationTime)}
	if start, err := time.Parse(time.RFC3339, tags[TagLeaseStart]); err == nil && start.After(n.LastActivity) {
		n.LastActivity = start
	}
	if at, err := time.Parse(time.RFC3339, tags[TagNotifiedAt]); err == nil {
		n.NotifiedAt = at
	}
	status, err := j.syncStatus(ctx, tags[TagOwner], name)
	if err != nil {
		return n, policy, err
	}
	if status != nil {
		n.LastSync, n.LastSyncFailed = status.SyncedAt, !status.OK
	}
	switch nb.NotebookInstanceStatus {
	case smtypes.NotebookInstanceStatusStopped, smtypes.NotebookInstanceStatusFailed:
		// Last used when it stopped; a successful final sync started after
		// the last use, and saved everything up to the stop.
		used := aws.ToTime(nb.LastModifiedTime)
		if status != nil && status.OK && status.Final && !status.SyncedAt.Before(n.LastActivity) {
			used = status.SyncedAt
		}
		n.LastActivity = later(n.LastActivity, used)
	default:
		// Running, starting, stopping, updating or being deleted: in use now.
		n.LastActivity, n.Running = later(n.LastActivity, now), true
	}
	return n, policy, nil
}

// syncStatus reads the notebook's sync status; nil if it has none yet.
func (j *Janitor) syncStatus(ctx context.Context, owner, notebook string) (*SyncStatus, error) {
	// The owner is a tag: checked as the workspace function checked it
	// when it wrote it, so that it names one owner's status prefix.
	if err := workspace.CheckOwner(owner); err != nil {
		return nil, fmt.Errorf("tag %s: %w", TagOwner, err)
	}
	key := StatusKey(owner, notebook)
	// Listing first tells a missing status from a denied one: without
	// s3:ListBucket, which the janitor has only under the status prefix,
	// S3 answers AccessDenied for a missing key.
	list, err := j.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(j.Bucket), Prefix: aws.String(key), MaxKeys: aws.Int32(1)})
	if err != nil {
		return nil, fmt.Errorf("find sync status s3://%s/%s: %w", j.Bucket, key, err)
	}
	if len(list.Contents) == 0 || aws.ToString(list.Contents[0].Key) != key {
		return nil, nil
	}
	out, err := j.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(j.Bucket), Key: aws.String(key)})
	var missing *s3types.NoSuchKey
	if errors.As(err, &missing) {
		return nil, nil // deleted since
	}
	if err != nil {
		return nil, fmt.Errorf("read sync status s3://%s/%s: %w", j.Bucket, key, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("read sync status s3://%s/%s: %w", j.Bucket, key, err)
	}
	var s SyncStatus
	if err := json.Unmarshal(body, &s); err != nil {
		// An unreadable status proves nothing was saved: treat it as a failure.
		return &SyncStatus{Notebook: notebook}, nil
	}
	return &s, nil
}

// notify tells the owner when the notebook will be terminated and how to
// keep it, then records the notice on the notebook (the next run reads it).
func (j *Janitor) notify(ctx context.Context, arn, name string, tags map[string]string, d Decision) error {
	when := d.TerminateAfter.UTC().Format("Monday 2 January 2006, 15:04 MST")
	body := fmt.Sprintf(`Your SageMaker notebook %s (provisioned product %s) has not been used since %s.
Its lease ends, and it will be terminated, on %s or later.
Your workspace is saved: the next notebook you launch restores it from %s.

To keep this notebook, open it (using it renews the lease), or update the provisioned
product in AWS Service Catalog with a new LeaseDays value.
`, name, d.ProvisionedProductID, d.LastActivity.UTC().Format(time.RFC3339), when, tags[TagWorkspace])
	_, err := j.SNS.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(j.TopicArn),
		Subject:  aws.String(names.Truncate("SageMaker notebook "+name+" will be terminated", 100)),
		Message:  aws.String(body),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			// Owners subscribe with a filter policy on their own name.
			"owner":    {DataType: aws.String("String"), StringValue: aws.String(tags[TagOwner])},
			"notebook": {DataType: aws.String("String"), StringValue: aws.String(name)},
		},
	})
	if err != nil {
		return fmt.Errorf("notify owner: %w", err)
	}
	_, err = j.SageMaker.AddTags(ctx, &sagemaker.AddTagsInput{
		ResourceArn: aws.String(arn),
		Tags:        []smtypes.Tag{{Key: aws.String(TagNotifiedAt), Value: aws.String(d.Now.UTC().Format(time.RFC3339))}},
	})
	if err != nil {
		return fmt.Errorf("record the notice: %w", err)
	}
	return nil
}

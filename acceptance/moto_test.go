package acceptance_test

// The journey's steps against moto_server (testdata/moto_server.py adds
// CreatePresignedNotebookInstanceUrl, which moto 5.2.1 lacks): SageMaker
// (the notebook's status and tags, the presigned URL), S3 (the saved file,
// the cleanup of its versions), STS (who the analyst is), Lambda (the
// janitor's configuration and invocation) and CloudWatch Logs (its log
// line). Service Catalog, Jupyter and the janitor's runtime are fakes in
// front of moto (fakes_test.go).
//
// Not verifiable here, and so left to the real run: IAM (moto evaluates no
// policy: whether the analyst may do each step is what the real run
// proves), the product template itself (moto's CloudFormation is exercised
// by test/integration/launch_test.go), the lifecycle scripts on a real
// notebook (the fake volume restores and saves as they are meant to),
// SageMaker's lower-case ARNs (moto keeps the case), and timing.

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/acceptance"
	"github.com/datalake-platform/sagemaker-catalog/internal/motoserver"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
	"github.com/datalake-platform/sagemaker-catalog/lambda/janitor"
)

const (
	bucket = "sagemakercatalog-ws-123456789012-eu-west-1"
	owner  = "assumed-role/SageMakerCatalog-analyst/alice"
	runID  = "20260101-000000-test"
	file   = "acceptance-" + runID + ".txt"
)

type fixture struct {
	t       *testing.T
	ctx     context.Context
	sm      *sagemaker.Client
	s3      *s3.Client
	catalog *fakeCatalog
	jupyter *fakeJupyter
	runtime *janitorRuntime
	out     *bytes.Buffer
	journey *acceptance.Journey
}

// newFixture starts moto with the janitor deployed in mode, the fakes in
// front of it, and a journey over them that polls every few milliseconds.
func newFixture(t *testing.T, mode string) *fixture {
	pathStyle := func(o *s3.Options) { o.UsePathStyle = true }
	jup := newFakeJupyter(t, nil)
	srv := motoserver.Start(t, motoserver.Options{Script: "testdata/moto_server.py", Env: []string{"JUPYTER_URL=" + jup.srv.URL}})
	cfg := srv.Config()
	f := &fixture{t: t, ctx: motoserver.Context(t), sm: sagemaker.NewFromConfig(cfg), s3: s3.NewFromConfig(cfg, pathStyle), jupyter: jup, out: &bytes.Buffer{}}
	jup.s3 = f.s3

	// The catalog's workspace bucket: versioned.
	_, err := f.s3.CreateBucket(f.ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(motoserver.Region)}})
	require.NoError(t, err)
	_, err = f.s3.PutBucketVersioning(f.ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
	require.NoError(t, err)

	me, err := sts.NewFromConfig(cfg).GetCallerIdentity(f.ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	f.catalog = newFakeCatalog(t, f.sm, jup, bucket, owner, aws.ToString(me.UserId))

	fns, logs := lambda.NewFromConfig(cfg), cloudwatchlogs.NewFromConfig(cfg)
	fn := deployJanitor(t, f.ctx, srv.Endpoint, fns, logs, mode)
	f.runtime = &janitorRuntime{Lambda: fns, t: t, endpoint: srv.Endpoint, logs: logs, logGroup: acceptance.JanitorLogGroup(acceptance.DefaultCatalog),
		janitor: &janitor.Janitor{SageMaker: f.sm, S3: f.s3, SNS: sns.NewFromConfig(cfg), ProvisionedProducts: noTerminations{t},
			LaunchRoleArn: fakeLaunchRole, Bucket: bucket,
			TopicArn: "arn:aws:sns:" + motoserver.Region + ":" + motoserver.Account + ":notices", Lease: 7 * 24 * time.Hour, NotifyBefore: 24 * time.Hour}}

	analyst, admin := acceptance.NewPrincipal(cfg, pathStyle), acceptance.NewPrincipal(cfg, pathStyle)
	analyst.ServiceCatalog, admin.ServiceCatalog = f.catalog, f.catalog
	admin.Lambda = f.runtime
	f.journey = &acceptance.Journey{
		Analyst: analyst, Admin: admin, RunID: runID,
		Tags: map[string]string{"CostCenter": "cc-2000"},
		// moto's Lambda has no logging configuration to find the janitor by.
		JanitorFunction: fn,
		Out:             f.out,
		Poll:            5 * time.Millisecond,
	}
	return f
}

// notebooks lists the notebooks in moto.
func (f *fixture) notebooks() []string {
	out, err := f.sm.ListNotebookInstances(f.ctx, &sagemaker.ListNotebookInstancesInput{})
	require.NoError(f.t, err)
	var names []string
	for _, n := range out.NotebookInstances {
		names = append(names, aws.ToString(n.NotebookInstanceName))
	}
	return names
}

// versions counts the versions and delete markers of the run's file.
func (f *fixture) versions() int {
	out, err := f.s3.ListObjectVersions(f.ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String(names.WorkspacePrefix)})
	require.NoError(f.t, err)
	n := 0
	for _, v := range out.Versions {
		if strings.HasSuffix(aws.ToString(v.Key), "/home/"+file) {
			n++
		}
	}
	return n + len(out.DeleteMarkers)
}

// assertCleanedUp asserts that nothing the run created is left.
func (f *fixture) assertCleanedUp() {
	f.t.Helper()
	assert.Empty(f.t, f.catalog.Live(), "provisioned products left")
	assert.Empty(f.t, f.notebooks(), "notebooks left in moto")
	assert.Zero(f.t, f.versions(), "versions of %s left in the workspace", file)
}

func count(calls []string, name string) int {
	n := 0
	for _, c := range calls {
		if c == name {
			n++
		}
	}
	return n
}

var line = regexp.MustCompile(`^\[\d\d:\d\d:\d\d\] +\S`)

func TestJourneyAgainstMoto(t *testing.T) {
	f := newFixture(t, names.ModeDryRun)
	f.catalog.Settle = 3
	summary, err := f.journey.Run(f.ctx)
	out := f.out.String()
	require.NoError(t, err, out)
	t.Log("\n" + out)

	var steps []string
	for _, s := range summary.Steps {
		steps = append(steps, s.Name)
		assert.NoError(t, s.Err, s.Name)
	}
	assert.Equal(t, []string{"identities", "janitor mode", "find product", "provision", "outputs", "open", "write file",
		"stop action", "saved in workspace", "start action", "open after start", "terminate", "provision again", "outputs again",
		"open again", "file restored", "janitor dry run", "cleanup"}, steps)
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		assert.Regexp(t, line, l, "every line starts with the time since the run began")
	}
	for _, want := range []string{
		"version v2 (" + artifactV2 + ")",                                                // the newest version that is not deprecated
		"tag CostCenter=cc-2000", "tag Project=exploration (the TagOption's first value", // asked for, and defaulted
		"UNDER_CHANGE", "AVAILABLE", // the launch was waited for
		"tag " + names.TagOwnerId + " = ", // the owner tag was read
		"Jupyter answers GET /api/status",
		"notebook " + names.NotebookNamePrefix, ": Stopped", ": InService", ": gone",
		"s3://" + bucket + "/" + names.WorkspacePrefix + owner + "/home/" + file + " holds the file",
		"is still on the volume",
		file + ": not restored yet", file + ": restored", // the restore was waited for
		"decision on " + names.NotebookNamePrefix, ": keep, running: in use",
		`log line: {`, `"msg":"decision"`,
		"deleted s3://" + bucket, "PASSED in",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "authToken", "the presigned URL is a credential: never printed")

	calls := f.catalog.Calls()
	assert.Equal(t, 2, count(calls, "ProvisionProduct"), calls)
	assert.Equal(t, 2, count(calls, "ExecuteProvisionedProductServiceAction"), calls)
	assert.Equal(t, 2, count(calls, "TerminateProvisionedProduct"), "the journey terminates the first, the cleanup the second")
	assert.Equal(t, 1, f.runtime.invocations)
	f.assertCleanedUp()
}

func TestJourneyCleansUpAfterAFailure(t *testing.T) {
	f := newFixture(t, names.ModeDryRun)
	f.jupyter.RestoreAfter = 1 << 30 // the second notebook never shows the file
	f.journey.Timeouts.Restore = 200 * time.Millisecond
	summary, err := f.journey.Run(f.ctx)
	out := f.out.String()
	require.Error(t, err, out)
	assert.Contains(t, err.Error(), "file restored: "+file+": still not restored yet after")
	assert.Equal(t, "cleanup", summary.Steps[len(summary.Steps)-1].Name)
	assert.NoError(t, summary.Steps[len(summary.Steps)-1].Err, out)
	assert.Contains(t, out, "FAILED in")
	assert.Zero(t, f.runtime.invocations, "the journey stops at the first failure")
	// The cleanup terminated the second notebook (which saved the file
	// again) before it deleted the file's versions.
	f.assertCleanedUp()
}

func TestJourneyCleansUpWhenInterrupted(t *testing.T) {
	f := newFixture(t, names.ModeDryRun)
	f.catalog.Settle = 20
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	f.catalog.OnPoll = cancel // interrupted while the launch is under way
	_, err := f.journey.Run(ctx)
	out := f.out.String()
	require.Error(t, err, out)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "provision: ")
	assert.Contains(t, out, "cleanup: ok", "the cleanup has a context of its own")
	t.Log("\n" + out)
	f.assertCleanedUp()
}

func TestJourneyCleansUpALaunchThatGotNoAnswer(t *testing.T) {
	f := newFixture(t, names.ModeDryRun)
	f.catalog.NoAnswer = true
	_, err := f.journey.Run(f.ctx)
	out := f.out.String()
	require.Error(t, err, out)
	assert.Contains(t, err.Error(), "provision: servicecatalog:ProvisionProduct")
	assert.Contains(t, f.catalog.Calls(), "SearchProvisionedProducts", "the cleanup looks for the product by name")
	f.assertCleanedUp()
}

func TestJourneyFailsOnANotebookTaggedForSomeoneElse(t *testing.T) {
	f := newFixture(t, names.ModeDryRun)
	f.catalog.ownerID = "AROAEXAMPLEOTHER:bob@example.com"
	_, err := f.journey.Run(f.ctx)
	require.Error(t, err, f.out.String())
	assert.Regexp(t, `^outputs: notebook sc-\S+: tag `+names.TagOwnerId+` is "AROAEXAMPLEOTHER:bob@example.com", want the analyst's aws:userid "AKIAIOSFODNN7EXAMPLE"`, err.Error())
	assert.NotContains(t, f.out.String(), "Jupyter answers", "the journey stops before opening")
	f.assertCleanedUp()
}

func TestJourneyRefusesBeforeProvisioning(t *testing.T) {
	t.Run("fails for a janitor that enforces", func(t *testing.T) {
		f := newFixture(t, names.ModeEnforce)
		_, err := f.journey.Run(f.ctx)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `janitor mode: the janitor `+f.journey.JanitorFunction+` runs in mode "enforce"`)
		assert.Contains(t, err.Error(), "janitorMode=dry-run")
		assert.NotContains(t, f.catalog.Calls(), "ProvisionProduct")
		assert.Contains(t, f.out.String(), "nothing to clean up")
		assert.Zero(t, f.runtime.invocations)
	})
	t.Run("fails for a tag value the TagOption does not allow, and while the analyst has other notebooks", func(t *testing.T) {
		f := newFixture(t, names.ModeDryRun)
		f.journey.Tags = map[string]string{"CostCenter": "cc-9999"}
		_, err := f.journey.Run(f.ctx)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `find product: tag CostCenter="cc-9999": the TagOption allows cc-1000, cc-2000`)

		_, err = f.catalog.ProvisionProduct(f.ctx, &servicecatalog.ProvisionProductInput{
			ProductId: aws.String(productID), ProvisioningArtifactId: aws.String(artifactV2), PathId: aws.String(pathID),
			ProvisionedProductName: aws.String("alices-notebook"), ProvisionToken: aws.String("alice-1"),
			Tags: f.catalog.tagsFor("cc-1000"),
		})
		require.NoError(t, err)
		f.journey.Tags = nil
		_, err = f.journey.Run(f.ctx)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "the analyst already has notebooks of this product: alices-notebook")
		assert.Equal(t, 1, count(f.catalog.Calls(), "ProvisionProduct"), "only Alice's own")
		assert.Equal(t, []string{"alices-notebook"}, f.catalog.Live(), "the cleanup leaves what the run did not create")
	})
}

func TestValidate(t *testing.T) {
	var j acceptance.Journey
	err := j.Validate()
	require.Error(t, err)
	for _, want := range []string{`RunID ""`, "Analyst: STS, ServiceCatalog and SageMaker are required", "Admin: S3, Lambda and Logs are required"} {
		assert.Contains(t, err.Error(), want)
	}
	j = acceptance.Journey{RunID: "Not_A-RunID", Tags: map[string]string{"aws:servicecatalog:x": "y"}}
	err = j.Validate()
	assert.Contains(t, err.Error(), `RunID "Not_A-RunID": want 1-40 lower-case letters`)
	assert.Contains(t, err.Error(), `Tags: key "aws:servicecatalog:x"`)
	_, err = j.Run(context.Background())
	assert.Error(t, err, "Run validates first")

	id := acceptance.NewRunID(time.Date(2026, 1, 15, 12, 3, 1, 0, time.UTC))
	assert.Regexp(t, `^20260115-120301-[0-9a-f]{4}$`, id)
	j = acceptance.Journey{RunID: id}
	assert.NotContains(t, j.Validate().Error(), "RunID")
}

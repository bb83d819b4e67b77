package acceptance_test

// The journey's steps against moto_server (testdata/moto_server.py adds
// CreatePresignedNotebookInstanceUrl, which moto 5.2.1 lacks): SageMaker
// (the notebook's status and tags, the presigned URL), S3 (the saved file,
// the sync status, the cleanup of their versions), IAM and STS (the
// catalog's analyst role, and two sessions of it: the analyst, alice, and
// the other analyst, bob), Lambda (the janitor's configuration and
// invocation) and CloudWatch Logs (its log line). Service Catalog, SSM
// Automation, Jupyter and the janitor's runtime are fakes in front of moto
// (fakes_test.go), and so are the other analyst's refusals (guards_test.go).
//
// Not verifiable here, and so left to the real run: IAM (moto evaluates no
// policy: whether the analyst may do each step, and whether the other
// analyst is refused each route, is what the real run proves; here the
// refusals are modelled, to test the kit's logic), the product template
// itself (moto's CloudFormation is exercised by
// test/integration/launch_test.go), the lifecycle scripts on a real
// notebook (the fake volume restores and saves as they are meant to),
// SageMaker's lower-case ARNs (moto keeps the case), and timing.

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
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
	runID  = "20260101-000000-test"
	file   = "acceptance-" + runID + ".txt"
)

var (
	// analystRole is the catalog's analyst role; alice and bob are two
	// sessions of it.
	analystRole = names.AnalystRole(acceptance.DefaultCatalog, motoserver.Region)
	// owner is alice's workspace owner, as the workspace function derives it.
	owner = "assumed-role/" + analystRole + "/alice"
)

type fixture struct {
	t       *testing.T
	ctx     context.Context
	sm      *sagemaker.Client
	s3      *s3.Client
	catalog *fakeCatalog // as alice sees it
	jupyter *fakeJupyter
	runtime *janitorRuntime
	// alice is the analyst, bob the other analyst; other decides bob's
	// refusals outside Service Catalog.
	alice, bob caller
	other      *guard
	out        *bytes.Buffer
	journey    *acceptance.Journey
}

// moto is one moto_server and the fake Jupyter server its presigned URLs
// lead to, shared by the cases of TestAgainstMoto: starting moto_server,
// and its first call to each service, take seconds.
type moto struct {
	srv     *motoserver.Server
	jupyter *fakeJupyter
}

// TestAgainstMoto runs each case against moto_server, reset for it.
func TestAgainstMoto(t *testing.T) {
	jup := newFakeJupyter(t)
	m := &moto{jupyter: jup, srv: motoserver.Start(t, motoserver.Options{Script: "testdata/moto_server.py", Env: []string{"JUPYTER_URL=" + jup.srv.URL}})}
	for _, c := range []struct {
		name string
		run  func(*testing.T, *moto)
	}{
		{"Journey", testJourney},
		{"CleansUpAfterAFailure", testCleansUpAfterAFailure},
		{"CleansUpWhenInterrupted", testCleansUpWhenInterrupted},
		{"CleansUpALaunchThatGotNoAnswer", testCleansUpALaunchThatGotNoAnswer},
		{"FailsOnANotebookTaggedForSomeoneElse", testFailsOnANotebookTaggedForSomeoneElse},
		{"RefusesBeforeProvisioning", testRefusesBeforeProvisioning},
		{"IsolationFailsAndUndoes", testIsolationFailsAndUndoes},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, m) })
	}
}

// fixture resets moto, deploys the janitor in mode, puts the fakes in front
// of moto, and returns a journey over them that polls every few
// milliseconds.
func (m *moto) fixture(t *testing.T, mode string) *fixture {
	pathStyle := func(o *s3.Options) { o.UsePathStyle = true }
	resp, err := http.Post(m.srv.Endpoint+"/moto-api/reset", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	cfg := m.srv.Config()
	f := &fixture{t: t, ctx: motoserver.Context(t), sm: sagemaker.NewFromConfig(cfg), s3: s3.NewFromConfig(cfg, pathStyle), jupyter: m.jupyter, out: &bytes.Buffer{}}
	f.jupyter.reset(t, f.s3)

	// The catalog's workspace bucket: versioned.
	_, err = f.s3.CreateBucket(f.ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(motoserver.Region)}})
	require.NoError(t, err)
	_, err = f.s3.PutBucketVersioning(f.ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
	require.NoError(t, err)

	// Two people who share the catalog's analyst role: two sessions of it.
	_, err = iam.NewFromConfig(cfg).CreateRole(f.ctx, &iam.CreateRoleInput{RoleName: aws.String(analystRole),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + motoserver.Account + `"},"Action":"sts:AssumeRole"}]}`)})
	require.NoError(t, err)
	aliceCfg, bobCfg := cfg, cfg
	f.alice, aliceCfg.Credentials = f.session(cfg, "alice")
	f.bob, bobCfg.Credentials = f.session(cfg, "bob")

	admin := acceptance.NewPrincipal(cfg, pathStyle)
	analyst := acceptance.NewPrincipal(aliceCfg, pathStyle)
	other := acceptance.NewPrincipal(bobCfg, pathStyle)
	catalog := newFakeCatalog(t, f.sm, f.jupyter, bucket)
	f.catalog = catalog.as(f.alice)
	automation := newFakeAutomation(f.sm)
	f.other = &guard{who: f.bob, sm: f.sm, Leak: map[string]bool{}}
	analyst.ServiceCatalog, admin.ServiceCatalog, other.ServiceCatalog = f.catalog, catalog, catalog.as(f.bob)
	admin.SSM = automation
	other.SageMaker = guardedSageMaker{Client: sagemaker.NewFromConfig(bobCfg), guard: f.other}
	other.S3 = guardedS3{S3: other.S3, guard: f.other}
	other.SSM = guardedAutomation{fakeAutomation: automation, guard: f.other}

	fns, logs := lambda.NewFromConfig(cfg), cloudwatchlogs.NewFromConfig(cfg)
	fn := deployJanitor(t, f.ctx, m.srv.Endpoint, fns, logs, map[string]string{
		names.EnvFunction: names.FunctionJanitor, names.EnvMode: mode, names.EnvBucket: bucket,
		names.EnvLaunchRoleArn: fakeLaunchRole, names.EnvProductId: productID,
	})
	f.runtime = &janitorRuntime{Lambda: fns, t: t, endpoint: m.srv.Endpoint, logs: logs, logGroup: acceptance.JanitorLogGroup(acceptance.DefaultCatalog),
		janitor: &janitor.Janitor{SageMaker: f.sm, S3: f.s3, SNS: sns.NewFromConfig(cfg), ProvisionedProducts: catalogProducts{t: t, c: catalog},
			TopicArn: "arn:aws:sns:" + motoserver.Region + ":" + motoserver.Account + ":notices", Lease: 7 * 24 * time.Hour, NotifyBefore: 24 * time.Hour}}
	admin.Lambda = f.runtime

	f.journey = &acceptance.Journey{
		Analyst: analyst, Admin: admin, OtherAnalyst: &other, RunID: runID,
		Region: motoserver.Region,
		Tags:   map[string]string{"CostCenter": "cc-2000"},
		// moto's Lambda has no logging configuration to find the janitor by.
		JanitorFunction: fn,
		Out:             f.out,
		Poll:            5 * time.Millisecond,
	}
	return f
}

// session assumes the analyst role in moto as session, and returns who
// that is and its credentials.
func (f *fixture) session(cfg aws.Config, session string) (caller, aws.CredentialsProvider) {
	out, err := sts.NewFromConfig(cfg).AssumeRole(f.ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + motoserver.Account + ":role/" + analystRole), RoleSessionName: aws.String(session)})
	require.NoError(f.t, err)
	c := out.Credentials
	creds := credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	cfg.Credentials = creds
	me, err := sts.NewFromConfig(cfg).GetCallerIdentity(f.ctx, &sts.GetCallerIdentityInput{})
	require.NoError(f.t, err)
	return caller{arn: aws.ToString(me.Arn), userID: aws.ToString(me.UserId)}, creds
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

// versions lists the versions and delete markers of what the run wrote:
// every key named after the run, in the workspaces and the statuses.
func (f *fixture) versions() []string {
	out, err := f.s3.ListObjectVersions(f.ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	require.NoError(f.t, err)
	var keys []string
	for _, v := range out.Versions {
		if strings.Contains(aws.ToString(v.Key), "acceptance-"+runID) {
			keys = append(keys, aws.ToString(v.Key))
		}
	}
	for _, m := range out.DeleteMarkers {
		keys = append(keys, aws.ToString(m.Key)+" (delete marker)")
	}
	return keys
}

// assertCleanedUp asserts that nothing the run created is left.
func (f *fixture) assertCleanedUp() {
	f.t.Helper()
	assert.Empty(f.t, f.catalog.Live(), "provisioned products left")
	assert.Empty(f.t, f.notebooks(), "notebooks left in moto")
	assert.Empty(f.t, f.versions(), "versions left of what the run wrote")
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

func testJourney(t *testing.T, m *moto) {
	f := m.fixture(t, names.ModeDryRun)
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
		"stop action", "saved in workspace", "start action", "open after start", "isolation", "terminate", "provision again", "outputs again",
		"open again", "file restored", "janitor dry run", "cleanup"}, steps)
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		assert.Regexp(t, line, l, "every line starts with the time since the run began")
	}
	for _, want := range []string{
		"the other analyst is another session (bob) of the analyst's role " + analystRole + " (the analyst's session: alice)",
		"; it is the catalog's analyst role",
		"the other analyst sees the product too",
		"version v2 (" + artifactV2 + ")",                                                // the newest version that is not deprecated
		"tag CostCenter=cc-2000", "tag Project=exploration (the TagOption's first value", // asked for, and defaulted
		"UNDER_CHANGE", "AVAILABLE", // the launch was waited for
		"tag " + names.TagOwnerId + " = ", // the owner tag was read
		"Jupyter answers GET /api/status",
		"notebook " + names.NotebookNamePrefix, ": Stopped", ": InService", ": gone",
		"s3://" + bucket + "/" + names.WorkspacePrefix + owner + "/home/" + file + " holds the file",
		"s3://" + bucket + "/" + names.StatusPrefix + owner + "/" + names.NotebookNamePrefix + motoserver.Account + "-pp-0000000000001-" + fakeGeneration + `.json: {"notebook"`,
		// Every route, refused.
		"sagemaker:DescribeNotebookInstance sc-", "sagemaker:CreatePresignedNotebookInstanceUrl sc-",
		"servicecatalog:DescribeProvisionedProduct pp-", "servicecatalog:GetProvisionedProductOutputs pp-", "servicecatalog:DescribeRecord rec-",
		"s3:ListObjectsV2 s3://" + bucket + "/" + names.WorkspacePrefix + owner + "/: refused (AccessDenied)",
		"s3:ListObjectsV2 s3://" + bucket + "/" + names.StatusPrefix + owner + "/: refused (AccessDenied)",
		"s3:GetObject s3://" + bucket + "/" + names.WorkspacePrefix + owner + "/home/" + file + ": refused (AccessDenied)",
		"s3:PutObject s3://" + bucket + "/" + names.StatusPrefix + owner + "/acceptance-" + runID + "-other.json: refused (AccessDenied)",
		"sagemaker:UpdateNotebookInstance sc-", "sagemaker:StartNotebookInstance sc-", "sagemaker:StopNotebookInstance sc-",
		"servicecatalog:ExecuteProvisionedProductServiceAction StopNotebook on pp-", "ssm:StartAutomationExecution " + stopDocument + " on sc-",
		"servicecatalog:UpdateProvisionedProduct pp-", "servicecatalog:TerminateProvisionedProduct pp-",
		"the other analyst was refused on every route tried (18)",
		"the janitor's LAUNCH_ROLE_ARN, PRODUCT_ID and BUCKET are the launch role, product and bucket of pp-",
		"is still on the volume",
		file + ": not restored yet", file + ": restored", // the restore was waited for
		"decision on " + names.NotebookNamePrefix, ": keep, running: in use",
		`log line: {`, `"msg":"decision"`,
		"deleted s3://" + bucket, "PASSED in",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "authToken", "the presigned URL is a credential: never printed")
	var isolation []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, ": refused (") {
			isolation = append(isolation, l)
		}
	}
	assert.Len(t, isolation, 18, "one line per route, each refused")

	calls := f.catalog.Calls()
	assert.Equal(t, 2, count(calls, "ProvisionProduct"), calls)
	assert.Equal(t, 3, count(calls, "ExecuteProvisionedProductServiceAction"), "the analyst's Stop and Start, the other analyst's refused Stop")
	assert.Equal(t, 3, count(calls, "TerminateProvisionedProduct"), "the journey terminates the first, the cleanup the second; the other analyst was refused")
	assert.Equal(t, 1, count(calls, "GetProvisionedProductOutputs"), "the other analyst's, refused: the analyst reads the outputs from their own record")
	assert.Equal(t, 1, f.runtime.invocations)
	f.assertCleanedUp()
}

func testCleansUpAfterAFailure(t *testing.T, m *moto) {
	f := m.fixture(t, names.ModeDryRun)
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

func testCleansUpWhenInterrupted(t *testing.T, m *moto) {
	f := m.fixture(t, names.ModeDryRun)
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

func testCleansUpALaunchThatGotNoAnswer(t *testing.T, m *moto) {
	f := m.fixture(t, names.ModeDryRun)
	f.catalog.NoAnswer = true
	_, err := f.journey.Run(f.ctx)
	out := f.out.String()
	require.Error(t, err, out)
	assert.Contains(t, err.Error(), "provision: servicecatalog:ProvisionProduct")
	assert.Contains(t, f.catalog.Calls(), "SearchProvisionedProducts", "the cleanup looks for the product by name")
	f.assertCleanedUp()
}

func testFailsOnANotebookTaggedForSomeoneElse(t *testing.T, m *moto) {
	f := m.fixture(t, names.ModeDryRun)
	f.catalog.ownerID = "AROAEXAMPLEOTHER:bob@example.com"
	_, err := f.journey.Run(f.ctx)
	require.Error(t, err, f.out.String())
	assert.Regexp(t, `^outputs: notebook sc-\S+: tag `+names.TagOwnerId+` is "AROAEXAMPLEOTHER:bob@example.com", want the analyst's aws:userid "`+f.alice.userID+`"`, err.Error())
	assert.NotContains(t, f.out.String(), "Jupyter answers", "the journey stops before opening")
	f.assertCleanedUp()
}

func testRefusesBeforeProvisioning(t *testing.T, m *moto) {
	t.Run("fails for a janitor that enforces", func(t *testing.T) {
		f := m.fixture(t, names.ModeEnforce)
		_, err := f.journey.Run(f.ctx)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `janitor mode: the janitor `+f.journey.JanitorFunction+` runs in mode "enforce"`)
		assert.Contains(t, err.Error(), "janitorMode=dry-run")
		assert.NotContains(t, f.catalog.Calls(), "ProvisionProduct")
		assert.Contains(t, f.out.String(), "nothing to clean up")
		assert.Zero(t, f.runtime.invocations)
	})
	t.Run("fails for a tag value the TagOption does not allow, and while the analyst has other notebooks", func(t *testing.T) {
		f := m.fixture(t, names.ModeDryRun)
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
	t.Run("fails for an other analyst who is the analyst, or who sees no product", func(t *testing.T) {
		f := m.fixture(t, names.ModeDryRun)
		other := *f.journey.OtherAnalyst
		same := f.journey.Analyst
		f.journey.OtherAnalyst = &same
		_, err := f.journey.Run(f.ctx)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `identities: the other analyst is the analyst (aws:userid `+f.alice.userID+`): give another session`)

		f.journey.OtherAnalyst = &other
		f.catalog.Unassociated[f.bob.userID] = true
		_, err = f.journey.Run(f.ctx)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "find product: the other analyst does not see the product "+productID+": associate them with its portfolio")
		assert.NotContains(t, f.catalog.Calls(), "ProvisionProduct")
	})
}

// testIsolationFailsAndUndoes lets routes through that must be refused:
// the run fails, names each, and puts back what they changed.
func testIsolationFailsAndUndoes(t *testing.T, m *moto) {
	f := m.fixture(t, names.ModeDryRun)
	for _, call := range []string{"sagemaker:StopNotebookInstance", "sagemaker:UpdateNotebookInstance", "s3:PutObject", "ssm:StartAutomationExecution"} {
		f.other.Leak[call] = true
	}
	for _, call := range []string{"GetProvisionedProductOutputs", "ExecuteProvisionedProductServiceAction"} {
		f.catalog.Leak[call] = true
	}
	summary, err := f.journey.Run(f.ctx)
	out := f.out.String()
	require.Error(t, err, out)
	t.Log("\n" + out)
	assert.Contains(t, err.Error(), "isolation: the other analyst ("+f.bob.arn+") was not refused on 7 of 18 routes to acceptance-"+runID+"-1's notebook and data")
	assert.Equal(t, []string{"isolation", "cleanup"}, []string{summary.Steps[len(summary.Steps)-2].Name, summary.Steps[len(summary.Steps)-1].Name},
		"the journey stops at the isolation step")
	notebook := "sc-123456789012-pp-0000000000001-" + fakeGeneration
	restarted := ": undone: the notebook had stopped; the analyst's StartNotebook started it again"
	for _, want := range []string{
		"sagemaker:StopNotebookInstance " + notebook + ": ALLOWED: stopped it\n",
		"sagemaker:StopNotebookInstance " + notebook + restarted,
		"sagemaker:UpdateNotebookInstance sc-123456789012-pp-0000000000001-" + fakeGeneration + ": NOT REFUSED: answered ValidationException: Status (InService)",
		"s3:PutObject s3://" + bucket + "/" + names.WorkspacePrefix + owner + "/acceptance-" + runID + "-other.txt: ALLOWED: wrote version ",
		"s3:PutObject s3://" + bucket + "/" + names.StatusPrefix + owner + "/acceptance-" + runID + "-other.json: ALLOWED: wrote version ",
		"-other.txt: undone: deleted it (1 versions and delete markers)",
		"-other.json: undone: deleted it (1 versions and delete markers)",
		"servicecatalog:GetProvisionedProductOutputs pp-0000000000001: ALLOWED: returned the analyst's outputs",
		"servicecatalog:ExecuteProvisionedProductServiceAction StopNotebook on pp-0000000000001: ALLOWED: ran it (record rec-",
		"ssm:StartAutomationExecution " + stopDocument + " on sc-123456789012-pp-0000000000001-" + fakeGeneration + ": ALLOWED: started automation ",
		"ssm:StartAutomationExecution " + stopDocument + " on " + notebook + ": undone: the automation ended Success; the notebook had stopped; the analyst's StartNotebook started it again",
		"servicecatalog:TerminateProvisionedProduct pp-0000000000001: NOT TRIED: Service Catalog did not refuse servicecatalog:ExecuteProvisionedProductServiceAction",
		"servicecatalog:UpdateProvisionedProduct pp-0000000000001 (same version, previous values): refused (AccessDeniedException)",
	} {
		assert.True(t, strings.Contains(out, want), "the output (above) has %q", want)
	}
	assert.Equal(t, 2, strings.Count(out, restarted), "the two stops, each undone (and the automation, above)")
	calls := f.catalog.Calls()
	assert.Equal(t, 6, count(calls, "ExecuteProvisionedProductServiceAction"), "the analyst's Stop and Start, the other analyst's Stop, three Starts that undo")
	assert.Equal(t, 1, count(calls, "TerminateProvisionedProduct"), "only the cleanup terminates: the other analyst never tried")
	f.assertCleanedUp()
}

func TestValidate(t *testing.T) {
	var j acceptance.Journey
	err := j.Validate()
	require.Error(t, err)
	for _, want := range []string{`RunID ""`, "Analyst: STS, ServiceCatalog and SageMaker are required", "Admin: S3, Lambda and Logs are required"} {
		assert.Contains(t, err.Error(), want)
	}
	j = acceptance.Journey{RunID: "Not_A-RunID", Tags: map[string]string{"aws:servicecatalog:x": "y"}, OtherAnalyst: &acceptance.Principal{}}
	err = j.Validate()
	assert.Contains(t, err.Error(), "OtherAnalyst: STS, ServiceCatalog, SageMaker, S3 and SSM are required")
	assert.Contains(t, err.Error(), "Admin: SSM is required with an OtherAnalyst")
	assert.Contains(t, err.Error(), `RunID "Not_A-RunID": want 1-40 lower-case letters`)
	assert.Contains(t, err.Error(), `Tags: key "aws:servicecatalog:x"`)
	_, err = j.Run(context.Background())
	assert.Error(t, err, "Run validates first")

	id := acceptance.NewRunID(time.Date(2026, 1, 15, 12, 3, 1, 0, time.UTC))
	assert.Regexp(t, `^20260115-120301-[0-9a-f]{4}$`, id)
	j = acceptance.Journey{RunID: id}
	assert.NotContains(t, j.Validate().Error(), "RunID")
}

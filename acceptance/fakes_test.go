package acceptance_test

// Fakes for what moto 5.2.1 does not serve, each standing in front of moto
// where it can, so that the journey's AWS calls reach moto:
//
//   - fakeCatalog is Service Catalog: provisioning creates a notebook in
//     moto's SageMaker (with the tags the product template writes), the Stop
//     and Start actions stop and start it there, terminating deletes it.
//   - fakeJupyter is the notebooks' Jupyter servers behind SageMaker's
//     proxy: the presigned URL (served by testdata/moto_server.py) leads to
//     it; a notebook's volume restores its owner's workspace from moto's S3
//     in the background after its first start and saves to it when it stops.
//   - janitorRuntime is Lambda running the janitor: when the janitor
//     function is invoked, it runs lambda/janitor against moto in the mode
//     the function's configuration gives, writes its log lines to the
//     function's log group in moto, and has moto's Lambda answer its report.

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/acceptance"
	"github.com/datalake-platform/sagemaker-catalog/internal/motoserver"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
	"github.com/datalake-platform/sagemaker-catalog/lambda/janitor"
)

// What the fake catalog offers.
const (
	productID   = "prod-abcdefghijklm"
	pathID      = "lpv-abcdefghijklm"
	artifactV1  = "pa-v1abcdefghijk"
	artifactV2  = "pa-v2abcdefghijk"
	artifactOld = "pa-deprecatedabc"
	actionStop  = "act-stopabcdefghi"
	actionStart = "act-startabcdefgh"
)

var (
	// Service Catalog API patterns (API reference, request parameters).
	idempotencyToken = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}$`)
	productName      = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$`)
)

type fakeProduct struct {
	id, name, notebook, arn string
	status                  sctypes.ProvisionedProductStatus
	settle                  int // DescribeProvisionedProduct answers UNDER_CHANGE this many more times
	lastRecord              string
	outputs                 map[string]string
}

type fakeRecord struct {
	detail sctypes.RecordDetail
	polls  int // DescribeRecord answers IN_PROGRESS this many more times
}

// fakeCatalog is the Service Catalog API, as the analyst and the admin see
// it, in front of moto's SageMaker.
type fakeCatalog struct {
	t       *testing.T
	mu      sync.Mutex
	sm      *sagemaker.Client
	jupyter *fakeJupyter
	bucket  string
	owner   string // the workspace owner the workspace function would derive
	ownerID string // the analyst's aws:userid
	n       int

	products map[string]*fakeProduct
	records  map[string]*fakeRecord
	tokens   map[string]string // idempotency token -> record ID
	calls    []string

	// Settle is how many DescribeProvisionedProduct calls a launch stays
	// UNDER_CHANGE; NoAnswer drops ProvisionProduct's answer (as a
	// timeout would) although the product is created.
	Settle   int
	NoAnswer bool
	// OnPoll is called on every DescribeProvisionedProduct.
	OnPoll func()
}

func newFakeCatalog(t *testing.T, sm *sagemaker.Client, j *fakeJupyter, bucket, owner, ownerID string) *fakeCatalog {
	return &fakeCatalog{t: t, sm: sm, jupyter: j, bucket: bucket, owner: owner, ownerID: ownerID, Settle: 2,
		products: map[string]*fakeProduct{}, records: map[string]*fakeRecord{}, tokens: map[string]string{}}
}

func (c *fakeCatalog) call(name string) {
	c.calls = append(c.calls, name)
}

// Calls returns the API calls so far.
func (c *fakeCatalog) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

func invalid(format string, args ...any) error {
	return &sctypes.InvalidParametersException{Message: aws.String(fmt.Sprintf(format, args...))}
}

func notFound(format string, args ...any) error {
	return &sctypes.ResourceNotFoundException{Message: aws.String(fmt.Sprintf(format, args...))}
}

func (c *fakeCatalog) SearchProducts(_ context.Context, in *servicecatalog.SearchProductsInput, _ ...func(*servicecatalog.Options)) (*servicecatalog.SearchProductsOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("SearchProducts")
	out := &servicecatalog.SearchProductsOutput{}
	for _, p := range []sctypes.ProductViewSummary{
		{Name: aws.String("SageMaker notebook"), ProductId: aws.String(productID), Id: aws.String("prodview-abcdefghijklm")},
		{Name: aws.String("SageMaker notebook (GPU)"), ProductId: aws.String("prod-gpuabcdefghi"), Id: aws.String("prodview-gpuabcdefghi")},
	} {
		for _, q := range in.Filters[string(sctypes.ProductViewFilterByFullTextSearch)] {
			if strings.Contains(strings.ToLower(*p.Name), strings.ToLower(q)) {
				out.ProductViewSummaries = append(out.ProductViewSummaries, p)
			}
		}
	}
	return out, nil
}

func (c *fakeCatalog) DescribeProduct(_ context.Context, in *servicecatalog.DescribeProductInput, _ ...func(*servicecatalog.Options)) (*servicecatalog.DescribeProductOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DescribeProduct")
	if aws.ToString(in.Id) != productID {
		return nil, notFound("product %s", aws.ToString(in.Id))
	}
	day := func(d int) *time.Time { t := time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC); return &t }
	return &servicecatalog.DescribeProductOutput{
		ProvisioningArtifacts: []sctypes.ProvisioningArtifact{
			{Id: aws.String(artifactV1), Name: aws.String("v1"), CreatedTime: day(1), Guidance: sctypes.ProvisioningArtifactGuidanceDefault},
			{Id: aws.String(artifactOld), Name: aws.String("v0-withdrawn"), CreatedTime: day(9), Guidance: sctypes.ProvisioningArtifactGuidanceDeprecated},
			{Id: aws.String(artifactV2), Name: aws.String("v2"), CreatedTime: day(5), Guidance: sctypes.ProvisioningArtifactGuidanceDefault},
		},
		LaunchPaths: []sctypes.LaunchPath{{Id: aws.String(pathID), Name: aws.String("Data analysts")}},
	}, nil
}

var tagOptions = []sctypes.TagOptionSummary{
	{Key: aws.String("CostCenter"), Values: []string{"cc-1000", "cc-2000"}},
	{Key: aws.String("Project"), Values: []string{"exploration"}},
}

func (c *fakeCatalog) DescribeProvisioningParameters(_ context.Context, in *servicecatalog.DescribeProvisioningParametersInput, _ ...func(*servicecatalog.Options)) (*servicecatalog.DescribeProvisioningParametersOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DescribeProvisioningParameters")
	if aws.ToString(in.ProductId) != productID || aws.ToString(in.PathId) != pathID {
		return nil, invalid("product %s, path %s", aws.ToString(in.ProductId), aws.ToString(in.PathId))
	}
	return &servicecatalog.DescribeProvisioningParametersOutput{
		ProvisioningArtifactParameters: []sctypes.ProvisioningArtifactParameter{
			{ParameterKey: aws.String("InstanceType"), DefaultValue: aws.String("ml.t3.medium")},
			{ParameterKey: aws.String("VolumeSizeInGB"), DefaultValue: aws.String("20")},
		},
		TagOptions: tagOptions,
	}, nil
}

func (c *fakeCatalog) SearchProvisionedProducts(_ context.Context, in *servicecatalog.SearchProvisionedProductsInput, _ ...func(*servicecatalog.Options)) (*servicecatalog.SearchProvisionedProductsOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("SearchProvisionedProducts")
	// The analyst's policy allows it with servicecatalog:userLevel = self only.
	if f := in.AccessLevelFilter; f == nil || f.Key != sctypes.AccessLevelFilterKeyUser || aws.ToString(f.Value) != "Self" {
		return nil, &sctypes.InvalidParametersException{Message: aws.String("AccessDenied: the analyst may search their own products only (AccessLevelFilter User=Self)")}
	}
	out := &servicecatalog.SearchProvisionedProductsOutput{}
	for _, q := range in.Filters[string(sctypes.ProvisionedProductViewFilterBySearchQuery)] {
		field, value, _ := strings.Cut(q, ":")
		for _, p := range c.products {
			if (field == "productId" && value == productID) || (field == "name" && value == p.name) {
				out.ProvisionedProducts = append(out.ProvisionedProducts, sctypes.ProvisionedProductAttribute{
					Id: aws.String(p.id), Name: aws.String(p.name), Status: p.status, ProductId: aws.String(productID)})
			}
		}
	}
	return out, nil
}

func (c *fakeCatalog) newRecord(kind, ppID, ppName, token string, polls int) *sctypes.RecordDetail {
	c.n++
	id := fmt.Sprintf("rec-%013d", c.n)
	r := &fakeRecord{detail: sctypes.RecordDetail{RecordId: aws.String(id), RecordType: aws.String(kind), Status: sctypes.RecordStatusInProgress,
		ProvisionedProductId: aws.String(ppID), ProvisionedProductName: aws.String(ppName)}, polls: polls}
	c.records[id] = r
	c.tokens[token] = id
	return &r.detail
}

// replay returns the record of a repeated idempotency token.
func (c *fakeCatalog) replay(token string) *sctypes.RecordDetail {
	if id, ok := c.tokens[token]; ok {
		d := c.records[id].detail
		return &d
	}
	return nil
}

func (c *fakeCatalog) ProvisionProduct(ctx context.Context, in *servicecatalog.ProvisionProductInput, _ ...func(*servicecatalog.Options)) (*servicecatalog.ProvisionProductOutput, error) {
	ctx = context.WithoutCancel(ctx) // the service finishes what it began
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("ProvisionProduct")
	token, name := aws.ToString(in.ProvisionToken), aws.ToString(in.ProvisionedProductName)
	switch {
	case aws.ToString(in.ProductId) != productID || aws.ToString(in.PathId) != pathID:
		return nil, invalid("product %s, path %s", aws.ToString(in.ProductId), aws.ToString(in.PathId))
	case aws.ToString(in.ProvisioningArtifactId) != artifactV2:
		return nil, invalid("the test expects the newest version that is not deprecated, v2, got %s", aws.ToString(in.ProvisioningArtifactId))
	case !idempotencyToken.MatchString(token):
		return nil, invalid("ProvisionToken %q", token)
	case !productName.MatchString(name):
		return nil, invalid("ProvisionedProductName %q", name)
	case len(in.ProvisioningParameters) > 0:
		return nil, invalid("the journey launches on the defaults")
	}
	if d := c.replay(token); d != nil {
		return &servicecatalog.ProvisionProductOutput{RecordDetail: d}, nil
	}
	for _, o := range tagOptions {
		i := slices.IndexFunc(in.Tags, func(t sctypes.Tag) bool { return aws.ToString(t.Key) == aws.ToString(o.Key) })
		if i < 0 || !slices.Contains(o.Values, aws.ToString(in.Tags[i].Value)) {
			return nil, invalid("TagOption %s needs one of %v", aws.ToString(o.Key), o.Values)
		}
	}
	for _, p := range c.products {
		if p.name == name {
			return nil, &sctypes.DuplicateResourceException{Message: aws.String("provisioned product " + name + " exists")}
		}
	}
	// The product template: the notebook named after the stack in lower
	// case, with the tags the janitor and the analyst's policy read.
	c.n++
	suffix := fmt.Sprintf("%013d", c.n)
	id := "pp-" + suffix
	notebook := names.NotebookNamePrefix + motoserver.Account + "-pp-" + suffix
	workspace := "s3://" + c.bucket + "/" + names.WorkspacePrefix + c.owner + "/"
	tag := func(k, v string) smtypes.Tag { return smtypes.Tag{Key: aws.String(k), Value: aws.String(v)} }
	created, err := c.sm.CreateNotebookInstance(ctx, &sagemaker.CreateNotebookInstanceInput{
		NotebookInstanceName: aws.String(notebook),
		InstanceType:         smtypes.InstanceTypeMlT3Medium,
		RoleArn:              aws.String("arn:aws:iam::" + motoserver.Account + ":role/" + acceptance.DefaultCatalog + "/notebooks/nb-" + suffix),
		Tags: []smtypes.Tag{
			// CloudFormation's own tag (moto lets the fake set it), by which
			// the janitor finds the provisioned product.
			tag(names.TagCloudFormationStackName, "SC-"+motoserver.Account+"-pp-"+suffix),
			tag(names.TagProduct, "notebook"), tag(names.TagStack, "SC-"+motoserver.Account+"-pp-"+suffix),
			tag(names.TagOwner, c.owner), tag(names.TagOwnerId, c.ownerID), tag(names.TagWorkspace, workspace),
			tag(names.TagProvisionedProduct, id), tag(names.TagLeaseDays, "7"), tag(names.TagLeaseStart, time.Now().UTC().Format(time.RFC3339)),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("fake catalog: create the notebook in moto: %w", err)
	}
	c.jupyter.boot(ctx, notebook, workspace)
	p := &fakeProduct{id: id, name: name, notebook: notebook, arn: aws.ToString(created.NotebookInstanceArn),
		status: sctypes.ProvisionedProductStatusUnderChange, settle: c.Settle, outputs: map[string]string{
			acceptance.OutputNotebookName: notebook,
			acceptance.OutputNotebookArn:  aws.ToString(created.NotebookInstanceArn),
			acceptance.OutputWorkspaceUri: workspace,
		}}
	c.products[id] = p
	d := c.newRecord("PROVISION_PRODUCT", id, name, token, 1<<30) // done when the product settles
	p.lastRecord = aws.ToString(d.RecordId)
	if c.NoAnswer {
		return nil, fmt.Errorf("fake catalog: operation error Service Catalog: ProvisionProduct: context deadline exceeded")
	}
	return &servicecatalog.ProvisionProductOutput{RecordDetail: d}, nil
}

func (c *fakeCatalog) DescribeProvisionedProduct(_ context.Context, in *servicecatalog.DescribeProvisionedProductInput, _ ...func(*servicecatalog.Options)) (*servicecatalog.DescribeProvisionedProductOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DescribeProvisionedProduct")
	if c.OnPoll != nil {
		c.OnPoll()
	}
	p, ok := c.products[aws.ToString(in.Id)]
	if !ok {
		return nil, notFound("provisioned product %s", aws.ToString(in.Id))
	}
	if p.status == sctypes.ProvisionedProductStatusUnderChange {
		if p.settle--; p.settle < 0 {
			p.status = sctypes.ProvisionedProductStatusAvailable
			c.records[p.lastRecord].detail.Status = sctypes.RecordStatusSucceeded
		}
	}
	return &servicecatalog.DescribeProvisionedProductOutput{ProvisionedProductDetail: &sctypes.ProvisionedProductDetail{
		Id: aws.String(p.id), Name: aws.String(p.name), Status: p.status, LastRecordId: aws.String(p.lastRecord)}}, nil
}

func (c *fakeCatalog) DescribeRecord(_ context.Context, in *servicecatalog.DescribeRecordInput, _ ...func(*servicecatalog.Options)) (*servicecatalog.DescribeRecordOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("DescribeRecord")
	r, ok := c.records[aws.ToString(in.Id)]
	if !ok {
		return nil, notFound("record %s", aws.ToString(in.Id))
	}
	if r.detail.Status == sctypes.RecordStatusInProgress {
		if r.polls--; r.polls < 0 {
			r.detail.Status = sctypes.RecordStatusSucceeded
		}
	}
	d := r.detail
	return &servicecatalog.DescribeRecordOutput{RecordDetail: &d}, nil
}

func (c *fakeCatalog) GetProvisionedProductOutputs(_ context.Context, in *servicecatalog.GetProvisionedProductOutputsInput, _ ...func(*servicecatalog.Options)) (*servicecatalog.GetProvisionedProductOutputsOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("GetProvisionedProductOutputs")
	p, ok := c.products[aws.ToString(in.ProvisionedProductId)]
	if !ok {
		return nil, notFound("provisioned product %s", aws.ToString(in.ProvisionedProductId))
	}
	out := &servicecatalog.GetProvisionedProductOutputsOutput{}
	for k, v := range p.outputs {
		out.Outputs = append(out.Outputs, sctypes.RecordOutput{OutputKey: aws.String(k), OutputValue: aws.String(v)})
	}
	return out, nil
}

func (c *fakeCatalog) ListServiceActionsForProvisioningArtifact(_ context.Context, in *servicecatalog.ListServiceActionsForProvisioningArtifactInput, _ ...func(*servicecatalog.Options)) (*servicecatalog.ListServiceActionsForProvisioningArtifactOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("ListServiceActionsForProvisioningArtifact")
	if aws.ToString(in.ProductId) != productID || aws.ToString(in.ProvisioningArtifactId) != artifactV2 {
		return nil, invalid("product %s, artifact %s", aws.ToString(in.ProductId), aws.ToString(in.ProvisioningArtifactId))
	}
	return &servicecatalog.ListServiceActionsForProvisioningArtifactOutput{ServiceActionSummaries: []sctypes.ServiceActionSummary{
		{Id: aws.String(actionStop), Name: aws.String(acceptance.ActionStop), DefinitionType: sctypes.ServiceActionDefinitionTypeSsmAutomation},
		{Id: aws.String(actionStart), Name: aws.String(acceptance.ActionStart), DefinitionType: sctypes.ServiceActionDefinitionTypeSsmAutomation},
	}}, nil
}

// ExecuteProvisionedProductServiceAction runs the action as its SSM
// Automation document would: on the provisioned product's notebook, in moto.
func (c *fakeCatalog) ExecuteProvisionedProductServiceAction(ctx context.Context, in *servicecatalog.ExecuteProvisionedProductServiceActionInput, _ ...func(*servicecatalog.Options)) (*servicecatalog.ExecuteProvisionedProductServiceActionOutput, error) {
	ctx = context.WithoutCancel(ctx) // the service finishes what it began
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("ExecuteProvisionedProductServiceAction")
	token := aws.ToString(in.ExecuteToken)
	if !idempotencyToken.MatchString(token) {
		return nil, invalid("ExecuteToken %q", token)
	}
	if d := c.replay(token); d != nil {
		return &servicecatalog.ExecuteProvisionedProductServiceActionOutput{RecordDetail: d}, nil
	}
	p, ok := c.products[aws.ToString(in.ProvisionedProductId)]
	if !ok {
		return nil, notFound("provisioned product %s", aws.ToString(in.ProvisionedProductId))
	}
	if p.status != sctypes.ProvisionedProductStatusAvailable {
		return nil, &sctypes.InvalidStateException{Message: aws.String("provisioned product is " + string(p.status))}
	}
	var err error
	switch aws.ToString(in.ServiceActionId) {
	case actionStop:
		c.jupyter.shutdown(ctx, p.notebook) // the notebook saves as it stops
		_, err = c.sm.StopNotebookInstance(ctx, &sagemaker.StopNotebookInstanceInput{NotebookInstanceName: aws.String(p.notebook)})
	case actionStart:
		_, err = c.sm.StartNotebookInstance(ctx, &sagemaker.StartNotebookInstanceInput{NotebookInstanceName: aws.String(p.notebook)})
		c.jupyter.boot(ctx, p.notebook, p.outputs[acceptance.OutputWorkspaceUri])
	default:
		return nil, notFound("service action %s", aws.ToString(in.ServiceActionId))
	}
	if err != nil {
		return nil, fmt.Errorf("fake catalog: the action in moto: %w", err)
	}
	return &servicecatalog.ExecuteProvisionedProductServiceActionOutput{RecordDetail: c.newRecord("EXECUTE_ACTION", p.id, p.name, token, 1)}, nil
}

// TerminateProvisionedProduct deletes the stack as CloudFormation would:
// the notebook stops (and saves), then is deleted.
func (c *fakeCatalog) TerminateProvisionedProduct(ctx context.Context, in *servicecatalog.TerminateProvisionedProductInput, _ ...func(*servicecatalog.Options)) (*servicecatalog.TerminateProvisionedProductOutput, error) {
	ctx = context.WithoutCancel(ctx) // the service finishes what it began
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call("TerminateProvisionedProduct")
	token := aws.ToString(in.TerminateToken)
	if !idempotencyToken.MatchString(token) {
		return nil, invalid("TerminateToken %q", token)
	}
	if d := c.replay(token); d != nil {
		return &servicecatalog.TerminateProvisionedProductOutput{RecordDetail: d}, nil
	}
	p, ok := c.products[aws.ToString(in.ProvisionedProductId)]
	if !ok {
		return nil, notFound("provisioned product %s", aws.ToString(in.ProvisionedProductId))
	}
	if p.status == sctypes.ProvisionedProductStatusUnderChange {
		return nil, &sctypes.InvalidStateException{Message: aws.String("provisioned product is under change")}
	}
	c.jupyter.destroy(ctx, p.notebook)
	d, err := c.sm.DescribeNotebookInstance(ctx, &sagemaker.DescribeNotebookInstanceInput{NotebookInstanceName: aws.String(p.notebook)})
	if err != nil {
		return nil, fmt.Errorf("fake catalog: %w", err)
	}
	if d.NotebookInstanceStatus == smtypes.NotebookInstanceStatusInService {
		if _, err := c.sm.StopNotebookInstance(ctx, &sagemaker.StopNotebookInstanceInput{NotebookInstanceName: aws.String(p.notebook)}); err != nil {
			return nil, fmt.Errorf("fake catalog: %w", err)
		}
	}
	if _, err := c.sm.DeleteNotebookInstance(ctx, &sagemaker.DeleteNotebookInstanceInput{NotebookInstanceName: aws.String(p.notebook)}); err != nil {
		return nil, fmt.Errorf("fake catalog: %w", err)
	}
	delete(c.products, p.id)
	return &servicecatalog.TerminateProvisionedProductOutput{RecordDetail: c.newRecord("TERMINATE_PROVISIONED_PRODUCT", p.id, p.name, token, 1)}, nil
}

// tagsFor returns tags for the TagOptions, with the cost center given.
func (c *fakeCatalog) tagsFor(costCenter string) []sctypes.Tag {
	return []sctypes.Tag{{Key: aws.String("CostCenter"), Value: aws.String(costCenter)}, {Key: aws.String("Project"), Value: aws.String("exploration")}}
}

// Live returns the provisioned products that exist.
func (c *fakeCatalog) Live() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, p := range c.products {
		out = append(out, p.name)
	}
	return out
}

// fakeJupyter is the Jupyter servers of the notebooks, behind SageMaker's
// proxy: one host, the session cookie selects the notebook.
type fakeJupyter struct {
	t        *testing.T
	mu       sync.Mutex
	srv      *httptest.Server
	s3       *s3.Client
	volumes  map[string]*volume
	sessions map[string]string
	// RestoreAfter is how many contents GETs a restore takes to show;
	// FailPut makes writes fail.
	RestoreAfter int
	FailPut      bool
}

// volume is a notebook's ML storage volume: its files, and the restore
// running in the background after its first start.
type volume struct {
	running        bool
	bucket, prefix string
	files          map[string]string
	restored       bool
	pending        map[string]string
	wait           int
}

func newFakeJupyter(t *testing.T, s3c *s3.Client) *fakeJupyter {
	j := &fakeJupyter{t: t, s3: s3c, volumes: map[string]*volume{}, sessions: map[string]string{}, RestoreAfter: 2}
	j.srv = httptest.NewServer(j)
	t.Cleanup(j.srv.Close)
	return j
}

// boot starts the notebook; on a new volume, the restore begins.
func (j *fakeJupyter) boot(ctx context.Context, notebook, workspace string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if v, ok := j.volumes[notebook]; ok {
		v.running = true
		return
	}
	u, err := url.Parse(workspace)
	require.NoError(j.t, err)
	v := &volume{running: true, bucket: u.Host, prefix: strings.TrimPrefix(u.Path, "/"), files: map[string]string{}, pending: map[string]string{}, wait: j.RestoreAfter}
	list, err := j.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(v.bucket), Prefix: aws.String(v.prefix + "home/")})
	require.NoError(j.t, err)
	for _, o := range list.Contents {
		got, err := j.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(v.bucket), Key: o.Key})
		require.NoError(j.t, err)
		body, _ := io.ReadAll(got.Body)
		got.Body.Close()
		v.pending[strings.TrimPrefix(aws.ToString(o.Key), v.prefix+"home/")] = string(body)
	}
	j.volumes[notebook] = v
}

// finishRestore adds the restored files; local files win.
func (v *volume) finishRestore() {
	for k, body := range v.pending {
		if _, ok := v.files[k]; !ok {
			v.files[k] = body
		}
	}
	v.pending, v.restored = nil, true
}

// shutdown stops the notebook: it finishes its restore, then saves.
func (j *fakeJupyter) shutdown(ctx context.Context, notebook string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	v := j.volumes[notebook]
	if v == nil || !v.running {
		return
	}
	if !v.restored {
		v.finishRestore()
	}
	for k, body := range v.files {
		_, err := j.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(v.bucket), Key: aws.String(v.prefix + "home/" + k), Body: strings.NewReader(body)})
		require.NoError(j.t, err)
	}
	v.running = false
}

// destroy deletes the notebook, which saves first.
func (j *fakeJupyter) destroy(ctx context.Context, notebook string) {
	j.shutdown(ctx, notebook)
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.volumes, notebook)
}

func randomHex() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (j *fakeJupyter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if r.URL.Path == "/" && r.URL.Query().Has("authToken") {
		// SageMaker's proxy: the token opens a session, then Jupyter.
		v := j.volumes[r.URL.Query().Get("authToken")]
		if v == nil || !v.running {
			http.Error(w, "the notebook instance is not in service", http.StatusServiceUnavailable)
			return
		}
		sid := randomHex()
		j.sessions[sid] = r.URL.Query().Get("authToken")
		http.SetCookie(w, &http.Cookie{Name: "sagemaker-session", Value: sid, Path: "/", HttpOnly: true})
		http.Redirect(w, r, "/lab", http.StatusFound)
		return
	}
	c, err := r.Cookie("sagemaker-session")
	if err != nil || j.sessions[c.Value] == "" {
		http.Error(w, "no session: sign in", http.StatusForbidden)
		return
	}
	v := j.volumes[j.sessions[c.Value]]
	if v == nil || !v.running {
		http.Error(w, "the notebook instance is not in service", http.StatusBadGateway)
		return
	}
	path, isContents := strings.CutPrefix(r.URL.Path, "/api/contents/")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/lab":
		if _, err := r.Cookie("_xsrf"); err != nil {
			http.SetCookie(w, &http.Cookie{Name: "_xsrf", Value: "2|" + randomHex(), Path: "/"})
		}
		io.WriteString(w, "<html><title>JupyterLab</title></html>")
	case r.Method == http.MethodGet && r.URL.Path == "/api/status":
		json.NewEncoder(w).Encode(map[string]any{"started": "2026-01-01T00:00:00.000000Z", "last_activity": time.Now().UTC(), "connections": 0, "kernels": 0})
	case r.Method == http.MethodGet && isContents:
		if !v.restored {
			if v.wait--; v.wait < 0 {
				v.finishRestore()
			}
		}
		body, ok := v.files[path]
		if !ok {
			http.Error(w, `{"message": "No such file or directory: `+path+`"}`, http.StatusNotFound)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"name": path, "path": path, "type": "file", "format": "text", "content": body})
	case r.Method == http.MethodPut && isContents:
		xsrf, err := r.Cookie("_xsrf")
		if err != nil || r.Header.Get("X-XSRFToken") != xsrf.Value {
			http.Error(w, `{"message": "'_xsrf' argument missing from POST"}`, http.StatusForbidden)
			return
		}
		if j.FailPut {
			http.Error(w, `{"message": "disk full"}`, http.StatusInternalServerError)
			return
		}
		var m struct{ Type, Format, Content string }
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m.Type != "file" || m.Format != "text" {
			http.Error(w, `{"message": "want a text file model"}`, http.StatusBadRequest)
			return
		}
		_, existed := v.files[path]
		v.files[path] = m.Content
		if !existed {
			w.WriteHeader(http.StatusCreated)
		}
		json.NewEncoder(w).Encode(map[string]any{"name": path, "path": path, "type": "file"})
	default:
		http.NotFound(w, r)
	}
}

// janitorRuntime is Lambda running the janitor function: moto's simple
// Lambda backend answers what the real janitor decided against moto.
type janitorRuntime struct {
	acceptance.Lambda
	t           *testing.T
	endpoint    string
	logs        *cloudwatchlogs.Client
	janitor     *janitor.Janitor
	logGroup    string
	invocations int
}

func (r *janitorRuntime) Invoke(ctx context.Context, in *lambda.InvokeInput, opts ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	r.invocations++
	cfg, err := r.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: in.FunctionName})
	if err != nil {
		return nil, err
	}
	var lines bytes.Buffer
	j := *r.janitor
	j.Mode = janitor.Mode(cfg.Environment.Variables[names.EnvMode])
	j.Log = slog.New(slog.NewJSONHandler(&lines, nil))
	report, err := j.Run(ctx, time.Now())
	require.NoError(r.t, err, lines.String())
	var events []cwltypes.InputLogEvent
	for _, line := range strings.Split(strings.TrimSpace(lines.String()), "\n") {
		events = append(events, cwltypes.InputLogEvent{Message: aws.String(line), Timestamp: aws.Int64(time.Now().UnixMilli())})
	}
	stream := fmt.Sprintf("%s/[$LATEST]%s", time.Now().UTC().Format("2006/01/02"), randomHex())
	_, err = r.logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(r.logGroup), LogStreamName: aws.String(stream)})
	require.NoError(r.t, err)
	_, err = r.logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(r.logGroup), LogStreamName: aws.String(stream), LogEvents: events})
	require.NoError(r.t, err)
	payload, err := json.Marshal(report)
	require.NoError(r.t, err)
	queue, _ := json.Marshal(map[string]any{"results": []string{string(payload)}, "region": motoserver.Region, "account_id": motoserver.Account})
	resp, err := http.Post(r.endpoint+"/moto-api/static/lambda-simple/response", "application/json", bytes.NewReader(queue))
	require.NoError(r.t, err)
	resp.Body.Close()
	return r.Lambda.Invoke(ctx, in, opts...)
}

// deployJanitor creates, in moto, what the catalog deploys of the janitor:
// its function (moto's Lambda without Docker) and its log group.
func deployJanitor(t *testing.T, ctx context.Context, endpoint string, fns *lambda.Client, logs *cloudwatchlogs.Client, mode string) string {
	post := func(path, contentType, body string) {
		req, err := http.NewRequest(http.MethodPost, endpoint+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", contentType)
		// moto_server picks the service from the credential scope.
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Less(t, resp.StatusCode, 300, path)
	}
	post("/moto-api/config", "application/json", `{"lambda": {"use_docker": false}}`)
	post("/", "application/x-www-form-urlencoded", url.Values{"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {"janitor"},
		"AssumeRolePolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`}}.Encode())
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	f, err := zw.Create("bootstrap")
	require.NoError(t, err)
	f.Write([]byte("#!/bin/sh\n"))
	require.NoError(t, zw.Close())
	group := acceptance.JanitorLogGroup(acceptance.DefaultCatalog)
	out, err := fns.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName:  aws.String(acceptance.DefaultCatalog + "-JanitorFunction-ABCDEF"),
		Runtime:       lambdatypes.RuntimeProvidedal2023,
		Handler:       aws.String("bootstrap"),
		Role:          aws.String("arn:aws:iam::" + motoserver.Account + ":role/janitor"),
		Code:          &lambdatypes.FunctionCode{ZipFile: zipped.Bytes()},
		Environment:   &lambdatypes.Environment{Variables: map[string]string{names.EnvFunction: names.FunctionJanitor, names.EnvMode: mode}},
		LoggingConfig: &lambdatypes.LoggingConfig{LogGroup: aws.String(group), LogFormat: lambdatypes.LogFormatJson},
	})
	require.NoError(t, err)
	_, err = logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)})
	require.NoError(t, err)
	return aws.ToString(out.FunctionName)
}

// fakeLaunchRole is the launch role the fake catalog launches with.
const fakeLaunchRole = "arn:aws:iam::" + motoserver.Account + ":role/" + acceptance.DefaultCatalog + "-launch"

// noTerminations is Service Catalog as the janitor sees it: every
// provisioned product is the catalog's, and terminating one fails the test.
type noTerminations struct{ t *testing.T }

func (n noTerminations) Describe(_ context.Context, id string) (janitor.ProvisionedProduct, error) {
	return janitor.ProvisionedProduct{ID: id, ProductID: "prod-notebook", LaunchRoleArn: fakeLaunchRole, Status: "AVAILABLE"}, nil
}

func (n noTerminations) Terminate(_ context.Context, id, _ string) error {
	n.t.Errorf("the janitor terminated %s", id)
	return nil
}

package acceptance

// The analyst's side of Service Catalog: find the product, provision it,
// wait, read its outputs, run its self-service actions, terminate it.
// API references: https://docs.aws.amazon.com/servicecatalog/latest/dg/API_Operations_AWS_Service_Catalog.html
// (SearchProducts, DescribeProduct, DescribeProvisioningParameters,
// SearchProvisionedProducts, ProvisionProduct, DescribeProvisionedProduct,
// DescribeRecord, GetProvisionedProductOutputs,
// ListServiceActionsForProvisioningArtifact,
// ExecuteProvisionedProductServiceAction, TerminateProvisionedProduct).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
)

// choice is what the analyst launches: a product version through a launch
// path, with tags for the portfolio's TagOptions, and the version's
// self-service actions by name.
type choice struct {
	ProductID, ArtifactID, ArtifactName, PathID string
	Tags                                        []sctypes.Tag
	Actions                                     map[string]string // name -> ID
}

// provisioned is one provisioned product of the run.
type provisioned struct {
	N          int
	Name, ID   string
	Outputs    map[string]string
	Notebook   string // its notebook's name, from the outputs
	Terminated bool
}

// findProduct finds the product, its version, its launch path, its
// TagOptions and its actions, as the analyst, and makes sure the analyst
// has no other notebook of it.
func (r *run) findProduct(ctx context.Context) error {
	sc := r.Analyst.ServiceCatalog
	var productID string
	var names []string
	for token := (*string)(nil); ; {
		out, err := sc.SearchProducts(ctx, &servicecatalog.SearchProductsInput{
			Filters:   map[string][]string{string(sctypes.ProductViewFilterByFullTextSearch): {r.Product}},
			PageToken: token,
		})
		if err != nil {
			return fmt.Errorf("servicecatalog:SearchProducts: %w", err)
		}
		for _, p := range out.ProductViewSummaries {
			names = append(names, aws.ToString(p.Name))
			if aws.ToString(p.Name) == r.Product {
				productID = aws.ToString(p.ProductId)
			}
		}
		if token = out.NextPageToken; token == nil || productID != "" {
			break
		}
	}
	if productID == "" {
		return fmt.Errorf("the analyst finds no product named %q (found: %s): is the analyst associated with the portfolio, is -product right?", r.Product, list(names))
	}
	product, err := sc.DescribeProduct(ctx, &servicecatalog.DescribeProductInput{Id: aws.String(productID)})
	if err != nil {
		return fmt.Errorf("servicecatalog:DescribeProduct %s: %w", productID, err)
	}
	artifact, err := chooseVersion(product.ProvisioningArtifacts, r.Version)
	if err != nil {
		return err
	}
	path, err := choosePath(product.LaunchPaths, r.LaunchPath)
	if err != nil {
		return err
	}
	r.product = choice{ProductID: productID, ArtifactID: aws.ToString(artifact.Id), ArtifactName: aws.ToString(artifact.Name), PathID: aws.ToString(path.Id)}
	r.logf("product %q %s, version %s (%s), launch path %s (%s)", r.Product, productID, r.product.ArtifactName, r.product.ArtifactID,
		aws.ToString(path.Name), r.product.PathID)

	params, err := sc.DescribeProvisioningParameters(ctx, &servicecatalog.DescribeProvisioningParametersInput{
		ProductId: aws.String(productID), ProvisioningArtifactId: aws.String(r.product.ArtifactID), PathId: aws.String(r.product.PathID),
	})
	if err != nil {
		return fmt.Errorf("servicecatalog:DescribeProvisioningParameters: %w", err)
	}
	for _, p := range params.ProvisioningArtifactParameters {
		r.logf("parameter %s = %s (its default)", aws.ToString(p.ParameterKey), aws.ToString(p.DefaultValue))
	}
	if r.product.Tags, err = r.chooseTags(params.TagOptions); err != nil {
		return err
	}

	r.product.Actions = map[string]string{}
	for token := (*string)(nil); ; {
		out, err := sc.ListServiceActionsForProvisioningArtifact(ctx, &servicecatalog.ListServiceActionsForProvisioningArtifactInput{
			ProductId: aws.String(productID), ProvisioningArtifactId: aws.String(r.product.ArtifactID), PageToken: token,
		})
		if err != nil {
			return fmt.Errorf("servicecatalog:ListServiceActionsForProvisioningArtifact: %w", err)
		}
		for _, a := range out.ServiceActionSummaries {
			r.product.Actions[aws.ToString(a.Name)] = aws.ToString(a.Id)
		}
		if token = out.NextPageToken; token == nil {
			break
		}
	}
	var actions []string
	for name, id := range r.product.Actions {
		actions = append(actions, name+" ("+id+")")
	}
	sort.Strings(actions)
	r.logf("self-service actions: %s", list(actions))
	for _, want := range []string{ActionStop, ActionStart} {
		if r.product.Actions[want] == "" {
			return fmt.Errorf("version %s has no self-service action %s: are the actions associated with every version?", r.product.ArtifactName, want)
		}
	}

	others, err := r.searchOwn(ctx, "productId:"+productID)
	if err != nil {
		return err
	}
	if len(others) > 0 {
		var desc []string
		for _, p := range others {
			desc = append(desc, fmt.Sprintf("%s (%s, %s)", aws.ToString(p.Name), aws.ToString(p.Id), p.Status))
		}
		if !r.AllowOtherNotebooks {
			return fmt.Errorf("the analyst already has notebooks of this product: %s. The test notebooks restore and save the analyst's "+
				"workspace, and so do these: run as an analyst of its own, terminate them, or allow it (-allow-other-notebooks)", list(desc))
		}
		r.logf("the analyst has other notebooks of this product (allowed): %s", list(desc))
	}
	return nil
}

// chooseVersion returns the version named want, or the newest that is not
// deprecated.
func chooseVersion(artifacts []sctypes.ProvisioningArtifact, want string) (sctypes.ProvisioningArtifact, error) {
	var names []string
	var newest *sctypes.ProvisioningArtifact
	for i, a := range artifacts {
		names = append(names, aws.ToString(a.Name))
		if want != "" && (aws.ToString(a.Name) == want || aws.ToString(a.Id) == want) {
			return a, nil
		}
		if a.Guidance != sctypes.ProvisioningArtifactGuidanceDeprecated &&
			(newest == nil || aws.ToTime(a.CreatedTime).After(aws.ToTime(newest.CreatedTime))) {
			newest = &artifacts[i]
		}
	}
	switch {
	case want != "":
		return sctypes.ProvisioningArtifact{}, fmt.Errorf("the product has no version %q; it has %s", want, list(names))
	case newest == nil:
		return sctypes.ProvisioningArtifact{}, fmt.Errorf("the product has no version the analyst may launch (versions: %s)", list(names))
	}
	return *newest, nil
}

// choosePath returns the launch path named (or identified by) want, or the
// only one.
func choosePath(paths []sctypes.LaunchPath, want string) (sctypes.LaunchPath, error) {
	var names []string
	for _, p := range paths {
		names = append(names, aws.ToString(p.Name)+" ("+aws.ToString(p.Id)+")")
		if want != "" && (aws.ToString(p.Name) == want || aws.ToString(p.Id) == want) {
			return p, nil
		}
	}
	switch {
	case want != "":
		return sctypes.LaunchPath{}, fmt.Errorf("the product has no launch path %q for the analyst; it has %s", want, list(names))
	case len(paths) != 1:
		return sctypes.LaunchPath{}, fmt.Errorf("the product has %d launch paths for the analyst (%s): choose one (-launch-path)", len(paths), list(names))
	}
	return paths[0], nil
}

// chooseTags gives every TagOption a value: the one asked for, which must
// be allowed, or its first; tags asked for that are no TagOption are added.
func (r *run) chooseTags(options []sctypes.TagOptionSummary) ([]sctypes.Tag, error) {
	var tags []sctypes.Tag
	var errs []error
	seen := map[string]bool{}
	for _, o := range options {
		key := aws.ToString(o.Key)
		seen[key] = true
		if len(o.Values) == 0 {
			continue
		}
		value, ok := r.Tags[key]
		switch {
		case !ok:
			value = o.Values[0]
			r.logf("tag %s=%s (the TagOption's first value; -tag %s=... chooses another)", key, value, key)
		case !slices.Contains(o.Values, value):
			errs = append(errs, fmt.Errorf("tag %s=%q: the TagOption allows %s", key, value, list(o.Values)))
			continue
		default:
			r.logf("tag %s=%s", key, value)
		}
		tags = append(tags, sctypes.Tag{Key: aws.String(key), Value: aws.String(value)})
	}
	var extra []string
	for k := range r.Tags {
		if !seen[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		r.logf("tag %s=%s (no TagOption)", k, r.Tags[k])
		tags = append(tags, sctypes.Tag{Key: aws.String(k), Value: aws.String(r.Tags[k])})
	}
	return tags, errors.Join(errs...)
}

// searchOwn returns the analyst's own provisioned products that match query.
func (r *run) searchOwn(ctx context.Context, query string) ([]sctypes.ProvisionedProductAttribute, error) {
	var out []sctypes.ProvisionedProductAttribute
	for token := (*string)(nil); ; {
		page, err := r.Analyst.ServiceCatalog.SearchProvisionedProducts(ctx, &servicecatalog.SearchProvisionedProductsInput{
			AccessLevelFilter: &sctypes.AccessLevelFilter{Key: sctypes.AccessLevelFilterKeyUser, Value: aws.String("Self")},
			Filters:           map[string][]string{string(sctypes.ProvisionedProductViewFilterBySearchQuery): {query}},
			PageToken:         token,
		})
		if err != nil {
			return nil, fmt.Errorf("servicecatalog:SearchProvisionedProducts %s: %w", query, err)
		}
		out = append(out, page.ProvisionedProducts...)
		if token = page.NextPageToken; token == nil {
			return out, nil
		}
	}
}

// provision launches the product on its defaults, as the analyst, and
// waits until it is AVAILABLE. The product is registered for the cleanup
// before it is asked for, so that a failed or interrupted launch is
// terminated too.
func (r *run) provision(ctx context.Context, n int) (*provisioned, error) {
	p := &provisioned{N: n, Name: fmt.Sprintf("acceptance-%s-%d", r.RunID, n)}
	r.products = append(r.products, p)
	out, err := r.Analyst.ServiceCatalog.ProvisionProduct(ctx, &servicecatalog.ProvisionProductInput{
		ProductId:              aws.String(r.product.ProductID),
		ProvisioningArtifactId: aws.String(r.product.ArtifactID),
		PathId:                 aws.String(r.product.PathID),
		ProvisionedProductName: aws.String(p.Name),
		ProvisionToken:         aws.String(token(r.RunID, "provision", n)),
		Tags:                   r.product.Tags,
	})
	if err != nil {
		return p, fmt.Errorf("servicecatalog:ProvisionProduct: %w", err)
	}
	p.ID = aws.ToString(out.RecordDetail.ProvisionedProductId)
	r.logf("provisioned product %s (%s), record %s", p.Name, p.ID, aws.ToString(out.RecordDetail.RecordId))
	return p, r.waitAvailable(ctx, p, r.Timeouts.Provision)
}

// waitAvailable waits until the provisioned product is AVAILABLE; ERROR
// and TAINTED fail with the errors of its last record.
func (r *run) waitAvailable(ctx context.Context, p *provisioned, timeout time.Duration) error {
	return r.wait(ctx, p.Name, timeout, func(ctx context.Context) (string, bool, error) {
		d, err := r.Analyst.ServiceCatalog.DescribeProvisionedProduct(ctx, &servicecatalog.DescribeProvisionedProductInput{Id: aws.String(p.ID)})
		if err != nil {
			return "", false, fmt.Errorf("servicecatalog:DescribeProvisionedProduct %s: %w", p.ID, err)
		}
		detail := d.ProvisionedProductDetail
		switch detail.Status {
		case sctypes.ProvisionedProductStatusAvailable:
			return string(detail.Status), true, nil
		case sctypes.ProvisionedProductStatusError, sctypes.ProvisionedProductStatusTainted:
			return string(detail.Status), false, fmt.Errorf("%s is %s: %s%s", p.Name, detail.Status, aws.ToString(detail.StatusMessage),
				r.recordErrors(ctx, aws.ToString(detail.LastRecordId)))
		}
		return string(detail.Status), false, nil
	})
}

// recordErrors describes a record's errors, for a failure message.
func (r *run) recordErrors(ctx context.Context, recordID string) string {
	if recordID == "" {
		return ""
	}
	out, err := r.Analyst.ServiceCatalog.DescribeRecord(ctx, &servicecatalog.DescribeRecordInput{Id: aws.String(recordID)})
	if err != nil {
		return fmt.Sprintf(" (record %s: %v)", recordID, err)
	}
	return describeRecordErrors(out.RecordDetail)
}

func describeRecordErrors(d *sctypes.RecordDetail) string {
	if d == nil || len(d.RecordErrors) == 0 {
		return ""
	}
	var errs []string
	for _, e := range d.RecordErrors {
		errs = append(errs, aws.ToString(e.Code)+": "+aws.ToString(e.Description))
	}
	return " (record " + aws.ToString(d.RecordId) + ": " + strings.Join(errs, "; ") + ")"
}

// waitRecord waits until a record (an action, a termination) succeeded.
func (r *run) waitRecord(ctx context.Context, sc ServiceCatalog, what, recordID string, timeout time.Duration) error {
	return r.wait(ctx, what, timeout, func(ctx context.Context) (string, bool, error) {
		out, err := sc.DescribeRecord(ctx, &servicecatalog.DescribeRecordInput{Id: aws.String(recordID)})
		if err != nil {
			return "", false, fmt.Errorf("servicecatalog:DescribeRecord %s: %w", recordID, err)
		}
		d := out.RecordDetail
		switch d.Status {
		case sctypes.RecordStatusSucceeded:
			return string(d.Status), true, nil
		case sctypes.RecordStatusFailed:
			return string(d.Status), false, fmt.Errorf("record %s failed%s", recordID, describeRecordErrors(d))
		}
		return string(d.Status), false, nil
	})
}

// outputs reads the provisioned product's outputs as the analyst, and
// checks, as the admin, that its notebook is in service and tagged with the
// analyst's aws:userid (the analyst may open only such notebooks).
func (r *run) outputs(ctx context.Context, p *provisioned) error {
	out, err := r.Analyst.ServiceCatalog.GetProvisionedProductOutputs(ctx, &servicecatalog.GetProvisionedProductOutputsInput{ProvisionedProductId: aws.String(p.ID)})
	if err != nil {
		return fmt.Errorf("servicecatalog:GetProvisionedProductOutputs %s: %w", p.ID, err)
	}
	p.Outputs = map[string]string{}
	for _, o := range out.Outputs {
		p.Outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	keys := make([]string, 0, len(p.Outputs))
	for k := range p.Outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r.logf("output %s = %s", k, p.Outputs[k])
	}
	var missing []string
	for _, k := range []string{OutputNotebookName, OutputNotebookArn, OutputWorkspaceUri} {
		if p.Outputs[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the provisioned product has no output %s (it has %s)", strings.Join(missing, ", "), list(keys))
	}
	if _, _, err := parseS3URI(p.Outputs[OutputWorkspaceUri]); err != nil {
		return fmt.Errorf("output %s: %w", OutputWorkspaceUri, err)
	}
	p.Notebook = p.Outputs[OutputNotebookName]
	return r.checkNotebook(ctx, p)
}

// action runs a self-service action on the provisioned product, as the
// analyst, waits for its record, then for the notebook's status.
func (r *run) action(ctx context.Context, p *provisioned, name, status string) error {
	out, err := r.Analyst.ServiceCatalog.ExecuteProvisionedProductServiceAction(ctx, &servicecatalog.ExecuteProvisionedProductServiceActionInput{
		ProvisionedProductId: aws.String(p.ID),
		ServiceActionId:      aws.String(r.product.Actions[name]),
		ExecuteToken:         aws.String(token(r.RunID, name, p.N)),
	})
	if err != nil {
		return fmt.Errorf("servicecatalog:ExecuteProvisionedProductServiceAction %s: %w", name, err)
	}
	recordID := aws.ToString(out.RecordDetail.RecordId)
	r.logf("%s on %s: record %s", name, p.Name, recordID)
	if err := r.waitRecord(ctx, r.Analyst.ServiceCatalog, name, recordID, r.Timeouts.Action); err != nil {
		return err
	}
	return r.waitNotebook(ctx, p.Notebook, status, r.Timeouts.Action)
}

// terminate terminates the provisioned product as principal, waits for its
// record, then until its notebook is gone. why names the idempotency token:
// a second attempt needs a token of its own, or it gets the first's record.
func (r *run) terminate(ctx context.Context, p *provisioned, principal Principal, why string) error {
	out, err := principal.ServiceCatalog.TerminateProvisionedProduct(ctx, &servicecatalog.TerminateProvisionedProductInput{
		ProvisionedProductId: aws.String(p.ID),
		TerminateToken:       aws.String(token(r.RunID, why, p.N)),
	})
	if err != nil {
		return fmt.Errorf("servicecatalog:TerminateProvisionedProduct %s: %w", p.ID, err)
	}
	recordID := aws.ToString(out.RecordDetail.RecordId)
	r.logf("terminating %s (%s): record %s", p.Name, p.ID, recordID)
	if err := r.waitRecord(ctx, principal.ServiceCatalog, "terminate "+p.Name, recordID, r.Timeouts.Terminate); err != nil {
		return err
	}
	p.Terminated = true
	if p.Notebook == "" {
		return nil
	}
	return r.waitGone(ctx, p.Notebook, r.Timeouts.Terminate)
}

// token is an idempotency token: a repeated call of the same step is a
// no-op ([a-zA-Z0-9][a-zA-Z0-9_-]*, at most 128 characters).
func token(runID, what string, n int) string {
	return fmt.Sprintf("%s-%s-%d", runID, strings.ToLower(what), n)
}

func list(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}

// isNotFound reports a Service Catalog ResourceNotFoundException.
func isNotFound(err error) bool {
	var nf *sctypes.ResourceNotFoundException
	return errors.As(err, &nf)
}

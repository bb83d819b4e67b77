package acceptance

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
)

// cleanup terminates every provisioned product of the run that is not
// terminated yet, as the analyst, or else as the admin; then it deletes
// every version of the files the run wrote. Files go last: a notebook saves
// its workspace when it is stopped or deleted. What it cannot remove it
// names, with the command that removes it.
func (r *run) cleanup(ctx context.Context) error {
	var errs []error
	for _, p := range r.products {
		if p.Terminated {
			continue
		}
		if err := r.cleanupProduct(ctx, p); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.Name, err))
			r.logf("LEFT: provisioned product %s (%s): aws servicecatalog terminate-provisioned-product --provisioned-product-id %s",
				p.Name, orNone(p.ID), orNone(p.ID))
		}
	}
	for _, o := range r.files {
		n, err := r.deleteVersions(ctx, o)
		if err != nil {
			errs = append(errs, err)
			r.logf("LEFT: %s: delete its versions (aws s3api list-object-versions --bucket %s --prefix %s)", o, o.Bucket, o.Key)
			continue
		}
		r.logf("deleted %s (%d versions and delete markers)", o, n)
	}
	if len(r.products) == 0 && len(r.files) == 0 {
		r.logf("nothing to clean up")
	}
	return errors.Join(errs...)
}

// cleanupProduct terminates one provisioned product the journey did not.
func (r *run) cleanupProduct(ctx context.Context, p *provisioned) error {
	if p.ID == "" {
		// The launch failed or was interrupted before Service Catalog
		// answered: a product of this name may exist anyway.
		found, err := r.searchOwn(ctx, "name:"+p.Name)
		if err != nil {
			return err
		}
		for _, f := range found {
			if aws.ToString(f.Name) == p.Name {
				p.ID = aws.ToString(f.Id)
			}
		}
		if p.ID == "" {
			r.logf("%s was never provisioned", p.Name)
			p.Terminated = true
			return nil
		}
	}
	// A provisioned product under change cannot be terminated: let it settle.
	err := r.wait(ctx, p.Name, r.Timeouts.Provision, func(ctx context.Context) (string, bool, error) {
		d, err := r.Analyst.ServiceCatalog.DescribeProvisionedProduct(ctx, &servicecatalog.DescribeProvisionedProductInput{Id: aws.String(p.ID)})
		if isNotFound(err) {
			p.Terminated = true
			return "gone", true, nil
		}
		if err != nil {
			return "", false, fmt.Errorf("servicecatalog:DescribeProvisionedProduct %s: %w", p.ID, err)
		}
		s := d.ProvisionedProductDetail.Status
		return string(s), s != sctypes.ProvisionedProductStatusUnderChange && s != sctypes.ProvisionedProductStatusPlanInProgress, nil
	})
	if err != nil || p.Terminated {
		return err
	}
	if err = r.terminate(ctx, p, r.Analyst, "cleanup"); err == nil {
		return nil
	}
	r.logf("the analyst could not terminate %s (%v): trying as the admin", p.Name, err)
	return r.terminate(ctx, p, r.Admin, "cleanup-admin")
}

package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/internal/names"
	"github.com/datalake-platform/sagemaker-catalog/lambda/janitor"
)

func TestJanitorEnvironment(t *testing.T) {
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	const role = "arn:aws:iam::123456789012:role/catalog/catalog-launch"
	for _, tc := range []struct{ days, hours, mode, role, product, bucket, err string }{
		{"7", "24", "enforce", role, "prod-abcdefghijklm", "ws", ""},
		{"7", "24", "enforce", role, "", "ws", ""},
		{"0", "24", "enforce", role, "", "ws", `LEASE_DAYS is "0"`},
		{"seven", "24", "enforce", role, "", "ws", `LEASE_DAYS is "seven"`},
		{"7", "", "enforce", role, "", "ws", `NOTICE_HOURS is ""`},
		{"7", "24", "", role, "", "ws", `MODE is ""`},
		{"7", "24", "off", role, "", "ws", `MODE is "off"`},
		{"7", "24", "enforce", "", "", "ws", `LAUNCH_ROLE_ARN is "": want the ARN of the catalog's launch role`},
		{"7", "24", "enforce", "catalog-launch", "", "ws", `LAUNCH_ROLE_ARN is "catalog-launch"`},
		{"7", "24", "enforce", "arn:aws:iam::123456789012:user/bob", "", "ws", `LAUNCH_ROLE_ARN is "arn:aws:iam::123456789012:user/bob"`},
		{"7", "24", "enforce", role, "pp-abc", "ws", `PRODUCT_ID is "pp-abc": want a Service Catalog product ID (prod-...) or nothing`},
		{"7", "24", "enforce", role, "", "", `BUCKET is not set`},
	} {
		t.Setenv(names.EnvLeaseDays, tc.days)
		t.Setenv(names.EnvNoticeHours, tc.hours)
		t.Setenv(names.EnvMode, tc.mode)
		t.Setenv(names.EnvLaunchRoleArn, tc.role)
		t.Setenv(names.EnvProductId, tc.product)
		t.Setenv(names.EnvBucket, tc.bucket)
		t.Setenv(names.EnvTopicArn, "arn:aws:sns:eu-west-1:123456789012:notices")
		j, err := newJanitor(aws.Config{Region: "eu-west-1"}, log)
		if tc.err != "" {
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, 7*24*time.Hour, j.Lease)
		assert.Equal(t, 24*time.Hour, j.NotifyBefore)
		assert.Equal(t, janitor.Enforce, j.Mode)
		assert.Equal(t, "arn:aws:sns:eu-west-1:123456789012:notices", j.TopicArn)
		assert.Equal(t, role, j.LaunchRoleArn)
		assert.Equal(t, tc.product, j.ProductID)
		assert.Equal(t, "ws", j.Bucket)
		assert.IsType(t, provisionedProducts{}, j.ProvisionedProducts, "Service Catalog's provisioned-product calls")
	}
}

// fakeServiceCatalog answers DescribeProvisionedProduct from a map and
// records TerminateProvisionedProduct.
type fakeServiceCatalog struct {
	details    map[string]*sctypes.ProvisionedProductDetail
	err        error
	terminated []servicecatalog.TerminateProvisionedProductInput
}

func (f *fakeServiceCatalog) DescribeProvisionedProduct(_ context.Context, in *servicecatalog.DescribeProvisionedProductInput, _ ...func(*servicecatalog.Options)) (*servicecatalog.DescribeProvisionedProductOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	d, ok := f.details[aws.ToString(in.Id)]
	if !ok {
		return nil, &sctypes.ResourceNotFoundException{Message: aws.String("Provisioned product not found")}
	}
	return &servicecatalog.DescribeProvisionedProductOutput{ProvisionedProductDetail: d}, nil
}

func (f *fakeServiceCatalog) TerminateProvisionedProduct(_ context.Context, in *servicecatalog.TerminateProvisionedProductInput, _ ...func(*servicecatalog.Options)) (*servicecatalog.TerminateProvisionedProductOutput, error) {
	f.terminated = append(f.terminated, *in)
	return &servicecatalog.TerminateProvisionedProductOutput{}, nil
}

func TestProvisionedProducts(t *testing.T) {
	ctx := context.Background()
	sc := &fakeServiceCatalog{details: map[string]*sctypes.ProvisionedProductDetail{
		"pp-abc": {Id: aws.String("pp-abc"), ProductId: aws.String("prod-xyz"), Status: sctypes.ProvisionedProductStatusTainted,
			LaunchRoleArn: aws.String("arn:aws:iam::123456789012:role/launch")},
	}}
	p := provisionedProducts{sc}

	got, err := p.Describe(ctx, "pp-abc")
	require.NoError(t, err)
	assert.Equal(t, janitor.ProvisionedProduct{ID: "pp-abc", ProductID: "prod-xyz", LaunchRoleArn: "arn:aws:iam::123456789012:role/launch", Status: "TAINTED"}, got)

	_, err = p.Describe(ctx, "pp-other")
	assert.ErrorIs(t, err, janitor.ErrNoProvisionedProduct, "Service Catalog's ResourceNotFoundException")

	sc.err = errors.New("ThrottlingException")
	_, err = p.Describe(ctx, "pp-abc")
	require.Error(t, err)
	assert.NotErrorIs(t, err, janitor.ErrNoProvisionedProduct, "any other error is not an answer")

	require.NoError(t, p.Terminate(ctx, "pp-abc", "janitor-pp-abc-1"))
	require.Len(t, sc.terminated, 1)
	assert.Equal(t, "pp-abc", aws.ToString(sc.terminated[0].ProvisionedProductId))
	assert.Equal(t, "janitor-pp-abc-1", aws.ToString(sc.terminated[0].TerminateToken))
}

package acceptance

// The workspace bucket, as the admin sees it: the file the notebook saved
// (<WorkspaceUri>home/<path>, constructs/notebook/lifecycle/workspace-sync.sh),
// and, in the cleanup, every version of it (the bucket is versioned: a
// plain DeleteObject would leave the file behind a delete marker;
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

// object is an S3 object the run wrote (through a notebook).
type object struct{ Bucket, Key string }

func (o object) String() string { return "s3://" + o.Bucket + "/" + o.Key }

// parseS3URI splits a workspace URI, s3://<bucket>/owners/<owner>/, into
// the bucket and the prefix.
func parseS3URI(uri string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	bucket, prefix, _ = strings.Cut(rest, "/")
	if !ok || bucket == "" || !strings.HasPrefix(prefix, names.WorkspacePrefix) || len(prefix) <= len(names.WorkspacePrefix) || !strings.HasSuffix(prefix, "/") {
		return "", "", fmt.Errorf("%q is not a workspace URI, s3://<bucket>/%s<owner>/", uri, names.WorkspacePrefix)
	}
	return bucket, prefix, nil
}

// saved checks, as the admin, that the workspace holds the file: the
// notebook saves it when it stops.
func (r *run) saved(ctx context.Context, p *provisioned, file, content string) error {
	bucket, prefix, err := parseS3URI(p.Outputs[OutputWorkspaceUri])
	if err != nil {
		return err
	}
	o := object{Bucket: bucket, Key: prefix + "home/" + file}
	out, err := r.Admin.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(o.Key)})
	if err != nil {
		return fmt.Errorf("admin: s3:GetObject %s (the notebook saves its workspace when it stops): %w", o, err)
	}
	defer out.Body.Close()
	got, err := io.ReadAll(io.LimitReader(out.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("admin: read %s: %w", o, err)
	}
	if string(got) != content {
		return fmt.Errorf("%s holds %q, want %q", o, got, content)
	}
	r.logf("%s holds the file (version %s)", o, aws.ToString(out.VersionId))
	return nil
}

// deleteVersions deletes every version and delete marker of the object.
func (r *run) deleteVersions(ctx context.Context, o object) (int, error) {
	n := 0
	var keyMarker, versionMarker *string
	for {
		page, err := r.Admin.S3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{
			Bucket: aws.String(o.Bucket), Prefix: aws.String(o.Key), KeyMarker: keyMarker, VersionIdMarker: versionMarker,
		})
		if err != nil {
			return n, fmt.Errorf("admin: s3:ListObjectVersions %s: %w", o, err)
		}
		var ids []*string
		for _, v := range page.Versions {
			if aws.ToString(v.Key) == o.Key {
				ids = append(ids, v.VersionId)
			}
		}
		for _, m := range page.DeleteMarkers {
			if aws.ToString(m.Key) == o.Key {
				ids = append(ids, m.VersionId)
			}
		}
		var errs []error
		for _, id := range ids {
			if _, err := r.Admin.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(o.Key), VersionId: id}); err != nil {
				errs = append(errs, fmt.Errorf("admin: s3:DeleteObject %s version %s: %w", o, aws.ToString(id), err))
				continue
			}
			n++
		}
		if err := errors.Join(errs...); err != nil {
			return n, err
		}
		if !aws.ToBool(page.IsTruncated) {
			return n, nil
		}
		keyMarker, versionMarker = page.NextKeyMarker, page.NextVersionIdMarker
	}
}

package acceptance

// The workspace bucket, as the admin sees it: the file the notebook saved
// (<WorkspaceUri>home/<path>, constructs/notebook/lifecycle/workspace-sync.sh),
// the sync status it wrote (status/<owner>/<notebook>.json, janitor.StatusKey),
// and, in the cleanup, every version of what the run wrote (the bucket is
// versioned: a plain DeleteObject would leave a file behind a delete marker;
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/datalake-platform/sagemaker-catalog/internal/names"
	"github.com/datalake-platform/sagemaker-catalog/lambda/janitor"
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

// workspaceOwner returns the bucket and the owner of a workspace URI,
// s3://<bucket>/owners/<owner>/.
func workspaceOwner(uri string) (bucket, owner string, err error) {
	bucket, prefix, err := parseS3URI(uri)
	if err != nil {
		return "", "", err
	}
	return bucket, strings.TrimSuffix(strings.TrimPrefix(prefix, names.WorkspacePrefix), "/"), nil
}

// saved checks, as the admin, that the workspace holds the file, and that
// the sync status the janitor reads (status/<owner>/<notebook>.json, apart
// from the workspace) records the final save: the notebook saves when it
// stops.
func (r *run) saved(ctx context.Context, p *provisioned, file, content string) error {
	if err := r.savedFile(ctx, p, file, content); err != nil {
		return err
	}
	return r.syncStatus(ctx, p)
}

// syncStatus reads the notebook's sync status as the janitor does, and
// checks that it records a successful final save of this notebook.
func (r *run) syncStatus(ctx context.Context, p *provisioned) error {
	bucket, owner, err := workspaceOwner(p.Outputs[OutputWorkspaceUri])
	if err != nil {
		return err
	}
	o := object{Bucket: bucket, Key: janitor.StatusKey(owner, p.Notebook)}
	out, err := r.Admin.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(o.Key)})
	if err != nil {
		return fmt.Errorf("admin: s3:GetObject %s (the sync status, which the notebook writes as it saves, and the janitor reads): %w", o, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("admin: read %s: %w", o, err)
	}
	var status janitor.SyncStatus
	if err := json.Unmarshal(body, &status); err != nil {
		return fmt.Errorf("%s is no sync status the janitor can read: %w: %.200s", o, err, body)
	}
	r.logf("%s: %s", o, strings.TrimSpace(string(body)))
	switch {
	case status.Notebook != p.Notebook:
		return fmt.Errorf("%s names the notebook %q, want %q", o, status.Notebook, p.Notebook)
	case !status.OK || !status.Final:
		return fmt.Errorf("%s records ok=%t, final=%t: want the successful final save of the stop", o, status.OK, status.Final)
	}
	return nil
}

// savedFile checks, as the admin, that the workspace holds the file.
func (r *run) savedFile(ctx context.Context, p *provisioned, file, content string) error {
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

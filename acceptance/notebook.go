package acceptance

// The notebook, as the admin sees it through the SageMaker API
// (DescribeNotebookInstance, ListTags:
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeNotebookInstance.html,
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListTags.html).

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/smithy-go"

	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

// checkNotebook checks that the notebook is in service and that its owner
// tags name the analyst: the analyst's policy lets them open only notebooks
// whose sagemaker-catalog:owner-id tag is their aws:userid.
func (r *run) checkNotebook(ctx context.Context, p *provisioned) error {
	d, err := r.Admin.SageMaker.DescribeNotebookInstance(ctx, &sagemaker.DescribeNotebookInstanceInput{NotebookInstanceName: aws.String(p.Notebook)})
	if err != nil {
		return fmt.Errorf("admin: sagemaker:DescribeNotebookInstance %s: %w", p.Notebook, err)
	}
	r.logf("notebook %s: %s, %s, %d GB, platform %s", p.Notebook, d.NotebookInstanceStatus, d.InstanceType,
		aws.ToInt32(d.VolumeSizeInGB), orNone(aws.ToString(d.PlatformIdentifier)))
	if d.NotebookInstanceStatus != "InService" {
		return fmt.Errorf("notebook %s is %s although its provisioned product is AVAILABLE", p.Notebook, d.NotebookInstanceStatus)
	}
	tags, err := r.Admin.SageMaker.ListTags(ctx, &sagemaker.ListTagsInput{ResourceArn: d.NotebookInstanceArn, MaxResults: aws.Int32(100)})
	if err != nil {
		return fmt.Errorf("admin: sagemaker:ListTags %s: %w", aws.ToString(d.NotebookInstanceArn), err)
	}
	byKey := map[string]string{}
	for _, t := range tags.Tags {
		byKey[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	r.logf("tag %s = %s", names.TagOwner, byKey[names.TagOwner])
	r.logf("tag %s = %s", names.TagOwnerId, byKey[names.TagOwnerId])
	var errs []error
	if got := byKey[names.TagOwnerId]; got != r.analyst.UserId {
		errs = append(errs, fmt.Errorf("notebook %s: tag %s is %q, want the analyst's aws:userid %q (the analyst may open only their own notebooks)",
			p.Notebook, names.TagOwnerId, got, r.analyst.UserId))
	}
	if got := byKey[names.TagProvisionedProduct]; got != p.ID {
		errs = append(errs, fmt.Errorf("notebook %s: tag %s is %q, want %q (the janitor terminates through it)", p.Notebook, names.TagProvisionedProduct, got, p.ID))
	}
	if got := byKey[names.TagWorkspace]; got != p.Outputs[OutputWorkspaceUri] {
		errs = append(errs, fmt.Errorf("notebook %s: tag %s is %q, want the output %s %q", p.Notebook, names.TagWorkspace, got, OutputWorkspaceUri, p.Outputs[OutputWorkspaceUri]))
	}
	return errors.Join(errs...)
}

// waitNotebook waits until the notebook has the status; Failed fails.
func (r *run) waitNotebook(ctx context.Context, name, status string, timeout time.Duration) error {
	return r.wait(ctx, "notebook "+name, timeout, func(ctx context.Context) (string, bool, error) {
		d, err := r.Admin.SageMaker.DescribeNotebookInstance(ctx, &sagemaker.DescribeNotebookInstanceInput{NotebookInstanceName: aws.String(name)})
		if err != nil {
			return "", false, fmt.Errorf("admin: sagemaker:DescribeNotebookInstance %s: %w", name, err)
		}
		got := string(d.NotebookInstanceStatus)
		if got == "Failed" && status != "Failed" {
			return got, false, fmt.Errorf("notebook %s failed: %s", name, aws.ToString(d.FailureReason))
		}
		return got, got == status, nil
	})
}

// waitGone waits until SageMaker no longer knows the notebook.
func (r *run) waitGone(ctx context.Context, name string, timeout time.Duration) error {
	return r.wait(ctx, "notebook "+name, timeout, func(ctx context.Context) (string, bool, error) {
		d, err := r.Admin.SageMaker.DescribeNotebookInstance(ctx, &sagemaker.DescribeNotebookInstanceInput{NotebookInstanceName: aws.String(name)})
		if notebookNotFound(err) {
			return "gone", true, nil
		}
		if err != nil {
			return "", false, fmt.Errorf("admin: sagemaker:DescribeNotebookInstance %s: %w", name, err)
		}
		return string(d.NotebookInstanceStatus), false, nil
	})
}

// notebookNotFound reports SageMaker's answer for a notebook it does not
// know: ValidationException, "RecordNotFound".
func notebookNotFound(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "ValidationException" && strings.Contains(api.ErrorMessage(), "RecordNotFound")
}

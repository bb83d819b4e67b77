package acceptance

// The notebook, as the admin sees it through the SageMaker API
// (DescribeNotebookInstance, ListTags:
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeNotebookInstance.html,
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListTags.html).

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/smithy-go"

	"github.com/datalake-platform/sagemaker-catalog/internal/names"
	"github.com/datalake-platform/sagemaker-catalog/lambda/janitor"
)

// checkNotebook checks the notebook's name, that it is in service, and its
// tags: the owner tags name the analyst (the analyst's policy lets them open
// only notebooks whose sagemaker-catalog:owner-id tag is their aws:userid),
// and the janitor finds the provisioned product and the sync status through
// them.
func (r *run) checkNotebook(ctx context.Context, p *provisioned) error {
	if err := checkNotebookName(p.Notebook, p.Outputs[OutputNotebookArn], r.analyst.Account, p.ID); err != nil {
		return err
	}
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
	for _, k := range []string{names.TagOwner, names.TagOwnerId, names.TagCloudFormationStackName} {
		r.logf("tag %s = %s", k, byKey[k])
	}
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
	// The janitor reads the sync status under the owner tag's prefix.
	if _, owner, err := workspaceOwner(p.Outputs[OutputWorkspaceUri]); err == nil && byKey[names.TagOwner] != owner {
		errs = append(errs, fmt.Errorf("notebook %s: tag %s is %q, want the workspace's owner %q (the janitor reads the sync status by it)", p.Notebook, names.TagOwner, byKey[names.TagOwner], owner))
	}
	// The janitor finds the provisioned product by the stack-name tag,
	// which CloudFormation writes and no principal can change.
	if id, err := janitor.ProvisionedProductID(byKey[names.TagCloudFormationStackName]); err != nil || id != p.ID {
		errs = append(errs, fmt.Errorf("notebook %s: tag %s is %q, want the stack of %s, %s%s-%s (the janitor finds the provisioned product by it)",
			p.Notebook, names.TagCloudFormationStackName, byKey[names.TagCloudFormationStackName], p.ID, names.StackNamePrefix, r.analyst.Account, p.ID))
	}
	return errors.Join(errs...)
}

// checkNotebookName checks the notebook's name and ARN, from the outputs:
// the stack's name in lower case, sc-<account>-<provisioned product ID>,
// then a hyphen and the template's generation
// (lambda/workspace.NotebookName). Every policy on catalog notebooks is
// scoped to notebook-instance/sc-*, and SageMaker authorizes a request
// against the name as given: an upper-case name would match none of them.
func checkNotebookName(name, arn, account, productID string) error {
	stem := strings.ToLower(names.StackNamePrefix + account + "-" + productID)
	generation, ok := strings.CutPrefix(name, stem)
	if !ok || (generation != "" && !generationPattern.MatchString(generation)) {
		return fmt.Errorf("output %s is %q: want %s, or %s-<generation> (1-16 lower-case letters and digits): the lower-case name every catalog policy is scoped to",
			OutputNotebookName, name, stem, stem)
	}
	if !strings.HasSuffix(arn, ":notebook-instance/"+name) {
		return fmt.Errorf("output %s is %q: want the ARN of notebook-instance/%s", OutputNotebookArn, arn, name)
	}
	return nil
}

var generationPattern = regexp.MustCompile(`^-[a-z0-9]{1,16}$`)

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

package acceptance_test

// The other analyst's SageMaker, S3 and Systems Manager, for the isolation
// step. moto evaluates no IAM policy, so what the analysts' policy
// (constructs/analystrole) refuses an analyst is modelled here, call by
// call, from its statements: sagemaker:DescribeNotebookInstance and
// CreatePresignedNotebookInstanceUrl only on a notebook whose
// sagemaker-catalog:owner-id tag is the caller's aws:userid
// (OpenOwnNotebooks); no statement for any other SageMaker call on a
// notebook, for S3 or for SSM. A refusal is answered as AWS answers one
// (AccessDeniedException, or AccessDenied from S3). This tests the kit's
// logic (every route tried, each outcome judged, what was not refused
// undone), not AWS's: only the real run shows what AWS refuses.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/datalake-platform/sagemaker-catalog/acceptance"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

// guard decides, for one caller, what the analysts' policy allows.
type guard struct {
	who caller
	sm  *sagemaker.Client // moto: the notebook's tags
	// Leak lets these calls through ("sagemaker:StopNotebookInstance"): a
	// route that wrongly succeeds.
	Leak map[string]bool
}

// denied is AWS's refusal of action on resource.
func (g *guard) denied(code, action, resource string) error {
	return &smithy.GenericAPIError{Code: code, Message: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
		g.who.arn, action, resource, action)}
}

// owns reports whether the notebook's owner-id tag is the caller's aws:userid.
func (g *guard) owns(ctx context.Context, notebook string) (bool, error) {
	d, err := g.sm.DescribeNotebookInstance(ctx, &sagemaker.DescribeNotebookInstanceInput{NotebookInstanceName: aws.String(notebook)})
	if err != nil {
		return false, err
	}
	tags, err := g.sm.ListTags(ctx, &sagemaker.ListTagsInput{ResourceArn: d.NotebookInstanceArn})
	if err != nil {
		return false, err
	}
	for _, t := range tags.Tags {
		if aws.ToString(t.Key) == names.TagOwnerId {
			return aws.ToString(t.Value) == g.who.userID, nil
		}
	}
	return false, nil
}

// guardedSageMaker is moto's SageMaker behind the analysts' policy.
type guardedSageMaker struct {
	*sagemaker.Client
	*guard
}

func (g guardedSageMaker) open(ctx context.Context, action, notebook string) error {
	if g.Leak[action] {
		return nil
	}
	if own, err := g.owns(ctx, notebook); err != nil || !own {
		return g.denied("AccessDeniedException", action, "notebook-instance/"+notebook)
	}
	return nil
}

func (g guardedSageMaker) DescribeNotebookInstance(ctx context.Context, in *sagemaker.DescribeNotebookInstanceInput, opts ...func(*sagemaker.Options)) (*sagemaker.DescribeNotebookInstanceOutput, error) {
	if err := g.open(ctx, "sagemaker:DescribeNotebookInstance", aws.ToString(in.NotebookInstanceName)); err != nil {
		return nil, err
	}
	return g.Client.DescribeNotebookInstance(ctx, in, opts...)
}

func (g guardedSageMaker) CreatePresignedNotebookInstanceUrl(ctx context.Context, in *sagemaker.CreatePresignedNotebookInstanceUrlInput, opts ...func(*sagemaker.Options)) (*sagemaker.CreatePresignedNotebookInstanceUrlOutput, error) {
	if err := g.open(ctx, "sagemaker:CreatePresignedNotebookInstanceUrl", aws.ToString(in.NotebookInstanceName)); err != nil {
		return nil, err
	}
	return g.Client.CreatePresignedNotebookInstanceUrl(ctx, in, opts...)
}

func (g guardedSageMaker) StopNotebookInstance(ctx context.Context, in *sagemaker.StopNotebookInstanceInput, opts ...func(*sagemaker.Options)) (*sagemaker.StopNotebookInstanceOutput, error) {
	if !g.Leak["sagemaker:StopNotebookInstance"] {
		return nil, g.denied("AccessDeniedException", "sagemaker:StopNotebookInstance", "notebook-instance/"+aws.ToString(in.NotebookInstanceName))
	}
	return g.Client.StopNotebookInstance(ctx, in, opts...)
}

func (g guardedSageMaker) StartNotebookInstance(ctx context.Context, in *sagemaker.StartNotebookInstanceInput, opts ...func(*sagemaker.Options)) (*sagemaker.StartNotebookInstanceOutput, error) {
	if !g.Leak["sagemaker:StartNotebookInstance"] {
		return nil, g.denied("AccessDeniedException", "sagemaker:StartNotebookInstance", "notebook-instance/"+aws.ToString(in.NotebookInstanceName))
	}
	return g.Client.StartNotebookInstance(ctx, in, opts...)
}

// UpdateNotebookInstance: moto has none. Let through, it answers as
// SageMaker answers an authorized caller on a notebook in service.
func (g guardedSageMaker) UpdateNotebookInstance(_ context.Context, in *sagemaker.UpdateNotebookInstanceInput, _ ...func(*sagemaker.Options)) (*sagemaker.UpdateNotebookInstanceOutput, error) {
	if !g.Leak["sagemaker:UpdateNotebookInstance"] {
		return nil, g.denied("AccessDeniedException", "sagemaker:UpdateNotebookInstance", "notebook-instance/"+aws.ToString(in.NotebookInstanceName))
	}
	return nil, &smithy.GenericAPIError{Code: "ValidationException", Message: "Status (InService) not in ([Stopped, Failed]). Unable to transition to (Updating) for Notebook Instance"}
}

// guardedS3 is moto's S3 behind the analysts' policy, which has no S3
// statement.
type guardedS3 struct {
	acceptance.S3
	*guard
}

func (g guardedS3) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	if !g.Leak["s3:ListObjectsV2"] {
		return nil, g.denied("AccessDenied", "s3:ListBucket", "arn:aws:s3:::"+aws.ToString(in.Bucket))
	}
	return g.S3.ListObjectsV2(ctx, in, opts...)
}

func (g guardedS3) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if !g.Leak["s3:GetObject"] {
		return nil, g.denied("AccessDenied", "s3:GetObject", "arn:aws:s3:::"+aws.ToString(in.Bucket)+"/"+aws.ToString(in.Key))
	}
	return g.S3.GetObject(ctx, in, opts...)
}

func (g guardedS3) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if !g.Leak["s3:PutObject"] {
		return nil, g.denied("AccessDenied", "s3:PutObject", "arn:aws:s3:::"+aws.ToString(in.Bucket)+"/"+aws.ToString(in.Key))
	}
	return g.S3.PutObject(ctx, in, opts...)
}

// fakeAutomation is Systems Manager Automation, which moto 5.2.1 lacks: an
// execution of the Stop action's document stops the notebook its
// NotebookInstanceArn names, in moto.
type fakeAutomation struct {
	mu         sync.Mutex
	sm         *sagemaker.Client
	executions map[string]ssmtypes.AutomationExecutionStatus
}

func newFakeAutomation(sm *sagemaker.Client) *fakeAutomation {
	return &fakeAutomation{sm: sm, executions: map[string]ssmtypes.AutomationExecutionStatus{}}
}

func (a *fakeAutomation) StartAutomationExecution(ctx context.Context, in *ssm.StartAutomationExecutionInput, _ ...func(*ssm.Options)) (*ssm.StartAutomationExecutionOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if aws.ToString(in.DocumentName) != stopDocument || len(in.Parameters["NotebookInstanceArn"]) != 1 {
		return nil, &smithy.GenericAPIError{Code: "InvalidAutomationExecutionParametersException", Message: "the fake runs the Stop document on one notebook"}
	}
	arn := in.Parameters["NotebookInstanceArn"][0]
	id := fmt.Sprintf("%08d-0000-0000-0000-%012d", len(a.executions)+1, time.Now().UnixNano()%1e12)
	status := ssmtypes.AutomationExecutionStatusSuccess
	if _, err := a.sm.StopNotebookInstance(ctx, &sagemaker.StopNotebookInstanceInput{NotebookInstanceName: aws.String(arn[strings.LastIndex(arn, "/")+1:])}); err != nil {
		status = ssmtypes.AutomationExecutionStatusFailed
	}
	a.executions[id] = status
	return &ssm.StartAutomationExecutionOutput{AutomationExecutionId: aws.String(id)}, nil
}

func (a *fakeAutomation) GetAutomationExecution(_ context.Context, in *ssm.GetAutomationExecutionInput, _ ...func(*ssm.Options)) (*ssm.GetAutomationExecutionOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	status, ok := a.executions[aws.ToString(in.AutomationExecutionId)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "AutomationExecutionNotFoundException", Message: aws.ToString(in.AutomationExecutionId)}
	}
	return &ssm.GetAutomationExecutionOutput{AutomationExecution: &ssmtypes.AutomationExecution{
		AutomationExecutionId: in.AutomationExecutionId, AutomationExecutionStatus: status}}, nil
}

// guardedAutomation is the fake Automation behind the analysts' policy,
// which has no SSM statement.
type guardedAutomation struct {
	*fakeAutomation
	*guard
}

func (g guardedAutomation) StartAutomationExecution(ctx context.Context, in *ssm.StartAutomationExecutionInput, opts ...func(*ssm.Options)) (*ssm.StartAutomationExecutionOutput, error) {
	if !g.Leak["ssm:StartAutomationExecution"] {
		return nil, g.denied("AccessDeniedException", "ssm:StartAutomationExecution", "automation-definition/"+aws.ToString(in.DocumentName)+":$DEFAULT")
	}
	return g.fakeAutomation.StartAutomationExecution(ctx, in, opts...)
}

func (g guardedAutomation) GetAutomationExecution(_ context.Context, in *ssm.GetAutomationExecutionInput, _ ...func(*ssm.Options)) (*ssm.GetAutomationExecutionOutput, error) {
	return nil, g.denied("AccessDeniedException", "ssm:GetAutomationExecution", "automation-execution/"+aws.ToString(in.AutomationExecutionId))
}

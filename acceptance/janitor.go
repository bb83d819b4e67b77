package acceptance

// The janitor, run by the admin: the catalog's janitor function
// (constructs/janitor, handler lambda/janitor) invoked synchronously, its
// report read from the answer and its decision from its log group. The kit
// invokes it only when it is deployed in dry-run (its MODE variable), where
// it decides and logs and neither warns nor terminates anyone.
// Lambda: https://docs.aws.amazon.com/lambda/latest/api/API_ListFunctions.html,
// API_GetFunctionConfiguration.html, API_Invoke.html; CloudWatch Logs:
// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/datalake-platform/sagemaker-catalog/internal/names"
	"github.com/datalake-platform/sagemaker-catalog/lambda/janitor"
)

// janitorFunction is the catalog's janitor as deployed.
type janitorFunction struct {
	Name, Mode, LogGroup string
}

// JanitorLogGroup is the janitor's log group in the catalog.
func JanitorLogGroup(catalog string) string {
	return names.FunctionLogGroups(catalog) + names.FunctionJanitor
}

// janitorMode finds the janitor and checks that it runs in dry-run, before
// anything is provisioned.
func (r *run) janitorMode(ctx context.Context) error {
	r.janitor = janitorFunction{LogGroup: JanitorLogGroup(r.Catalog)}
	if r.JanitorFunction != "" {
		out, err := r.Admin.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(r.JanitorFunction)})
		if err != nil {
			return fmt.Errorf("admin: lambda:GetFunctionConfiguration %s: %w", r.JanitorFunction, err)
		}
		if out.Environment == nil || out.Environment.Variables[names.EnvFunction] != names.FunctionJanitor {
			return fmt.Errorf("function %s is not the janitor (its %s variable is not %q)", r.JanitorFunction, names.EnvFunction, names.FunctionJanitor)
		}
		r.janitor.Name, r.janitor.Mode = aws.ToString(out.FunctionName), out.Environment.Variables[names.EnvMode]
	} else {
		var fns []lambdatypes.FunctionConfiguration
		for marker := (*string)(nil); ; {
			out, err := r.Admin.Lambda.ListFunctions(ctx, &lambda.ListFunctionsInput{Marker: marker})
			if err != nil {
				return fmt.Errorf("admin: lambda:ListFunctions: %w", err)
			}
			fns = append(fns, out.Functions...)
			if marker = out.NextMarker; marker == nil {
				break
			}
		}
		fn, err := findJanitor(fns, r.janitor.LogGroup)
		if err != nil {
			return err
		}
		r.janitor.Name, r.janitor.Mode = aws.ToString(fn.FunctionName), fn.Environment.Variables[names.EnvMode]
	}
	r.logf("janitor %s, mode %q, log group %s", r.janitor.Name, r.janitor.Mode, r.janitor.LogGroup)
	if r.janitor.Mode != names.ModeDryRun {
		return fmt.Errorf("the janitor %s runs in mode %q: the kit runs it only in %q, where it neither warns nor terminates anyone. "+
			"Deploy the sandbox with -c janitorMode=%s", r.janitor.Name, r.janitor.Mode, names.ModeDryRun, names.ModeDryRun)
	}
	return nil
}

// findJanitor returns the function whose FUNCTION variable is the janitor's
// and whose log group is logGroup: the catalog's janitor.
func findJanitor(fns []lambdatypes.FunctionConfiguration, logGroup string) (lambdatypes.FunctionConfiguration, error) {
	var found []lambdatypes.FunctionConfiguration
	var janitors []string
	for _, fn := range fns {
		if fn.Environment == nil || fn.Environment.Variables[names.EnvFunction] != names.FunctionJanitor {
			continue
		}
		group := ""
		if fn.LoggingConfig != nil {
			group = aws.ToString(fn.LoggingConfig.LogGroup)
		}
		janitors = append(janitors, fmt.Sprintf("%s (log group %q)", aws.ToString(fn.FunctionName), group))
		if group == logGroup {
			found = append(found, fn)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return lambdatypes.FunctionConfiguration{}, fmt.Errorf("no function with %s=%s logs to %s in this region (janitors: %s): "+
			"is the catalog deployed here, is -catalog right? -janitor-function names it", names.EnvFunction, names.FunctionJanitor, logGroup, list(janitors))
	}
	return lambdatypes.FunctionConfiguration{}, fmt.Errorf("%d functions are the janitor of %s: %s; -janitor-function chooses", len(found), logGroup, list(janitors))
}

// runJanitor invokes the janitor and checks its decision on the notebook,
// in its answer and in its log group: a running notebook is kept.
func (r *run) runJanitor(ctx context.Context, p *provisioned) error {
	since := time.Now().Add(-time.Minute) // clocks differ a little
	var out *lambda.InvokeOutput
	// A run may take the function's timeout (5 minutes); a scheduled run may be under way.
	err := r.wait(ctx, "invoke "+r.janitor.Name, r.Timeouts.Action, func(ctx context.Context) (string, bool, error) {
		var err error
		out, err = r.Admin.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(r.janitor.Name), Payload: []byte("{}")})
		var busy *lambdatypes.TooManyRequestsException
		if errors.As(err, &busy) {
			// Its reserved concurrency is 1: a scheduled run is under way.
			return "busy (a scheduled run)", false, nil
		}
		if err != nil {
			return "", false, fmt.Errorf("admin: lambda:Invoke %s: %w", r.janitor.Name, err)
		}
		return "answered", true, nil
	})
	if err != nil {
		return err
	}
	if out.FunctionError != nil {
		return fmt.Errorf("the janitor failed (%s): %s", aws.ToString(out.FunctionError), out.Payload)
	}
	var report janitor.Report
	if err := json.Unmarshal(out.Payload, &report); err != nil {
		return fmt.Errorf("the janitor's answer is not its report: %w: %.300s", err, out.Payload)
	}
	r.logf("report: %d decisions, %d errors", len(report.Decisions), len(report.Errors))
	d, ok := decisionOn(report.Decisions, p.Notebook)
	if !ok {
		return fmt.Errorf("the janitor decided nothing on %s (does it find the notebook by its tags?); it decided on %d others", p.Notebook, len(report.Decisions))
	}
	r.logf("decision on %s: %s, %s (lease ends %s)", d.Notebook, d.Action, d.Reason, d.LeaseExpiresAt.UTC().Format(time.RFC3339))
	if err := checkDecision(d, p); err != nil {
		return err
	}

	return r.wait(ctx, "log group "+r.janitor.LogGroup, r.Timeouts.Logs, func(ctx context.Context) (string, bool, error) {
		line, err := r.findLogLine(ctx, since, p.Notebook)
		if err != nil || line == "" {
			return "no decision on " + p.Notebook + " yet", false, err
		}
		r.logf("log line: %s", line)
		return "found the decision", true, nil
	})
}

// checkDecision checks the janitor's decision on the running notebook.
func checkDecision(d janitor.Decision, p *provisioned) error {
	var errs []error
	if d.Action != janitor.Keep {
		errs = append(errs, fmt.Errorf("the janitor decided %s on %s, a running notebook (%s): it must keep it", d.Action, d.Notebook, d.Reason))
	}
	if d.ProvisionedProductID != p.ID {
		errs = append(errs, fmt.Errorf("the janitor's decision names provisioned product %q, want %q", d.ProvisionedProductID, p.ID))
	}
	return errors.Join(errs...)
}

// decisionOn returns the decision on the notebook. SageMaker keeps the
// name's case in names and lower-cases it in ARNs: compare without case.
func decisionOn(decisions []janitor.Decision, notebook string) (janitor.Decision, bool) {
	for _, d := range decisions {
		if strings.EqualFold(d.Notebook, notebook) {
			return d, true
		}
	}
	return janitor.Decision{}, false
}

// findLogLine returns the janitor's log line with its decision on the
// notebook, written since then, or "".
func (r *run) findLogLine(ctx context.Context, since time.Time, notebook string) (string, error) {
	for token := (*string)(nil); ; {
		out, err := r.Admin.Logs.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{
			LogGroupName: aws.String(r.janitor.LogGroup),
			StartTime:    aws.Int64(since.UnixMilli()),
			NextToken:    token,
		})
		if err != nil {
			return "", fmt.Errorf("admin: logs:FilterLogEvents %s: %w", r.janitor.LogGroup, err)
		}
		for _, e := range out.Events {
			if d, ok := logDecision(aws.ToString(e.Message)); ok && strings.EqualFold(d.Notebook, notebook) {
				return strings.TrimSpace(aws.ToString(e.Message)), nil
			}
		}
		if token = out.NextToken; token == nil {
			return "", nil
		}
	}
}

// logDecision reads a decision from one of the janitor's log lines: slog's
// JSON, {"msg":"decision","decision":{...}}, as the function writes it, or
// inside the "message" of a line Lambda wrapped.
func logDecision(line string) (janitor.Decision, bool) {
	var rec struct {
		Msg      string            `json:"msg"`
		Decision *janitor.Decision `json:"decision"`
		Message  json.RawMessage   `json:"message"`
	}
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		return janitor.Decision{}, false
	}
	if rec.Msg == "decision" && rec.Decision != nil {
		return *rec.Decision, true
	}
	var inner string
	if json.Unmarshal(rec.Message, &inner) == nil && inner != "" {
		return logDecision(inner)
	}
	if len(rec.Message) > 0 && rec.Message[0] == '{' {
		return logDecision(string(rec.Message))
	}
	return janitor.Decision{}, false
}

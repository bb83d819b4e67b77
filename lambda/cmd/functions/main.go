// Command functions is the catalog's Lambda functions, one binary for the
// provided.al2023 runtime on arm64 (stacks build it with GOOS=linux
// GOARCH=arm64; no Docker). FUNCTION selects the handler:
//
//   - "janitor": invoked by EventBridge Scheduler; applies the notebook lease
//     (package janitor). Environment: TOPIC_ARN, LEASE_DAYS, NOTICE_HOURS,
//     MODE (enforce, notify-only or dry-run).
//   - "workspace": the notebook product's Custom::Workspace resource
//     (package workspace). Environment: BUCKET.
//
// With the argument -invoke, it handles one event read from standard input
// and exits, outside Lambda (the launch simulation in launch_test.go runs
// the workspace handler this way for moto's CloudFormation engine).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/datalake-platform/sagemaker-catalog/lambda/janitor"
	"github.com/datalake-platform/sagemaker-catalog/lambda/workspace"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	if err := run(log); err != nil {
		log.Error("start", "error", err.Error())
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		return err
	}
	switch f := os.Getenv("FUNCTION"); f {
	case "janitor":
		j, err := newJanitor(cfg, log)
		if err != nil {
			return err
		}
		lambda.Start(func(ctx context.Context) (janitor.Report, error) { return j.Run(ctx, time.Now()) })
	case "workspace":
		bucket := os.Getenv("BUCKET")
		if bucket == "" {
			return fmt.Errorf("BUCKET is not set")
		}
		h := &workspace.Handler{Stacks: cloudformation.NewFromConfig(cfg), Identities: iam.NewFromConfig(cfg), Bucket: bucket}
		handle := cfn.LambdaWrap(func(ctx context.Context, e cfn.Event) (string, map[string]any, error) {
			id, data, err := h.Handle(ctx, e)
			log.Info("workspace", "requestType", e.RequestType, "stackId", e.StackID, "workspace", id, "error", errString(err))
			return id, data, err
		})
		if len(os.Args) > 1 && os.Args[1] == "-invoke" {
			var e cfn.Event
			if err := json.NewDecoder(os.Stdin).Decode(&e); err != nil {
				return fmt.Errorf("-invoke: read the event: %w", err)
			}
			_, err := handle(context.Background(), e)
			return err
		}
		lambda.Start(handle)
	default:
		return fmt.Errorf("FUNCTION is %q: want janitor or workspace", f)
	}
	return nil
}

func newJanitor(cfg aws.Config, log *slog.Logger) (*janitor.Janitor, error) {
	days, err := strconv.Atoi(os.Getenv("LEASE_DAYS"))
	if err != nil || days < 1 {
		return nil, fmt.Errorf("LEASE_DAYS is %q: want a whole number of days", os.Getenv("LEASE_DAYS"))
	}
	hours, err := strconv.Atoi(os.Getenv("NOTICE_HOURS"))
	if err != nil || hours < 1 {
		return nil, fmt.Errorf("NOTICE_HOURS is %q: want a whole number of hours", os.Getenv("NOTICE_HOURS"))
	}
	mode := janitor.Mode(os.Getenv("MODE"))
	switch mode {
	case janitor.Enforce, janitor.NotifyOnly, janitor.DryRun:
	default:
		return nil, fmt.Errorf("MODE is %q: want enforce, notify-only or dry-run", mode)
	}
	return &janitor.Janitor{
		Mode:         mode,
		SageMaker:    sagemaker.NewFromConfig(cfg),
		S3:           s3.NewFromConfig(cfg),
		SNS:          sns.NewFromConfig(cfg),
		Terminator:   terminator{servicecatalog.NewFromConfig(cfg)},
		TopicArn:     os.Getenv("TOPIC_ARN"),
		Lease:        time.Duration(days) * 24 * time.Hour,
		NotifyBefore: time.Duration(hours) * time.Hour,
		Log:          log,
	}, nil
}

// terminator terminates through Service Catalog; the token makes a repeat
// a no-op.
type terminator struct{ sc *servicecatalog.Client }

func (t terminator) Terminate(ctx context.Context, id, token string) error {
	_, err := t.sc.TerminateProvisionedProduct(ctx, &servicecatalog.TerminateProvisionedProductInput{
		ProvisionedProductId: aws.String(id),
		TerminateToken:       aws.String(token),
	})
	return err
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

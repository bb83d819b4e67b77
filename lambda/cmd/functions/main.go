// Command functions is the catalog's Lambda functions, one binary for the
// provided.al2023 runtime on arm64 (stacks build it with GOOS=linux
// GOARCH=arm64; no Docker). FUNCTION selects the handler:
//
//   - "janitor": invoked by EventBridge Scheduler; applies the notebook lease
//     (package janitor). Environment: TOPIC_ARN, LEASE_DAYS, NOTICE_HOURS,
//     MODE (enforce, notify-only or dry-run), BUCKET (the workspace bucket,
//     where the sync status is), LAUNCH_ROLE_ARN (the janitor acts only on
//     provisioned products launched with it) and, optionally, PRODUCT_ID
//     (and only on provisioned products of that product).
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
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"strings"
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
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/datalake-platform/sagemaker-catalog/internal/names"
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
		if keys, ok := os.LookupEnv(names.EnvStackTagKeys); ok {
			h.StackTagKeys = strings.FieldsFunc(keys, func(r rune) bool { return r == ',' })
		}
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

// roleArn is an IAM role's ARN in any partition, with or without a path.
var roleArn = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)

// productID is a Service Catalog product ID (prod-...).
var productID = regexp.MustCompile(`^prod-[A-Za-z0-9]{1,96}$`)

func newJanitor(cfg aws.Config, log *slog.Logger) (*janitor.Janitor, error) {
	days, err := strconv.Atoi(os.Getenv(names.EnvLeaseDays))
	if err != nil || days < 1 {
		return nil, fmt.Errorf("%s is %q: want a whole number of days", names.EnvLeaseDays, os.Getenv(names.EnvLeaseDays))
	}
	hours, err := strconv.Atoi(os.Getenv(names.EnvNoticeHours))
	if err != nil || hours < 1 {
		return nil, fmt.Errorf("%s is %q: want a whole number of hours", names.EnvNoticeHours, os.Getenv(names.EnvNoticeHours))
	}
	mode := janitor.Mode(os.Getenv(names.EnvMode))
	switch mode {
	case janitor.Enforce, janitor.NotifyOnly, janitor.DryRun:
	default:
		return nil, fmt.Errorf("%s is %q: want enforce, notify-only or dry-run", names.EnvMode, mode)
	}
	launchRole := os.Getenv(names.EnvLaunchRoleArn)
	if !roleArn.MatchString(launchRole) {
		return nil, fmt.Errorf("%s is %q: want the ARN of the catalog's launch role (arn:aws:iam::<account>:role/<name>)", names.EnvLaunchRoleArn, launchRole)
	}
	product := os.Getenv(names.EnvProductId)
	if product != "" && !productID.MatchString(product) {
		return nil, fmt.Errorf("%s is %q: want a Service Catalog product ID (prod-...) or nothing", names.EnvProductId, product)
	}
	bucket := os.Getenv(names.EnvBucket)
	if bucket == "" {
		return nil, fmt.Errorf("%s is not set: want the workspace bucket's name", names.EnvBucket)
	}
	return &janitor.Janitor{
		Mode:                mode,
		SageMaker:           sagemaker.NewFromConfig(cfg),
		S3:                  s3.NewFromConfig(cfg),
		SNS:                 sns.NewFromConfig(cfg),
		ProvisionedProducts: provisionedProducts{servicecatalog.NewFromConfig(cfg)},
		LaunchRoleArn:       launchRole,
		ProductID:           product,
		Bucket:              bucket,
		TopicArn:            os.Getenv(names.EnvTopicArn),
		Lease:               time.Duration(days) * 24 * time.Hour,
		NotifyBefore:        time.Duration(hours) * time.Hour,
		Log:                 log,
	}, nil
}

// serviceCatalog is the part of the Service Catalog API the janitor calls.
type serviceCatalog interface {
	DescribeProvisionedProduct(context.Context, *servicecatalog.DescribeProvisionedProductInput, ...func(*servicecatalog.Options)) (*servicecatalog.DescribeProvisionedProductOutput, error)
	TerminateProvisionedProduct(context.Context, *servicecatalog.TerminateProvisionedProductInput, ...func(*servicecatalog.Options)) (*servicecatalog.TerminateProvisionedProductOutput, error)
}

// provisionedProducts is janitor.ProvisionedProducts through Service
// Catalog.
type provisionedProducts struct{ sc serviceCatalog }

// Describe calls DescribeProvisionedProduct with the ID; Service Catalog
// answers ResourceNotFoundException for an ID it does not know.
func (p provisionedProducts) Describe(ctx context.Context, id string) (janitor.ProvisionedProduct, error) {
	out, err := p.sc.DescribeProvisionedProduct(ctx, &servicecatalog.DescribeProvisionedProductInput{Id: aws.String(id)})
	var missing *sctypes.ResourceNotFoundException
	if errors.As(err, &missing) {
		return janitor.ProvisionedProduct{}, fmt.Errorf("%w: %s", janitor.ErrNoProvisionedProduct, err)
	}
	if err != nil {
		return janitor.ProvisionedProduct{}, err
	}
	d := out.ProvisionedProductDetail
	if d == nil {
		return janitor.ProvisionedProduct{}, fmt.Errorf("%w: DescribeProvisionedProduct %s returned no detail", janitor.ErrNoProvisionedProduct, id)
	}
	return janitor.ProvisionedProduct{
		ID:            aws.ToString(d.Id),
		ProductID:     aws.ToString(d.ProductId),
		LaunchRoleArn: aws.ToString(d.LaunchRoleArn),
		Status:        string(d.Status),
	}, nil
}

// Terminate calls TerminateProvisionedProduct; the token makes a repeat a
// no-op.
func (p provisionedProducts) Terminate(ctx context.Context, id, token string) error {
	_, err := p.sc.TerminateProvisionedProduct(ctx, &servicecatalog.TerminateProvisionedProductInput{
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

package workspace_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/datalake-platform/sagemaker-catalog/lambda/workspace"
)

// SageMaker's tag values: at most 256 characters of letters, separators
// (spaces), numbers and _ . : / = + - @ (Tag, Amazon SageMaker API
// Reference: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Tag.html).
// The notebook template puts the workspace's Owner, Uri,
// ProvisionedProductId and LeaseStart in the notebook's tags, so a value
// outside these limits fails CreateNotebookInstance, and the launch.
var tagValuePattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

const maxTagValue = 256

// tagAttributes are the handler's attributes the notebook is tagged with.
var tagAttributes = []string{"Owner", "OwnerId", "Uri", "ProvisionedProductId", "LeaseStart"}

// longestBucket is the longest name the handler can be given: S3 bucket
// names have at most 63 characters (the catalog's own are at most 56:
// 27 of catalog prefix, the account and the region).
var longestBucket = strings.Repeat("b", 63)

type oneStack struct{ tags map[string]string }

func (s oneStack) DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	var tags []cfntypes.Tag
	for k, v := range s.tags {
		tags = append(tags, cfntypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{{Tags: tags}}}, nil
}

// tagProblems returns what SageMaker would refuse in the tags of a
// notebook launched by principal, or nil; accepted is false when the
// workspace refuses the principal itself (a clear error at launch).
func tagProblems(t testing.TB, principal, bucket string) (problems []string, accepted bool) {
	t.Helper()
	h := workspace.Handler{
		Stacks: oneStack{map[string]string{
			workspace.PrincipalTag:          principal,
			workspace.ProvisionedProductTag: "arn:aws:servicecatalog:eu-west-1:123456789012:stack/SC-123456789012-pp-abcdefghijklm/pp-abcdefghijklm",
		}},
		Identities: fakeIdentities{},
		Bucket:     bucket,
		Now:        func() time.Time { return time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC) },
	}
	_, attrs, err := h.Handle(context.Background(), cfn.Event{RequestType: cfn.RequestCreate, StackID: "arn:aws:cloudformation:eu-west-1:123456789012:stack/SC-123456789012-pp-abcdefghijklm/1"})
	if err != nil {
		return nil, false
	}
	for _, name := range tagAttributes {
		v := fmt.Sprint(attrs[name])
		if len(v) > maxTagValue {
			problems = append(problems, fmt.Sprintf("%s is %d characters (at most %d)", name, len(v), maxTagValue))
		}
		if !tagValuePattern.MatchString(v) {
			problems = append(problems, fmt.Sprintf("%s %q has characters a SageMaker tag value cannot hold", name, v))
		}
	}
	return problems, true
}

// longestOwnerPrincipal returns the IAM user ARN with the longest owner the
// workspace accepts: its bound, found by asking Owner.
func longestOwnerPrincipal(t testing.TB) (string, int) {
	longest := ""
	for n := 1; n <= 2048; n++ {
		arn := "arn:aws:iam::123456789012:user/" + strings.Repeat("a", n)
		if _, err := workspace.Owner(arn); err == nil {
			longest = arn
		}
	}
	if longest == "" {
		t.Fatal("the workspace accepts no IAM user")
	}
	owner, _ := workspace.Owner(longest)
	return longest, len(owner)
}

// Every owner the workspace accepts yields tag values SageMaker accepts:
// otherwise the analyst's launch fails on CreateNotebookInstance instead
// of with a clear error from the workspace.
func TestAcceptedOwnersYieldValidTagValues(t *testing.T) {
	longest, bound := longestOwnerPrincipal(t)
	t.Logf("the longest owner the workspace accepts has %d characters", bound)
	for _, tc := range []struct{ name, principal, bucket string }{
		{"Identity Center session", "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Analyst_0123456789abcdef/alice@example.com", longestBucket},
		{"longest assumed-role session (64-character role and session names)",
			"arn:aws:sts::123456789012:assumed-role/" + strings.Repeat("r", 64) + "/" + strings.Repeat("s", 64), longestBucket},
		{"IAM user with a path", "arn:aws:iam::123456789012:user/team/bob", longestBucket},
		{"role", "arn:aws:iam::123456789012:role/analyst", longestBucket},
		// Role session names may contain commas ([\w+=,.@-]*), and Owner accepts them.
		{"session name with a comma", "arn:aws:sts::123456789012:assumed-role/Analyst/doe,jane", longestBucket},
		{fmt.Sprintf("longest owner (%d characters), 63-character bucket", bound), longest, longestBucket},
		{fmt.Sprintf("longest owner (%d characters), catalog bucket in eu-central-1", bound), longest, "sagemakercatalog-ws-123456789012-eu-central-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problems, accepted := tagProblems(t, tc.principal, tc.bucket)
			if !accepted {
				// A refusal is the other accepted outcome, not a skip: CI fails on skips.
				t.Logf("the workspace refuses %s with a clear error", tc.principal)
				return
			}
			for _, p := range problems {
				t.Errorf("owner of %s: %s", tc.principal, p)
			}
		})
	}
}

// FuzzAcceptedOwnersYieldValidTagValues explores principals: whatever the
// workspace accepts must yield valid tag values, with the longest bucket.
func FuzzAcceptedOwnersYieldValidTagValues(f *testing.F) {
	for _, seed := range []string{
		"arn:aws:sts::123456789012:assumed-role/Analyst/alice@example.com",
		"arn:aws:iam::123456789012:user/team/bob",
		"arn:aws:iam::123456789012:role/analyst",
		"arn:aws:sts::123456789012:assumed-role/Analyst/doe,jane",
		"arn:aws:iam::123456789012:user/" + strings.Repeat("p/", 90) + "name",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, principal string) {
		problems, _ := tagProblems(t, principal, longestBucket)
		for _, p := range problems {
			t.Errorf("owner of %q: %s", principal, p)
		}
	})
}

package notebook_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/notebook"
	"github.com/datalake-platform/sagemaker-catalog/lambda/workspace"
)

// lifecycleContentLimit is SageMaker's limit on a lifecycle configuration
// script: its base64 Content has at most 16,384 characters
// (NotebookInstanceLifecycleHook, Amazon SageMaker API Reference:
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_NotebookInstanceLifecycleHook.html;
// the CloudFormation property AWS::SageMaker::NotebookInstanceLifecycleConfig
// NotebookInstanceLifecycleHook.Content: Maximum 16384).
const lifecycleContentLimit = 16384

// longestRegion is the longest region code in the AWS SDK for Go v2's
// partitions (aws-sdk-go-v2 v1.48.0, internal/endpoints/awsrulesfn/partitions.json).
const longestRegion = "us-isof-south-1"

// workspaceStacks answers the workspace handler's DescribeStacks.
type workspaceStacks struct{ principal string }

func (s workspaceStacks) DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{{Tags: []cfntypes.Tag{
		{Key: aws.String(workspace.PrincipalTag), Value: aws.String(s.principal)},
		{Key: aws.String(workspace.ProvisionedProductTag), Value: aws.String("arn:aws:servicecatalog:eu-west-1:123456789012:stack/SC-123456789012-pp-abcdefghijklm/pp-abcdefghijklm")},
	}}}}, nil
}

// longestWorkspaceUri is the longest Uri the workspace function returns:
// for the longest owner it accepts (found by asking the handler) in a
// bucket with the longest name S3 allows (63 characters).
func longestWorkspaceUri(t *testing.T) (string, string) {
	t.Helper()
	longest, status := "", ""
	for n := 1; n <= 2048; n++ {
		arn := "arn:aws:iam::123456789012:user/" + strings.Repeat("a", n)
		h := workspace.Handler{Stacks: workspaceStacks{arn}, Identities: anyIdentity{}, Bucket: strings.Repeat("b", 63)}
		_, attrs, err := h.Handle(context.Background(), cfn.Event{RequestType: cfn.RequestCreate, StackID: "arn:aws:cloudformation:eu-west-1:123456789012:stack/SC-123456789012-pp-abcdefghijklm/1"})
		if err == nil {
			longest, status = attrs["Uri"].(string), attrs["StatusUri"].(string)
		}
	}
	require.NotEmpty(t, longest, "the workspace accepts no IAM user")
	return longest, status
}

var subVariable = regexp.MustCompile(`\$\{([^}]*)\}`)

// fnSub renders an Fn::Sub string as CloudFormation does: ${Name} is the
// variable's value, ${!Literal} is ${Literal}. It fails on a name without
// a value.
func fnSub(t *testing.T, s string, values map[string]string) string {
	t.Helper()
	return subVariable.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		v, ok := values[name]
		if !ok {
			t.Fatalf("Fn::Sub: no worst-case value for ${%s}: add one to this test", name)
		}
		return v
	})
}

// The lifecycle configuration, as CloudFormation renders it with the
// longest value of every variable, fits SageMaker's limit; the test's name
// and log give the margin.
func TestLifecycleContentFitsSageMakersLimit(t *testing.T) {
	// The configuration with the longest values: the largest idle time,
	// and "false" (longer than "true").
	_, tmpl, err := synth(&notebook.Props{
		IdleTimeoutMinutes:     jsii.Number(notebook.MaxIdleTimeoutLimitMinutes),
		MaxIdleTimeoutMinutes:  jsii.Number(notebook.MaxIdleTimeoutLimitMinutes),
		IdleIgnoresConnections: jsii.Bool(false),
	})
	require.NoError(t, err)
	hooks := tmpl.Only(t, "AWS::SageMaker::NotebookInstanceLifecycleConfig")["OnStart"].([]any)
	require.Len(t, hooks, 1)
	content := hooks[0].(map[string]any)["Content"].(map[string]any)
	sub := content["Fn::Base64"].(map[string]any)["Fn::Sub"].([]any)
	script, variables := sub[0].(string), sub[1].(map[string]any)

	uri, statusUri := longestWorkspaceUri(t)
	params := tmpl["Parameters"].(map[string]any)
	worst := map[string]string{"AWS::Region": longestRegion}
	for name, v := range variables {
		switch v := v.(type) {
		case string:
			worst[name] = v
		case map[string]any:
			switch {
			case v["Ref"] != nil:
				// A Number parameter: the longer of its bounds.
				p := params[v["Ref"].(string)].(map[string]any)
				require.Equal(t, "Number", p["Type"], "${%s}", name)
				lo, hi := strconv.FormatFloat(p["MinValue"].(float64), 'f', -1, 64), strconv.FormatFloat(p["MaxValue"].(float64), 'f', -1, 64)
				if len(lo) > len(hi) {
					worst[name] = lo
				} else {
					worst[name] = hi
				}
			case fmt.Sprint(v["Fn::GetAtt"]) == "[Workspace Uri]":
				worst[name] = uri
			case fmt.Sprint(v["Fn::GetAtt"]) == "[Workspace StatusUri]":
				worst[name] = statusUri
			default:
				t.Fatalf("${%s} is %v: add its worst case to this test", name, v)
			}
		default:
			t.Fatalf("${%s} is %v: add its worst case to this test", name, v)
		}
	}
	rendered := fnSub(t, script, worst)
	encoded := base64.StdEncoding.EncodedLen(len(rendered))
	margin := lifecycleContentLimit - encoded
	t.Logf("lifecycle configuration: %d characters rendered with the worst case (workspace %d characters, idle %s minutes, region %s), "+
		"%d in base64; SageMaker's limit %d; margin %d", len(rendered), len(uri), worst["IdleTimeoutMinutes"], longestRegion, encoded, lifecycleContentLimit, margin)
	t.Run(fmt.Sprintf("base64_%d_of_%d_margin_%d", encoded, lifecycleContentLimit, margin), func(t *testing.T) {
		if margin < 0 {
			t.Errorf("the lifecycle configuration is %d characters over SageMaker's limit with the worst case", -margin)
		}
	})
}

// anyIdentity gives every role and user an ID as long as IAM's (21 characters).
type anyIdentity struct{}

func (anyIdentity) GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	return &iam.GetRoleOutput{Role: &iamtypes.Role{RoleId: aws.String("AROA" + strings.Repeat("X", 17))}}, nil
}

func (anyIdentity) GetUser(context.Context, *iam.GetUserInput, ...func(*iam.Options)) (*iam.GetUserOutput, error) {
	return &iam.GetUserOutput{User: &iamtypes.User{UserId: aws.String("AIDA" + strings.Repeat("X", 17))}}, nil
}

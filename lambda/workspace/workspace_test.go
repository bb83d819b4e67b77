package workspace_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/internal/motoserver"
	"github.com/datalake-platform/sagemaker-catalog/lambda/workspace"
)

func TestOwner(t *testing.T) {
	for _, tc := range []struct{ arn, owner, err string }{
		{"arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Analyst_0123456789abcdef/alice@example.com", "assumed-role/AWSReservedSSO_Analyst_0123456789abcdef/alice@example.com", ""},
		{"arn:aws:iam::123456789012:user/bob", "user/bob", ""},
		// Names are unique whatever the path; with it, one owner's prefix
		// could hold another's (owners/user/data/ and owners/user/data/alice/).
		{"arn:aws:iam::123456789012:user/team/bob", "user/bob", ""},
		{"arn:aws:iam::123456789012:user/data/alice", "user/alice", ""},
		{"arn:aws:iam::123456789012:role/service-role/analyst", "role/analyst", ""},
		{"arn:aws:iam::123456789012:role/analyst", "role/analyst", ""},
		{"arn:aws-cn:sts::123456789012:assumed-role/Analyst/carol", "assumed-role/Analyst/carol", ""},
		{"arn:aws:sts::123456789012:federated-user/dave", "", "not a user, role or assumed-role session"},
		{"arn:aws:s3:::bucket", "", "not an IAM or STS ARN"},
		{"alice", "", "not an IAM or STS ARN"},
		{"", "", "not an IAM or STS ARN"},
		{"arn:aws:iam::123456789012:user/*", "", "characters an S3 prefix in an IAM policy cannot hold"},
		{"arn:aws:iam::123456789012:user/a/..", "", "characters an S3 prefix in an IAM policy cannot hold"},
		{"arn:aws:sts::123456789012:assumed-role/Analyst/${aws:username}", "", "characters an S3 prefix in an IAM policy cannot hold"},
	} {
		owner, err := workspace.Owner(tc.arn)
		if tc.err != "" {
			require.Error(t, err, tc.arn)
			assert.Contains(t, err.Error(), tc.err)
			continue
		}
		require.NoError(t, err, tc.arn)
		assert.Equal(t, tc.owner, owner)
	}
}

// CheckOwner applies Owner's rules to an owner read back from a tag.
func TestCheckOwner(t *testing.T) {
	for _, owner := range []string{"assumed-role/Analyst/alice@example.com", "user/bob", "role/analyst"} {
		assert.NoError(t, workspace.CheckOwner(owner), owner)
	}
	for owner, want := range map[string]string{
		"":                            "not a user, role or assumed-role session",
		"bob":                         "not a user, role or assumed-role session",
		"federated-user/dave":         "not a user, role or assumed-role session",
		"assumed-role/Analyst":        "not a user, role or assumed-role session",
		"assumed-role/Analyst/a/b":    "not a user, role or assumed-role session",
		"user/*":                      "characters an S3 prefix in an IAM policy cannot hold",
		"user/..":                     "characters an S3 prefix in an IAM policy cannot hold",
		"user/team/bob":               "not a user, role or assumed-role session",
		"user/a/../b":                 "not a user, role or assumed-role session",
		"user//b":                     "not a user, role or assumed-role session",
		"assumed-role/Analyst/a,b":    "characters an S3 prefix in an IAM policy cannot hold",
		"assumed-role/Analyst/${x:y}": "characters an S3 prefix in an IAM policy cannot hold",
	} {
		err := workspace.CheckOwner(owner)
		require.Error(t, err, owner)
		assert.Contains(t, err.Error(), want, owner)
	}
}

// The handler reads Service Catalog's tags from the provisioned stack,
// through moto's CloudFormation API.
func TestHandlerReadsTheProvisionedStack(t *testing.T) {
	srv := motoserver.Start(t)
	ctx := motoserver.Context(t)
	client := cloudformation.NewFromConfig(srv.Config())
	body := `{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}}`
	create := func(name string, tags map[string]string) string {
		var ts []cfntypes.Tag
		for k, v := range tags {
			ts = append(ts, cfntypes.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		out, err := client.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(body), Tags: ts})
		require.NoError(t, err)
		return aws.ToString(out.StackId)
	}
	launched := create("SC-123456789012-pp-abcdefghijklm", map[string]string{
		workspace.PrincipalTag:          "arn:aws:sts::123456789012:assumed-role/Analyst/alice@example.com",
		workspace.ProvisionedProductTag: "arn:aws:servicecatalog:eu-west-1:123456789012:stack/notebook/pp-abcdefghijklm",
	})
	ids := iam.NewFromConfig(srv.Config())
	role, err := ids.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Analyst"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
	require.NoError(t, err)
	clock := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	h := &workspace.Handler{Stacks: client, Identities: ids, Bucket: "sagemaker-catalog-ws-123456789012-eu-west-1", Now: func() time.Time { return clock }}

	id, data, err := h.Handle(ctx, cfn.Event{RequestType: cfn.RequestCreate, StackID: launched, ResourceProperties: map[string]any{"Generation": "0a1b2c3d"}})
	require.NoError(t, err)
	assert.Equal(t, "s3://sagemaker-catalog-ws-123456789012-eu-west-1/owners/assumed-role/Analyst/alice@example.com/", id)
	assert.Equal(t, map[string]any{
		"Owner":                "assumed-role/Analyst/alice@example.com",
		"OwnerId":              aws.ToString(role.Role.RoleId) + ":alice@example.com",
		"Prefix":               "owners/assumed-role/Analyst/alice@example.com/",
		"Bucket":               "sagemaker-catalog-ws-123456789012-eu-west-1",
		"Uri":                  id,
		"StatusUri":            "s3://sagemaker-catalog-ws-123456789012-eu-west-1/status/assumed-role/Analyst/alice@example.com/",
		"ProvisionedProductId": "pp-abcdefghijklm",
		"NotebookName":         "sc-123456789012-pp-abcdefghijklm-0a1b2c3d",
		"LeaseStart":           "2026-11-26T12:00:00Z",
	}, data)

	// A launch by a principal IAM does not know fails: no notebook without an owner ID.
	ghost := create("SC-123456789012-pp-ghostghostgho", map[string]string{
		workspace.PrincipalTag:          "arn:aws:sts::123456789012:assumed-role/Deleted/eve",
		workspace.ProvisionedProductTag: "arn:aws:servicecatalog:eu-west-1:123456789012:stack/notebook/pp-ghostghostgho",
	})
	_, _, err = h.Handle(ctx, cfn.Event{RequestType: cfn.RequestCreate, StackID: ghost})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "get role Deleted")

	// An update (a new lease) renews the lease start; the workspace stays.
	clock = clock.Add(72 * time.Hour)
	id2, data, err := h.Handle(ctx, cfn.Event{RequestType: cfn.RequestUpdate, StackID: launched, PhysicalResourceID: id})
	require.NoError(t, err)
	assert.Equal(t, id, id2)
	assert.Equal(t, "2026-11-29T12:00:00Z", data["LeaseStart"])

	// Delete keeps the workspace and calls nothing.
	id3, _, err := (&workspace.Handler{}).Handle(ctx, cfn.Event{RequestType: cfn.RequestDelete, StackID: launched, PhysicalResourceID: id})
	require.NoError(t, err)
	assert.Equal(t, id, id3)

	// A stack not launched through Service Catalog gets no workspace.
	plain := create("not-from-service-catalog", nil)
	_, _, err = h.Handle(ctx, cfn.Event{RequestType: cfn.RequestCreate, StackID: plain})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "launch the notebook through AWS Service Catalog")
}

func TestNotebookName(t *testing.T) {
	for _, tc := range []struct{ stack, generation, name, err string }{
		{"arn:aws:cloudformation:eu-west-1:123456789012:stack/SC-123456789012-pp-abcdefghijklm/1", "", "sc-123456789012-pp-abcdefghijklm", ""},
		{"arn:aws:cloudformation:eu-west-1:123456789012:stack/SC-123456789012-pp-ABCDEFGHIJKLM/1", "9f8e7d6c", "sc-123456789012-pp-abcdefghijklm-9f8e7d6c", ""},
		{"arn:aws:cloudformation:eu-west-1:123456789012:stack/my-stack/1", "", "", "not a stack Service Catalog provisions"},
		{"arn:aws:cloudformation:eu-west-1:123456789012:stack/SC-123456789012-pp-abcdefghijklm/1", "Bad!", "", "Generation"},
		{"arn:aws:cloudformation:eu-west-1:123456789012:stack/SC-" + strings.Repeat("a", 61) + "/1", "", "", "at most 63"},
		{"SC-123456789012-pp-abcdefghijklm", "", "", "not a stack Service Catalog provisions"},
	} {
		name, err := workspace.NotebookName(tc.stack, tc.generation)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.stack)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.name, name)
	}
}

// fakeIdentities answers GetRole and GetUser with IDs derived from the name.
type fakeIdentities struct{}

func (fakeIdentities) GetRole(_ context.Context, in *iam.GetRoleInput, _ ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	return &iam.GetRoleOutput{Role: &iamtypes.Role{RoleId: aws.String("AROA" + strings.ToUpper(aws.ToString(in.RoleName)))}}, nil
}

func (fakeIdentities) GetUser(_ context.Context, in *iam.GetUserInput, _ ...func(*iam.Options)) (*iam.GetUserOutput, error) {
	return &iam.GetUserOutput{User: &iamtypes.User{UserId: aws.String("AIDA" + strings.ToUpper(aws.ToString(in.UserName)))}}, nil
}

// The owner ID is what IAM puts in aws:userid for the launching principal.
func TestOwnerId(t *testing.T) {
	for _, tc := range []struct{ arn, id, err string }{
		{"arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Analyst_0123/alice@example.com", "AROAAWSRESERVEDSSO_ANALYST_0123:alice@example.com", ""},
		{"arn:aws:iam::123456789012:user/team/bob", "AIDABOB", ""},
		{"arn:aws:iam::123456789012:role/path/analyst", "AROAANALYST", ""},
		{"arn:aws:sts::123456789012:federated-user/dave", "", "not a user, role or assumed-role session"},
		{"nonsense", "", "not an ARN"},
	} {
		id, err := workspace.OwnerId(context.Background(), fakeIdentities{}, tc.arn)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.arn)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.id, id)
	}
}

// Tags an analyst adds at launch reach the stack, and CloudFormation gives
// them to the notebook, whose tag keys the launch role limits: the function
// refuses the launch first, naming the tag.
func TestLaunchTagsOutsideTheTagOptionsAreRefused(t *testing.T) {
	base := map[string]string{
		workspace.PrincipalTag:          "arn:aws:sts::123456789012:assumed-role/Analyst/alice",
		workspace.ProvisionedProductTag: "arn:aws:servicecatalog:eu-west-1:123456789012:stack/nb/pp-abcdefghijklm",
		"aws:cloudformation:stack-name": "SC-123456789012-pp-abcdefghijklm",
	}
	for _, tc := range []struct {
		name    string
		keys    []string
		extra   map[string]string
		wantErr string
	}{
		{"the TagOptions", []string{"CostCenter", "Project"}, map[string]string{"CostCenter": "cc-1", "Project": "lake"}, ""},
		{"a tag of the analyst's own", []string{"CostCenter", "Project"}, map[string]string{"Team": "x"},
			`launch tag "Team": only the portfolio's TagOptions may be set at launch (CostCenter, Project)`},
		{"no TagOptions, a tag", []string{}, map[string]string{"Team": "x"}, `launch tag "Team": only the portfolio's TagOptions may be set at launch (none)`},
		{"the template's owner tag", nil, map[string]string{"sagemaker-catalog:owner": "assumed-role/Analyst/bob"},
			`launch tag "sagemaker-catalog:owner": the sagemaker-catalog:* tags are the notebook template's`},
		{"without a list, any other tag", nil, map[string]string{"Team": "x"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tags := map[string]string{}
			for k, v := range base {
				tags[k] = v
			}
			for k, v := range tc.extra {
				tags[k] = v
			}
			h := &workspace.Handler{Stacks: oneStack{tags}, Identities: fakeIdentities{}, Bucket: "b", StackTagKeys: tc.keys}
			_, _, err := h.Handle(context.Background(), cfn.Event{RequestType: cfn.RequestCreate,
				StackID: "arn:aws:cloudformation:eu-west-1:123456789012:stack/SC-123456789012-pp-abcdefghijklm/1"})
			if tc.wantErr == "" {
				assert.NoError(t, err)
			} else {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
			}
		})
	}
}

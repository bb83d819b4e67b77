package keys_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/keys"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Run(m) }

const keyType = "AWS::KMS::Key"

// resource returns the synthesized resource of c's default child.
func resource(t *testing.T, stack awscdk.Stack, c constructs.IConstruct) map[string]any {
	t.Helper()
	id := *stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
	r, ok := (*assertions.Template_FromStack(stack, nil).ToJSON())["Resources"].(map[string]any)[id].(map[string]any)
	require.True(t, ok, "no resource %s", id)
	return r
}

// statements returns the key policy's statements by Sid.
func statements(t *testing.T, key map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, s := range key["Properties"].(map[string]any)["KeyPolicy"].(map[string]any)["Statement"].([]any) {
		st := s.(map[string]any)
		sid, _ := st["Sid"].(string)
		out[sid] = st
	}
	return out
}

func asStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestDefaults(t *testing.T) {
	_, stack := testutil.NewStack()
	k := keys.New(stack, jsii.String("Key"), nil)

	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String(keyType), jsii.Number(1))
	// Rotation on, kept when the stack is deleted or the key replaced.
	tmpl.HasResource(jsii.String(keyType), map[string]any{
		"Properties":          map[string]any{"EnableKeyRotation": true, "Description": keys.DefaultDescription},
		"DeletionPolicy":      "Retain",
		"UpdateReplacePolicy": "Retain",
	})
	tmpl.ResourceCountIs(jsii.String("AWS::KMS::Alias"), jsii.Number(0))

	key := resource(t, stack, k.Key)
	st := statements(t, key)
	require.Len(t, st, 2, "the account's statement and the grant guard only: CloudWatch Logs may not use the key")
	deny := st["DenyCreateGrantUnlessForAWSResource"]
	require.NotNil(t, deny, "grants only for AWS resources (CT.KMS.PR.3)")
	assert.Equal(t, "Deny", deny["Effect"])
	assert.Equal(t, "kms:CreateGrant", deny["Action"])
	assert.Equal(t, map[string]any{"BoolIfExists": map[string]any{"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}}, deny["Condition"])
	admin := st["AccountAdministersAndUsesKeyThroughIam"]
	require.NotNil(t, admin)
	assert.Equal(t, "Allow", admin["Effect"])
	assert.Equal(t, "*", admin["Resource"], "in a key policy, this key")
	assert.Contains(t, testutil.JSON(admin["Principal"]), `":iam::",{"Ref":"AWS::AccountId"},":root"`)
	// An explicit list, not the CDK's default kms:*.
	actions := asStrings(admin["Action"])
	assert.ElementsMatch(t, keys.AdministrationActions, actions)
	assert.NotContains(t, testutil.JSON(key), `"kms:*"`)
	for _, a := range []string{"kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:Decrypt", "kms:GenerateDataKey"} {
		assert.Contains(t, actions, a, "the account keeps control of the key and can use it")
	}

	// The exposed key is the synthesized one.
	id := *stack.GetLogicalId(k.Key.Node().DefaultChild().(awscdk.CfnElement))
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{id, "Arn"}}, stack.Resolve(k.KeyArn()))
	assert.Equal(t, "Test/Key/Resource", *k.Key.Node().Path(), "the L1's path: Resource, as the CDK names a primary child")
	assert.Equal(t, "Test", *awscdk.Stack_Of(k).Node().Id(), "the L3 is a construct CDK functions accept")
}

func TestDescription(t *testing.T) {
	_, stack := testutil.NewStack()
	keys.New(stack, jsii.String("Key"), &keys.Props{Description: jsii.String("Encrypts the team's notebooks")})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String(keyType), map[string]any{"Description": "Encrypts the team's notebooks"})
}

func TestLogGroupArnsLetsCloudWatchLogsEncryptThoseGroups(t *testing.T) {
	_, stack := testutil.NewStack()
	const groups = "arn:aws:logs:eu-west-1:123456789012:log-group:/catalog/*"
	k := keys.New(stack, jsii.String("Key"), &keys.Props{LogGroupArns: jsii.String(groups)})

	st := statements(t, resource(t, stack, k.Key))
	require.Len(t, st, 3)
	logs := st["CloudWatchLogsEncryptsTheseLogGroups"]
	require.NotNil(t, logs)
	// The regional service principal of the stack's region.
	assert.Equal(t, map[string]any{"Service": map[string]any{"Fn::Join": []any{"", []any{"logs.", map[string]any{"Ref": "AWS::Region"}, ".amazonaws.com"}}}}, logs["Principal"])
	assert.Equal(t, keys.LogsActions, asStrings(logs["Action"]))
	assert.Equal(t, "*", logs["Resource"])
	assert.Equal(t, map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": groups}}, logs["Condition"],
		"only for the log groups named")
	assert.False(t, slices.Contains(keys.LogsActions, "kms:PutKeyPolicy"))
}

func TestStatementsAreAdded(t *testing.T) {
	_, stack := testutil.NewStack()
	k := keys.New(stack, jsii.String("Key"), &keys.Props{Statements: []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("SnsPublishesEncrypted"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("sns.amazonaws.com"), nil)},
			Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
			Resources:  jsii.Strings("*"),
		}),
	}})
	st := statements(t, resource(t, stack, k.Key))
	require.Len(t, st, 3)
	assert.Equal(t, map[string]any{"Service": "sns.amazonaws.com"}, st["SnsPublishesEncrypted"]["Principal"])
	assert.Contains(t, st, "AccountAdministersAndUsesKeyThroughIam", "the caller's statements come in addition")
}

// Props given as tokens (a parameter's value, a role's ARN) reach the policy
// as references.
func TestTokens(t *testing.T) {
	_, stack := testutil.NewStack()
	groups := awscdk.NewCfnParameter(stack, jsii.String("LogGroups"), nil)
	description := awscdk.NewCfnParameter(stack, jsii.String("KeyDescription"), nil)
	role := awsiam.NewRole(stack, jsii.String("Publisher"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
	k := keys.New(stack, jsii.String("Key"), &keys.Props{
		Description:  description.ValueAsString(),
		LogGroupArns: groups.ValueAsString(),
		Statements: []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("PublisherEncrypts"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewArnPrincipal(role.RoleArn())},
			Actions:    jsii.Strings("kms:GenerateDataKey"),
			Resources:  jsii.Strings("*"),
		})},
	})
	key := resource(t, stack, k.Key)
	assert.Equal(t, map[string]any{"Ref": "KeyDescription"}, key["Properties"].(map[string]any)["Description"])
	st := statements(t, key)
	assert.Equal(t, map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": map[string]any{"Ref": "LogGroups"}}},
		st["CloudWatchLogsEncryptsTheseLogGroups"]["Condition"])
	roleID := *stack.GetLogicalId(role.Node().DefaultChild().(awscdk.CfnElement))
	assert.Equal(t, map[string]any{"AWS": map[string]any{"Fn::GetAtt": []any{roleID, "Arn"}}}, st["PublisherEncrypts"]["Principal"])
}

func TestFailsOnInvalidProps(t *testing.T) {
	statement := awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("kms:Decrypt"), Resources: jsii.Strings("*"), Principals: &[]awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
	})
	for _, tc := range []struct {
		name  string
		props keys.Props
		want  []string
	}{
		{"fails on a nil statement", keys.Props{Statements: []awsiam.PolicyStatement{statement, nil}},
			[]string{"Test/Key: keys.Props: Statements[1]: nil"}},
		{"fails on a log group name instead of an ARN", keys.Props{LogGroupArns: jsii.String("/catalog/functions/*")},
			[]string{`Test/Key: keys.Props: LogGroupArns: invalid value "/catalog/functions/*"`, "arn:aws:logs:"}},
		{"fails on an empty log group ARN", keys.Props{LogGroupArns: jsii.String("")},
			[]string{`LogGroupArns: invalid value ""`}},
		{"fails on an ARN of another service", keys.Props{LogGroupArns: jsii.String("arn:aws:s3:::bucket/*")},
			[]string{`LogGroupArns: invalid value "arn:aws:s3:::bucket/*"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stack := testutil.NewStack()
			msg := testutil.PanicMessage(func() { keys.New(stack, jsii.String("Key"), &tc.props) })
			require.NotEmpty(t, msg, "New should panic")
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
			assert.NotContains(t, msg, "jsii", "a clean message, not a jsii trace")
			assert.Error(t, tc.props.Validate())
		})
	}
}

func TestReportsAllProblemsAtOnce(t *testing.T) {
	err := (&keys.Props{LogGroupArns: jsii.String("logs"), Statements: []awsiam.PolicyStatement{nil}}).Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "LogGroupArns")
	assert.Contains(t, err.Error(), "Statements[0]")
}

func TestValidProps(t *testing.T) {
	assert.NoError(t, (&keys.Props{}).Validate())
	assert.NoError(t, (&keys.Props{LogGroupArns: jsii.String("arn:aws-cn:logs:cn-north-1:123456789012:log-group:/catalog/*")}).Validate())
}

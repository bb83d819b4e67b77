package keys_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/keys"
	"github.com/datalake-platform/sagemaker-catalog/internal/policytest"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

const (
	notebookRoles = "arn:aws:iam::123456789012:role/catalog/eu-west-1/notebooks/*"
	launchRole    = "arn:aws:iam::123456789012:role/catalog-eu-west-1-launch"
	s3Service     = "s3.eu-west-1.amazonaws.com"
)

// A restricted key denies its use to every principal of the account but its
// users, and but through its services; the account still administers it.
func TestRestrictUse(t *testing.T) {
	_, stack := testutil.NewStack()
	k := keys.New(stack, jsii.String("Key"), &keys.Props{
		Users:       []*string{jsii.String(notebookRoles), jsii.String(launchRole)},
		ViaServices: []*string{jsii.String(s3Service)},
	})
	assert.True(t, k.Restricted())
	st := statements(t, resource(t, stack, k.Key))
	require.Len(t, st, 3, "administration, the grant guard and the use guard")
	assert.Contains(t, st, "AccountAdministersAndUsesKeyThroughIam", "the account keeps administering the key through IAM")
	deny := st[keys.DenyUseSid]
	require.NotNil(t, deny)
	assert.Equal(t, "Deny", deny["Effect"])
	assert.Equal(t, map[string]any{"AWS": "*"}, deny["Principal"])
	assert.Equal(t, "*", deny["Resource"])
	assert.ElementsMatch(t, keys.UseActions, asStrings(deny["Action"]))
	assert.Equal(t, map[string]any{
		"StringEquals":    map[string]any{"kms:CallerAccount": map[string]any{"Ref": "AWS::AccountId"}},
		"Bool":            map[string]any{"aws:PrincipalIsAWSService": "false"},
		"ArnNotLike":      map[string]any{"aws:PrincipalArn": []any{notebookRoles, launchRole}},
		"StringNotEquals": map[string]any{"kms:ViaService": []any{s3Service}},
	}, deny["Condition"])
	assert.Equal(t, []string{notebookRoles, launchRole}, derefs(k.Users()))
}

// UseActions are every KMS action that uses a symmetric key's material or
// hands it on (encrypt, decrypt, data keys, re-encrypt, grants), as the
// Service Authorization Reference lists them, each with the condition keys
// the deny relies on.
func TestUseActionsAreTheReferencesUseActions(t *testing.T) {
	actions := policytest.Actions(t, "kms")
	var want []string
	for name, a := range actions {
		if a.Name == "CreateGrant" || strings.HasPrefix(name, "Encrypt") || strings.HasPrefix(name, "Decrypt") ||
			strings.HasPrefix(name, "GenerateDataKey") || strings.HasPrefix(name, "ReEncrypt") {
			want = append(want, "kms:"+name)
		}
	}
	assert.ElementsMatch(t, want, keys.UseActions)
	for _, a := range keys.UseActions {
		got := actions[strings.TrimPrefix(a, "kms:")]
		assert.Contains(t, got.ConditionKeys, "kms:CallerAccount", a)
		assert.Contains(t, got.ConditionKeys, "kms:ViaService", a)
	}
}

// Users added after construction (a role created later, by its token ARN)
// join the exceptions; the key depends on nothing else.
func TestAddUsers(t *testing.T) {
	_, stack := testutil.NewStack()
	none := keys.New(stack, jsii.String("NoUsers"), &keys.Props{RestrictUse: jsii.Bool(true)})
	k := keys.New(stack, jsii.String("Key"), &keys.Props{RestrictUse: jsii.Bool(true)})
	role := awsiam.NewRole(stack, jsii.String("Start"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("ssm.amazonaws.com"), nil)})
	k.AddUsers(jsii.String(launchRole))
	k.AddUsers(role.RoleArn())
	roleID := *stack.GetLogicalId(role.Node().DefaultChild().(awscdk.CfnElement))
	st := statements(t, resource(t, stack, k.Key))
	assert.Equal(t, map[string]any{"aws:PrincipalArn": []any{launchRole, map[string]any{"Fn::GetAtt": []any{roleID, "Arn"}}}},
		st[keys.DenyUseSid]["Condition"].(map[string]any)["ArnNotLike"])
	_, hasUsers := statements(t, resource(t, stack, none.Key))[keys.DenyUseSid]["Condition"].(map[string]any)["ArnNotLike"]
	assert.False(t, hasUsers, "no user: every principal of the account is denied")
}

// A restricted log key may still be used through CloudWatch Logs, with the
// credentials of whoever writes or reads its log groups.
func TestRestrictedLogKeyAllowsCloudWatchLogs(t *testing.T) {
	_, stack := testutil.NewStack()
	k := keys.New(stack, jsii.String("Key"), &keys.Props{
		RestrictUse:  jsii.Bool(true),
		LogGroupArns: jsii.String("arn:aws:logs:eu-west-1:123456789012:log-group:/catalog/*"),
	})
	st := statements(t, resource(t, stack, k.Key))
	require.Len(t, st, 4)
	assert.Equal(t, map[string]any{"kms:ViaService": []any{map[string]any{"Fn::Join": []any{"", []any{"logs.", map[string]any{"Ref": "AWS::Region"}, ".amazonaws.com"}}}}},
		st[keys.DenyUseSid]["Condition"].(map[string]any)["StringNotEquals"])
}

// The restriction, evaluated by an IAM engine: who may still use the key.
func TestRestrictionAsEvaluated(t *testing.T) {
	_, stack := testutil.NewStack()
	k := keys.New(stack, jsii.String("Key"), &keys.Props{
		Users:        []*string{jsii.String(notebookRoles), jsii.String(launchRole)},
		LogGroupArns: jsii.String("arn:aws:logs:eu-west-1:123456789012:log-group:/catalog/*"),
	})
	policy := policytest.Resolve(t, resource(t, stack, k.Key)["Properties"].(map[string]any)["KeyPolicy"], nil).(map[string]any)
	const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	session := func(role string) string {
		name := role[strings.LastIndex(role, "/")+1:]
		return "arn:aws:sts::123456789012:assumed-role/" + name + "/session"
	}
	notebookRole := "arn:aws:iam::123456789012:role/catalog/eu-west-1/notebooks/alice-role"
	admin := "arn:aws:iam::123456789012:role/Administrator"
	other := "arn:aws:iam::999999999999:role/Service"
	via := func(service string) map[string]any {
		return map[string]any{"kms:CallerAccount": "123456789012", "kms:ViaService": service}
	}
	// SageMaker creates the volume's grant for an AWS resource (the grant
	// guard requires it).
	grant := func(ctx map[string]any) map[string]any {
		ctx["kms:GrantIsForAWSResource"] = "true"
		return ctx
	}
	cases := []struct {
		policytest.Request
		want string
	}{
		{policytest.Request{Name: "a notebook role through S3", Principal: session(notebookRole), RoleArn: notebookRole,
			Action: "kms:Decrypt", Resource: keyArn, Context: via(s3Service)}, "Allowed"},
		{policytest.Request{Name: "the launch role's grant through SageMaker", Principal: session(launchRole), RoleArn: launchRole,
			Action: "kms:CreateGrant", Resource: keyArn, Context: grant(via("sagemaker.eu-west-1.amazonaws.com"))}, "Allowed"},
		{policytest.Request{Name: "an administrator with kms:* in its IAM policy", Principal: session(admin), RoleArn: admin,
			Action: "kms:Decrypt", Resource: keyArn, Context: map[string]any{"kms:CallerAccount": "123456789012"}}, "ExplicitlyDenied"},
		{policytest.Request{Name: "an administrator through S3", Principal: session(admin), RoleArn: admin,
			Action: "kms:GenerateDataKey", Resource: keyArn, Context: via(s3Service)}, "ExplicitlyDenied"},
		{policytest.Request{Name: "an administrator reading logs through CloudWatch Logs", Principal: session(admin), RoleArn: admin,
			Action: "kms:Decrypt", Resource: keyArn, Context: via("logs.eu-west-1.amazonaws.com")}, "Allowed"},
		{policytest.Request{Name: "an administrator creating a grant", Principal: session(admin), RoleArn: admin,
			Action: "kms:CreateGrant", Resource: keyArn, Context: grant(via("sagemaker.eu-west-1.amazonaws.com"))}, "ExplicitlyDenied"},
		{policytest.Request{Name: "the administrator still administers the key", Principal: session(admin), RoleArn: admin,
			Action: "kms:PutKeyPolicy", Resource: keyArn}, "Allowed"},
		{policytest.Request{Name: "another account's principal is left to the other statements", Principal: "arn:aws:sts::999999999999:assumed-role/Service/s",
			RoleArn: other, Action: "kms:Decrypt", Resource: keyArn,
			Context: map[string]any{"kms:CallerAccount": "999999999999", "aws:PrincipalAccount": "999999999999"}}, "ImplicitlyDenied"},
	}
	var requests []policytest.Request
	for _, c := range cases {
		requests = append(requests, c.Request)
	}
	got := policytest.Evaluate(t, policy, requests)
	for i, c := range cases {
		assert.Equal(t, c.want, got[i], c.Name)
	}
}

func TestFailsOnInvalidRestriction(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props keys.Props
		want  []string
	}{
		{"fails on users with RestrictUse false", keys.Props{RestrictUse: jsii.Bool(false), Users: []*string{jsii.String(launchRole)}},
			[]string{"Test/Key: keys.Props: RestrictUse: false, but Users or ViaServices are given"}},
		{"fails on a user that is not a principal's ARN", keys.Props{Users: []*string{jsii.String("catalog-launch")}},
			[]string{`keys.Props: Users[0]: invalid value "catalog-launch": an IAM role or user ARN`}},
		{"fails on a nil user", keys.Props{Users: []*string{nil}}, []string{"Users[0]: nil"}},
		{"fails on a service that is not an endpoint name", keys.Props{ViaServices: []*string{jsii.String("s3")}},
			[]string{`ViaServices[0]: invalid value "s3": a kms:ViaService value`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stack := testutil.NewStack()
			msg := testutil.PanicMessage(func() { keys.New(stack, jsii.String("Key"), &tc.props) })
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
			assert.NotContains(t, msg, "jsii")
		})
	}
}

func TestAddUsersFails(t *testing.T) {
	_, stack := testutil.NewStack()
	open := keys.New(stack, jsii.String("Open"), nil)
	assert.False(t, open.Restricted())
	assert.Contains(t, testutil.PanicMessage(func() { open.AddUsers(jsii.String(launchRole)) }),
		"Test/Open: keys.Key.AddUsers: principalArns: the key's use is not restricted")
	restricted := keys.New(stack, jsii.String("Restricted"), &keys.Props{RestrictUse: jsii.Bool(true)})
	assert.Contains(t, testutil.PanicMessage(func() { restricted.AddUsers(jsii.String("arn:aws:s3:::bucket")) }),
		`principalArns[0]: invalid value "arn:aws:s3:::bucket"`)
	assert.Empty(t, testutil.PanicMessage(func() { restricted.AddUsers() }), "nothing to add")
}

func derefs(ss []*string) []string {
	var out []string
	for _, s := range ss {
		out = append(out, *s)
	}
	return out
}

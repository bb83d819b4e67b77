package authz_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/authz"
)

// mini is a small hand-written assembly (testdata/mini) exercising every
// intrinsic function and resource type the resolver must know.
func mini(t *testing.T) *authz.Assembly {
	t.Helper()
	a, err := authz.LoadAssembly("testdata/mini", authz.DefaultEnv())
	require.NoError(t, err)
	return a
}

// intrinsic parses a template value written as JSON.
func intrinsic(t *testing.T, s string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v))
	return v
}

func TestResolvesIntrinsicFunctions(t *testing.T) {
	a := mini(t)
	for _, tc := range []struct{ in, want string }{
		{`{"Ref": "AWS::Region"}`, `"eu-west-1"`},
		{`{"Ref": "AWS::StackName"}`, `"MiniCatalog"`},
		{`{"Ref": "AWS::URLSuffix"}`, `"amazonaws.com"`},
		{`{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AnalystRoleABC}"}`, `"arn:aws:iam::123456789012:role/mini-analyst"`},
		{`{"Fn::Sub": ["${A}-${B}-${!Literal}", {"A": "x", "B": {"Ref": "AWS::Region"}}]}`, `"x-eu-west-1-${Literal}"`},
		{`{"Fn::Sub": "${LaunchRoleDEF.Arn}"}`, `"arn:aws:iam::123456789012:role/mini/MiniCatalog-LaunchRoleDEF-` + ``},
		{`{"Fn::Join": ["/", ["a", {"Ref": "AWS::AccountId"}, "c"]]}`, `"a/123456789012/c"`},
		{`{"Fn::Select": [2, {"Fn::Split": [":", "a:b:c"]}]}`, `"c"`},
		{`{"Fn::If": ["InIreland", "yes", "no"]}`, `"yes"`},
		{`{"Fn::GetAtt": ["WorkspacesXYZ", "Arn"]}`, `"arn:aws:s3:::mini-ws-123456789012-eu-west-1"`},
		{`{"Fn::GetAtt": "KeyABC.Arn"}`, `"arn:aws:kms:eu-west-1:123456789012:key/`},
		{`{"Ref": "Queue1"}`, `"https://sqs.eu-west-1.amazonaws.com/123456789012/MiniCatalog-Queue1-`},
		{`{"Ref": "SharedPolicy123"}`, `"arn:aws:iam::123456789012:policy/mini-shared"`},
		{`{"Ref": "AWS::NoValue"}`, `{}`},
		{`["a", {"Ref": "AWS::NoValue"}, "b"]`, `["a","b"]`},
		{`{"Fn::GetAtt": ["SubnetParam", "Value"]}`, `"subnet-b"`},
	} {
		got, err := a.Resolve(intrinsic(t, tc.in))
		require.NoError(t, err, tc.in)
		b, _ := json.Marshal(got)
		assert.True(t, strings.HasPrefix(string(b), strings.TrimSuffix(tc.want, `"`)), "%s: got %s, want %s", tc.in, b, tc.want)
	}
}

func TestGeneratedNamesAreDeterministicAndDistinct(t *testing.T) {
	first, second := mini(t), mini(t)
	v := intrinsic(t, `[{"Ref": "LogsBucket"}, {"Fn::GetAtt": ["LaunchRoleDEF", "Arn"]}, {"Ref": "KeyABC"}]`)
	a, err := first.Resolve(v)
	require.NoError(t, err)
	b, err := second.Resolve(v)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	names := a.([]any)
	assert.Regexp(t, `^minicatalog-logsbucket-[a-z2-7]{13}$`, names[0], "buckets get lower-case generated names")
	assert.Regexp(t, `^arn:aws:iam::123456789012:role/mini/MiniCatalog-LaunchRoleDEF-[A-Z2-7]{13}$`, names[1], "a role's ARN has its path")
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, names[2])
}

func TestResolveErrorsNameTheProblem(t *testing.T) {
	a := mini(t)
	for in, want := range map[string]string{
		`{"Ref": "Nope"}`:                                        "Nope: no such parameter or resource",
		`{"Fn::GetAtt": ["KeyABC", "Nope"]}`:                     "AWS::KMS::Key has attributes Arn, KeyId",
		`{"Fn::ImportValue": "x"}`:                               "Fn::ImportValue is not supported",
		`{"Fn::Select": [5, ["a"]]}`:                             "index 5 out of 1 items",
		`"{{resolve:ssm:/mini/subnet}}"`:                         "dynamic references are resolved only in the product template",
		`{"Fn::Join": ["", [{"Ref": "AWS::NotificationARNs"}]]}`: "is not a string",
	} {
		_, err := a.Resolve(intrinsic(t, in))
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
}

func TestProductResolvesDynamicReferencesAndTheWorkspace(t *testing.T) {
	a := mini(t)
	v, err := a.ResolveProduct("alice", intrinsic(t, `{"name": {"Ref": "AWS::StackName"}, "key": "{{resolve:ssm:/mini/kms-key-arn}}",
		"subnet": "{{resolve:ssm:/mini/subnet:3}}", "type": {"Ref": "InstanceType"},
		"prefix": {"Fn::GetAtt": ["Workspace", "Prefix"]}, "owner": {"Fn::GetAtt": ["Workspace", "Owner"]},
		"pp": {"Fn::GetAtt": ["Workspace", "ProvisionedProductId"]}, "arn": {"Ref": "NotebookInstance"}}`))
	require.NoError(t, err)
	key, err := a.Resolve(intrinsic(t, `{"Fn::GetAtt": ["KeyABC", "Arn"]}`))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"name": "SC-123456789012-pp-abcdefghijklm", "key": key, "subnet": "subnet-b", "type": "ml.t3.medium",
		// The real workspace handler, on Service Catalog's stack tags: the
		// analyst role's session.
		"prefix": "owners/assumed-role/mini-analyst/alice/", "owner": "assumed-role/mini-analyst/alice",
		"pp": "pp-abcdefghijklm",
		// SageMaker returns lower-case ARNs.
		"arn": "arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/sc-123456789012-pp-abcdefghijklm",
	}, v)

	_, err = a.ResolveProduct("alice", "{{resolve:ssm:/mini/missing}}")
	assert.ErrorContains(t, err, "{{resolve:ssm:/mini/missing}}: the catalog template has 0 AWS::SSM::Parameter resources of that name")
}

func TestIdentityGathersEveryPolicy(t *testing.T) {
	a := mini(t)
	launch, err := a.Identity("launch-role", "alice")
	require.NoError(t, err)
	var names []string
	for _, p := range launch.Policies {
		names = append(names, p.Name)
	}
	assert.ElementsMatch(t, []string{"ExtraPolicy", "SharedPolicy123"}, names, "AWS::IAM::Policy naming the role, and its managed policy")
	require.NotNil(t, launch.Boundary)
	assert.Equal(t, "Boundary123", launch.Boundary.Name)
	assert.Contains(t, launch.Arn, ":role/mini/MiniCatalog-LaunchRoleDEF-")

	nb, err := a.Identity("notebook-role", "bob")
	require.NoError(t, err)
	own, _ := json.Marshal(nb.Policies[0].Document)
	assert.Contains(t, string(own), `arn:aws:s3:::mini-ws-123456789012-eu-west-1/owners/assumed-role/mini-analyst/bob/*`, "bob's notebook role is scoped to bob's prefix")
	assert.Equal(t, "SharedPolicy123", nb.Policies[1].Name, "the product role's managed policy is found in the catalog by its ARN")

	_, err = a.Identity("janitor-role", "alice")
	assert.ErrorContains(t, err, "locator janitor-role: no AWS::IAM::Role in Mini.template.json")
	_, err = a.Identity("nope", "alice")
	assert.ErrorContains(t, err, `"nope" is not a key of authz.Locators`)
}

func TestLaunchParametersOverrideDefaults(t *testing.T) {
	a := mini(t)
	flows := []authz.Flow{{ID: "resize", Assembly: "hub", Launch: "alice", Parameters: map[string]string{"InstanceType": "ml.m5.xlarge"},
		Calls: []authz.Call{{ID: "create", Principal: "launch-role", Action: "sagemaker:CreateNotebookInstance",
			Resource: "arn:${partition}:sagemaker:${region}:${account}:notebook-instance/${notebook.NotebookInstanceName}",
			Context:  map[string]any{"sagemaker:InstanceTypes": "${notebook.Properties.InstanceType}", "tags": []any{"${notebook.Properties.Tags.1.Value}"}},
			Expect:   "Allowed", Source: []string{"repo:x"}}}}}
	reqs, err := a.Requests(flows)
	require.NoError(t, err)
	require.Len(t, reqs, 1)
	ctx := reqs[0].Simulation["request"].(map[string]any)["contextVariables"].(map[string]any)
	assert.Equal(t, "ml.m5.xlarge", ctx["sagemaker:InstanceTypes"])
	assert.Equal(t, []string{"7"}, ctx["tags"], "numbers become strings")
	assert.Equal(t, "arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/SC-123456789012-pp-abcdefghijklm", reqs[0].Resource)
	assert.Equal(t, "launch-role/authz", reqs[0].Principal)
}

package stacks_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/keys"
	"github.com/datalake-platform/sagemaker-catalog/internal/policytest"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

// The data perimeter as the stacks wire it (issue #11): who may use the
// notebook key and the workspace bucket, and through which endpoint,
// resolved for a fixed environment.

// resolved is the resolved value of a resource's property.
func resolved(t *testing.T, r map[string]any, property string, refs map[string]string) any {
	t.Helper()
	all := map[string]string{"AWS::StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/SageMakerCatalog/1c2fa620-982a-11e3-aff7-50e2416294e0"}
	for k, v := range refs {
		all[k] = v
	}
	return policytest.Resolve(t, r["Properties"].(map[string]any)[property], all)
}

// statementWithSid returns the statement of a resource policy with Sid.
func statementWithSid(t *testing.T, doc map[string]any, sid string) map[string]any {
	t.Helper()
	for _, st := range doc["Statement"].([]any) {
		if m := st.(map[string]any); m["Sid"] == sid {
			return m
		}
	}
	t.Fatalf("no statement %s", sid)
	return nil
}

// denyUsers returns the users of a restricted key's policy, sorted.
func denyUsers(t *testing.T, policy any) []string {
	t.Helper()
	for _, st := range policy.(map[string]any)["Statement"].([]any) {
		m := st.(map[string]any)
		if m["Sid"] == keys.DenyUseSid {
			var out []string
			for _, u := range asList(m["Condition"].(map[string]any)["ArnNotLike"].(map[string]any)["aws:PrincipalArn"]) {
				out = append(out, u)
			}
			sort.Strings(out)
			return out
		}
	}
	t.Fatal("no use restriction in the key policy")
	return nil
}

// The key names its users by ARNs built from their names, not by
// references: the launch role's and the janitor's policies name the key, so
// a reference would be a circular dependency (the synthesis these tests
// share refuses one: "Template is undeployable").
func TestNotebookKeyUsers(t *testing.T) {
	s := onDefaults(t)
	var start string
	for _, a := range s.hub.Actions.Actions {
		if a.Api == "StartNotebookInstance" {
			start = id(s, a.Role)
		}
	}
	require.NotEmpty(t, start)
	key := resolved(t, resource(t, s, s.parts.NotebookKey), "KeyPolicy", map[string]string{start + ".Arn": "arn:aws:iam::123456789012:role/start-action"})
	assert.Equal(t, []string{
		"arn:aws:iam::123456789012:role/SageMakerCatalog-eu-west-1-janitor",
		"arn:aws:iam::123456789012:role/SageMakerCatalog-eu-west-1-launch",
		"arn:aws:iam::123456789012:role/SageMakerCatalog/eu-west-1/notebooks/*",
		"arn:aws:iam::123456789012:role/start-action",
	}, denyUsers(t, key))

	// The names the key's policy gives are the roles' names.
	assert.Equal(t, "SageMakerCatalog-eu-west-1-launch", resolved(t, resource(t, s, s.hub.LaunchRole.Role), "RoleName", nil))
	assert.Equal(t, "SageMakerCatalog-eu-west-1-janitor", resolved(t, resource(t, s, s.parts.Janitor.Function.Role()), "RoleName", nil))
	assert.Equal(t, "/SageMakerCatalog/eu-west-1/notebooks/", policytest.Resolve(t, s.stack.Resolve(s.parts.Workspaces.RoleCreation().Path), nil))

	// The log key: CloudWatch Logs only.
	for lid, r := range s.json.Resources("AWS::KMS::Key") {
		if strings.HasPrefix(lid, "FunctionLogKey") {
			assert.Contains(t, testutil.JSON(r), `"Sid":"`+keys.DenyUseSid+`"`)
			assert.NotContains(t, testutil.JSON(r), "ArnNotLike", "no principal of the account may use it directly")
		}
	}
}

func TestSpokeNotebookKeyUsers(t *testing.T) {
	s := catalog(t, spokeValues)
	key := resolved(t, resource(t, s, s.parts.NotebookKey), "KeyPolicy", nil)
	assert.Equal(t, []string{
		"arn:aws:iam::123456789012:role/SageMakerCatalog-eu-west-1-janitor",
		"arn:aws:iam::123456789012:role/SageMakerCatalog-eu-west-1-launch",
		"arn:aws:iam::123456789012:role/SageMakerCatalog/eu-west-1/notebooks/*",
	}, denyUsers(t, key))
	assert.Equal(t, "SageMakerCatalog-eu-west-1-launch", resolved(t, resource(t, s, s.spoke.LaunchRole.Role), "RoleName", nil))
}

// The bucket policy lets the janitor read the status, and requires the
// catalog's S3 endpoint of the notebook roles; the endpoint admits the
// workspace bucket.
func TestWorkspacePerimeterWiring(t *testing.T) {
	s := onDefaults(t)
	bucketPolicy := resource(t, s, s.parts.Workspaces.Bucket.Policy())["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
	st := statementWithSid(t, bucketPolicy, "DenyStatusReadsToOthers")
	assert.Contains(t, testutil.JSON(st["Condition"]), `-janitor"`)
	vpce := statementWithSid(t, bucketPolicy, "DenyNotebookRolesOutsideTheEndpoint")
	assert.Equal(t, map[string]any{"Ref": id(s, s.parts.Network.S3Endpoint)}, vpce["Condition"].(map[string]any)["StringNotEquals"].(map[string]any)["aws:SourceVpce"])

	endpoint := resolved(t, resource(t, s, s.parts.Network.S3Endpoint), "PolicyDocument", nil).(map[string]any)
	resources := asList(endpoint["Statement"].([]any)[0].(map[string]any)["Resource"])
	assert.ElementsMatch(t, []string{
		"arn:aws:s3:::workspaces-123456789012-eu-west-1-1c2fa620", "arn:aws:s3:::workspaces-123456789012-eu-west-1-1c2fa620/*",
	}, resources)
}

// With your own network, key and data lake: no endpoint condition (the
// catalog cannot know the endpoint), no key policy to change.
func TestConfiguredPerimeter(t *testing.T) {
	s := onConfigured(t)
	doc := testutil.JSON(resource(t, s, s.parts.Workspaces.Bucket.Policy()))
	assert.NotContains(t, doc, "DenyNotebookRolesOutsideTheEndpoint")
	assert.Contains(t, doc, "DenyWorkspacesToOthers")
	assert.Nil(t, s.parts.Network.S3Endpoint)
}

// The data lake's buckets are admitted by the S3 endpoint of a created VPC.
func TestDataLakeThroughTheEndpoint(t *testing.T) {
	s := catalog(t, map[string]string{"dataBucketArns": "arn:aws:s3:::lake-raw,arn:aws:s3:::lake-curated/sales/"})
	endpoint := resolved(t, resource(t, s, s.parts.Network.S3Endpoint), "PolicyDocument", nil).(map[string]any)
	resources := asList(endpoint["Statement"].([]any)[0].(map[string]any)["Resource"])
	for _, want := range []string{"arn:aws:s3:::lake-raw", "arn:aws:s3:::lake-raw/*", "arn:aws:s3:::lake-curated", "arn:aws:s3:::lake-curated/sales/*"} {
		assert.Contains(t, resources, want)
	}
}

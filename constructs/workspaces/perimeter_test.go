package workspaces_test

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/workspaces"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
	"github.com/datalake-platform/sagemaker-catalog/internal/policytest"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

const (
	janitorRole   = "arn:aws:iam::123456789012:role/Test-eu-west-1-janitor"
	breakGlass    = "arn:aws:iam::123456789012:role/BreakGlass"
	endpoint      = "vpce-0123456789abcdef0"
	aliceOwner    = "assumed-role/Analyst/alice@example.com"
	bobOwner      = "assumed-role/Analyst/bob@example.com"
	stackIdSample = "arn:aws:cloudformation:us-isof-south-1:123456789012:stack/SageMakerCatalog/1c2fa620-982a-11e3-aff7-50e2416294e0"
)

// The buckets are named after the stack instance: lower case, at most 63
// characters in the longest region, never "sagemaker" (which AWS managed
// SageMaker policies grant object access on), whatever the stack's name.
func TestBucketNames(t *testing.T) {
	app := testutil.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("SageMakerCatalog"), nil)
	instance := map[string]any{"Fn::Select": []any{float64(0), map[string]any{"Fn::Split": []any{"-",
		map[string]any{"Fn::Select": []any{float64(2), map[string]any{"Fn::Split": []any{"/", map[string]any{"Ref": "AWS::StackId"}}}}}}}}}
	assert.Equal(t, map[string]any{"Fn::Join": []any{"-", []any{"workspaces", map[string]any{"Ref": "AWS::AccountId"}, map[string]any{"Ref": "AWS::Region"}, instance}}},
		stack.Resolve(workspaces.BucketName(stack)))
	refs := map[string]string{"AWS::StackId": stackIdSample, "AWS::Region": "us-isof-south-1"}
	valid := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)
	for name, want := range map[*string]string{
		workspaces.BucketName(stack):           "workspaces-123456789012-us-isof-south-1-1c2fa620",
		workspaces.AccessLogsBucketName(stack): "workspaces-logs-123456789012-us-isof-south-1-1c2fa620",
	} {
		got := policytest.Resolve(t, stack.Resolve(name), refs).(string)
		assert.Equal(t, want, got)
		assert.Regexp(t, valid, got, "an S3 bucket name, at most 63 characters")
		assert.NotContains(t, strings.ToLower(got), "sagemaker")
	}
}

// sorted returns the strings of l in order, as the CDK writes actions.
func sorted(l []any) []any {
	out := append([]any{}, l...)
	sort.Slice(out, func(i, j int) bool { return out[i].(string) < out[j].(string) })
	return out
}

// fullFixture is a Workspaces with every perimeter prop.
func fullFixture(t *testing.T) (*fixture, *workspaces.Workspaces) {
	f := newFixture()
	f.props.AdminRoleArns = []*string{jsii.String(breakGlass)}
	f.props.StatusReaderArns = []*string{jsii.String(janitorRole)}
	f.props.S3EndpointId = jsii.String(endpoint)
	return f, f.new()
}

// The bucket policy's statements, as written.
func TestPerimeterStatements(t *testing.T) {
	f, w := fullFixture(t)
	st := statements(t, f.properties(t, w.Bucket.Policy()))
	bucketArn := map[string]any{"Fn::GetAtt": []any{f.id(w.Bucket), "Arn"}}
	objects := func(key string) map[string]any {
		return map[string]any{"Fn::Join": []any{"", []any{bucketArn, "/" + key}}}
	}
	notebooks := map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":iam::",
		map[string]any{"Ref": "AWS::AccountId"}, ":role/Test/", map[string]any{"Ref": "AWS::Region"}, "/notebooks/*"}}}
	except := func(arns ...any) map[string]any {
		return map[string]any{"ArnNotLike": map[string]any{"aws:PrincipalArn": arns}}
	}
	owner := "${aws:PrincipalTag/sagemaker-catalog:owner}"
	var statusChanges []any
	for _, a := range workspaces.ObjectActions {
		if a != "s3:GetObject" {
			statusChanges = append(statusChanges, a)
		}
	}
	var objectActions, listActions []any
	for _, a := range workspaces.ObjectActions {
		objectActions = append(objectActions, a)
	}
	for _, a := range workspaces.ListActions {
		listActions = append(listActions, a)
	}
	for sid, want := range map[string]map[string]any{
		"DenyWorkspacesToOthers":    {"Action": objectActions, "Resource": objects("owners/*"), "Condition": except(notebooks, breakGlass)},
		"DenyStatusChangesToOthers": {"Action": statusChanges, "Resource": objects("status/*"), "Condition": except(notebooks, breakGlass)},
		"DenyStatusReadsToOthers":   {"Action": "s3:GetObject", "Resource": objects("status/*"), "Condition": except(notebooks, janitorRole, breakGlass)},
		"DenyListingToOthers":       {"Action": listActions, "Resource": bucketArn, "Condition": except(notebooks, janitorRole, breakGlass)},
		"DenyNotebookRolesOtherOwners": {"Action": objectActions,
			"NotResource": []any{objects("owners/" + owner + "/*"), objects("status/" + owner + "/*")},
			"Condition":   map[string]any{"ArnLike": map[string]any{"aws:PrincipalArn": notebooks}}},
		"DenyNotebookRolesListingOtherOwners": {"Action": []any{"s3:ListBucket", "s3:ListBucketVersions"}, "Resource": bucketArn,
			"Condition": map[string]any{"ArnLike": map[string]any{"aws:PrincipalArn": notebooks},
				"StringNotLike": map[string]any{"s3:prefix": []any{"owners/" + owner + "/*", "status/" + owner + "/*"}}}},
		"DenyNotebookRolesWithoutOwner": {"Action": objectActions, "Resource": objects("*"),
			"Condition": map[string]any{"ArnLike": map[string]any{"aws:PrincipalArn": notebooks}, "Null": map[string]any{"aws:PrincipalTag/sagemaker-catalog:owner": "true"}}},
		"DenyNotebookRolesWithoutOwnerListing": {"Action": listActions, "Resource": bucketArn,
			"Condition": map[string]any{"ArnLike": map[string]any{"aws:PrincipalArn": notebooks}, "Null": map[string]any{"aws:PrincipalTag/sagemaker-catalog:owner": "true"}}},
		"DenyNotebookRolesOutsideTheEndpoint": {"Action": "s3:*", "Resource": []any{bucketArn, objects("*")},
			"Condition": map[string]any{"ArnLike": map[string]any{"aws:PrincipalArn": notebooks}, "StringNotEquals": map[string]any{"aws:SourceVpce": endpoint}}},
	} {
		got := st[sid]
		require.NotNil(t, got, sid)
		want["Effect"] = "Deny"
		want["Principal"] = map[string]any{"AWS": "*"}
		want["Sid"] = sid
		assert.Equal(t, want, got, sid)
	}
	assertTLSOnly(t, f, w.Bucket)
}

// The action lists are the Service Authorization Reference's: every action
// on an object (but the annotations, listed apart), and every listing of
// the bucket's keys.
func TestActionListsAreTheReferences(t *testing.T) {
	all := append(append([]string{}, workspaces.ObjectActions...), workspaces.AnnotationActions...)
	sort.Strings(all)
	assert.Equal(t, policytest.WithResourceType(t, "s3", "object"), all)
	for _, a := range workspaces.AnnotationActions {
		assert.Contains(t, a, "Annotation", "only annotation actions are left out")
	}
	var lists []string
	for _, a := range policytest.WithResourceType(t, "s3", "bucket") {
		if strings.HasPrefix(a, "s3:ListBucket") {
			lists = append(lists, a)
		}
	}
	assert.Equal(t, lists, workspaces.ListActions)
	actions := policytest.Actions(t, "s3")
	assert.Contains(t, actions["ListBucket"].ConditionKeys, "s3:prefix")
	assert.Contains(t, actions["ListBucketVersions"].ConditionKeys, "s3:prefix")
	assert.NotContains(t, actions["ListBucketMultipartUploads"].ConditionKeys, "s3:prefix", "hence not in the prefix statement")
}

// The perimeter, evaluated by an IAM engine: every principal has an IAM
// policy that allows everything, so the decision is the bucket policy's.
func TestPerimeterAsEvaluated(t *testing.T) {
	f, w := fullFixture(t)
	bucketID := f.id(w.Bucket)
	const bucket = "workspaces-123456789012-eu-west-1-1c2fa620"
	policy := policytest.Resolve(t, f.properties(t, w.Bucket.Policy())["PolicyDocument"], map[string]string{
		bucketID + ".Arn": "arn:aws:s3:::" + bucket, "AWS::StackId": stackIdSample,
	}).(map[string]any)
	notebookRole := func(name string) string {
		return "arn:aws:iam::123456789012:role/Test/eu-west-1/notebooks/" + name
	}
	session := func(role string) string {
		return "arn:aws:sts::123456789012:assumed-role/" + role[strings.LastIndex(role, "/")+1:] + "/session"
	}
	alice, bob, untagged := notebookRole("alice-nb-role"), notebookRole("bob-nb-role"), notebookRole("untagged")
	admin := "arn:aws:iam::123456789012:role/Administrator"
	tags := map[string]string{alice: aliceOwner, bob: bobOwner}
	type c = struct {
		name, role, action, key string
		ctx                     map[string]any
		want                    string
	}
	vpce := map[string]any{"aws:SourceVpce": endpoint, "aws:SecureTransport": "true"}
	with := func(extra map[string]any) map[string]any {
		out := map[string]any{"aws:SourceVpce": endpoint, "aws:SecureTransport": "true"}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	tls := map[string]any{"aws:SecureTransport": "true"}
	own := "owners/" + aliceOwner + "/home/analysis.ipynb"
	cases := []c{
		// What must keep working: the notebook's restore and save, multipart, its status.
		{"alice's notebook restores her file", alice, "s3:GetObject", own, vpce, "Allowed"},
		{"alice's notebook saves her file", alice, "s3:PutObject", own, vpce, "Allowed"},
		{"alice's notebook mirrors a deletion", alice, "s3:DeleteObject", own, vpce, "Allowed"},
		{"alice's notebook aborts a multipart upload", alice, "s3:AbortMultipartUpload", own, vpce, "Allowed"},
		{"alice's notebook lists an upload's parts", alice, "s3:ListMultipartUploadParts", own, vpce, "Allowed"},
		{"alice's notebook lists her workspace", alice, "s3:ListBucket", "", with(map[string]any{"s3:prefix": "owners/" + aliceOwner + "/home/"}), "Allowed"},
		{"alice's notebook writes its status", alice, "s3:PutObject", "status/" + aliceOwner + "/sc-123456789012-pp-abc.json", vpce, "Allowed"},
		{"the janitor reads a status", janitorRole, "s3:GetObject", "status/" + aliceOwner + "/sc-123456789012-pp-abc.json", tls, "Allowed"},
		{"the janitor finds a status", janitorRole, "s3:ListBucket", "", map[string]any{"s3:prefix": "status/" + aliceOwner + "/sc-1.json", "aws:SecureTransport": "true"}, "Allowed"},
		{"a break-glass administrator reads a workspace", breakGlass, "s3:GetObject", own, tls, "Allowed"},
		{"a break-glass administrator lists the bucket", breakGlass, "s3:ListBucket", "", tls, "Allowed"},
		{"CloudFormation (an administrator) manages the bucket policy", admin, "s3:PutBucketPolicy", "", tls, "Allowed"},
		{"an administrator reads the bucket's settings", admin, "s3:GetBucketPolicy", "", tls, "Allowed"},
		// The abuses it stops.
		{"alice's notebook reads bob's workspace", alice, "s3:GetObject", "owners/" + bobOwner + "/home/secret.ipynb", vpce, "ExplicitlyDenied"},
		{"alice's notebook overwrites bob's workspace", alice, "s3:PutObject", "owners/" + bobOwner + "/home/secret.ipynb", vpce, "ExplicitlyDenied"},
		{"alice's notebook reads an old version of bob's file", alice, "s3:GetObjectVersion", "owners/" + bobOwner + "/home/secret.ipynb", vpce, "ExplicitlyDenied"},
		{"alice's notebook forges bob's status", alice, "s3:PutObject", "status/" + bobOwner + "/sc-123456789012-pp-xyz.json", vpce, "ExplicitlyDenied"},
		{"alice's notebook writes outside the prefixes", alice, "s3:PutObject", "other/file", vpce, "ExplicitlyDenied"},
		{"alice's notebook lists bob's workspace", alice, "s3:ListBucket", "", with(map[string]any{"s3:prefix": "owners/" + bobOwner + "/"}), "ExplicitlyDenied"},
		{"alice's notebook lists every owner", alice, "s3:ListBucket", "", with(map[string]any{"s3:prefix": "owners/"}), "ExplicitlyDenied"},
		{"alice's notebook lists the bucket without a prefix", alice, "s3:ListBucket", "", vpce, "ExplicitlyDenied"},
		{"alice's credentials used outside the catalog's network", alice, "s3:GetObject", own, tls, "ExplicitlyDenied"},
		{"alice's credentials through another VPC endpoint", alice, "s3:GetObject", own, map[string]any{"aws:SourceVpce": "vpce-0fedcba9876543210", "aws:SecureTransport": "true"}, "ExplicitlyDenied"},
		{"a role on the notebook path without an owner tag", untagged, "s3:GetObject", own, vpce, "ExplicitlyDenied"},
		{"the janitor reads a workspace", janitorRole, "s3:GetObject", own, tls, "ExplicitlyDenied"},
		{"the janitor writes a status", janitorRole, "s3:PutObject", "status/" + aliceOwner + "/sc-1.json", tls, "ExplicitlyDenied"},
		{"an administrator with s3:* reads a workspace", admin, "s3:GetObject", own, tls, "ExplicitlyDenied"},
		{"an administrator with s3:* deletes a version", admin, "s3:DeleteObjectVersion", own, tls, "ExplicitlyDenied"},
		{"an administrator with s3:* reads a status", admin, "s3:GetObject", "status/" + aliceOwner + "/sc-1.json", tls, "ExplicitlyDenied"},
		{"an administrator with s3:* lists the owners", admin, "s3:ListBucket", "", map[string]any{"s3:prefix": "owners/", "aws:SecureTransport": "true"}, "ExplicitlyDenied"},
		{"an administrator with s3:* lists the versions", admin, "s3:ListBucketVersions", "", tls, "ExplicitlyDenied"},
		{"alice's notebook without TLS", alice, "s3:GetObject", own, map[string]any{"aws:SourceVpce": endpoint, "aws:SecureTransport": "false"}, "ExplicitlyDenied"},
	}
	var requests []policytest.Request
	for _, tc := range cases {
		resource := "arn:aws:s3:::" + bucket
		if tc.key != "" {
			resource += "/" + tc.key
		}
		ctx := map[string]any{}
		for k, v := range tc.ctx {
			ctx[k] = v
		}
		if owner, ok := tags[tc.role]; ok {
			ctx["aws:PrincipalTag/"+names.TagOwner] = owner
		}
		requests = append(requests, policytest.Request{Name: tc.name, Principal: session(tc.role), RoleArn: tc.role,
			Action: tc.action, Resource: resource, Context: ctx})
	}
	got := policytest.Evaluate(t, policy, requests)
	for i, tc := range cases {
		assert.Equal(t, tc.want, got[i], tc.name)
	}
}

// Without an endpoint, status readers or administrators: the notebook roles
// only, from anywhere.
func TestPerimeterDefaults(t *testing.T) {
	f := newFixture()
	w := f.new()
	st := statements(t, f.properties(t, w.Bucket.Policy()))
	assert.NotContains(t, st, "DenyNotebookRolesOutsideTheEndpoint")
	assert.Len(t, list(st["DenyWorkspacesToOthers"]["Condition"].(map[string]any)["ArnNotLike"].(map[string]any)["aws:PrincipalArn"]), 1, "the notebook roles only")
	assert.Len(t, list(st["DenyStatusReadsToOthers"]["Condition"].(map[string]any)["ArnNotLike"].(map[string]any)["aws:PrincipalArn"]), 1)
}

// A kept bucket gets the same perimeter, on its literal ARN.
func TestExistingBucketPerimeter(t *testing.T) {
	f := newFixture()
	f.props.ExistingBucket = awss3.Bucket_FromBucketName(f.stack, jsii.String("Kept"), jsii.String("kept-workspaces"))
	f.props.S3EndpointId = jsii.String(endpoint)
	f.props.StatusReaderArns = []*string{jsii.String(janitorRole)}
	w := f.new()
	var policy map[string]any
	for _, c := range *w.Node().Children() {
		if *c.Node().Id() == "BucketPolicy" {
			policy = f.properties(t, c)
		}
	}
	require.NotNil(t, policy)
	st := statements(t, policy)
	for _, sid := range []string{"DenyWorkspacesToOthers", "DenyStatusChangesToOthers", "DenyStatusReadsToOthers", "DenyListingToOthers",
		"DenyNotebookRolesOtherOwners", "DenyNotebookRolesListingOtherOwners", "DenyNotebookRolesWithoutOwner", "DenyNotebookRolesWithoutOwnerListing", "DenyNotebookRolesOutsideTheEndpoint"} {
		assert.Contains(t, st, sid)
	}
	assert.Contains(t, testutil.JSON(st["DenyWorkspacesToOthers"]["Resource"]), `":s3:::kept-workspaces/owners/*"`)
	assert.Contains(t, testutil.JSON(st["DenyNotebookRolesOtherOwners"]["NotResource"]), `:s3:::kept-workspaces/owners/${aws:PrincipalTag/sagemaker-catalog:owner}/*"`)
}

func TestFailsOnInvalidPerimeterProps(t *testing.T) {
	f := newFixture()
	f.props.AdminRoleArns = []*string{jsii.String("BreakGlass"), nil}
	f.props.StatusReaderArns = []*string{jsii.String("arn:aws:lambda:eu-west-1:123456789012:function:janitor")}
	f.props.S3EndpointId = jsii.String("vpc-0123456789abcdef0")
	msg := testutil.PanicMessage(func() { f.new() })
	assert.Contains(t, msg, `Test/Workspaces: workspaces.Props: AdminRoleArns[0]: invalid value "BreakGlass": an IAM role or user ARN`)
	assert.Contains(t, msg, "AdminRoleArns[1]: nil")
	assert.Contains(t, msg, `StatusReaderArns[0]: invalid value "arn:aws:lambda:eu-west-1:123456789012:function:janitor"`)
	assert.Contains(t, msg, `S3EndpointId: invalid value "vpc-0123456789abcdef0": a VPC endpoint ID`)

	// Tokens pass: a role's ARN, an endpoint's ID.
	g := newFixture()
	g.props.S3EndpointId = awscdk.NewCfnParameter(g.stack, jsii.String("Endpoint"), nil).ValueAsString()
	g.props.StatusReaderArns = []*string{awscdk.NewCfnParameter(g.stack, jsii.String("Reader"), nil).ValueAsString()}
	assert.NoError(t, g.props.Validate())
}

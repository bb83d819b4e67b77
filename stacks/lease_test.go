package stacks_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/workspaces"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

func TestWorkspaceBucket(t *testing.T) {
	s := onDefaults(t)
	b := resource(t, s, s.parts.Workspaces.Bucket)
	assert.Equal(t, "Retain", b["DeletionPolicy"], "the analysts' work outlives the stack")
	p := b["Properties"].(map[string]any)
	// Named after the stack instance: the retained bucket of a deleted
	// stack does not block the next deployment (workspaceBucketName takes
	// it back), and the name never holds "sagemaker".
	assert.Equal(t, s.stack.Resolve(workspaces.BucketName(s.stack)), p["BucketName"])
	assert.NotContains(t, strings.ToLower(testutil.JSON(p["BucketName"])), "sagemaker")
	enc := testutil.JSON(p["BucketEncryption"])
	assert.Contains(t, enc, `"SSEAlgorithm":"aws:kms"`)
	assert.Contains(t, enc, `"KMSMasterKeyID":{"Fn::GetAtt":["NotebookKey`)
	assert.Contains(t, enc, `"BucketKeyEnabled":true`)
	assert.Equal(t, map[string]any{"Status": "Enabled"}, p["VersioningConfiguration"])
	assert.Equal(t, map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}, p["PublicAccessBlockConfiguration"])
	rules := testutil.JSON(p["LifecycleConfiguration"])
	assert.Contains(t, rules, `"NoncurrentVersionExpiration":{"NoncurrentDays":30}`)
	assert.Contains(t, rules, `"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7}`)
	assert.Contains(t, testutil.JSON(p["LoggingConfiguration"]), `"LogFilePrefix":"workspaces/"`)

	// TLS only: the bucket policy denies every request without it.
	policies := s.json.Resources("AWS::S3::BucketPolicy")
	var tls bool
	for _, bp := range policies {
		doc := testutil.JSON(bp["Properties"])
		if strings.Contains(doc, `"Ref":"`+id(s, s.parts.Workspaces.Bucket)+`"`) && strings.Contains(doc, `"aws:SecureTransport":"false"`) && strings.Contains(doc, `"Effect":"Deny"`) {
			tls = true
		}
	}
	assert.True(t, tls, "the workspace bucket denies requests without TLS")
}

// The launch role may create notebook roles only under the catalog's path,
// only with the boundary, attaching only the shared policy, and can never
// remove a boundary.
// workspaceBucketName: a bucket an earlier deployment kept is used again,
// not created; the catalog's policy goes on it.
func TestKeptWorkspaceBucket(t *testing.T) {
	s := catalog(t, map[string]string{"workspaceBucketName": "kept-workspaces", "kmsKeyArn": configuredValues["kmsKeyArn"]})
	assert.Nil(t, s.parts.Workspaces.Bucket.Node().DefaultChild(), "not created here")
	for _, b := range s.json.Resources("AWS::S3::Bucket") {
		assert.NotContains(t, testutil.JSON(b), "workspace", "no workspace bucket is created")
	}
	fn := resource(t, s, s.parts.Workspaces.Function)["Properties"].(map[string]any)
	assert.Equal(t, "kept-workspaces", fn["Environment"].(map[string]any)["Variables"].(map[string]any)["BUCKET"])
	var found bool
	for _, bp := range s.json.Resources("AWS::S3::BucketPolicy") {
		if bp["Properties"].(map[string]any)["Bucket"] == "kept-workspaces" {
			found = true
			assert.Contains(t, testutil.JSON(bp), `"aws:SecureTransport":"false"`)
		}
	}
	assert.True(t, found, "the kept bucket gets the catalog's policy")
	_, err := synthCatalog(map[string]string{"workspaceBucketName": "kept-workspaces"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "kmsKeyArn")
}

func TestLaunchRoleCreatesOnlyBoundedNotebookRoles(t *testing.T) {
	s := onDefaults(t)
	role := resource(t, s, s.hub.LaunchRole.Role)
	create := statementsWithSid(t, role["Properties"], "CreateRolesWithTheBoundary")
	assert.Equal(t, []string{"iam:CreateRole", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"}, asList(create["Action"]))
	assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":iam::", map[string]any{"Ref": "AWS::AccountId"},
		":role/SageMakerCatalog/", map[string]any{"Ref": "AWS::Region"}, "/notebooks/*"}}}, create["Resource"])
	assert.Equal(t, map[string]any{"StringEquals": map[string]any{"iam:PermissionsBoundary": map[string]any{"Ref": id(s, s.parts.Workspaces.Boundary)}}}, create["Condition"])
	attach := statementsWithSid(t, role["Properties"], "AttachOnlyTheAllowedPolicies")
	assert.Equal(t, []string{"iam:AttachRolePolicy", "iam:DetachRolePolicy"}, asList(attach["Action"]))
	assert.Equal(t, map[string]any{"Ref": id(s, s.parts.Workspaces.Policy)},
		attach["Condition"].(map[string]any)["ArnEquals"].(map[string]any)["iam:PolicyARN"].([]any)[0])
	pass := statementsWithSid(t, role["Properties"], "PassNotebookRole")
	assert.Contains(t, testutil.JSON(pass["Resource"]), `":role/SageMakerCatalog/",{"Ref":"AWS::Region"},"/notebooks/*"`)
	assert.NotContains(t, testutil.JSON(role), "iam:DeleteRolePermissionsBoundary")
	invoke := statementsWithSid(t, role["Properties"], "ResolveWorkspace")
	assert.Equal(t, "lambda:InvokeFunction", invoke["Action"])
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{id(s, s.parts.Workspaces.Function), "Arn"}}, invoke["Resource"])

	boundary := resource(t, s, s.parts.Workspaces.Boundary)["Properties"].(map[string]any)
	// IAM names carry the region: one catalog name in two regions of an account.
	assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{"SageMakerCatalog-", map[string]any{"Ref": "AWS::Region"}, "-notebook-boundary"}}}, boundary["ManagedPolicyName"])
	doc := testutil.JSON(boundary["PolicyDocument"])
	// A notebook role's own owner only (the owner its role is tagged with).
	assert.Contains(t, doc, `"s3:prefix":"owners/${aws:PrincipalTag/sagemaker-catalog:owner}/*"`)
	assert.Contains(t, doc, `/status/${aws:PrincipalTag/sagemaker-catalog:owner}/*`)
	assert.Contains(t, doc, ":notebook-instance/sc-*")
	assert.NotContains(t, doc, `"Resource":"*"`)
	assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{"SageMakerCatalog-", map[string]any{"Ref": "AWS::Region"}, "-notebook"}}},
		resource(t, s, s.parts.Workspaces.Policy)["Properties"].(map[string]any)["ManagedPolicyName"])
}

func TestJanitor(t *testing.T) {
	s := onDefaults(t)
	fn := resource(t, s, s.parts.Janitor.Function)["Properties"].(map[string]any)
	assert.Equal(t, "provided.al2023", fn["Runtime"])
	assert.Equal(t, []any{"arm64"}, fn["Architectures"])
	assert.Equal(t, "bootstrap", fn["Handler"])
	assert.EqualValues(t, 1, fn["ReservedConcurrentExecutions"], "never two runs at once")
	env := fn["Environment"].(map[string]any)["Variables"].(map[string]any)
	assert.Equal(t, "janitor", env["FUNCTION"])
	assert.Equal(t, "7", env["LEASE_DAYS"])
	assert.Equal(t, "24", env["NOTICE_HOURS"])
	assert.Equal(t, "dry-run", env["MODE"])
	assert.Contains(t, testutil.JSON(fn["DeadLetterConfig"]), id(s, s.parts.Janitor.DeadLetters))
	s.tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), map[string]any{"MaximumRetryAttempts": 2})

	sched := resource(t, s, s.parts.Janitor.Schedule)["Properties"].(map[string]any)
	assert.Equal(t, "rate(1 hour)", sched["ScheduleExpression"])
	target := sched["Target"].(map[string]any)
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{id(s, s.parts.Janitor.Function), "Arn"}}, target["Arn"])
	assert.EqualValues(t, 3, target["RetryPolicy"].(map[string]any)["MaximumRetryAttempts"])
	assert.Contains(t, testutil.JSON(target["DeadLetterConfig"]), id(s, s.parts.Janitor.DeadLetters))

	// Its role: exactly what janitor.Run calls, each scoped; "*" only where
	// the API has no resource-level permissions.
	role := resource(t, s, s.parts.Janitor.Function.Role())
	var actions []string
	for _, st := range statements(testutil.Template{"Resources": map[string]any{"R": role["Properties"]}}) {
		if st["Effect"] != "Allow" {
			continue
		}
		actions = append(actions, asList(st["Action"])...)
		if st["Resource"] == "*" {
			assert.Contains(t, []string{"ListNotebooks", "VerifyProvisionedProducts", "TerminateExpiredNotebooks"}, st["Sid"])
		}
	}
	slices.Sort(actions)
	actions = slices.Compact(actions) // kms:Decrypt is in two statements: through S3 and through SNS
	assert.Equal(t, []string{
		"kms:Decrypt", "kms:GenerateDataKey", "logs:CreateLogStream", "logs:PutLogEvents", "s3:GetObject", "s3:ListBucket",
		"sagemaker:AddTags", "sagemaker:ListNotebookInstances", "sagemaker:ListTags", "servicecatalog:DescribeProvisionedProduct",
		"servicecatalog:TerminateProvisionedProduct", "sns:Publish", "sqs:SendMessage",
	}, actions)
	// It acts only on what Service Catalog launched with the launch role, from this product.
	env = resource(t, s, s.parts.Janitor.Function)["Properties"].(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any)
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{id(s, s.hub.LaunchRole.Role), "Arn"}}, env["LAUNCH_ROLE_ARN"])
	assert.Equal(t, map[string]any{"Ref": id(s, s.hub.Product.Product)}, env["PRODUCT_ID"])
	assert.Equal(t, map[string]any{"Ref": id(s, s.parts.Workspaces.Bucket)}, env["BUCKET"])
	for id := range s.json.Resources("AWS::IAM::Policy") {
		for _, p := range []string{"Janitor", "Workspace", "Scheduler"} {
			assert.NotContains(t, id, p, "no default policy: every grant is in the roles' own policies")
		}
	}
	schedRole := resource(t, s, s.parts.Janitor.ScheduleRole)["Properties"].(map[string]any)
	assert.Contains(t, testutil.JSON(schedRole["AssumeRolePolicyDocument"]), `"aws:SourceAccount"`)
	invoke := statementsWithSid(t, schedRole, "InvokeJanitor")
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{id(s, s.parts.Janitor.Function), "Arn"}}, invoke["Resource"], "the function only, not its versions")
	assert.Equal(t, "kms:Decrypt", statementsWithSid(t, role["Properties"], "ReadSyncStatusKey")["Action"], "the janitor writes nothing to S3")
	tags := statementsWithSid(t, role["Properties"], "RecordNotices")
	assert.Equal(t, map[string]any{"ForAllValues:StringEquals": map[string]any{"aws:TagKeys": []any{"sagemaker-catalog:notified-at"}}}, tags["Condition"])
}

func TestWorkspaceFunction(t *testing.T) {
	s := onDefaults(t)
	fn := resource(t, s, s.parts.Workspaces.Function)["Properties"].(map[string]any)
	assert.Equal(t, "SageMakerCatalog-workspace", fn["FunctionName"], "the product template calls it by name")
	assert.Equal(t, map[string]any{"Ref": id(s, s.parts.Workspaces.Bucket)}, fn["Environment"].(map[string]any)["Variables"].(map[string]any)["BUCKET"])
	// The tags an analyst may set at launch: the portfolio's TagOptions.
	assert.Equal(t, "CostCenter,Project", fn["Environment"].(map[string]any)["Variables"].(map[string]any)["STACK_TAG_KEYS"])
	role := resource(t, s, s.parts.Workspaces.Function.Role())
	read := statementsWithSid(t, role["Properties"], "ReadProvisionedStacks")
	assert.Equal(t, "cloudformation:DescribeStacks", read["Action"])
	assert.Contains(t, testutil.JSON(read["Resource"]), ":stack/SC-*/*")
	// Both functions share one asset: the Go binary, built without Docker.
	assert.Equal(t, testutil.JSON(fn["Code"]), testutil.JSON(resource(t, s, s.parts.Janitor.Function)["Properties"].(map[string]any)["Code"]))
}

func TestLeaseFromContext(t *testing.T) {
	s := catalog(t, map[string]string{"leaseDays": "3", "maxLeaseDays": "10", "leaseNoticeHours": "6", "janitorMode": "dry-run"})
	env := resource(t, s, s.parts.Janitor.Function)["Properties"].(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any)
	assert.Equal(t, "3", env["LEASE_DAYS"])
	assert.Equal(t, "6", env["NOTICE_HOURS"])
	assert.Equal(t, "dry-run", env["MODE"])
	lease := s.product["Parameters"].(map[string]any)["LeaseDays"].(map[string]any)
	assert.EqualValues(t, 3, lease["Default"])
	assert.EqualValues(t, 10, lease["MaxValue"])
	s.tmpl.HasOutput(jsii.String("LeaseNoticesTopicArn"), map[string]any{})
}

// adminRoleArns: the break-glass administrators the perimeter lets in, in
// the workspace bucket's policy and the notebook key's.
func TestAdminRoleArns(t *testing.T) {
	admin := "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*"
	s := catalog(t, map[string]string{"adminRoleArns": admin})
	var inBucket bool
	for _, bp := range s.json.Resources("AWS::S3::BucketPolicy") {
		if strings.Contains(testutil.JSON(bp), `"DenyWorkspacesToOthers"`) {
			inBucket = strings.Contains(testutil.JSON(bp), admin)
		}
	}
	assert.True(t, inBucket, "the bucket policy lets the administrators in")
	key := resource(t, s, s.parts.NotebookKey)
	assert.Contains(t, testutil.JSON(key["Properties"]), admin, "the key policy lets them decrypt")
	assert.NotContains(t, testutil.JSON(resource(t, onDefaults(t), onDefaults(t).parts.NotebookKey)["Properties"]), "AWSReservedSSO_Admin", "none by default")
}

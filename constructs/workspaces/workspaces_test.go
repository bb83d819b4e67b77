package workspaces_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/notebook"
	"github.com/datalake-platform/sagemaker-catalog/constructs/workspaces"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Run(m) }

const (
	subnetA = "subnet-0123456789abcdef0"
	subnetB = "subnet-0fedcba9876543210"
	sgA     = "sg-0123456789abcdef0"
	sgB     = "sg-0fedcba9876543210"
	lakeRaw = "arn:aws:s3:::lake-raw"
	sales   = "arn:aws:s3:::lake-curated/sales/"
)

// fixture is a stack with what Workspaces requires: a key, the functions'
// code (from a bucket: no asset to build) and the template's parameter names.
type fixture struct {
	stack awscdk.Stack
	key   awskms.Key
	props *workspaces.Props
}

func newFixture(groups ...string) *fixture {
	_, stack := testutil.NewStack()
	if len(groups) == 0 {
		groups = []string{sgA}
	}
	key := awskms.NewKey(stack, jsii.String("Key"), nil)
	params := &notebook.Parameters{KmsKeyArn: "/Catalog/notebook/kms-key-arn", SubnetId: "/Catalog/notebook/subnet-id"}
	var sgs []*string
	for i, g := range groups {
		params.SecurityGroupIds = append(params.SecurityGroupIds, "/Catalog/notebook/security-group-"+string(rune('1'+i)))
		sgs = append(sgs, jsii.String(g))
	}
	return &fixture{stack: stack, key: key, props: &workspaces.Props{
		Key:              key,
		Code:             awslambda.Code_FromBucket(awss3.Bucket_FromBucketName(stack, jsii.String("CodeBucket"), jsii.String("code")), jsii.String("functions.zip"), jsii.String("1")),
		Parameters:       params,
		SubnetIds:        []*string{jsii.String(subnetA), jsii.String(subnetB)},
		SecurityGroupIds: sgs,
	}}
}

func (f *fixture) new() *workspaces.Workspaces {
	return workspaces.New(f.stack, jsii.String("Workspaces"), f.props)
}

func (f *fixture) id(c constructs.IConstruct) string {
	return *f.stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

// resource returns c's synthesized resource.
func (f *fixture) resource(t *testing.T, c constructs.IConstruct) map[string]any {
	t.Helper()
	r, ok := (*assertions.Template_FromStack(f.stack, nil).ToJSON())["Resources"].(map[string]any)[f.id(c)].(map[string]any)
	require.True(t, ok, "no resource for %s", *c.Node().Path())
	return r
}

func (f *fixture) properties(t *testing.T, c constructs.IConstruct) map[string]any {
	t.Helper()
	return f.resource(t, c)["Properties"].(map[string]any)
}

// statements returns a policy's statements with a Sid, by Sid.
func statements(t *testing.T, policy map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, st := range all(policy) {
		if sid, _ := st["Sid"].(string); sid != "" {
			require.NotContains(t, out, sid, "two statements with Sid %q", sid)
			out[sid] = st
		}
	}
	return out
}

// all returns every statement of a policy.
func all(policy map[string]any) []map[string]any {
	var out []map[string]any
	for _, s := range policy["PolicyDocument"].(map[string]any)["Statement"].([]any) {
		out = append(out, s.(map[string]any))
	}
	return out
}

func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func strs(v any) []string {
	var out []string
	for _, x := range list(v) {
		out = append(out, x.(string))
	}
	return out
}

func TestWorkspaceBucket(t *testing.T) {
	f := newFixture()
	w := f.new()

	b := f.resource(t, w.Bucket)
	assert.Equal(t, "Retain", b["DeletionPolicy"], "the analysts' work outlives the stack")
	p := b["Properties"].(map[string]any)
	assert.Nil(t, p["BucketName"], "a name CloudFormation generates: a redeploy does not collide with the kept bucket")
	assert.Equal(t, map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
		"BucketKeyEnabled": true,
		"ServerSideEncryptionByDefault": map[string]any{
			"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": map[string]any{"Fn::GetAtt": []any{f.id(f.key), "Arn"}},
		},
	}}}, p["BucketEncryption"])
	assert.Equal(t, map[string]any{"Status": "Enabled"}, p["VersioningConfiguration"])
	assert.Equal(t, map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}, p["PublicAccessBlockConfiguration"])
	assert.Equal(t, map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}}, p["OwnershipControls"])
	assert.Equal(t, map[string]any{"DestinationBucketName": map[string]any{"Ref": f.id(w.AccessLogs)}, "LogFilePrefix": "workspaces/"}, p["LoggingConfiguration"])
	assert.Equal(t, []any{map[string]any{
		"Id": "ExpireOldVersions", "Status": "Enabled",
		"NoncurrentVersionExpiration":    map[string]any{"NoncurrentDays": float64(workspaces.DefaultVersionDays)},
		"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": float64(7)},
		"ExpiredObjectDeleteMarker":      true,
	}}, p["LifecycleConfiguration"].(map[string]any)["Rules"])
	assertTLSOnly(t, f, w.Bucket)
}

// assertTLSOnly checks that bucket's policy denies every request without TLS.
func assertTLSOnly(t *testing.T, f *fixture, bucket awss3.IBucket) {
	t.Helper()
	policy := bucket.Policy()
	require.NotNil(t, policy, "a bucket policy")
	p := f.properties(t, policy)
	assert.Equal(t, map[string]any{"Ref": f.id(bucket)}, p["Bucket"])
	var deny bool
	for _, s := range all(p) {
		if s["Effect"] == "Deny" && testutil.JSON(s["Condition"]) == `{"Bool":{"aws:SecureTransport":"false"}}` && s["Action"] == "s3:*" {
			deny = true
		}
	}
	assert.True(t, deny, "TLS only")
}

func TestAccessLogsBucket(t *testing.T) {
	f := newFixture()
	w := f.new()
	b := f.resource(t, w.AccessLogs)
	assert.Equal(t, "Retain", b["DeletionPolicy"])
	p := b["Properties"].(map[string]any)
	assert.Equal(t, map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}}}},
		p["BucketEncryption"], "server access logs are delivered with S3-managed keys only")
	assert.Equal(t, map[string]any{"Status": "Enabled"}, p["VersioningConfiguration"])
	assert.Equal(t, map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}}, p["OwnershipControls"])
	assert.NotContains(t, p, "AccessControl", "no ACL: delivery is granted by the bucket policy")
	assert.Contains(t, testutil.JSON(p["LifecycleConfiguration"]), `"ExpirationInDays":365`)
	assertTLSOnly(t, f, w.AccessLogs)
	assert.Contains(t, testutil.JSON(f.properties(t, w.AccessLogs.Policy())), `"Service":"logging.s3.amazonaws.com"`)
}

// Outside the catalog's app (no cdk.json context), the access logs are
// still delivered under a bucket policy: the construct sets the flag it
// needs on itself.
func TestWorksWithoutTheAppsContext(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false), BuiltinCloudFormationValidation: jsii.Bool(false)})
	f := newFixture()
	f.stack = awscdk.NewStack(app, jsii.String("Other"), nil)
	f.props.Key = awskms.NewKey(f.stack, jsii.String("Key"), nil)
	f.props.Code = awslambda.Code_FromBucket(awss3.Bucket_FromBucketName(f.stack, jsii.String("CodeBucket"), jsii.String("code")), jsii.String("functions.zip"), jsii.String("1"))
	var w *workspaces.Workspaces
	require.Empty(t, testutil.PanicMessage(func() { w = f.new() }))
	assert.NotContains(t, f.properties(t, w.AccessLogs), "AccessControl")
	assert.Contains(t, testutil.JSON(f.properties(t, w.AccessLogs.Policy())), `"Service":"logging.s3.amazonaws.com"`)
}

func TestNotebookPolicyAndBoundary(t *testing.T) {
	f := newFixture()
	w := f.new()

	region := map[string]any{"Ref": "AWS::Region"}
	policy := f.properties(t, w.Policy)
	// IAM is global: the names carry the region.
	assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{"Test-", region, "-notebook"}}}, policy["ManagedPolicyName"])
	shared := statements(t, policy)
	assert.ElementsMatch(t, []string{"NotebookLogGroup", "WorkspaceKeyThroughS3"}, sids(shared), "no data-lake statement by default")
	assert.Equal(t, []string{"logs:CreateLogGroup", "logs:DescribeLogStreams"}, strs(shared["NotebookLogGroup"]["Action"]))
	assert.Contains(t, testutil.JSON(shared["NotebookLogGroup"]["Resource"]), `:log-group:/aws/sagemaker/NotebookInstances"`)
	key := shared["WorkspaceKeyThroughS3"]
	assert.Equal(t, []string{"kms:Decrypt", "kms:GenerateDataKey"}, strs(key["Action"]))
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{f.id(f.key), "Arn"}}, key["Resource"])
	assert.Equal(t, map[string]any{"StringEquals": map[string]any{"kms:ViaService": map[string]any{"Fn::Join": []any{"", []any{"s3.", map[string]any{"Ref": "AWS::Region"}, ".amazonaws.com"}}}}}, key["Condition"])

	boundary := f.properties(t, w.Boundary)
	assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{"Test-", region, "-notebook-boundary"}}}, boundary["ManagedPolicyName"])
	b := statements(t, boundary)
	assert.ElementsMatch(t, []string{"NotebookLogGroup", "WorkspaceKeyThroughS3", "ListOwnWorkspace", "ReadWriteOwnWorkspace", "WriteOwnStatus",
		"NotebookLogStreams", "StopCatalogNotebooks"}, sids(b), "the shared statements and what a notebook role may add")
	// A notebook role's own owner only: the owner its role is tagged with.
	const owner = "${aws:PrincipalTag/sagemaker-catalog:owner}"
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{f.id(w.Bucket), "Arn"}}, b["ListOwnWorkspace"]["Resource"])
	assert.Equal(t, map[string]any{"StringLike": map[string]any{"s3:prefix": "owners/" + owner + "/*"}}, b["ListOwnWorkspace"]["Condition"])
	assert.Equal(t, []string{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"}, strs(b["ReadWriteOwnWorkspace"]["Action"]))
	assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::GetAtt": []any{f.id(w.Bucket), "Arn"}}, "/owners/" + owner + "/*"}}}, b["ReadWriteOwnWorkspace"]["Resource"])
	assert.Equal(t, "s3:PutObject", b["WriteOwnStatus"]["Action"])
	assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::GetAtt": []any{f.id(w.Bucket), "Arn"}}, "/status/" + owner + "/*"}}}, b["WriteOwnStatus"]["Resource"])
	assert.Contains(t, testutil.JSON(b["NotebookLogStreams"]["Resource"]), ":log-group:/aws/sagemaker/NotebookInstances:log-stream:sc-*")
	stop := b["StopCatalogNotebooks"]
	assert.Equal(t, "sagemaker:StopNotebookInstance", stop["Action"])
	assert.Contains(t, testutil.JSON(stop["Resource"]), ":notebook-instance/sc-*")

	for name, doc := range map[string]map[string]any{"policy": policy, "boundary": boundary} {
		for _, s := range all(doc) {
			assert.Equal(t, "Allow", s["Effect"])
			assert.NotEqual(t, "*", s["Resource"], "%s: %v", name, s)
			for _, a := range strs(s["Action"]) {
				assert.NotContains(t, a, "*", "%s: %s", name, a)
			}
		}
	}
}

func sids(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// DataAccess decides what notebooks may do with the data lake's objects:
// read them, or also write and delete them. The other statements are the
// same.
func TestDataAccessReadVersusReadWrite(t *testing.T) {
	objectActions := map[string][]string{}
	rest := map[string]string{}
	for _, access := range []string{"", "read", "read-write"} {
		f := newFixture()
		f.props.DataBucketArns = []string{lakeRaw, sales}
		if access != "" {
			f.props.DataAccess = jsii.String(access)
		}
		w := f.new()
		for _, doc := range []constructs.IConstruct{w.Policy, w.Boundary} {
			st := statements(t, f.properties(t, doc))
			objects := st["DataLakeObjects"]
			require.NotNil(t, objects, access)
			assert.ElementsMatch(t, []string{lakeRaw + "/*", "arn:aws:s3:::lake-curated/sales/*"}, strs(objects["Resource"]))
			objectActions[access] = strs(objects["Action"])
			assert.ElementsMatch(t, []string{lakeRaw, "arn:aws:s3:::lake-curated"}, strs(st["DataLakeBuckets"]["Resource"]))
			assert.Equal(t, "s3:GetBucketLocation", st["DataLakeBuckets"]["Action"])
			delete(st, "DataLakeObjects")
			if prev, ok := rest[access]; ok {
				assert.Equal(t, prev, testutil.JSON(st["DataLakeBuckets"]))
			}
			rest[access] = testutil.JSON(st["DataLakeBuckets"])
		}
	}
	assert.Equal(t, []string{"s3:GetObject"}, objectActions["read"])
	assert.Equal(t, objectActions["read"], objectActions[""], "read is the default")
	assert.ElementsMatch(t, []string{"s3:GetObject", "s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"}, objectActions["read-write"])
	assert.Equal(t, rest["read"], rest["read-write"], "only the object actions differ")
}

// Listing: a whole bucket, or only under a prefix.
func TestDataStatements(t *testing.T) {
	assert.Nil(t, workspaces.DataStatements(nil, "read-write"), "no bucket, no statement")

	_, stack := testutil.NewStack()
	st := workspaces.DataStatements([]string{lakeRaw, sales, "arn:aws:s3:::lake-curated/finance*"}, "read")
	require.Len(t, st, 5, "buckets, objects, and one list statement per ARN")
	policy := awsiam.NewManagedPolicy(stack, jsii.String("Policy"), &awsiam.ManagedPolicyProps{Statements: &st})
	f := &fixture{stack: stack}
	doc := f.properties(t, policy)
	named := statements(t, doc)
	assert.ElementsMatch(t, []string{lakeRaw, "arn:aws:s3:::lake-curated"}, strs(named["DataLakeBuckets"]["Resource"]), "each bucket once")
	assert.ElementsMatch(t, []string{lakeRaw + "/*", "arn:aws:s3:::lake-curated/sales/*", "arn:aws:s3:::lake-curated/finance/*"}, strs(named["DataLakeObjects"]["Resource"]))
	lists := map[string]any{}
	for _, s := range all(doc) {
		if s["Action"] == "s3:ListBucket" {
			lists[testutil.JSON(s["Resource"])+" "+testutil.JSON(s["Condition"])] = true
		}
	}
	assert.Equal(t, map[string]any{
		`"arn:aws:s3:::lake-raw" null`: true, // the whole bucket
		`"arn:aws:s3:::lake-curated" {"StringLike":{"s3:prefix":["sales/","sales/*"]}}`:     true,
		`"arn:aws:s3:::lake-curated" {"StringLike":{"s3:prefix":["finance/","finance/*"]}}`: true,
	}, lists)

	assert.Equal(t, []string{"arn:aws:s3:::b/*", "arn:aws:s3:::b/p/*", "arn:aws:s3:::b/q/*"},
		workspaces.DataObjectArns([]string{"arn:aws:s3:::b", "arn:aws:s3:::b/p/", "arn:aws:s3:::b/q*"}))
}

func TestWorkspaceFunction(t *testing.T) {
	f := newFixture()
	w := f.new()
	fn := f.properties(t, w.Function)
	assert.Equal(t, "Test-workspace", fn["FunctionName"], "the product template calls it by name")
	assert.Equal(t, map[string]any{"BUCKET": map[string]any{"Ref": f.id(w.Bucket)}, "FUNCTION": "workspace"}, fn["Environment"].(map[string]any)["Variables"])
	assert.Equal(t, "provided.al2023", fn["Runtime"])
	assert.Equal(t, []any{"arm64"}, fn["Architectures"])
	assert.EqualValues(t, 2, fn["ReservedConcurrentExecutions"])
	assert.EqualValues(t, 30, fn["Timeout"])
	assert.Equal(t, map[string]any{"S3Bucket": "code", "S3Key": "functions.zip", "S3ObjectVersion": "1"}, fn["Code"])

	role := statements(t, f.properties(t, w.Function.Role())["Policies"].([]any)[0].(map[string]any))
	assert.ElementsMatch(t, []string{"ReadProvisionedStacks", "ReadLaunchingPrincipal", "OwnLogs"}, sids(role))
	assert.Equal(t, []string{"iam:GetRole", "iam:GetUser"}, strs(role["ReadLaunchingPrincipal"]["Action"]), "the launching principal's unique ID")
	assert.Equal(t, "cloudformation:DescribeStacks", role["ReadProvisionedStacks"]["Action"])
	assert.Contains(t, testutil.JSON(role["ReadProvisionedStacks"]["Resource"]), ":stack/SC-*/*")

	// Its logs: under the catalog's prefix, encrypted with a key of its own.
	logs := f.properties(t, w.Function.(awslambda.Function).LogGroup())
	// Unique to the stack instance: a redeploy after a delete does not collide with the kept group.
	assert.Contains(t, testutil.JSON(logs["LogGroupName"]), `"/Test/functions/workspace/",{"Fn::Select":[2,{"Fn::Split":["/",{"Ref":"AWS::StackId"}]}]}`)
	logKey := logs["KmsKeyId"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
	assert.NotEqual(t, f.id(f.key), logKey)
	assert.Contains(t, testutil.JSON(assertions.Template_FromStack(f.stack, nil).ToJSON()), `":log-group:/Test/functions/*"`, "the log key is scoped to the functions' groups")
	assertions.Template_FromStack(f.stack, nil).ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(2))
}

func TestLogKey(t *testing.T) {
	f := newFixture()
	logKey := awskms.NewKey(f.stack, jsii.String("LogKey"), nil)
	f.props.LogKey = logKey
	w := f.new()
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{f.id(logKey), "Arn"}}, f.properties(t, w.Function.(awslambda.Function).LogGroup())["KmsKeyId"])
	assertions.Template_FromStack(f.stack, nil).ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(2)) // the given two only
}

func TestParameters(t *testing.T) {
	f := newFixture(sgA, sgB)
	w := f.new()
	params := map[string]any{}
	for _, c := range *w.Parameters.Node().Children() {
		p := f.properties(t, c.(constructs.IConstruct))
		assert.Equal(t, "String", p["Type"])
		params[p["Name"].(string)] = p["Value"]
	}
	assert.Equal(t, map[string]any{
		"/Catalog/notebook/kms-key-arn":      map[string]any{"Fn::GetAtt": []any{f.id(f.key), "Arn"}},
		"/Catalog/notebook/subnet-id":        subnetA,
		"/Catalog/notebook/security-group-1": sgA,
		"/Catalog/notebook/security-group-2": sgB,
	}, params, "the first subnet and every security group")
}

// What a launch role needs to create the template's resources.
func TestRoleCreationAndLaunchPermissions(t *testing.T) {
	f := newFixture()
	w := f.new()
	rc := w.RoleCreation()
	assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{"/Test/", map[string]any{"Ref": "AWS::Region"}, "/notebooks/"}}}, f.stack.Resolve(rc.Path))
	assert.Equal(t, map[string]any{"Ref": f.id(w.Boundary)}, f.stack.Resolve(rc.PermissionsBoundaryArn))
	require.Len(t, rc.ManagedPolicyArns, 1)
	assert.Equal(t, map[string]any{"Ref": f.id(w.Policy)}, f.stack.Resolve(rc.ManagedPolicyArns[0]))

	perms := w.LaunchPermissions()
	require.Len(t, perms, 1)
	grants := perms["Custom::Workspace"]
	require.Len(t, grants, 1)
	assert.Equal(t, "ResolveWorkspace", grants[0].Sid)
	assert.Equal(t, []string{"lambda:InvokeFunction"}, grants[0].Actions)
	resources := grants[0].Resources(nil)
	require.Len(t, resources, 1)
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{f.id(w.Function), "Arn"}}, f.stack.Resolve(resources[0]))
}

func TestCatalogNameAndVersionDays(t *testing.T) {
	f := newFixture()
	f.props.CatalogName = jsii.String("Team-Catalog")
	f.props.VersionDays = jsii.Number(90)
	w := f.new()
	bucket := f.properties(t, w.Bucket)
	assert.Nil(t, bucket["BucketName"], "a generated name: a redeploy does not collide with a kept bucket")
	assert.Contains(t, testutil.JSON(bucket["LifecycleConfiguration"]), `"NoncurrentVersionExpiration":{"NoncurrentDays":90}`)
	region := map[string]any{"Ref": "AWS::Region"}
	assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{"Team-Catalog-", region, "-notebook"}}}, f.properties(t, w.Policy)["ManagedPolicyName"])
	assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{"Team-Catalog-", region, "-notebook-boundary"}}}, f.properties(t, w.Boundary)["ManagedPolicyName"])
	assert.Equal(t, "Team-Catalog-workspace", f.properties(t, w.Function)["FunctionName"])
	assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{"/Team-Catalog/", region, "/notebooks/"}}}, f.stack.Resolve(w.RoleCreation().Path))
	assert.Nil(t, f.props.DataAccess, "the caller's props are not written to")
}

// Props given as tokens: an imported key's ARN, subnet and security group
// IDs and a data-lake bucket from parameters and another construct.
func TestTokens(t *testing.T) {
	f := newFixture()
	keyArn := awscdk.NewCfnParameter(f.stack, jsii.String("KeyArn"), nil)
	subnets := awscdk.NewCfnParameter(f.stack, jsii.String("Subnets"), &awscdk.CfnParameterProps{Type: jsii.String("List<AWS::EC2::Subnet::Id>")})
	sg := awscdk.NewCfnParameter(f.stack, jsii.String("SecurityGroup"), &awscdk.CfnParameterProps{Type: jsii.String("AWS::EC2::SecurityGroup::Id")})
	lake := awss3.NewBucket(f.stack, jsii.String("Lake"), nil)
	f.props.Key = awskms.Key_FromKeyArn(f.stack, jsii.String("Imported"), keyArn.ValueAsString())
	f.props.SubnetIds = []*string{awscdk.Fn_Select(jsii.Number(0), subnets.ValueAsList()), awscdk.Fn_Select(jsii.Number(1), subnets.ValueAsList())}
	f.props.SecurityGroupIds = []*string{sg.ValueAsString()}
	f.props.DataBucketArns = []string{*lake.BucketArn(), *lake.ArnForObjects(jsii.String("curated/"))}
	f.props.DataAccess = jsii.String("read-write")
	w := f.new()

	enc := testutil.JSON(f.properties(t, w.Bucket)["BucketEncryption"])
	assert.Contains(t, enc, `"KMSMasterKeyID":{"Ref":"KeyArn"}`)
	assert.Equal(t, map[string]any{"Ref": "KeyArn"}, statements(t, f.properties(t, w.Policy))["WorkspaceKeyThroughS3"]["Resource"])
	values := map[string]any{}
	for _, c := range *w.Parameters.Node().Children() {
		p := f.properties(t, c.(constructs.IConstruct))
		values[p["Name"].(string)] = p["Value"]
	}
	assert.Equal(t, map[string]any{"Ref": "KeyArn"}, values["/Catalog/notebook/kms-key-arn"])
	assert.Equal(t, map[string]any{"Fn::Select": []any{float64(0), map[string]any{"Ref": "Subnets"}}}, values["/Catalog/notebook/subnet-id"])
	assert.Equal(t, map[string]any{"Ref": "SecurityGroup"}, values["/Catalog/notebook/security-group-1"])

	// A bucket's ARN token is a bucket; a literal prefix after it is a prefix.
	lakeArn := map[string]any{"Fn::GetAtt": []any{f.id(lake), "Arn"}}
	st := statements(t, f.properties(t, w.Policy))
	assert.Equal(t, []any{lakeArn}, list(st["DataLakeBuckets"]["Resource"]), "the bucket once")
	assert.Equal(t, []any{
		map[string]any{"Fn::Join": []any{"", []any{lakeArn, "/*"}}},
		map[string]any{"Fn::Join": []any{"", []any{lakeArn, "/curated/*"}}},
	}, st["DataLakeObjects"]["Resource"])
	assert.Contains(t, strs(st["DataLakeObjects"]["Action"]), "s3:PutObject")
	assert.Contains(t, testutil.JSON(f.properties(t, w.Policy)), `"s3:prefix":["curated/","curated/*"]`)
}

// Values the construct computes with at synthesis cannot be tokens: the
// catalog's name (the template computes the same names), the data access
// (it chooses the actions) and the version days.
func TestFailsOnTokensNeededAtSynthesis(t *testing.T) {
	f := newFixture()
	f.props.CatalogName = awscdk.NewCfnParameter(f.stack, jsii.String("Catalog"), nil).ValueAsString()
	f.props.DataAccess = awscdk.NewCfnParameter(f.stack, jsii.String("Access"), nil).ValueAsString()
	f.props.VersionDays = awscdk.NewCfnParameter(f.stack, jsii.String("Days"), &awscdk.CfnParameterProps{Type: jsii.String("Number")}).ValueAsNumber()
	msg := testutil.PanicMessage(func() { f.new() })
	assert.Regexp(t, `Test/Workspaces: workspaces.Props: CatalogName: invalid value "\$\{Token\[[^"]+\]\}": a name known at synthesis`, msg)
	assert.Regexp(t, `DataAccess: invalid value "\$\{Token\[[^"]+\]\}": "read" or "read-write", known at synthesis`, msg)
	assert.Contains(t, msg, `VersionDays: invalid value "a token": a whole number of days known at synthesis`)
}

func TestFailsOnInvalidProps(t *testing.T) {
	s := jsii.String
	for _, tc := range []struct {
		name   string
		change func(p *workspaces.Props)
		want   []string
	}{
		{"fails without a key", func(p *workspaces.Props) { p.Key = nil }, []string{"Test/Workspaces: workspaces.Props: Key: required"}},
		{"fails without code", func(p *workspaces.Props) { p.Code = nil }, []string{"Code: required"}},
		{"fails without parameters", func(p *workspaces.Props) { p.Parameters = nil }, []string{"Parameters: required"}},
		{"fails without subnets", func(p *workspaces.Props) { p.SubnetIds = nil }, []string{"SubnetIds: required"}},
		{"fails on a nil first subnet", func(p *workspaces.Props) { p.SubnetIds = []*string{nil} }, []string{"SubnetIds[0]: nil"}},
		{"fails on a nil second subnet", func(p *workspaces.Props) { p.SubnetIds = []*string{s(subnetA), nil} }, []string{"SubnetIds[1]: nil"}},
		{"fails on a malformed subnet", func(p *workspaces.Props) { p.SubnetIds = []*string{s("subnet-1")} }, []string{`SubnetIds[0]: invalid value "subnet-1"`, "subnet-0123456789abcdef0"}},
		{"fails on a nil security group", func(p *workspaces.Props) { p.SecurityGroupIds = []*string{nil} }, []string{"SecurityGroupIds[0]: nil"}},
		{"fails on a malformed security group", func(p *workspaces.Props) { p.SecurityGroupIds = []*string{s("default")} }, []string{`SecurityGroupIds[0]: invalid value "default"`}},
		{"fails on more security groups than the template resolves", func(p *workspaces.Props) { p.SecurityGroupIds = []*string{s(sgA), s(sgB)} },
			[]string{"SecurityGroupIds: 2 given, but the template resolves 1"}},
		{"fails on a catalog name with a space", func(p *workspaces.Props) { p.CatalogName = s("my catalog") }, []string{`CatalogName: invalid value "my catalog"`}},
		{"fails on an unknown data access", func(p *workspaces.Props) { p.DataAccess = s("write") }, []string{`DataAccess: invalid value "write": "read" or "read-write"`}},
		{"fails on a bucket name instead of an ARN", func(p *workspaces.Props) { p.DataBucketArns = []string{lakeRaw, "lake-curated"} },
			[]string{`DataBucketArns[1]: invalid value "lake-curated"`, "arn:aws:s3:::my-data-lake"}},
		{"fails on an empty bucket ARN", func(p *workspaces.Props) { p.DataBucketArns = []string{""} }, []string{`DataBucketArns[0]: invalid value ""`}},
		{"fails on zero version days", func(p *workspaces.Props) { p.VersionDays = jsii.Number(0) }, []string{`VersionDays: invalid value "0"`}},
		{"fails on fractional version days", func(p *workspaces.Props) { p.VersionDays = jsii.Number(1.5) }, []string{`VersionDays: invalid value "1.5"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture()
			tc.change(f.props)
			msg := testutil.PanicMessage(func() { f.new() })
			require.NotEmpty(t, msg, "New should panic")
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
			assert.Error(t, f.props.Validate())
		})
	}
}

func TestFailsOnNilPropsNamingEveryRequiredField(t *testing.T) {
	_, stack := testutil.NewStack()
	msg := testutil.PanicMessage(func() { workspaces.New(stack, jsii.String("Workspaces"), nil) })
	for _, field := range []string{"Key", "Code", "Parameters", "SubnetIds"} {
		assert.Contains(t, msg, "workspaces.Props: "+field+": required")
	}
}

// A kept bucket is used again: no bucket is created, only its policy.
func TestExistingBucket(t *testing.T) {
	f := newFixture()
	f.props.ExistingBucket = awss3.Bucket_FromBucketName(f.stack, jsii.String("Kept"), jsii.String("kept-workspaces"))
	w := f.new()
	tmpl := assertions.Template_FromStack(f.stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::S3::Bucket"), jsii.Number(0))
	assert.Nil(t, w.AccessLogs)
	tmpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{"Bucket": "kept-workspaces"})
	assert.Contains(t, testutil.JSON(tmpl.ToJSON()), `"aws:SecureTransport":"false"`)
	assert.Contains(t, testutil.JSON(f.properties(t, w.Function)), `"BUCKET":"kept-workspaces"`)
}

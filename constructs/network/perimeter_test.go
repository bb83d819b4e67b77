package network_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/network"
	"github.com/datalake-platform/sagemaker-catalog/internal/policytest"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

var account = map[string]any{"Ref": "AWS::AccountId"}

// endpointPolicies returns each VPC endpoint's policy by the end of its
// service name (".s3", ".kms", ...).
func endpointPolicies(t *testing.T, stack awscdk.Stack) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, e := range resources(stack, "AWS::EC2::VPCEndpoint") {
		p := props(e)
		// {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".s3"]]}
		parts := p["ServiceName"].(map[string]any)["Fn::Join"].([]any)[1].([]any)
		service := parts[len(parts)-1].(string)
		doc, ok := p["PolicyDocument"].(map[string]any)
		require.True(t, ok, "%s: a policy", service)
		out[service] = doc
	}
	return out
}

// Every interface endpoint admits this account's principals only, and
// where every notebook call names one, this account's resources only.
func TestInterfaceEndpointPolicies(t *testing.T) {
	_, stack := testutil.NewStack()
	n := network.New(stack, jsii.String("Network"), nil)
	require.Len(t, n.Endpoints, 6)
	policies := endpointPolicies(t, stack)
	for _, service := range []string{".sagemaker.api", ".sagemaker.runtime", ".notebook", ".sts", ".logs", ".kms"} {
		doc := policies[service]
		require.NotNil(t, doc, service)
		equals := map[string]any{"aws:PrincipalAccount": account}
		if service != ".sts" {
			equals["aws:ResourceAccount"] = account
		}
		assert.Equal(t, []any{map[string]any{
			"Sid": network.InterfaceEndpointSid, "Effect": "Allow", "Principal": "*",
			"Action": "*", "Resource": "*", "Condition": map[string]any{"StringEquals": equals},
		}}, doc["Statement"], service)
	}
}

// The S3 gateway endpoint admits the buckets given, for this account's
// principals; without buckets, any bucket.
func TestS3EndpointPolicy(t *testing.T) {
	_, stack := testutil.NewStack()
	lake := awss3.NewBucket(stack, jsii.String("Lake"), nil)
	lakeArn := map[string]any{"Fn::GetAtt": []any{logicalID(stack, lake), "Arn"}}
	n := network.New(stack, jsii.String("Network"), &network.Props{S3BucketArns: []*string{
		jsii.String("arn:aws:s3:::workspaces-123456789012-eu-west-1-1c2fa620"),
		jsii.String("arn:aws:s3:::lake-curated/sales/"),
		lake.BucketArn(),
		jsii.String(*lake.BucketArn() + "/raw*"),
	}})
	require.NotNil(t, n.S3Endpoint)
	statement := endpointPolicies(t, stack)[".s3"]["Statement"].([]any)
	require.Len(t, statement, 1)
	st := statement[0].(map[string]any)
	assert.ElementsMatch(t, []any{
		"arn:aws:s3:::workspaces-123456789012-eu-west-1-1c2fa620", "arn:aws:s3:::workspaces-123456789012-eu-west-1-1c2fa620/*",
		"arn:aws:s3:::lake-curated", "arn:aws:s3:::lake-curated/sales/*",
		lakeArn, map[string]any{"Fn::Join": []any{"", []any{lakeArn, "/*"}}},
		map[string]any{"Fn::Join": []any{"", []any{lakeArn, "/raw/*"}}},
	}, st["Resource"])
	delete(st, "Resource")
	assert.Equal(t, map[string]any{
		"Sid": network.S3EndpointSid, "Effect": "Allow", "Principal": "*", "Action": "s3:*",
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalAccount": account}},
	}, st)
	assert.Equal(t, logicalID(stack, n.S3Endpoint), refID(t, stack.Resolve(n.S3Endpoint.VpcEndpointId())))

	_, open := testutil.NewStack()
	network.New(open, jsii.String("Network"), nil)
	assert.Equal(t, "*", endpointPolicies(t, open)[".s3"]["Statement"].([]any)[0].(map[string]any)["Resource"])
}

// The S3 endpoint's policy, evaluated: the catalog's buckets for this
// account's principals; nothing for another account's credentials or
// another bucket (an exfiltration target).
func TestS3EndpointPolicyAsEvaluated(t *testing.T) {
	_, stack := testutil.NewStack()
	network.New(stack, jsii.String("Network"), &network.Props{S3BucketArns: []*string{
		jsii.String("arn:aws:s3:::workspaces-123456789012-eu-west-1-1c2fa620"), jsii.String("arn:aws:s3:::lake-curated/sales/"),
	}})
	policy := policytest.Resolve(t, endpointPolicies(t, stack)[".s3"], nil).(map[string]any)
	role := "arn:aws:iam::123456789012:role/catalog/eu-west-1/notebooks/r"
	session := "arn:aws:sts::123456789012:assumed-role/r/s"
	cases := []struct {
		name, action, resource string
		ctx                    map[string]any
		want                   string
	}{
		{"a workspace file", "s3:GetObject", "arn:aws:s3:::workspaces-123456789012-eu-west-1-1c2fa620/owners/a/x", nil, "Allowed"},
		{"listing the workspaces", "s3:ListBucket", "arn:aws:s3:::workspaces-123456789012-eu-west-1-1c2fa620", nil, "Allowed"},
		{"a data-lake object under the prefix", "s3:GetObject", "arn:aws:s3:::lake-curated/sales/2024.csv", nil, "Allowed"},
		{"a data-lake object outside the prefix", "s3:GetObject", "arn:aws:s3:::lake-curated/finance/2024.csv", nil, "ImplicitlyDenied"},
		{"an upload to someone's own bucket", "s3:PutObject", "arn:aws:s3:::exfiltration/data.csv", nil, "ImplicitlyDenied"},
		{"another account's credentials", "s3:GetObject", "arn:aws:s3:::workspaces-123456789012-eu-west-1-1c2fa620/owners/a/x",
			map[string]any{"aws:PrincipalAccount": "999999999999"}, "ImplicitlyDenied"},
	}
	var requests []policytest.Request
	for _, c := range cases {
		requests = append(requests, policytest.Request{Name: c.name, Principal: session, RoleArn: role, Action: c.action, Resource: c.resource, Context: c.ctx})
	}
	got := policytest.EvaluateThroughEndpoint(t, policy, requests)
	for i, c := range cases {
		assert.Equal(t, c.want, got[i], c.name)
	}
}

// The notebooks reach S3 through its managed prefix list, which a custom
// resource looks up with one Describe action; no rule opens 0.0.0.0/0.
func TestS3PrefixListEgress(t *testing.T) {
	_, stack := testutil.NewStack()
	n := network.New(stack, jsii.String("Network"), nil)
	require.NotNil(t, n.S3PrefixListId)
	tmpl := assertions.Template_FromStack(stack, nil)
	lookups := resources(stack, "Custom::AWS")
	require.Len(t, lookups, 1)
	var lookupID string
	for id, r := range lookups {
		lookupID = id
		create := testutil.JSON(props(r)["Create"])
		for _, want := range []string{`\"service\":\"EC2\"`, `\"action\":\"DescribeManagedPrefixLists\"`,
			`\"Name\":\"prefix-list-name\"`, `\"Values\":[\"com.amazonaws.`, `{"Ref":"AWS::Region"}`, `.s3\"]`,
			`\"outputPaths\":[\"PrefixLists.0.PrefixListId\"]`} {
			assert.Contains(t, create, want)
		}
		assert.Equal(t, props(r)["Create"], props(r)["Update"], "looked up again on update")
	}
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{lookupID, "PrefixLists.0.PrefixListId"}}, stack.Resolve(n.S3PrefixListId))

	// The lookup's role (inline, nothing else): that one action, on "*" (no
	// resource-level permissions), and its own log group, which the
	// flow-log key encrypts.
	var role map[string]any
	for _, r := range resources(stack, "AWS::IAM::Role") {
		if strings.Contains(testutil.JSON(r), "DescribeManagedPrefixLists") {
			require.Nil(t, role, "one role")
			role = props(r)
		}
	}
	require.NotNil(t, role)
	assert.Nil(t, role["ManagedPolicyArns"], "no AWSLambdaBasicExecutionRole")
	logsID := ""
	for id, g := range resources(stack, "AWS::Logs::LogGroup") {
		if strings.HasPrefix(id, "NetworkS3PrefixListLogs") {
			logsID = id
			assert.Equal(t, map[string]any{"Fn::GetAtt": []any{logicalID(stack, n.FlowLogKey), "Arn"}}, props(g)["KmsKeyId"])
		}
	}
	require.NotEmpty(t, logsID)
	assert.Equal(t, []any{map[string]any{"PolicyName": "Lookup", "PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Sid": "DescribeManagedPrefixLists", "Effect": "Allow", "Action": "ec2:DescribeManagedPrefixLists", "Resource": "*"},
		map[string]any{"Sid": "OwnLogs", "Effect": "Allow", "Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"},
			"Resource": map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::GetAtt": []any{logsID, "Arn"}}, ":log-stream:*"}}}},
	}}}}, role["Policies"])
	assert.Empty(t, policytest.Actions(t, "ec2")["DescribeManagedPrefixLists"].ResourceTypes, "no resource-level permissions")
	for id, fn := range resources(stack, "AWS::Lambda::Function") {
		if strings.HasPrefix(id, "AWS679f53fac002430cb0da5b7982bd2287") {
			assert.Equal(t, map[string]any{"LogGroup": map[string]any{"Ref": logsID}}, props(fn)["LoggingConfig"])
			assert.Nil(t, fn["DependsOn"], "the Fn::GetAtt of its role orders them (cfn-lint W3005)")
		}
	}

	// The notebook group's egress: the endpoints' group and the prefix list, HTTPS only.
	notebookSG := refID(t, stack.Resolve(n.SecurityGroupIds[0]))
	var egress []map[string]any
	inline, _ := props(resources(stack, "AWS::EC2::SecurityGroup")[notebookSG])["SecurityGroupEgress"].([]any)
	for _, e := range inline {
		egress = append(egress, e.(map[string]any))
	}
	for _, e := range resources(stack, "AWS::EC2::SecurityGroupEgress") {
		if refID(t, props(e)["GroupId"]) == notebookSG {
			egress = append(egress, props(e))
		}
	}
	var toPrefixList int
	for _, e := range egress {
		assert.NotEqual(t, "0.0.0.0/0", e["CidrIp"], "no rule to any address")
		assert.Nil(t, e["CidrIpv6"])
		if pl, ok := e["DestinationPrefixListId"]; ok {
			toPrefixList++
			assert.Equal(t, map[string]any{"Fn::GetAtt": []any{lookupID, "PrefixLists.0.PrefixListId"}}, pl)
			assert.EqualValues(t, 443, e["FromPort"])
			assert.EqualValues(t, 443, e["ToPort"])
		}
	}
	assert.Equal(t, 1, toPrefixList)
	assert.NotContains(t, testutil.JSON(tmpl.ToJSON()), `"0.0.0.0/0"`)
}

// An existing network gets none of it.
func TestExistingNetworkHasNoPerimeter(t *testing.T) {
	_, stack := testutil.NewStack()
	n := network.New(stack, jsii.String("Network"), &network.Props{
		SubnetIds: []*string{jsii.String(subnetA)}, SecurityGroupIds: []*string{jsii.String(sgA)},
		S3BucketArns: []*string{jsii.String("arn:aws:s3:::bucket")},
	})
	assert.Nil(t, n.S3Endpoint)
	assert.Nil(t, n.S3PrefixListId)
	assert.Empty(t, n.Endpoints)
	assert.Empty(t, resources(stack, "Custom::AWS"))
}

func TestFailsOnInvalidBucketArns(t *testing.T) {
	_, stack := testutil.NewStack()
	msg := testutil.PanicMessage(func() {
		network.New(stack, jsii.String("Network"), &network.Props{S3BucketArns: []*string{jsii.String("bucket"), nil}})
	})
	assert.Contains(t, msg, `Test/Network: network.Props: S3BucketArns[0]: invalid value "bucket": an S3 bucket ARN`)
	assert.Contains(t, msg, "S3BucketArns[1]: nil")
}

// The interface endpoints' policies, evaluated: this account's principals
// to this account's resources (CloudWatch Logs, KMS); STS for this
// account's principals whatever the resource.
func TestInterfaceEndpointPoliciesAsEvaluated(t *testing.T) {
	_, stack := testutil.NewStack()
	network.New(stack, jsii.String("Network"), nil)
	policies := endpointPolicies(t, stack)
	role := "arn:aws:iam::123456789012:role/catalog/eu-west-1/notebooks/r"
	session := "arn:aws:sts::123456789012:assumed-role/r/s"
	// Another account's credentials: the engine takes the principal's
	// account from its ARN.
	foreign := map[string]any{"aws:PrincipalAccount": "999999999999", "aws:PrincipalArn": "arn:aws:iam::999999999999:role/r"}
	for _, c := range []struct {
		name, service, action, resource string
		ctx                             map[string]any
		want                            string
	}{
		{"a notebook writes its log stream", ".logs", "logs:PutLogEvents",
			"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/sagemaker/NotebookInstances:log-stream:sc-1/jupyter.log",
			map[string]any{"aws:ResourceAccount": "123456789012"}, "Allowed"},
		{"a notebook writes to another account's log group", ".logs", "logs:PutLogEvents",
			"arn:aws:logs:eu-west-1:999999999999:log-group:exfiltration:log-stream:s",
			map[string]any{"aws:ResourceAccount": "999999999999"}, "ImplicitlyDenied"},
		{"another account's credentials on the KMS endpoint", ".kms", "kms:Decrypt",
			"arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			map[string]any{"aws:PrincipalAccount": "999999999999", "aws:PrincipalArn": "arn:aws:iam::999999999999:role/r", "aws:ResourceAccount": "999999999999"}, "ImplicitlyDenied"},
		{"a notebook stops itself", ".sagemaker.api", "sagemaker:StopNotebookInstance",
			"arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/sc-1", map[string]any{"aws:ResourceAccount": "123456789012"}, "Allowed"},
		{"this account's principal on STS", ".sts", "sts:GetCallerIdentity", "*", nil, "Allowed"},
		{"another account's credentials assume a role through STS", ".sts", "sts:AssumeRole", "arn:aws:iam::999999999999:role/x", foreign, "ImplicitlyDenied"},
	} {
		policy := policytest.Resolve(t, policies[c.service], nil).(map[string]any)
		principal := session
		if c.ctx["aws:PrincipalAccount"] == "999999999999" {
			principal = "arn:aws:sts::999999999999:assumed-role/r/s"
		}
		got := policytest.EvaluateThroughEndpoint(t, policy, []policytest.Request{{Name: c.name, Principal: principal, RoleArn: role,
			Action: c.action, Resource: c.resource, Context: c.ctx}})
		assert.Equal(t, c.want, got[0], c.name)
	}
}

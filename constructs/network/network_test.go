package network_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/keys"
	"github.com/datalake-platform/sagemaker-catalog/constructs/network"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Run(m) }

const (
	subnetA = "subnet-0123456789abcdef0"
	subnetB = "subnet-0fedcba9876543210"
	sgA     = "sg-0123456789abcdef0"
	sgB     = "sg-0fedcba9876543210"
)

func logicalID(stack awscdk.Stack, c constructs.IConstruct) string {
	return *stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

// resources returns the template's resources of typ by logical ID.
func resources(stack awscdk.Stack, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range *assertions.Template_FromStack(stack, nil).FindResources(jsii.String(typ), nil) {
		out[id] = *r
	}
	return out
}

func props(r map[string]any) map[string]any { return r["Properties"].(map[string]any) }

// getAttID returns the logical ID a {"Fn::GetAtt": [id, attr]} or {"Ref": id} refers to.
func refID(t *testing.T, v any) string {
	t.Helper()
	m, ok := v.(map[string]any)
	require.True(t, ok, "not a reference: %v", v)
	if ref, ok := m["Ref"].(string); ok {
		return ref
	}
	att, ok := m["Fn::GetAtt"].([]any)
	require.True(t, ok, "not a reference: %v", v)
	return att[0].(string)
}

func TestDefaultsCreateAnIsolatedVpc(t *testing.T) {
	_, stack := testutil.NewStack()
	n := network.New(stack, jsii.String("Network"), nil)
	require.True(t, n.Created())
	require.NotNil(t, n.Vpc)

	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::EC2::VPC"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::EC2::VPC"), map[string]any{"CidrBlock": network.DefaultCidr})
	// Isolated: no internet gateway, no NAT, no public addresses.
	tmpl.ResourceCountIs(jsii.String("AWS::EC2::InternetGateway"), jsii.Number(0))
	tmpl.ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(0))
	tmpl.ResourceCountIs(jsii.String("AWS::EC2::EIP"), jsii.Number(0))
	tmpl.ResourceCountIs(jsii.String("AWS::EC2::Route"), jsii.Number(0))
	tmpl.ResourceCountIs(jsii.String("AWS::EC2::Subnet"), jsii.Number(network.DefaultMaxAzs))
	tmpl.AllResourcesProperties(jsii.String("AWS::EC2::Subnet"), map[string]any{"MapPublicIpOnLaunch": false})

	// The exposed subnets and security group are the synthesized ones.
	subnets := resources(stack, "AWS::EC2::Subnet")
	require.Len(t, n.SubnetIds, network.DefaultMaxAzs)
	for _, s := range n.SubnetIds {
		assert.Contains(t, subnets, refID(t, stack.Resolve(s)))
	}
	require.Len(t, n.SecurityGroupIds, 1)
	notebookSG := refID(t, stack.Resolve(n.SecurityGroupIds[0]))
	assert.Contains(t, props(resources(stack, "AWS::EC2::SecurityGroup")[notebookSG])["GroupDescription"], "SageMaker notebooks")
	assert.Equal(t, logicalID(stack, n.Vpc), refID(t, props(subnets[refID(t, stack.Resolve(n.SubnetIds[0]))])["VpcId"]))
}

// The endpoints a notebook needs without internet access: S3 through a
// gateway, the rest as private interface endpoints behind their own group.
func TestEndpoints(t *testing.T) {
	_, stack := testutil.NewStack()
	n := network.New(stack, jsii.String("Network"), nil)

	var gateways, interfaces []string
	var endpointSGs []string
	for _, e := range resources(stack, "AWS::EC2::VPCEndpoint") {
		p := props(e)
		assert.Equal(t, logicalID(stack, n.Vpc), refID(t, p["VpcId"]))
		service := testutil.JSON(p["ServiceName"])
		switch p["VpcEndpointType"] {
		case "Gateway":
			gateways = append(gateways, service)
		case "Interface":
			interfaces = append(interfaces, service)
			assert.Equal(t, true, p["PrivateDnsEnabled"], service)
			require.Len(t, p["SecurityGroupIds"], 1, service)
			endpointSGs = append(endpointSGs, refID(t, p["SecurityGroupIds"].([]any)[0]))
		default:
			t.Errorf("endpoint type %v", p["VpcEndpointType"])
		}
	}
	require.Len(t, gateways, 1)
	assert.Contains(t, gateways[0], ".s3")
	require.Len(t, interfaces, 6)
	for _, suffix := range []string{".sagemaker.api", ".sagemaker.runtime", ".notebook", ".sts", ".logs", ".kms"} {
		found := 0
		for _, s := range interfaces {
			if strings.Contains(s, suffix+`"`) {
				found++
			}
		}
		assert.Equal(t, 1, found, "one interface endpoint for %s in %v", suffix, interfaces)
	}
	// One endpoint group, not the notebooks' group, open to HTTPS from the notebooks only.
	notebookSG := refID(t, stack.Resolve(n.SecurityGroupIds[0]))
	for _, sg := range endpointSGs[1:] {
		assert.Equal(t, endpointSGs[0], sg)
	}
	assert.NotEqual(t, notebookSG, endpointSGs[0])
	ingress := resources(stack, "AWS::EC2::SecurityGroupIngress")
	require.Len(t, ingress, 1)
	for _, in := range ingress {
		p := props(in)
		assert.Equal(t, endpointSGs[0], refID(t, p["GroupId"]))
		assert.Equal(t, notebookSG, refID(t, p["SourceSecurityGroupId"]))
		assert.Equal(t, "tcp", p["IpProtocol"])
		assert.EqualValues(t, 443, p["FromPort"])
		assert.EqualValues(t, 443, p["ToPort"])
	}
}

// Every way out of every security group is HTTPS (443), or CDK's
// "no egress" marker.
func TestEgressOnly443(t *testing.T) {
	_, stack := testutil.NewStack()
	n := network.New(stack, jsii.String("Network"), nil)
	notebookSG := refID(t, stack.Resolve(n.SecurityGroupIds[0]))

	var rules []map[string]any
	groups := resources(stack, "AWS::EC2::SecurityGroup")
	require.Len(t, groups, 2, "the notebooks' and the endpoints'")
	for id, sg := range groups {
		p := props(sg)
		assert.Empty(t, p["SecurityGroupIngress"], "%s: no inline ingress", id)
		inline, _ := p["SecurityGroupEgress"].([]any)
		for _, e := range inline {
			rule := e.(map[string]any)
			rule["group"] = id
			rules = append(rules, rule)
		}
	}
	for _, e := range resources(stack, "AWS::EC2::SecurityGroupEgress") {
		rule := props(e)
		rule["group"] = refID(t, rule["GroupId"])
		rules = append(rules, rule)
	}
	var fromNotebooks int
	for _, rule := range rules {
		if rule["CidrIp"] == "255.255.255.255/32" {
			assert.Equal(t, "icmp", rule["IpProtocol"], "CDK's marker for no egress")
			continue
		}
		assert.Equal(t, "tcp", rule["IpProtocol"], "%v", rule)
		assert.EqualValues(t, 443, rule["FromPort"], "%v", rule)
		assert.EqualValues(t, 443, rule["ToPort"], "%v", rule)
		if rule["group"] == notebookSG {
			fromNotebooks++
		}
	}
	assert.Equal(t, 2, fromNotebooks, "notebooks: to the endpoints' group, and to S3's prefix list (the gateway)")
}

func TestFlowLogs(t *testing.T) {
	_, stack := testutil.NewStack()
	n := network.New(stack, jsii.String("Network"), nil)
	require.NotNil(t, n.FlowLogs)
	require.NotNil(t, n.FlowLogKey)

	group := resources(stack, "AWS::Logs::LogGroup")[logicalID(stack, n.FlowLogs)]
	require.NotNil(t, group)
	assert.Equal(t, "Retain", group["DeletionPolicy"])
	assert.EqualValues(t, 365, props(group)["RetentionInDays"])
	assert.Equal(t, logicalID(stack, n.FlowLogKey), refID(t, props(group)["KmsKeyId"]))
	assert.NotContains(t, props(group), "LogGroupName", "CloudFormation names it by default")

	flowLogs := resources(stack, "AWS::EC2::FlowLog")
	require.Len(t, flowLogs, 1)
	for _, f := range flowLogs {
		p := props(f)
		assert.Equal(t, "ALL", p["TrafficType"])
		assert.Equal(t, "VPC", p["ResourceType"])
		assert.Equal(t, logicalID(stack, n.Vpc), refID(t, p["ResourceId"]))
		assert.Equal(t, logicalID(stack, n.FlowLogs), refID(t, p["LogGroupName"]))
	}
	// The flow-log key lets CloudWatch Logs use it for any log group of the account by default.
	key := testutil.JSON(props(resources(stack, "AWS::KMS::Key")[logicalID(stack, n.FlowLogKey)]))
	assert.Contains(t, key, `"kms:EncryptionContext:aws:logs:arn"`)
	assert.Contains(t, key, `":log-group:*"`)
	// Its use is CloudWatch Logs' only: every principal of the account is
	// denied it outside CloudWatch Logs.
	assert.Contains(t, key, `"Sid":"`+keys.DenyUseSid+`"`)
	assert.Contains(t, key, `"StringNotEquals":{"kms:ViaService":[{"Fn::Join":["",["logs.",{"Ref":"AWS::Region"},".amazonaws.com"]]}]}`)
	assert.NotContains(t, key, `"ArnNotLike"`, "no principal of the account may use it directly")
}

func TestProps(t *testing.T) {
	_, stack := testutil.NewStack()
	n := network.New(stack, jsii.String("Network"), &network.Props{
		Cidr:             jsii.String("10.20.0.0/16"),
		MaxAzs:           jsii.Number(1),
		FlowLogGroupName: jsii.String("/team/vpc-flow-logs"),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::EC2::VPC"), map[string]any{"CidrBlock": "10.20.0.0/16"})
	tmpl.ResourceCountIs(jsii.String("AWS::EC2::Subnet"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::EC2::Subnet"), map[string]any{"CidrBlock": "10.20.0.0/24"})
	assert.Len(t, n.SubnetIds, 1)
	assert.Equal(t, "/team/vpc-flow-logs", props(resources(stack, "AWS::Logs::LogGroup")[logicalID(stack, n.FlowLogs)])["LogGroupName"])
	// The key is scoped to that group and the groups named after it (the
	// S3 prefix list lookup's, /team/vpc-flow-logs/s3-prefix-list).
	key := testutil.JSON(props(resources(stack, "AWS::KMS::Key")[logicalID(stack, n.FlowLogKey)]))
	assert.Contains(t, key, `":log-group:/team/vpc-flow-logs*"`)
	assert.NotContains(t, key, `":log-group:*"`)
	tmpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"LogGroupName": "/team/vpc-flow-logs/s3-prefix-list"})
}

func TestExistingNetworkCreatesNothing(t *testing.T) {
	_, stack := testutil.NewStack()
	given := &network.Props{
		SubnetIds:        []*string{jsii.String(subnetA), jsii.String(subnetB)},
		SecurityGroupIds: []*string{jsii.String(sgA), jsii.String(sgB)},
	}
	n := network.New(stack, jsii.String("Network"), given)
	assert.False(t, n.Created())
	assert.Nil(t, n.Vpc)
	assert.Nil(t, n.FlowLogs)
	assert.Nil(t, n.FlowLogKey)
	assert.Equal(t, []string{subnetA, subnetB}, []string{*n.SubnetIds[0], *n.SubnetIds[1]})
	assert.Equal(t, []string{sgA, sgB}, []string{*n.SecurityGroupIds[0], *n.SecurityGroupIds[1]})
	assert.NotContains(t, *assertions.Template_FromStack(stack, nil).ToJSON(), "Resources", "no resource at all")
}

// IDs given as tokens (a parameter's values) are used as they are.
func TestTokens(t *testing.T) {
	_, stack := testutil.NewStack()
	subnets := awscdk.NewCfnParameter(stack, jsii.String("Subnets"), &awscdk.CfnParameterProps{Type: jsii.String("List<AWS::EC2::Subnet::Id>")})
	sg := awscdk.NewCfnParameter(stack, jsii.String("SecurityGroup"), &awscdk.CfnParameterProps{Type: jsii.String("AWS::EC2::SecurityGroup::Id")})
	n := network.New(stack, jsii.String("Network"), &network.Props{
		SubnetIds:        []*string{awscdk.Fn_Select(jsii.Number(0), subnets.ValueAsList())},
		SecurityGroupIds: []*string{sg.ValueAsString()},
	})
	assert.False(t, n.Created())
	assert.Equal(t, map[string]any{"Fn::Select": []any{float64(0), map[string]any{"Ref": "Subnets"}}}, stack.Resolve(n.SubnetIds[0]))
	assert.Equal(t, map[string]any{"Ref": "SecurityGroup"}, stack.Resolve(n.SecurityGroupIds[0]))

	// A created VPC's flow-log group named by a parameter.
	_, stack = testutil.NewStack()
	name := awscdk.NewCfnParameter(stack, jsii.String("FlowLogGroup"), nil)
	n = network.New(stack, jsii.String("Network"), &network.Props{FlowLogGroupName: name.ValueAsString()})
	assert.Equal(t, map[string]any{"Ref": "FlowLogGroup"}, props(resources(stack, "AWS::Logs::LogGroup")[logicalID(stack, n.FlowLogs)])["LogGroupName"])
	assert.Contains(t, testutil.JSON(resources(stack, "AWS::KMS::Key")[logicalID(stack, n.FlowLogKey)]), `{"Ref":"FlowLogGroup"}`)
}

func TestFailsOnInvalidProps(t *testing.T) {
	s := jsii.String
	six := []*string{s(sgA), s(sgB), s("sg-01234567"), s("sg-89abcdef"), s("sg-0123456789abcdef1"), s("sg-0123456789abcdef2")}
	for _, tc := range []struct {
		name  string
		props network.Props
		want  []string
	}{
		{"fails on a malformed subnet ID", network.Props{SubnetIds: []*string{s("subnet-xyz")}, SecurityGroupIds: []*string{s(sgA)}},
			[]string{`Test/Network: network.Props: SubnetIds[0]: invalid value "subnet-xyz"`, "subnet-0123456789abcdef0"}},
		{"fails on a VPC ID given as a subnet", network.Props{SubnetIds: []*string{s(subnetA), s("vpc-0123456789abcdef0")}, SecurityGroupIds: []*string{s(sgA)}},
			[]string{`SubnetIds[1]: invalid value "vpc-0123456789abcdef0"`}},
		{"fails on a nil subnet", network.Props{SubnetIds: []*string{s(subnetA), nil}, SecurityGroupIds: []*string{s(sgA)}},
			[]string{"SubnetIds[1]: nil"}},
		{"fails on a malformed security group ID", network.Props{SubnetIds: []*string{s(subnetA)}, SecurityGroupIds: []*string{s("default")}},
			[]string{`SecurityGroupIds[0]: invalid value "default"`, "sg-0123456789abcdef0"}},
		{"fails on a nil security group", network.Props{SubnetIds: []*string{s(subnetA)}, SecurityGroupIds: []*string{nil}},
			[]string{"SecurityGroupIds[0]: nil"}},
		{"fails on subnets without security groups", network.Props{SubnetIds: []*string{s(subnetA)}},
			[]string{"SecurityGroupIds: required with SubnetIds"}},
		{"fails on security groups without subnets", network.Props{SecurityGroupIds: []*string{s(sgA)}},
			[]string{"SubnetIds: required with SecurityGroupIds"}},
		{"fails on six security groups", network.Props{SubnetIds: []*string{s(subnetA)}, SecurityGroupIds: six},
			[]string{"SecurityGroupIds: 6 given: at most 5"}},
		{"fails on zero availability zones", network.Props{MaxAzs: jsii.Number(0)}, []string{`MaxAzs: invalid value "0"`, "1 to 4"}},
		{"fails on a fractional availability zone count", network.Props{MaxAzs: jsii.Number(1.5)}, []string{`MaxAzs: invalid value "1.5"`}},
		{"fails on five availability zones", network.Props{MaxAzs: jsii.Number(5)}, []string{`MaxAzs: invalid value "5"`}},
		{"fails on a malformed CIDR", network.Props{Cidr: s("10.0.0/16")}, []string{`Test/Network: network.Props: Cidr: invalid value "10.0.0/16"`, "/16 to /24"}},
		{"fails on a CIDR that is not a network address", network.Props{Cidr: s("10.64.0.1/22")}, []string{`Cidr: invalid value "10.64.0.1/22"`, "10.64.0.0/22"}},
		{"fails on a CIDR larger than a VPC may be", network.Props{Cidr: s("10.0.0.0/8")}, []string{`Cidr: invalid value "10.0.0.0/8"`, "/16 to /24"}},
		{"fails on an IPv6 CIDR", network.Props{Cidr: s("fd00::/56")}, []string{`Cidr: invalid value "fd00::/56"`, "IPv4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stack := testutil.NewStack()
			msg := testutil.PanicMessage(func() { network.New(stack, jsii.String("Network"), &tc.props) })
			require.NotEmpty(t, msg, "New should panic")
			assert.True(t, strings.HasPrefix(msg, "Test/Network: "), msg)
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
			assert.Error(t, tc.props.Validate())
		})
	}
}

// The subnets (one /24 per availability zone) must fit in the CIDR; the
// stack decides how many zones there are, so New checks it, not Validate.
func TestFailsOnACidrTooSmallForTheSubnets(t *testing.T) {
	_, stack := testutil.NewStack()
	props := &network.Props{Cidr: jsii.String("10.0.0.0/24")}
	require.NoError(t, props.Validate(), "one /24 would fit")
	msg := testutil.PanicMessage(func() { network.New(stack, jsii.String("Network"), props) })
	assert.Contains(t, msg, `Test/Network: network.Props: Cidr: invalid value "10.0.0.0/24": 2 availability zones need /23 or larger`)

	_, stack = testutil.NewStack()
	network.New(stack, jsii.String("Network"), &network.Props{Cidr: jsii.String("10.0.0.0/24"), MaxAzs: jsii.Number(1)})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::EC2::Subnet"), map[string]any{"CidrBlock": "10.0.0.0/24"})
}

// A CIDR token cannot be divided into subnets at synthesis.
func TestFailsOnACidrToken(t *testing.T) {
	_, stack := testutil.NewStack()
	cidr := awscdk.NewCfnParameter(stack, jsii.String("Cidr"), nil)
	msg := testutil.PanicMessage(func() { network.New(stack, jsii.String("Network"), &network.Props{Cidr: cidr.ValueAsString()}) })
	assert.Contains(t, msg, "Test/Network: network.Props: Cidr: invalid value")
	assert.Contains(t, msg, "a CIDR known at synthesis")
}

func TestReportsAllProblemsAtOnce(t *testing.T) {
	err := (&network.Props{
		SubnetIds: []*string{jsii.String("subnet-1"), nil},
		Cidr:      jsii.String("x"),
		MaxAzs:    jsii.Number(9),
	}).Validate()
	require.Error(t, err)
	for _, w := range []string{"SubnetIds[0]", "SubnetIds[1]", "SecurityGroupIds: required", "Cidr", "MaxAzs"} {
		assert.Contains(t, err.Error(), w)
	}
}

// Package network provides the network notebooks run in: an isolated VPC
// (no internet gateway, no NAT) with the VPC endpoints a notebook needs
// (S3 gateway; SageMaker API, runtime and notebook, STS, CloudWatch Logs and
// KMS interface endpoints), a notebook security group that may reach only
// those endpoints, and flow logs in an encrypted log group; or the subnets
// and security groups of an existing network.
package network

import (
	"fmt"
	"math/bits"
	"net/netip"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/keys"
	"github.com/datalake-platform/sagemaker-catalog/internal/arns"
	"github.com/datalake-platform/sagemaker-catalog/internal/check"
)

// Defaults of Props.
const (
	DefaultCidr   = "10.64.0.0/22"
	DefaultMaxAzs = 2
)

var (
	subnetPattern = regexp.MustCompile(`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`)
	sgPattern     = regexp.MustCompile(`^sg-([0-9a-f]{8}|[0-9a-f]{17})$`)
)

// MaxSecurityGroups is SageMaker's limit of security groups per notebook instance.
const MaxSecurityGroups = 5

// subnetBits is the prefix length of the created subnets, one per zone.
const subnetBits = 24

// Props configures a Network. Every field is optional.
type Props struct {
	// SubnetIds are existing private subnets for the notebooks; with
	// SecurityGroupIds, the construct creates nothing. They need routes to
	// the services the notebooks use (see the package documentation).
	// Default: an isolated VPC is created.
	SubnetIds []*string
	// SecurityGroupIds are the notebooks' security groups (1-5), with SubnetIds.
	// Default: the created notebook security group.
	SecurityGroupIds []*string
	// Cidr is the created VPC's address range: an IPv4 network from /16
	// (the maxBits VPC) to /24, with room for a /24 subnet per availability
	// zone.
	// Default: DefaultCidr.
	Cidr *string
	// MaxAzs is how many availability zones the created VPC spans.
	// Default: DefaultMaxAzs.
	MaxAzs *float64
	// FlowLogGroupName names the created VPC's flow-log group.
	// Default: a name CloudFormation generates.
	FlowLogGroupName *string
}

// Network is where notebooks run.
type Network struct {
	constructs.Construct
	// Vpc is the created VPC, or nil with Props.SubnetIds.
	Vpc awsec2.IVpc
	// SubnetIds and SecurityGroupIds are what notebooks attach to.
	SubnetIds        []*string
	SecurityGroupIds []*string
	// FlowLogs and FlowLogKey hold the created VPC's flow logs, or nil.
	FlowLogs   awslogs.ILogGroup
	FlowLogKey awskms.IKey
}

// New creates the network in scope, or uses the existing one props names.
//
// New panics if a field is invalid; the message names the field, the value
// and what is allowed.
func New(scope constructs.Construct, id *string, props *Props) *Network {
	if props == nil {
		props = &Props{}
	}
	n := &Network{}
	constructs.NewConstruct_Override(n, scope, id)
	if err := props.Validate(); err != nil {
		panic(fmt.Errorf("%s: %w", *n.Node().Path(), err))
	}
	if len(props.SubnetIds) > 0 {
		n.SubnetIds, n.SecurityGroupIds = props.SubnetIds, props.SecurityGroupIds
		return n
	}
	maxAzs := float64(DefaultMaxAzs)
	if props.MaxAzs != nil {
		maxAzs = *props.MaxAzs
	}
	// One subnet per zone the stack's environment offers, at most maxAzs:
	// known here, not in Validate.
	cidr := check.Or(props.Cidr, DefaultCidr)
	zones := min(int(maxAzs), len(*awscdk.Stack_Of(n).AvailabilityZones()))
	if maxBits := subnetBits - bits.Len(uint(zones-1)); netip.MustParsePrefix(cidr).Bits() > maxBits {
		panic(fmt.Errorf("%s: network.Props: Cidr: invalid value %q: %d availability zones need /%d or larger (a /%d subnet in each)",
			*n.Node().Path(), cidr, zones, maxBits, subnetBits))
	}
	vpc := awsec2.NewVpc(n, jsii.String("Vpc"), &awsec2.VpcProps{
		IpAddresses:           awsec2.IpAddresses_Cidr(jsii.String(cidr)),
		MaxAzs:                jsii.Number(maxAzs),
		NatGateways:           jsii.Number(0),
		CreateInternetGateway: jsii.Bool(false),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{
			Name:       jsii.String("notebooks"),
			SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED,
			CidrMask:   jsii.Number(subnetBits),
		}},
		GatewayEndpoints: &map[string]*awsec2.GatewayVpcEndpointOptions{
			"S3": {Service: awsec2.GatewayVpcEndpointAwsService_S3()},
		},
	})
	n.Vpc = vpc
	notebookSG := awsec2.NewSecurityGroup(n, jsii.String("NotebookSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("SageMaker notebooks: HTTPS out to the VPC endpoints only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	endpointSG := awsec2.NewSecurityGroup(n, jsii.String("EndpointSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("VPC interface endpoints: HTTPS in from notebooks"),
		AllowAllOutbound: jsii.Bool(false),
	})
	endpointSG.AddIngressRule(notebookSG, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from notebooks"), nil)
	notebookSG.AddEgressRule(endpointSG, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to the VPC interface endpoints"), nil)
	// The S3 gateway endpoint is reached through a regional prefix list,
	// unknown to an environment-agnostic synthesis; the isolated subnets
	// route nowhere else, so HTTPS to any address reaches only S3.
	notebookSG.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to S3 through the gateway endpoint"), nil)

	for _, e := range []struct {
		id      string
		service awsec2.InterfaceVpcEndpointAwsService
	}{
		{"SageMakerApi", awsec2.InterfaceVpcEndpointAwsService_SAGEMAKER_API()},
		{"SageMakerRuntime", awsec2.InterfaceVpcEndpointAwsService_SAGEMAKER_RUNTIME()},
		{"SageMakerNotebook", awsec2.InterfaceVpcEndpointAwsService_SAGEMAKER_NOTEBOOK()},
		{"Sts", awsec2.InterfaceVpcEndpointAwsService_STS()},
		{"Logs", awsec2.InterfaceVpcEndpointAwsService_CLOUDWATCH_LOGS()},
		{"Kms", awsec2.InterfaceVpcEndpointAwsService_KMS()},
	} {
		vpc.AddInterfaceEndpoint(jsii.String(e.id), &awsec2.InterfaceVpcEndpointOptions{
			Service:           e.service,
			PrivateDnsEnabled: jsii.Bool(true),
			Open:              jsii.Bool(false),
			SecurityGroups:    &[]awsec2.ISecurityGroup{endpointSG},
		})
	}

	// Flow logs, kept a year, encrypted with a key of their own (a given
	// notebook key's policy would not be ours to change).
	groupArns := arns.LogGroup(n, "*")
	if props.FlowLogGroupName != nil {
		groupArns = arns.LogGroup(n, *props.FlowLogGroupName)
	}
	n.FlowLogKey = keys.New(n, jsii.String("FlowLogKey"), &keys.Props{
		Description:  jsii.String("Encrypts the VPC flow logs of the SageMaker notebook catalog"),
		LogGroupArns: groupArns,
	}).Key
	n.FlowLogs = awslogs.NewLogGroup(n, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		LogGroupName:  props.FlowLogGroupName,
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		EncryptionKey: n.FlowLogKey,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(n.FlowLogs, nil),
		TrafficType: awsec2.FlowLogTrafficType_ALL,
	})
	removeRedundantDependsOnProviderRole(awscdk.Stack_Of(n))

	for _, sn := range *vpc.IsolatedSubnets() {
		n.SubnetIds = append(n.SubnetIds, sn.SubnetId())
	}
	n.SecurityGroupIds = []*string{notebookSG.SecurityGroupId()}
	return n
}

// Validate reports every invalid field of props, or nil.
func (props *Props) Validate() error {
	p := check.New("network.Props")
	ids := func(field string, list []*string, pattern *regexp.Regexp, allowed string) {
		for i, id := range list {
			switch {
			case id == nil:
				p.Addf(fmt.Sprintf("%s[%d]", field, i), "nil: give an ID or leave it out")
			case !check.Unresolved(*id) && !pattern.MatchString(*id):
				p.Add(fmt.Sprintf("%s[%d]", field, i), *id, allowed)
			}
		}
	}
	ids("SubnetIds", props.SubnetIds, subnetPattern, "a subnet ID such as subnet-0123456789abcdef0")
	ids("SecurityGroupIds", props.SecurityGroupIds, sgPattern, "a security group ID such as sg-0123456789abcdef0")
	switch {
	case len(props.SubnetIds) > 0 && len(props.SecurityGroupIds) == 0:
		p.Addf("SecurityGroupIds", "required with SubnetIds: 1-%d security groups for the notebooks", MaxSecurityGroups)
	case len(props.SubnetIds) == 0 && len(props.SecurityGroupIds) > 0:
		p.Addf("SubnetIds", "required with SecurityGroupIds (or leave both empty to create a VPC)")
	case len(props.SecurityGroupIds) > MaxSecurityGroups:
		p.Addf("SecurityGroupIds", "%d given: at most %d (a SageMaker limit)", len(props.SecurityGroupIds), MaxSecurityGroups)
	}
	if c := props.Cidr; c != nil && *c != "" {
		// A VPC's IPv4 block is /16 to /28 (Amazon EC2 API Reference,
		// CreateVpc); the subnets are /24. A host address (10.64.0.1/22) is
		// refused: EC2 would take 10.64.0.0/22, the CDK's subnet planner
		// 10.64.4.0/22.
		prefix, err := netip.ParsePrefix(*c)
		switch {
		case check.Unresolved(*c):
			p.Add("Cidr", *c, "a CIDR known at synthesis (the construct divides it into subnets)")
		case err != nil || !prefix.Addr().Is4() || prefix.Bits() < 16 || prefix.Bits() > subnetBits:
			p.Add("Cidr", *c, fmt.Sprintf("an IPv4 CIDR block from /16 to /%d, such as %s", subnetBits, DefaultCidr))
		case prefix.Masked() != prefix:
			p.Add("Cidr", *c, fmt.Sprintf("a network address: %s", prefix.Masked()))
		}
	}
	if props.MaxAzs != nil && (*props.MaxAzs < 1 || *props.MaxAzs > 4 || *props.MaxAzs != float64(int(*props.MaxAzs))) {
		p.Add("MaxAzs", fmt.Sprint(*props.MaxAzs), "a whole number from 1 to 4")
	}
	return p.Err()
}

// removeRedundantDependsOnProviderRole drops the DependsOn that the CDK's
// restrict-default-security-group provider puts on its role: the handler's
// Fn::GetAtt of the role already orders them, and cfn-lint warns (W3005).
func removeRedundantDependsOnProviderRole(stack awscdk.Stack) {
	provider := stack.Node().TryFindChild(jsii.String("Custom::VpcRestrictDefaultSGCustomResourceProvider"))
	if provider == nil {
		return
	}
	handler, hok := provider.Node().TryFindChild(jsii.String("Handler")).(awscdk.CfnResource)
	role, rok := provider.Node().TryFindChild(jsii.String("Role")).(awscdk.CfnResource)
	if hok && rok {
		handler.RemoveResourceDependency(role)
	}
}

// Created reports whether the construct created the network (a VPC), or
// uses existing subnets and security groups.
func (n *Network) Created() bool { return n.Vpc != nil }

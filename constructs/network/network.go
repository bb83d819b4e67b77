// Package network provides the network notebooks run in: an isolated VPC
// (no internet gateway, no NAT) with the VPC endpoints a notebook needs
// (S3 gateway; SageMaker API, runtime and notebook, STS, CloudWatch Logs and
// KMS interface endpoints), a notebook security group that may reach only
// those endpoints, and flow logs in an encrypted log group; or the subnets
// and security groups of an existing network.
//
// The created network is a data perimeter: every endpoint's policy admits
// only this account's principals (and, where every call a notebook makes
// names one, only this account's resources); the S3 gateway endpoint only
// the buckets given (S3BucketArns); the notebook security group allows
// HTTPS out to the interface endpoints' security group and to S3's managed
// prefix list, which a small custom resource looks up at deployment.
package network

import (
	"fmt"
	"math/bits"
	"net/netip"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
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
	subnetPattern    = regexp.MustCompile(`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`)
	sgPattern        = regexp.MustCompile(`^sg-([0-9a-f]{8}|[0-9a-f]{17})$`)
	bucketArnPattern = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/[A-Za-z0-9!_.*'()/-]*)?$`)
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
	// S3BucketArns are the buckets the created VPC's S3 gateway endpoint
	// admits (for principals of this account): the workspace bucket and the
	// data-lake buckets, as bucket ARNs (arn:aws:s3:::bucket, a token such as
	// bucket.BucketArn()) optionally followed by a key prefix
	// (arn:aws:s3:::bucket/prefix: its objects only).
	// Default: any bucket, for principals of this account.
	S3BucketArns []*string
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
	// S3Endpoint is the created VPC's S3 gateway endpoint, or nil: a bucket
	// policy can require it (aws:SourceVpce = S3Endpoint.VpcEndpointId()).
	S3Endpoint awsec2.IGatewayVpcEndpoint
	// Endpoints are the created VPC's interface endpoints by ID
	// (SageMakerApi, SageMakerRuntime, SageMakerNotebook, Sts, Logs, Kms).
	Endpoints map[string]awsec2.IInterfaceVpcEndpoint
	// S3PrefixListId is S3's managed prefix list in the stack's region
	// (com.amazonaws.<region>.s3), looked up at deployment, or nil.
	S3PrefixListId *string
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
	})
	n.Vpc = vpc
	s3 := vpc.AddGatewayEndpoint(jsii.String("S3"), &awsec2.GatewayVpcEndpointOptions{Service: awsec2.GatewayVpcEndpointAwsService_S3()})
	s3.AddToPolicy(s3EndpointStatement(n, props.S3BucketArns))
	n.S3Endpoint = s3
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

	n.Endpoints = map[string]awsec2.IInterfaceVpcEndpoint{}
	for _, e := range []struct {
		id      string
		service awsec2.InterfaceVpcEndpointAwsService
		// inAccount: every call a notebook makes through it names a
		// resource of this account (aws:ResourceAccount can be required).
		inAccount bool
	}{
		{"SageMakerApi", awsec2.InterfaceVpcEndpointAwsService_SAGEMAKER_API(), true},
		{"SageMakerRuntime", awsec2.InterfaceVpcEndpointAwsService_SAGEMAKER_RUNTIME(), true},
		{"SageMakerNotebook", awsec2.InterfaceVpcEndpointAwsService_SAGEMAKER_NOTEBOOK(), true},
		// sts:GetCallerIdentity names no resource.
		{"Sts", awsec2.InterfaceVpcEndpointAwsService_STS(), false},
		{"Logs", awsec2.InterfaceVpcEndpointAwsService_CLOUDWATCH_LOGS(), true},
		{"Kms", awsec2.InterfaceVpcEndpointAwsService_KMS(), true},
	} {
		endpoint := vpc.AddInterfaceEndpoint(jsii.String(e.id), &awsec2.InterfaceVpcEndpointOptions{
			Service:           e.service,
			PrivateDnsEnabled: jsii.Bool(true),
			Open:              jsii.Bool(false),
			SecurityGroups:    &[]awsec2.ISecurityGroup{endpointSG},
		})
		endpoint.AddToPolicy(interfaceEndpointStatement(n, e.inAccount))
		n.Endpoints[e.id] = endpoint
	}

	// Flow logs, kept a year, encrypted with a key of their own (a given
	// notebook key's policy would not be ours to change).
	// The key also encrypts the S3 prefix list lookup's log group, named
	// after the flow-log group.
	groupArns := arns.LogGroup(n, "*")
	var lookupLogs *string
	if props.FlowLogGroupName != nil {
		lookupLogs = jsii.String(*props.FlowLogGroupName + "/s3-prefix-list")
		groupArns = arns.LogGroup(n, *props.FlowLogGroupName+"*")
	}
	// Only CloudWatch Logs uses it (as a service principal, or through
	// kms:ViaService for whoever reads the logs).
	n.FlowLogKey = keys.New(n, jsii.String("FlowLogKey"), &keys.Props{
		Description:  jsii.String("Encrypts the VPC flow logs of the SageMaker notebook catalog"),
		LogGroupArns: groupArns,
		RestrictUse:  jsii.Bool(true),
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

	// S3 through the gateway endpoint: its regional managed prefix list,
	// whose ID CloudFormation exposes nowhere; a custom resource looks it up.
	n.S3PrefixListId = s3PrefixList(n, lookupLogs)
	notebookSG.AddEgressRule(awsec2.Peer_PrefixList(n.S3PrefixListId), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to S3 through the gateway endpoint"), nil)
	removeRedundantDependsOnProviderRole(awscdk.Stack_Of(n))

	for _, sn := range *vpc.IsolatedSubnets() {
		n.SubnetIds = append(n.SubnetIds, sn.SubnetId())
	}
	n.SecurityGroupIds = []*string{notebookSG.SecurityGroupId()}
	return n
}

// InterfaceEndpointSid and S3EndpointSid are the endpoint policies' Sids.
const (
	InterfaceEndpointSid = "ThisAccountOnly"
	S3EndpointSid        = "CatalogBucketsForThisAccount"
)

// Endpoint policies name their principal "*", as the AWS PrivateLink Guide's
// examples write it ("Control access to VPC endpoints using endpoint
// policies"); the conditions select the principals.

// interfaceEndpointStatement is an interface endpoint's policy: any call of
// a principal of this account (aws:PrincipalAccount), to a resource of this
// account (aws:ResourceAccount) when inAccount; credentials of another
// account brought into a notebook, or a call to another account's log
// group or key, are refused at the endpoint. Both keys are global (IAM User
// Guide, "AWS global condition context keys"); the pattern is AWS's data
// perimeter guidance for VPC endpoint policies (identity and resource
// perimeters), at the account's scale.
func interfaceEndpointStatement(scope constructs.IConstruct, inAccount bool) awsiam.PolicyStatement {
	account := awscdk.Stack_Of(scope).Account()
	equals := map[string]any{"aws:PrincipalAccount": account}
	if inAccount {
		equals["aws:ResourceAccount"] = account
	}
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		// Every action and resource of the endpoint's service: the
		// endpoint narrows by whose call and whose resource, not by what;
		// the callers' own policies say what.
		Sid:        jsii.String(InterfaceEndpointSid),
		Principals: &[]awsiam.IPrincipal{awsiam.NewStarPrincipal()},
		Actions:    jsii.Strings("*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": equals},
	})
}

// s3EndpointStatement is the S3 gateway endpoint's policy: any S3 call of a
// principal of this account to the given buckets (and their objects, or the
// objects under a prefix). A notebook needs no AWS-owned bucket: the
// lifecycle script downloads nothing, and without root access (RootAccess:
// Disabled) nothing on the instance may install packages from the Amazon
// Linux repositories' buckets.
func s3EndpointStatement(scope constructs.IConstruct, bucketArns []*string) awsiam.PolicyStatement {
	resources := []*string{jsii.String("*")}
	if len(bucketArns) > 0 {
		resources = nil
		for _, a := range bucketArns {
			bucket, prefix := splitBucketArn(*a)
			resources = append(resources, jsii.String(bucket), jsii.String(bucket+"/"+prefix+"*"))
		}
	}
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String(S3EndpointSid),
		Principals: &[]awsiam.IPrincipal{awsiam.NewStarPrincipal()},
		Actions:    jsii.Strings("s3:*"),
		Resources:  &resources,
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:PrincipalAccount": awscdk.Stack_Of(scope).Account()}},
	})
}

// splitBucketArn returns a bucket ARN and its key prefix ("" or ending in
// "/"). A token is a bucket's ARN, which a literal "/prefix" may follow.
func splitBucketArn(arn string) (bucket, prefix string) {
	i := strings.Index(arn, "/")
	if check.Unresolved(arn) {
		// arn:...:s3:::${Token[...]}/prefix: the token holds no "/".
		if end := strings.LastIndex(arn, "}"); end >= 0 {
			i = strings.Index(arn[end:], "/")
			if i >= 0 {
				i += end
			}
		}
	}
	if i < 0 {
		return arn, ""
	}
	bucket, prefix = arn[:i], strings.TrimSuffix(strings.TrimSuffix(arn[i+1:], "*"), "/")
	if prefix != "" {
		prefix += "/"
	}
	return bucket, prefix
}

// s3PrefixList looks up S3's managed prefix list of the stack's region at
// deployment (EC2 DescribeManagedPrefixLists, filtered by the name AWS
// gives it: the S3 endpoint service's name, com.amazonaws.<region>.s3) and
// returns its ID. The lookup's role (inline, nothing else) may call that
// one action on "*", EC2 Describe actions supporting no resource-level
// permissions (Service Authorization Reference, Amazon EC2:
// DescribeManagedPrefixLists has no resource type), and write its own log
// group, which the flow-log key encrypts (logName, or a generated name).
func s3PrefixList(n *Network, logName *string) *string {
	logs := awslogs.NewLogGroup(n, jsii.String("S3PrefixListLogs"), &awslogs.LogGroupProps{
		LogGroupName:  logName,
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		EncryptionKey: n.FlowLogKey,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	role := awsiam.NewRole(n, jsii.String("S3PrefixListRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Looks up S3's managed prefix list for the notebooks' security group"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"Lookup": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				// ec2:DescribeManagedPrefixLists has no resource types in the
				// Service Authorization Reference (Amazon EC2, "Actions
				// defined"): "*" is the only resource it accepts.
				Sid:       jsii.String("DescribeManagedPrefixLists"),
				Actions:   jsii.Strings("ec2:DescribeManagedPrefixLists"),
				Resources: jsii.Strings("*"),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("OwnLogs"),
				Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
				Resources: &[]*string{awscdk.Fn_Join(jsii.String(""), &[]*string{logs.LogGroupArn(), jsii.String(":log-stream:*")})},
			}),
		}})},
	})
	call := &customresources.AwsSdkCall{
		Service: jsii.String("EC2"),
		Action:  jsii.String("DescribeManagedPrefixLists"),
		Parameters: map[string]any{"Filters": []any{map[string]any{
			"Name": "prefix-list-name", "Values": []any{awsec2.GatewayVpcEndpointAwsService_S3().Name()},
		}}},
		PhysicalResourceId: customresources.PhysicalResourceId_FromResponse(jsii.String(prefixListIdPath)),
		OutputPaths:        jsii.Strings(prefixListIdPath),
	}
	lookup := customresources.NewAwsCustomResource(n, jsii.String("S3PrefixList"), &customresources.AwsCustomResourceProps{
		OnCreate:            call,
		OnUpdate:            call,
		Role:                role,
		LogGroup:            logs,
		InstallLatestAwsSdk: jsii.Bool(false),
	})
	// The provider function's Fn::GetAtt of the role (whose inline policy is
	// all it grants) already orders them; the DependsOn the CDK adds is
	// redundant, and cfn-lint warns (W3005).
	if provider, ok := awscdk.Stack_Of(n).Node().TryFindChild(jsii.String(awsCustomResourceProvider)).(constructs.IConstruct); ok && provider != nil {
		if fn, ok := provider.Node().DefaultChild().(awscdk.CfnResource); ok {
			fn.AddDeletionOverride(jsii.String("DependsOn"))
		}
	}
	return lookup.GetResponseField(jsii.String(prefixListIdPath))
}

// awsCustomResourceProvider is the ID of the CDK's AwsCustomResource
// provider function, a singleton of the stack.
const awsCustomResourceProvider = "AWS679f53fac002430cb0da5b7982bd2287"

// prefixListIdPath is where DescribeManagedPrefixLists' answer holds the ID.
const prefixListIdPath = "PrefixLists.0.PrefixListId"

// Validate reports every invalid field of props, or nil.
func (props *Props) Validate() error {
	p := check.New("network.Props")
	for i, b := range props.S3BucketArns {
		switch {
		case b == nil:
			p.Addf(fmt.Sprintf("S3BucketArns[%d]", i), "nil: give a bucket's ARN or leave it out")
		case !check.Unresolved(*b) && !bucketArnPattern.MatchString(*b):
			p.Add(fmt.Sprintf("S3BucketArns[%d]", i), *b, "an S3 bucket ARN such as arn:aws:s3:::my-bucket, optionally with a key prefix (arn:aws:s3:::my-bucket/prefix)")
		}
	}
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

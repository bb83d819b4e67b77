package network_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/network"
)

// An isolated VPC for notebooks, and an existing network used as it is.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), nil)

	created := network.New(stack, jsii.String("Network"), &network.Props{
		FlowLogGroupName: jsii.String("/catalog/vpc-flow-logs"),
	})
	existing := network.New(stack, jsii.String("Existing"), &network.Props{
		SubnetIds:        []*string{jsii.String("subnet-0123456789abcdef0")},
		SecurityGroupIds: []*string{jsii.String("sg-0123456789abcdef0")},
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	count := func(typ string) int { return len(*tmpl.FindResources(jsii.String(typ), nil)) }
	fmt.Println("created:", created.Created(), len(created.SubnetIds), "subnets,", count("AWS::EC2::VPCEndpoint"), "endpoints,",
		count("AWS::EC2::InternetGateway"), "internet gateways,", count("AWS::EC2::NatGateway"), "NAT gateways")
	fmt.Println("existing:", existing.Created(), *existing.SubnetIds[0], *existing.SecurityGroupIds[0])
	// Output:
	// created: true 2 subnets, 7 endpoints, 0 internet gateways, 0 NAT gateways
	// existing: false subnet-0123456789abcdef0 sg-0123456789abcdef0
}

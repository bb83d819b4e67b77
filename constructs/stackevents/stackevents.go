// Package stackevents provides an SNS topic that receives the stack events
// of a Service Catalog product's provisioned stacks (a launch notification
// constraint): encrypted with a key of its own, TLS only, and only Service
// Catalog of the same account may publish to it.
package stackevents

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/keys"
	"github.com/datalake-platform/sagemaker-catalog/internal/check"
)

// Props configures StackEvents.
type Props struct {
	// Portfolio and Product are where the notification constraint goes. Required.
	Portfolio awsservicecatalog.IPortfolio
	Product   awsservicecatalog.IProduct
}

// StackEvents is the topic and its constraint.
type StackEvents struct {
	constructs.Construct
	// Topic receives the events; subscribe to it.
	Topic awssns.ITopic
	// Key encrypts the topic; Service Catalog may use it.
	Key awskms.IKey
}

// New creates the topic and the constraint.
//
// New panics if a field is missing.
func New(scope constructs.Construct, id *string, props *Props) *StackEvents {
	if props == nil {
		props = &Props{}
	}
	e := &StackEvents{}
	constructs.NewConstruct_Override(e, scope, id)
	if err := props.Validate(); err != nil {
		panic(fmt.Errorf("%s: %w", *e.Node().Path(), err))
	}
	serviceCatalog := awsiam.NewServicePrincipal(jsii.String("servicecatalog.amazonaws.com"), nil)
	sameAccount := &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}}
	key := keys.New(e, jsii.String("Key"), &keys.Props{
		Description: jsii.String("Encrypts the stack-event notifications of the SageMaker notebook catalog"),
		Statements: []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			// In a key policy, Resource "*" is this key.
			Sid:        jsii.String("ServiceCatalogPublishesEncrypted"),
			Principals: &[]awsiam.IPrincipal{serviceCatalog},
			Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
			Resources:  jsii.Strings("*"),
			Conditions: sameAccount,
		})},
	}).Key
	topic := awssns.NewTopic(e, jsii.String("Resource"), &awssns.TopicProps{
		DisplayName: jsii.String("SageMaker notebook catalog: provisioned stack events"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("OnlyServiceCatalogPublishes"),
		Principals: &[]awsiam.IPrincipal{serviceCatalog},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: sameAccount,
	}))
	props.Portfolio.NotifyOnStackEvents(props.Product, topic, &awsservicecatalog.CommonConstraintOptions{
		Description: jsii.String("Sends the provisioned notebooks' stack events to the catalog's topic"),
	})
	e.Topic, e.Key = topic, key
	return e
}

// Validate reports every missing field of props, or nil.
func (props *Props) Validate() error {
	p := check.New("stackevents.Props")
	if props.Portfolio == nil {
		p.Addf("Portfolio", "required: the portfolio that holds the product")
	}
	if props.Product == nil {
		p.Addf("Product", "required: the product whose stacks' events to send")
	}
	return p.Err()
}

// TopicArn returns the topic's ARN, a token until deployment.
func (e *StackEvents) TopicArn() *string { return e.Topic.TopicArn() }

// Package keys provides the catalog's customer managed KMS keys: rotation
// on, kept when the stack is deleted, and a key policy with an explicit list
// of actions instead of the CDK's default "kms:*".
//
// In the policy the account (its IAM policies) administers and uses the key;
// grants may be created only for AWS resources (DenyGrantsExceptForAWSResources);
// a key may also let CloudWatch Logs encrypt the log groups whose ARN matches
// LogGroupArns, and take statements of the caller's (a service that publishes
// encrypted messages, for example).
package keys

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/internal/check"
)

// DefaultDescription describes a key when Props.Description is empty.
const DefaultDescription = "Encrypts the data of the SageMaker notebook catalog"

// AdministrationActions are the key-level KMS actions the account's IAM
// policies may be granted: administration (so that the account never loses
// control of the key, PutKeyPolicy included) and use. In a key policy,
// Resource "*" means this key.
var AdministrationActions = []string{
	"kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias",
	"kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation",
	"kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GetKeyPolicy",
	"kms:GetKeyRotationStatus", "kms:ListGrants", "kms:ListKeyRotations", "kms:ListResourceTags",
	"kms:PutKeyPolicy", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RetireGrant", "kms:RevokeGrant",
	"kms:RotateKeyOnDemand", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource",
	"kms:UpdateAlias", "kms:UpdateKeyDescription",
}

// logGroupArnPattern matches a log group ARN, wildcards allowed (the
// condition is ArnLike): arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}
// (Service Authorization Reference, Amazon CloudWatch Logs, resource type log-group).
var logGroupArnPattern = regexp.MustCompile(`^arn:(aws[a-z-]*|\*):logs:[a-z0-9*-]*:([0-9]{12}|\*)?:log-group:.+$`)

// LogsActions are what CloudWatch Logs needs to encrypt a log group, all
// under the log group's encryption context (kms:EncryptionContext:aws:logs:arn).
// kms:DescribeKey, which AWS's example statement lists too, supports no
// encryption-context key (Service Authorization Reference), so under that
// condition it would never be allowed: it is left out.
var LogsActions = []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"}

// DenyGrantsExceptForAWSResources is the key policy statement that lets a
// grant be created only for an AWS service acting for the caller (SageMaker
// for a notebook volume) or by an AWS service itself: without it, any
// principal allowed kms:CreateGrant could hand the key to anyone. AWS
// Control Tower's proactive control CT.KMS.PR.3 asks for exactly this
// statement; kms:GrantIsForAWSResource and aws:PrincipalIsAWSService are
// both listed for kms:CreateGrant in the Service Authorization Reference
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html).
func DenyGrantsExceptForAWSResources() awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyCreateGrantUnlessForAWSResource"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"BoolIfExists": map[string]any{"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}},
	})
}

// Props configures a Key. Every field is optional.
type Props struct {
	// Description tells administrators what the key encrypts.
	// Default: DefaultDescription.
	Description *string
	// LogGroupArns lets CloudWatch Logs (of the stack's region) use the key
	// for the log groups whose ARN matches this pattern
	// (kms:EncryptionContext:aws:logs:arn, ArnLike), such as
	// arn:aws:logs:eu-west-1:123456789012:log-group:/catalog/*.
	// Default: CloudWatch Logs may not use the key.
	LogGroupArns *string
	// Statements are added to the key policy as they are.
	// Default: none.
	Statements []awsiam.PolicyStatement
}

// Key is a customer managed KMS key.
type Key struct {
	constructs.Construct
	// Key is the KMS key.
	Key awskms.IKey
}

// New creates a key. props may be nil.
//
// New panics if a statement is nil or LogGroupArns is not a log group ARN;
// the message names the field, the value and what is allowed.
func New(scope constructs.Construct, id *string, props *Props) *Key {
	if props == nil {
		props = &Props{}
	}
	k := &Key{}
	constructs.NewConstruct_Override(k, scope, id)
	if err := props.Validate(); err != nil {
		panic(fmt.Errorf("%s: %w", *k.Node().Path(), err))
	}
	statements := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AccountAdministersAndUsesKeyThroughIam"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
			Actions:    jsii.Strings(AdministrationActions...),
			Resources:  jsii.Strings("*"),
		}),
	}
	if props.LogGroupArns != nil {
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("CloudWatchLogsEncryptsTheseLogGroups"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*awscdk.Aws_REGION()+".amazonaws.com"), nil)},
			Actions:    jsii.Strings(LogsActions...),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": props.LogGroupArns}},
		}))
	}
	statements = append(statements, DenyGrantsExceptForAWSResources())
	statements = append(statements, props.Statements...)
	k.Key = awskms.NewKey(k, jsii.String("Resource"), &awskms.KeyProps{
		Description:       jsii.String(check.Or(props.Description, DefaultDescription)),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		Policy:            awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements}),
	})
	return k
}

// Validate reports every invalid field of props, or nil.
func (props *Props) Validate() error {
	p := check.New("keys.Props")
	if a := props.LogGroupArns; a != nil && !check.Unresolved(*a) && !logGroupArnPattern.MatchString(*a) {
		p.Add("LogGroupArns", *a, "a log group ARN, wildcards allowed, such as arn:aws:logs:eu-west-1:123456789012:log-group:/catalog/*")
	}
	for i, s := range props.Statements {
		if s == nil {
			p.Addf(fmt.Sprintf("Statements[%d]", i), "nil: give a policy statement or leave it out")
		}
	}
	return p.Err()
}

// KeyArn returns the key's ARN, a token until deployment.
func (k *Key) KeyArn() *string { return k.Key.KeyArn() }

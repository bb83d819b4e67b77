// Package keys provides the catalog's customer managed KMS keys: rotation
// on, kept when the stack is deleted, and a key policy with an explicit list
// of actions instead of the CDK's default "kms:*".
//
// In the policy the account (its IAM policies) administers and uses the key;
// grants may be created only for AWS resources (DenyGrantsExceptForAWSResources);
// a key may also let CloudWatch Logs encrypt the log groups whose ARN matches
// LogGroupArns, and take statements of the caller's (a service that publishes
// encrypted messages, for example).
//
// A key may also restrict its use (RestrictUse, Users, ViaServices): every
// principal of the account but its intended users is denied UseActions,
// whatever its IAM policies allow, while the account keeps administering the
// key through IAM and AWS services acting with their own credentials (a
// grant's grantee in a service account, a service principal) are unaffected.
package keys

import (
	"fmt"
	"regexp"
	"slices"

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

// UseActions are the cryptographic operations a restricted key denies to
// principals of its account other than its users: every KMS action that
// encrypts, decrypts or hands out data keys with a symmetric key, and
// kms:CreateGrant (a grant lets its grantee do the same). Each supports the
// condition keys kms:CallerAccount and kms:ViaService (Service
// Authorization Reference, AWS Key Management Service,
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html).
var UseActions = []string{
	"kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyPair",
	"kms:GenerateDataKeyPairWithoutPlaintext", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo",
}

// DenyUseSid is the Sid of a restricted key's deny statement.
const DenyUseSid = "DenyUseExceptByItsUsers"

// servicePattern matches a kms:ViaService value: a service's regional
// endpoint name, such as s3.eu-west-1.amazonaws.com (AWS KMS Developer
// Guide, "kms:ViaService").
var servicePattern = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com(\.cn)?$`)

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
	// RestrictUse denies UseActions to every principal of the key's account
	// (kms:CallerAccount) but Users, and but requests through ViaServices:
	// even an IAM policy that allows kms:Decrypt on "*" cannot use the key.
	// The account keeps administering the key through IAM; AWS services
	// acting with their own credentials (a service principal, a grant's
	// grantee in the service's account) are unaffected. Users or
	// ViaServices imply it.
	// Default: false, unless Users or ViaServices are given: any principal
	// of the account whose IAM policies allow it may use the key.
	RestrictUse *bool
	// Users are the principals of the account that may use a restricted
	// key: ARNs or ARN patterns that aws:PrincipalArn matches (ArnLike: a
	// role's exact ARN, or a role path such as
	// arn:aws:iam::123456789012:role/catalog/notebooks/*). They still need an
	// IAM policy that allows it. More can be added with AddUsers.
	// Default: none.
	Users []*string
	// ViaServices are the services through which any principal of the
	// account may use a restricted key (kms:ViaService, such as
	// logs.eu-west-1.amazonaws.com). With LogGroupArns, CloudWatch Logs of
	// the stack's region is always one: it may use the key with the
	// credentials of whoever writes or reads the log groups.
	// Default: none.
	ViaServices []*string
}

// Key is a customer managed KMS key.
type Key struct {
	constructs.Construct
	// Key is the KMS key.
	Key awskms.IKey

	// deny is the restricted key's deny statement (nil when not restricted);
	// users are its aws:PrincipalArn exceptions, which AddUsers extends.
	deny  awsiam.PolicyStatement
	users []*string
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
	// In a key policy, Resource "*" is the key itself (AWS KMS Developer
	// Guide, "Key policies": "the resource is the KMS key"), in every
	// statement below.
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
	if props.restricted() {
		via := append([]*string{}, props.ViaServices...)
		if props.LogGroupArns != nil {
			via = append(via, jsii.String("logs."+*awscdk.Aws_REGION()+".amazonaws.com"))
		}
		k.deny = denyUse(via)
		k.AddUsers(props.Users...)
		statements = append(statements, k.deny)
	}
	statements = append(statements, props.Statements...)
	k.Key = awskms.NewKey(k, jsii.String("Resource"), &awskms.KeyProps{
		Description:       jsii.String(check.Or(props.Description, DefaultDescription)),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		Policy:            awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements}),
	})
	return k
}

// denyUse is a restricted key's deny statement, before its users are
// known. Every condition key is listed for UseActions in the Service
// Authorization Reference (kms:CallerAccount, kms:ViaService) or is global
// (aws:PrincipalIsAWSService, aws:PrincipalArn; IAM User Guide, "AWS global
// condition context keys"). The conditions are ANDed:
//   - kms:CallerAccount = this account: principals of other accounts (an
//     AWS service using a grant from its own account) are not concerned;
//   - aws:PrincipalIsAWSService = false: nor are service principals
//     (CloudWatch Logs under its own statement);
//   - aws:PrincipalArn matches no user (ArnNotLike, added by AddUsers; a
//     negated operator is true when the key is absent);
//   - kms:ViaService is none of via (StringNotEquals; true for a direct
//     call, which carries no kms:ViaService).
func denyUse(via []*string) awsiam.PolicyStatement {
	conditions := map[string]any{
		"StringEquals": map[string]any{"kms:CallerAccount": awscdk.Aws_ACCOUNT_ID()},
		"Bool":         map[string]any{"aws:PrincipalIsAWSService": "false"},
	}
	if len(via) > 0 {
		conditions["StringNotEquals"] = map[string]any{"kms:ViaService": via}
	}
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String(DenyUseSid),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings(UseActions...),
		Resources:  jsii.Strings("*"),
		Conditions: &conditions,
	})
}

// AddUsers lets more principals of the account use a restricted key, before
// the app is synthesized (see
// Props.Users): ARNs or ARN patterns aws:PrincipalArn matches, tokens
// allowed (a role's RoleArn()). A role whose policy refers to this key
// cannot be named by a token of its own ARN (the key would depend on the
// role, and the role on the key): give such a role a fixed name and pass
// the ARN built from it.
//
// AddUsers panics if the key's use is not restricted, or an ARN is nil or,
// when known, not a principal's ARN.
func (k *Key) AddUsers(principalArns ...*string) {
	if len(principalArns) == 0 {
		return
	}
	p := check.New("keys.Key.AddUsers")
	if k.deny == nil {
		p.Addf("principalArns", "the key's use is not restricted (keys.Props.RestrictUse): every principal of the account whose IAM policies allow it may use it already")
	}
	p.PrincipalArns("principalArns", principalArns)
	if err := p.Err(); err != nil {
		panic(fmt.Errorf("%s: %w", *k.Node().Path(), err))
	}
	k.users = append(k.users, principalArns...)
	k.deny.AddCondition(jsii.String("ArnNotLike"), map[string]any{"aws:PrincipalArn": slices.Clone(k.users)})
}

// Users returns the principals that may use a restricted key, or nil.
func (k *Key) Users() []*string { return slices.Clone(k.users) }

// Restricted reports whether the key's use is restricted to its users.
func (k *Key) Restricted() bool { return k.deny != nil }

// restricted reports whether props restrict the key's use.
func (props *Props) restricted() bool {
	return (props.RestrictUse != nil && *props.RestrictUse) || len(props.Users) > 0 || len(props.ViaServices) > 0
}

// Validate reports every invalid field of props, or nil.
func (props *Props) Validate() error {
	p := check.New("keys.Props")
	if props.RestrictUse != nil && !*props.RestrictUse && (len(props.Users) > 0 || len(props.ViaServices) > 0) {
		p.Addf("RestrictUse", "false, but Users or ViaServices are given: they restrict the key's use to them (leave RestrictUse out, or set it true)")
	}
	p.PrincipalArns("Users", props.Users)
	for i, s := range props.ViaServices {
		switch {
		case s == nil:
			p.Addf(fmt.Sprintf("ViaServices[%d]", i), "nil: give a service's endpoint name or leave it out")
		case !check.Unresolved(*s) && !servicePattern.MatchString(*s):
			p.Add(fmt.Sprintf("ViaServices[%d]", i), *s, "a kms:ViaService value: a service's regional endpoint name, such as s3.eu-west-1.amazonaws.com")
		}
	}
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

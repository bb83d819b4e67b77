// Package launchrole provides a least-privilege AWS Service Catalog launch
// role and its launch-role constraint on a portfolio/product pair.
//
// The role's policy is derived from the CloudFormation resource types in the
// product's templates through a per-type table (DefaultPermissions), plus what
// Service Catalog needs to run the provisioned stack (ServiceCatalogGrants).
// Adding a resource type to a product changes the role; a type the table does
// not know stops synthesis with a message naming it. Every statement is
// scoped to the resources the product may touch; "*" appears only for
// actions without resource-level permissions, each with its reason.
package launchrole

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/product"
	"github.com/datalake-platform/sagemaker-catalog/internal/check"
)

// DefaultNamePrefix is the start of Service Catalog's provisioned stack
// names (SC-<account>-pp-<id>) in lower case: products name their resources
// after the stack, and SageMaker lower-cases names in its ARNs.
const DefaultNamePrefix = "sc-"

var (
	actionPattern   = regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9]+$`)
	rolePathPattern = regexp.MustCompile(`^/[\x21-\x29\x2B-\x3E\x40-\x7E]+/$`)
	sidPattern      = regexp.MustCompile(`^[A-Za-z0-9]+$`)
)

// Props configures a LaunchRole.
type Props struct {
	// Portfolio holds the product. Required with Product.
	Portfolio awsservicecatalog.IPortfolio
	// Product is the product the role launches; its resource types decide
	// the role's permissions, and the role becomes its launch-role
	// constraint in Portfolio.
	// Default: none; then ResourceTypes decide, and no constraint is made
	// (an account that imports a shared portfolio gets the constraint with
	// the share, and needs only the role).
	Product *product.Product
	// ResourceTypes are the product's resource types when Product is nil.
	// Default: none; required without Product.
	ResourceTypes []string
	// Local makes the constraint name the role (LocalRoleName) instead of
	// giving its ARN, so that each account the portfolio is shared with uses
	// its own role of that name. Requires RoleName.
	// Default: false, the constraint gives the role's ARN.
	Local bool
	// PassRoles are the roles the product may pass to SageMaker
	// (iam:PassRole, only to sagemaker.amazonaws.com).
	// Default: none; required when the product creates notebook instances
	// and no RoleCreation is given.
	PassRoles []awsiam.IRole
	// RoleCreation lets the product create its own roles (AWS::IAM::Role):
	// only under its Path, only with its boundary, attaching only its
	// managed policies; the role may pass them to SageMaker.
	// Default: none; required when the product creates IAM roles.
	RoleCreation *RoleCreation
	// KmsKeyArns are the KMS keys the product may encrypt with.
	// Default: none; required when the product creates notebook instances.
	KmsKeyArns []*string
	// SubnetIds and SecurityGroupIds are the network the product may attach to.
	// Default: none; required when the product creates notebook instances.
	SubnetIds        []*string
	SecurityGroupIds []*string
	// InstanceTypes are the instance types the product may launch; the role
	// cannot create or resize a notebook to any other.
	// Default: none; required when the product creates notebook instances.
	InstanceTypes []string
	// ParameterNames are the SSM parameters (names starting with "/") the
	// templates read with {{resolve:ssm:NAME}}.
	// Default: none.
	ParameterNames []string
	// NamePrefix starts the names the product gives its resources.
	// Default: DefaultNamePrefix.
	NamePrefix *string
	// Permissions adds resource types to the built-in table, or replaces
	// a built-in type's grants.
	// Default: DefaultPermissions only.
	Permissions Permissions
	// RoleName is the role's name.
	// Default: a name CloudFormation generates.
	RoleName *string
	// Description describes the constraint to administrators.
	// Default: a sentence naming the product's resource types.
	Description *string
}

// RoleCreation bounds the IAM roles a product creates (the pattern of
// Service Workbench on AWS): a role the launch role creates or changes must
// be under Path and have PermissionsBoundaryArn as its permissions
// boundary, and the launch role can never remove that boundary. So even a
// template changed to grant more cannot exceed the boundary.
type RoleCreation struct {
	// Path is the roles' IAM path, such as /catalog/notebooks/.
	Path string
	// PermissionsBoundaryArn is the managed policy every role must have as
	// its boundary.
	PermissionsBoundaryArn *string
	// ManagedPolicyArns are the managed policies the roles may have attached.
	// Default: none.
	ManagedPolicyArns []*string
}

// LaunchRole is a launch role and its launch-role constraint.
type LaunchRole struct {
	constructs.Construct
	// Role is the launch role Service Catalog assumes to provision the product.
	Role awsiam.Role
	// Policy is the role's inline policy document.
	Policy awsiam.PolicyDocument
	// ResourceTypes are the product's resource types the policy was derived from.
	ResourceTypes []string
}

// New creates the launch role and sets it as the launch-role constraint of
// the product in the portfolio (adding the product to the portfolio); with
// no Product, it creates the role alone, from ResourceTypes.
//
// New panics if a required field is missing, the product creates a resource
// type without permissions in the table, or a grant is malformed; the message
// names the field or type. Synthesis fails too when the product's resource
// types change after New.
func New(scope constructs.Construct, id *string, props *Props) *LaunchRole {
	if props == nil {
		props = &Props{}
	}
	lr := &LaunchRole{}
	constructs.NewConstruct_Override(lr, scope, id) // lr is the construct
	this := lr
	path := *this.Node().Path()
	p := check.New(path)
	switch {
	case props.Product != nil && props.Portfolio == nil:
		p.Addf("Portfolio", "required with Product: the portfolio that holds the product")
	case props.Product == nil && len(props.ResourceTypes) == 0:
		p.Addf("Product", "required: the product to launch (or, for a role without a constraint, ResourceTypes)")
	case props.Product == nil && props.Local:
		p.Addf("Local", "applies to a constraint, which needs Product")
	}
	if props.Local && check.Str(props.RoleName) == "" {
		p.Addf("RoleName", "required with Local: accounts find the role by name")
	}
	for i, n := range props.ParameterNames {
		if !strings.HasPrefix(n, "/") || strings.ContainsAny(n, "*? ") {
			p.Add(fmt.Sprintf("ParameterNames[%d]", i), n, `an SSM parameter name starting with "/", without wildcards`)
		}
	}
	if rc := props.RoleCreation; rc != nil {
		if !rolePathPattern.MatchString(rc.Path) {
			p.Add("RoleCreation.Path", rc.Path, `an IAM path that starts and ends with "/", such as /catalog/notebooks/ (not "/": the roles need a path of their own)`)
		}
		if check.Str(rc.PermissionsBoundaryArn) == "" {
			p.Addf("RoleCreation.PermissionsBoundaryArn", "required: every role the product creates must have this boundary")
		}
	}
	if props.RoleName != nil && !check.Unresolved(*props.RoleName) && !regexp.MustCompile(`^[\w+=,.@-]{1,64}$`).MatchString(*props.RoleName) {
		p.Add("RoleName", *props.RoleName, "1-64 characters from letters, digits and +=,.@_-")
	}
	p.PanicIfAny()

	table := DefaultPermissions()
	for t, g := range props.Permissions {
		table[t] = g
	}
	passRoleArns := make([]*string, len(props.PassRoles))
	for i, r := range props.PassRoles {
		passRoleArns[i] = r.RoleArn()
	}
	if rc := props.RoleCreation; rc != nil {
		// The roles the product creates, which it passes to SageMaker.
		passRoleArns = append(passRoleArns, awscdk.Stack_Of(this).FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("iam"), Region: jsii.String(""), Resource: jsii.String("role"),
			ResourceName: jsii.String(strings.TrimPrefix(rc.Path, "/") + "*"), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
		}))
	}
	ctx := &Context{
		Stack:            awscdk.Stack_Of(this),
		NamePrefix:       check.Or(props.NamePrefix, DefaultNamePrefix),
		PassRoleArns:     passRoleArns,
		KmsKeyArns:       props.KmsKeyArns,
		SubnetIds:        props.SubnetIds,
		SecurityGroupIds: props.SecurityGroupIds,
		InstanceTypes:    props.InstanceTypes,
		ParameterNames:   props.ParameterNames,
		RoleCreation:     props.RoleCreation,
	}
	types := props.ResourceTypes
	if props.Product != nil {
		types = props.Product.ResourceTypes()
	}
	types = slices.Compact(slices.Sorted(slices.Values(types)))
	statements, err := Statements(table, types, ctx)
	if err != nil {
		panic(fmt.Errorf("%s: %w", path, err))
	}

	lr.ResourceTypes = types
	lr.Policy = awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements})
	lr.Role = awsiam.NewRole(this, jsii.String("Resource"), &awsiam.RoleProps{
		RoleName:       props.RoleName,
		AssumedBy:      awsiam.NewServicePrincipal(jsii.String("servicecatalog.amazonaws.com"), nil),
		Description:    jsii.String("Service Catalog launch role for " + strings.Join(types, ", ")),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"LaunchProduct": lr.Policy},
	})
	if props.Product == nil {
		return lr
	}
	options := &awsservicecatalog.CommonConstraintOptions{
		Description: jsii.String(check.Or(props.Description, "Launches with a least-privilege role for "+strings.Join(types, ", "))),
	}
	if props.Local {
		props.Portfolio.SetLocalLaunchRole(props.Product.Product, lr.Role, options)
	} else {
		props.Portfolio.SetLaunchRole(props.Product.Product, lr.Role, options)
	}

	// The types were read now; a resource added to a product stack later
	// would need permissions the policy lacks.
	this.Node().AddValidation(&typesUnchanged{product: props.Product, types: types})
	return lr
}

// Statements builds the policy statements for a product with the given
// resource types: the Service Catalog grants, then each type's grants,
// merged by Sid and scoped with ctx. It fails on a type missing from table,
// a wildcard action, a "*" resource without a reason, or a grant whose
// required scope is empty.
func Statements(table Permissions, types []string, ctx *Context) ([]awsiam.PolicyStatement, error) {
	grants := slices.Clone(ServiceCatalogGrants())
	var unknown []string
	for _, t := range types {
		g, ok := table[t]
		if !ok {
			unknown = append(unknown, t)
			continue
		}
		grants = append(grants, g...)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("the product creates resource types with no launch-role permissions: %s; add them to Props.Permissions (known types: %s)",
			strings.Join(unknown, ", "), strings.Join(known(table), ", "))
	}

	var order []string
	merged := map[string]*Grant{}
	for _, g := range grants {
		if !sidPattern.MatchString(g.Sid) {
			return nil, fmt.Errorf("grant %q: Sid must be alphanumeric", g.Sid)
		}
		for _, a := range g.Actions {
			if !actionPattern.MatchString(a) {
				return nil, fmt.Errorf("grant %s: action %q is not an exact IAM action (no wildcards)", g.Sid, a)
			}
		}
		if g.Resources == nil && g.WildcardReason == "" {
			return nil, fmt.Errorf("grant %s: Resource \"*\" needs a WildcardReason", g.Sid)
		}
		if m, ok := merged[g.Sid]; ok {
			m.Actions = append(slices.Clone(m.Actions), g.Actions...)
			continue
		}
		c := g
		merged[g.Sid] = &c
		order = append(order, g.Sid)
	}

	var out []awsiam.PolicyStatement
	for _, sid := range order {
		g := merged[sid]
		if missing := ctx.empty(g.Needs); len(missing) > 0 {
			return nil, fmt.Errorf("grant %s: Props.%s is empty, but the product's resource types need it", g.Sid, strings.Join(missing, ", Props."))
		}
		resources := []*string{jsii.String("*")}
		if g.Resources != nil {
			if resources = g.Resources(ctx); len(resources) == 0 {
				continue
			}
		}
		actions := slices.Compact(slices.Sorted(slices.Values(g.Actions)))
		sp := &awsiam.PolicyStatementProps{
			Sid:       jsii.String(g.Sid),
			Actions:   jsii.Strings(actions...),
			Resources: &resources,
		}
		if g.Conditions != nil {
			cond := g.Conditions(ctx)
			sp.Conditions = &cond
		}
		out = append(out, awsiam.NewPolicyStatement(sp))
	}
	return out, nil
}

func known(table Permissions) []string {
	out := make([]string, 0, len(table))
	for t := range table {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// typesUnchanged fails synthesis when a product's resource types differ
// from those the policy was derived from.
type typesUnchanged struct {
	product *product.Product
	types   []string
}

func (v *typesUnchanged) Validate() *[]*string {
	now := v.product.ResourceTypes()
	if slices.Equal(now, v.types) {
		return &[]*string{}
	}
	return &[]*string{jsii.String(fmt.Sprintf(
		"the product's resource types changed after its launch role was created (was %s, now %s): create the launch role after the product's resources",
		strings.Join(v.types, ", "), strings.Join(now, ", ")))}
}

// RoleArn returns the launch role's ARN, a token until deployment.
func (lr *LaunchRole) RoleArn() *string { return lr.Role.RoleArn() }

// Package launchrole provides a least-privilege AWS Service Catalog launch
// role, and its launch-role constraint on a portfolio/product pair, for any
// product whose resource types are known.
//
// The role's policy is derived from the CloudFormation resource types in the
// product's templates, plus what Service Catalog needs to run the
// provisioned stack (ServiceCatalogGrants):
//
//   - every registry type with published handler permissions gets grants
//     generated from an embedded table (GeneratedGrants): the actions
//     CloudFormation's handlers call for create, read, update and delete,
//     each scoped as the Service Authorization Reference allows: the
//     product's own resources by their name (which starts with the
//     provisioned stack's name, NamePatterns), resources it uses by type
//     within the account and region, and "*" only for actions without
//     resource-level permissions, with the reason;
//   - the SageMaker notebook types (whose schemas publish no handler
//     permissions) and AWS::IAM::Role have hand-written grants
//     (DefaultPermissions), with conditions that keep a changed template
//     from creating an insecure notebook or an unbounded role;
//   - a type without handler permissions and without grants (a custom
//     resource, a legacy type) stops synthesis with a message naming it:
//     give its grants in Props.Permissions.
//
// Coverage compares a role's actions with what the product's types need.
package launchrole

import (
	"errors"
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

var (
	actionPattern   = regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9]+$`)
	rolePathPattern = regexp.MustCompile(`^/[\x21-\x29\x2B-\x3E\x40-\x7E]+/$`)
	sidPattern      = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	roleNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	// KmsKeyArnPattern matches a KMS key ARN (not an alias: a grant names the key).
	KmsKeyArnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$`)
	// SubnetIDPattern and SecurityGroupIDPattern match EC2 IDs.
	SubnetIDPattern        = regexp.MustCompile(`^subnet-[0-9a-f]{8,17}$`)
	SecurityGroupIDPattern = regexp.MustCompile(`^sg-[0-9a-f]{8,17}$`)
	// InstanceTypePattern matches a SageMaker ML instance type such as ml.t3.medium.
	InstanceTypePattern = regexp.MustCompile(`^ml\.[a-z0-9-]+\.[a-z0-9]+$`)
	// ManagedPolicyArnPattern matches a customer or AWS managed policy ARN.
	ManagedPolicyArnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[\w+=,.@/-]+$`)
	tagKeyPattern           = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
)

// Product is what the launch role needs of a product: the CloudFormation
// resource types its versions create, and the Service Catalog product the
// constraint is for. *product.Product implements it; FromProduct adapts any
// L2 product.
type Product interface {
	// ResourceTypes returns the resource types of every version, sorted.
	ResourceTypes() []string
	// ServiceCatalogProduct returns the product the constraint is for.
	ServiceCatalogProduct() awsservicecatalog.IProduct
}

// FromProduct adapts a Service Catalog product that is not a
// *product.Product, such as an awsservicecatalog.CloudFormationProduct, by
// the resource types its templates create. types is called when the
// launch role is created and again at synthesis (a change between the two
// fails synthesis); StackTypes and TemplateTypes read them for you.
func FromProduct(p awsservicecatalog.IProduct, types func() []string) Product {
	return &adapted{p: p, types: types}
}

type adapted struct {
	p     awsservicecatalog.IProduct
	types func() []string
}

func (a *adapted) ResourceTypes() []string {
	t := slices.Clone(a.types())
	slices.Sort(t)
	return slices.Compact(t)
}
func (a *adapted) ServiceCatalogProduct() awsservicecatalog.IProduct { return a.p }

// StackTypes returns a function reading the resource types of product
// stacks (for FromProduct).
func StackTypes(stacks ...awsservicecatalog.ProductStack) func() []string {
	return func() []string {
		var out []string
		for _, s := range stacks {
			out = append(out, product.StackResourceTypes(s)...)
		}
		return out
	}
}

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
	Product Product
	// ResourceTypes are the product's resource types when Product is nil.
	// Default: none; required without Product.
	ResourceTypes []string
	// Local makes the constraint name the role (LocalRoleName) instead of
	// giving its ARN, so that each account the portfolio is shared with uses
	// its own role of that name. Requires RoleName.
	// Default: false, the constraint gives the role's ARN.
	Local bool
	// PassRoles are the roles the product may pass to a service
	// (iam:PassRole; to SageMaker only for notebook instances).
	// Default: none; required when the product creates notebook instances
	// and no RoleCreation is given. Generated grants then pass only roles
	// named after the provisioned stack.
	PassRoles []awsiam.IRole
	// RoleCreation lets the product create its own roles (AWS::IAM::Role):
	// only under its Path, only with its boundary, attaching only its
	// managed policies; the role may pass them to SageMaker.
	// Default: none; required when the product creates IAM roles.
	RoleCreation *RoleCreation
	// KmsKeyArns are the KMS keys the product may use (key ARNs, not aliases).
	// Default: none; required when the product creates notebook instances;
	// generated grants then use any key of the account and region.
	KmsKeyArns []*string
	// SubnetIds and SecurityGroupIds are the network the product may attach to.
	// Default: none; required when the product creates notebook instances.
	SubnetIds        []*string
	SecurityGroupIds []*string
	// InstanceTypes are the SageMaker instance types (ml.*) the product may
	// launch; the role cannot create or resize a notebook to any other.
	// Default: none; required when the product creates notebook instances.
	InstanceTypes []string
	// ParameterNames are the SSM parameters (names starting with "/") the
	// templates read with {{resolve:ssm:NAME}}.
	// Default: none.
	ParameterNames []string
	// TagKeys are the tag keys the product's notebook instances may carry:
	// the tags its template sets and the portfolio's TagOptions keys. Keys
	// CloudFormation and Service Catalog add (aws:cloudformation:*,
	// aws:servicecatalog:*) are always allowed.
	// Default: none; only those keys.
	TagKeys []string
	// NamePrefix starts the names the product gives its resources; grants
	// use it as given and lower-cased (NamePatterns).
	// Default: StackNamePrefix, the start of the provisioned stack's name.
	NamePrefix *string
	// Permissions adds resource types to the built-in grants, or replaces
	// a type's built-in grants. Each type needs at least one grant, every
	// grant's resources must resolve to at least one ARN, and Sids must be
	// unique (among these grants and the built-in ones in the role).
	// Default: the built-in grants only.
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
// the product in the portfolio; with no Product, it creates the role alone,
// from ResourceTypes.
//
// New panics if a field is missing or malformed, the product creates a
// resource type without grants, or a grant is malformed; the message names
// the construct path, every field or type at fault, the value and what is
// allowed. Synthesis fails too when the product's resource types change
// after New.
func New(scope constructs.Construct, id *string, props *Props) *LaunchRole {
	if props == nil {
		props = &Props{}
	}
	lr := &LaunchRole{}
	constructs.NewConstruct_Override(lr, scope, id) // lr is the construct
	this := lr
	path := *this.Node().Path()
	if err := props.validate(path); err != nil {
		panic(err)
	}

	passRoleArns := make([]*string, len(props.PassRoles))
	for i, r := range props.PassRoles {
		passRoleArns[i] = r.RoleArn()
	}
	stack := awscdk.Stack_Of(this)
	if rc := props.RoleCreation; rc != nil {
		// The roles the product creates, which it passes to SageMaker.
		passRoleArns = append(passRoleArns, productRoleArns(&Context{Stack: stack, RoleCreation: rc})...)
	}
	ctx := &Context{
		Stack:            stack,
		NamePrefix:       check.Or(props.NamePrefix, StackNamePrefix),
		PassRoleArns:     passRoleArns,
		KmsKeyArns:       props.KmsKeyArns,
		SubnetIds:        props.SubnetIds,
		SecurityGroupIds: props.SecurityGroupIds,
		InstanceTypes:    props.InstanceTypes,
		ParameterNames:   props.ParameterNames,
		RoleCreation:     props.RoleCreation,
		TagKeys:          props.TagKeys,
	}
	types := props.ResourceTypes
	if props.Product != nil {
		types = props.Product.ResourceTypes()
	}
	types = slices.Compact(slices.Sorted(slices.Values(types)))
	statements, err := Statements(types, props.Permissions, ctx)
	if err != nil {
		panic(fmt.Errorf("%s: %w", path, err))
	}

	lr.ResourceTypes = types
	lr.Policy = awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements})
	lr.Role = awsiam.NewRole(this, jsii.String("Resource"), &awsiam.RoleProps{
		RoleName:       props.RoleName,
		AssumedBy:      awsiam.NewServicePrincipal(jsii.String("servicecatalog.amazonaws.com"), nil),
		Description:    jsii.String(check.Truncate("Service Catalog launch role for "+strings.Join(types, ", "), 1000)),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"LaunchProduct": lr.Policy},
	})
	if props.Product == nil {
		return lr
	}
	options := &awsservicecatalog.CommonConstraintOptions{
		Description: jsii.String(check.Or(props.Description, check.Truncate("Launches with a least-privilege role for "+strings.Join(types, ", "), 2000))),
	}
	if props.Local {
		// The L1: the L2's SetLocalLaunchRole(Name) builds a construct ID
		// from the name, so it refuses a name that is a token (one that
		// carries the region, for example), which the constraint's
		// LocalRoleName takes as it is. The product joins the portfolio
		// first, as the L2 does.
		product := props.Product.ServiceCatalogProduct()
		props.Portfolio.AddProduct(product)
		constraint := awsservicecatalog.NewCfnLaunchRoleConstraint(this, jsii.String("Constraint"), &awsservicecatalog.CfnLaunchRoleConstraintProps{
			PortfolioId:   props.Portfolio.PortfolioId(),
			ProductId:     product.ProductId(),
			LocalRoleName: lr.Role.RoleName(),
			Description:   options.Description,
		})
		constraint.Node().AddDependency(props.Portfolio)
	} else {
		props.Portfolio.SetLaunchRole(props.Product.ServiceCatalogProduct(), lr.Role, options)
	}

	// The types were read now; a resource added to a product stack later
	// would need permissions the policy lacks.
	this.Node().AddValidation(&typesUnchanged{product: props.Product, types: types})
	return lr
}

// Validate reports every invalid field of props, or nil. New checks the
// same, and then the grants of the product's resource types.
func (props *Props) Validate() error { return props.validate("launchrole") }

func (props *Props) validate(path string) error {
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
	for i, t := range props.ResourceTypes {
		if t == "" {
			p.Add(fmt.Sprintf("ResourceTypes[%d]", i), t, "a CloudFormation resource type such as AWS::SQS::Queue")
		}
	}
	for i, r := range props.PassRoles {
		if r == nil {
			p.Addf(fmt.Sprintf("PassRoles[%d]", i), "nil: give a role (awsiam.IRole)")
		}
	}
	strs := func(field string, vs []*string, re *regexp.Regexp, allowed string) {
		for i, v := range vs {
			f := fmt.Sprintf("%s[%d]", field, i)
			switch {
			case v == nil:
				p.Addf(f, "nil: give %s", allowed)
			case !check.Unresolved(*v) && !re.MatchString(*v):
				p.Add(f, *v, allowed)
			}
		}
	}
	strs("KmsKeyArns", props.KmsKeyArns, KmsKeyArnPattern, "a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (not an alias)")
	strs("SubnetIds", props.SubnetIds, SubnetIDPattern, "a subnet ID such as subnet-0123456789abcdef0")
	strs("SecurityGroupIds", props.SecurityGroupIds, SecurityGroupIDPattern, "a security group ID such as sg-0123456789abcdef0")
	for i, t := range props.InstanceTypes {
		if !InstanceTypePattern.MatchString(t) {
			p.Add(fmt.Sprintf("InstanceTypes[%d]", i), t, "a SageMaker instance type such as ml.t3.medium")
		}
	}
	for i, n := range props.ParameterNames {
		if !strings.HasPrefix(n, "/") || strings.ContainsAny(n, "*? ") {
			p.Add(fmt.Sprintf("ParameterNames[%d]", i), n, `an SSM parameter name starting with "/", without wildcards`)
		}
	}
	for i, k := range props.TagKeys {
		if !tagKeyPattern.MatchString(k) || strings.HasPrefix(strings.ToLower(k), "aws:") {
			p.Add(fmt.Sprintf("TagKeys[%d]", i), k, `a tag key of 1-128 letters, digits, spaces and _.:/=+-@, not starting with "aws:"`)
		}
	}
	if rc := props.RoleCreation; rc != nil {
		if !rolePathPattern.MatchString(rc.Path) {
			p.Add("RoleCreation.Path", rc.Path, `an IAM path that starts and ends with "/", such as /catalog/notebooks/ (not "/": the roles need a path of their own)`)
		}
		if check.Str(rc.PermissionsBoundaryArn) == "" {
			p.Addf("RoleCreation.PermissionsBoundaryArn", "required: every role the product creates must have this boundary")
		} else if b := *rc.PermissionsBoundaryArn; !check.Unresolved(b) && !ManagedPolicyArnPattern.MatchString(b) {
			p.Add("RoleCreation.PermissionsBoundaryArn", b, "a managed policy ARN such as arn:aws:iam::123456789012:policy/boundary")
		}
		strs("RoleCreation.ManagedPolicyArns", rc.ManagedPolicyArns, ManagedPolicyArnPattern, "a managed policy ARN such as arn:aws:iam::123456789012:policy/notebook")
	}
	if props.RoleName != nil && !check.Unresolved(*props.RoleName) && !roleNamePattern.MatchString(*props.RoleName) {
		p.Add("RoleName", *props.RoleName, "1-64 characters from letters, digits and +=,.@_-")
	}
	if n := check.Str(props.NamePrefix); n != "" && strings.ContainsAny(n, "*?") {
		p.Add("NamePrefix", n, "a name prefix without wildcards, such as SC-")
	}
	return p.Err()
}

// Grants returns the built-in grants of a resource type: hand-written
// (DefaultPermissions) or generated from the embedded table
// (GeneratedGrants). It fails, saying what to do, for a type without
// either.
func Grants(typ string) ([]Grant, error) {
	if g, ok := DefaultPermissions()[typ]; ok {
		return g, nil
	}
	if _, ok := mustTable().Types[typ]; ok {
		return GeneratedGrants(typ)
	}
	if WithoutHandlers(typ) || strings.HasPrefix(typ, "Custom::") {
		return nil, fmt.Errorf("%s: CloudFormation publishes no handler permissions for this type: give its grants in Props.Permissions", typ)
	}
	return nil, fmt.Errorf("%s: not a resource type of the CloudFormation registry (%d types known): check the spelling, or give its grants in Props.Permissions",
		typ, len(mustTable().Types)+len(mustTable().WithoutHandlers))
}

// Statements builds the policy statements for a product with the given
// resource types: the Service Catalog grants, then each type's grants
// (extra's, else the built-in Grants), merged by Sid and scoped with ctx.
// It reports every problem at once: a type without grants, an empty grant
// list in extra, a wildcard action, a "*" resource without a reason, a
// grant whose required scope is empty or whose resources resolve to
// nothing, and a Sid of extra's used twice.
func Statements(types []string, extra Permissions, ctx *Context) ([]awsiam.PolicyStatement, error) {
	var errs []error
	type sourced struct {
		Grant
		caller bool
	}
	var grants []sourced
	for _, g := range ServiceCatalogGrants() {
		grants = append(grants, sourced{g, false})
	}
	callerTypes := make([]string, 0, len(extra))
	for t := range extra {
		callerTypes = append(callerTypes, t)
	}
	sort.Strings(callerTypes)
	for _, t := range callerTypes {
		if len(extra[t]) == 0 {
			errs = append(errs, fmt.Errorf("Permissions[%s]: no grants: give at least one, or leave the type out", t))
		}
	}
	for _, t := range types {
		if g, ok := extra[t]; ok {
			for _, x := range g {
				grants = append(grants, sourced{x, true})
			}
			continue
		}
		g, err := Grants(t)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, x := range g {
			grants = append(grants, sourced{x, false})
		}
	}

	builtinSids := map[string]bool{}
	callerSids := map[string]bool{}
	for _, g := range grants {
		if !g.caller {
			builtinSids[g.Sid] = true
		}
	}
	var order []string
	merged := map[string]*Grant{}
	for _, g := range grants {
		bad := false
		if !sidPattern.MatchString(g.Sid) {
			errs = append(errs, fmt.Errorf("grant %q: Sid must be alphanumeric", g.Sid))
			bad = true
		}
		for _, a := range g.Actions {
			if !actionPattern.MatchString(a) {
				errs = append(errs, fmt.Errorf("grant %s: action %q is not an exact IAM action (no wildcards)", g.Sid, a))
				bad = true
			}
		}
		if len(g.Actions) == 0 {
			errs = append(errs, fmt.Errorf("grant %s: no actions", g.Sid))
			bad = true
		}
		if g.Resources == nil && strings.TrimSpace(g.WildcardReason) == "" {
			errs = append(errs, fmt.Errorf("grant %s: Resource \"*\" needs a WildcardReason", g.Sid))
			bad = true
		}
		if g.caller {
			switch {
			case callerSids[g.Sid]:
				errs = append(errs, fmt.Errorf("grant %s: the Sid is used by two grants of Props.Permissions: give each its own", g.Sid))
				bad = true
			case builtinSids[g.Sid]:
				errs = append(errs, fmt.Errorf("grant %s: the Sid is a built-in statement's: give the grant a Sid of its own", g.Sid))
				bad = true
			}
			callerSids[g.Sid] = true
		}
		if bad {
			continue
		}
		if m, ok := merged[g.Sid]; ok {
			m.Actions = append(slices.Clone(m.Actions), g.Actions...)
			continue
		}
		c := g.Grant
		merged[g.Sid] = &c
		order = append(order, g.Sid)
	}

	var out []awsiam.PolicyStatement
	for _, sid := range order {
		g := merged[sid]
		if missing := ctx.empty(g.Needs); len(missing) > 0 {
			errs = append(errs, fmt.Errorf("grant %s: Props.%s is empty, but the product's resource types need it", g.Sid, strings.Join(missing, ", Props.")))
			continue
		}
		resources := []*string{jsii.String("*")}
		if g.Resources != nil {
			resources = dedupe(g.Resources(ctx))
			if len(resources) == 0 {
				if !g.Optional {
					errs = append(errs, fmt.Errorf("grant %s: its resources resolve to nothing: return at least one ARN", g.Sid))
				}
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
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// typesUnchanged fails synthesis when a product's resource types differ
// from those the policy was derived from.
type typesUnchanged struct {
	product Product
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

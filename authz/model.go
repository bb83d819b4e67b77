package authz

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed model/*.yaml
var modelFiles embed.FS

// Flow is one thing a user (or a schedule) triggers, as the AWS calls it
// causes, in order: authz/model/<flow>.yaml.
type Flow struct {
	ID    string `yaml:"flow"`
	Title string `yaml:"title"`
	// Assembly is the assembly the flow runs in: "hub" (the catalog's
	// account, the default) or "spoke" (an account the portfolio is shared
	// with).
	Assembly string `yaml:"assembly"`
	// Launch is the persona whose provisioned product the flow is about
	// (Env.Launches); default alice.
	Launch string `yaml:"launch"`
	// Parameters are the product parameters the flow launches or updates
	// with (the others keep their defaults).
	Parameters map[string]string `yaml:"parameters"`
	Note       string            `yaml:"note"`
	Calls      []Call            `yaml:"calls"`
	File       string            `yaml:"-"`
}

// Call is one AWS request: who makes it, the action, the resource as AWS
// authorizes it, the request context the service sends, and where AWS
// documents it. Strings may refer to ${variables} (see README.md).
type Call struct {
	ID   string `yaml:"id"`
	Does string `yaml:"does"`
	// Principal is a role's locator key (a session of that role),
	// service:<principal> (an AWS service principal), or an ARN.
	Principal string `yaml:"principal"`
	// Session is the role session name; default: the launch's analyst for
	// the analyst role, else "authz".
	Session string `yaml:"session"`
	// OutsideTemplates marks an ARN principal whose identity policies are
	// not in the templates (an IAM user, another team's role): its identity
	// is taken to allow the call, and only resource policies (a trust
	// policy, a key policy) are evaluated.
	OutsideTemplates bool `yaml:"outsideTemplates"`
	// Launch overrides the flow's persona for this call.
	Launch string `yaml:"launch"`
	// By is the persona whose principal makes the call (the analyst's
	// session, or a product role of that persona's launch), when it is not
	// the persona whose resources the call is about: bob, on alice's
	// notebook. Default: the call's launch.
	By string `yaml:"by"`
	// IdentityAllows takes the principal's identity policies to allow the
	// call (what a changed product version, a permission set or an AWS
	// managed policy could grant it), so that only its permissions
	// boundary and the resource's policy are evaluated: an abuse case
	// that only they can stop.
	IdentityAllows bool `yaml:"identityAllows"`
	// Via names the VPC endpoint (a locator key) the request goes through:
	// its policy is evaluated (AWS's full-access default when the template
	// sets none), and the request carries aws:SourceVpce and aws:SourceVpc.
	Via string `yaml:"via"`
	// Finding names the finding of issue #11 an abuse case (expect:
	// Denied) stops: a key of Findings.
	Finding         string         `yaml:"finding"`
	Action          string         `yaml:"action"`
	Resource        string         `yaml:"resource"`
	ResourceAccount string         `yaml:"resourceAccount"`
	Context         map[string]any `yaml:"context"`
	// ResourceTags and RequestTags name a located resource whose tags the
	// request carries as aws:ResourceTag/... (what the resource has) or
	// aws:RequestTag/... and aws:TagKeys (what a create request sets). For
	// a product resource they include the tags Service Catalog and
	// CloudFormation put on its stack ("stack" names the stack itself).
	ResourceTags string `yaml:"resourceTags"`
	RequestTags  string `yaml:"requestTags"`
	// Each repeats the call for each item of a list: dynamicReferences (the
	// SSM parameters the product template reads); ${each} is the item.
	Each string `yaml:"each"`
	// Automation names an SSM Automation document's locator key: {{ P }}
	// placeholders in the resource and context are filled from Parameters,
	// then from the document's parameter defaults. A placeholder left
	// unfilled makes the call Unresolved.
	Automation string            `yaml:"automation"`
	Parameters map[string]string `yaml:"parameters"`
	// Expect is Allowed (default) or Denied.
	Expect string     `yaml:"expect"`
	Source StringList `yaml:"source"`
	Note   string     `yaml:"note"`
}

// StringList is a YAML string or list of strings.
type StringList []string

// UnmarshalYAML accepts a string or a list of strings.
func (s *StringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = []string{n.Value}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*s = l
	return nil
}

// LoadModel reads the flows of authz/model.
func LoadModel() ([]Flow, error) {
	entries, err := modelFiles.ReadDir("model")
	if err != nil {
		return nil, err
	}
	var flows []Flow
	ids := map[string]string{}
	for _, e := range entries {
		body, err := modelFiles.ReadFile(path.Join("model", e.Name()))
		if err != nil {
			return nil, err
		}
		var f Flow
		dec := yaml.NewDecoder(strings.NewReader(string(body)))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("model/%s: %w", e.Name(), err)
		}
		f.File = "authz/model/" + e.Name()
		if err := f.check(); err != nil {
			return nil, fmt.Errorf("%s: %w", f.File, err)
		}
		if other, dup := ids[f.ID]; dup {
			return nil, fmt.Errorf("%s: flow %s is also in %s", f.File, f.ID, other)
		}
		ids[f.ID] = f.File
		flows = append(flows, f)
	}
	return flows, nil
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// check validates what can be checked without an assembly.
func (f *Flow) check() error {
	var errs []error
	if !idPattern.MatchString(f.ID) {
		errs = append(errs, fmt.Errorf("flow: %q is not a lower-case id", f.ID))
	}
	if f.Assembly == "" {
		f.Assembly = "hub"
	}
	if f.Launch == "" {
		f.Launch = "alice"
	}
	seen := map[string]bool{}
	for i, c := range f.Calls {
		where := fmt.Sprintf("call %d (%s)", i+1, c.ID)
		if !idPattern.MatchString(c.ID) || seen[c.ID] {
			errs = append(errs, fmt.Errorf("%s: id must be a unique lower-case id", where))
		}
		seen[c.ID] = true
		if c.Principal == "" || c.Action == "" || c.Resource == "" {
			errs = append(errs, fmt.Errorf("%s: principal, action and resource are required", where))
		}
		if len(c.Source) == 0 {
			errs = append(errs, fmt.Errorf("%s: a source is required (the AWS documentation page and section)", where))
		}
		for _, s := range c.Source {
			if !strings.HasPrefix(s, "https://docs.aws.amazon.com/") && !strings.HasPrefix(s, "https://github.com/") && !strings.HasPrefix(s, "repo:") {
				errs = append(errs, fmt.Errorf("%s: source %q: an AWS documentation URL (https://docs.aws.amazon.com/...), a GitHub URL, or repo:<path> for this repository's code", where, s))
			}
		}
		switch c.Expect {
		case "":
			f.Calls[i].Expect = "Allowed"
		case "Allowed", "Denied":
		default:
			errs = append(errs, fmt.Errorf("%s: expect %q: Allowed or Denied", where, c.Expect))
		}
		_, known := Findings[c.Finding]
		switch {
		case c.Expect == "Denied" && !known:
			errs = append(errs, fmt.Errorf("%s: finding %q: an abuse case names the finding it stops, one of %s", where, c.Finding, strings.Join(sortedKeys(Findings), ", ")))
		case c.Expect != "Denied" && c.Finding != "":
			errs = append(errs, fmt.Errorf("%s: finding %q: only an abuse case (expect: Denied) names a finding", where, c.Finding))
		}
		if c.IdentityAllows && c.Expect != "Denied" {
			errs = append(errs, fmt.Errorf("%s: identityAllows: only for an abuse case (expect: Denied)", where))
		}
		if c.Each != "" && c.Each != "dynamicReferences" {
			errs = append(errs, fmt.Errorf("%s: each %q: dynamicReferences", where, c.Each))
		}
	}
	return errors.Join(errs...)
}

// Request is one call made concrete in an assembly: the simulation sent to
// the IAM engine, or why it could not be built.
type Request struct {
	Flow, Call, Does string
	// Principal is how the table names the caller (key/session, or the
	// service principal); Action and Resource as authorized.
	Principal, Action, Resource string
	Expect                      string
	// Finding is the finding of issue #11 an abuse case stops.
	Finding string
	Sources []string
	// Unresolved says why the request cannot be made (an SSM document
	// parameter without a value); the decision is then Unresolved.
	Unresolved string
	Simulation map[string]any
}

// ID is flow/call.
func (r Request) ID() string { return r.Flow + "/" + r.Call }

// Requests makes every call of flows concrete in the assembly.
func (a *Assembly) Requests(flows []Flow) ([]Request, error) {
	return a.requests(flows, false)
}

// requests makes every call of flows concrete; tolerant turns a call that
// cannot be made concrete in these templates (a locator that finds nothing
// in an older layout) into an Unresolved request that says why.
func (a *Assembly) requests(flows []Flow, tolerant bool) ([]Request, error) {
	var out []Request
	var errs []error
	for _, f := range flows {
		for _, c := range f.Calls {
			items := []string{""}
			if c.Each == "dynamicReferences" {
				items = a.DynamicReferences()
			}
			for _, item := range items {
				r, err := a.request(f, c, item)
				if err != nil && tolerant {
					r = Request{Flow: f.ID, Call: c.ID, Does: c.Does, Action: c.Action, Resource: c.Resource, Principal: c.Principal,
						Expect: c.Expect, Finding: c.Finding, Sources: c.Source, Unresolved: cannotResolve + err.Error()}
				} else if err != nil {
					errs = append(errs, fmt.Errorf("%s: %s/%s: %w", f.File, f.ID, c.ID, err))
					continue
				}
				out = append(out, r)
			}
		}
	}
	return out, errors.Join(errs...)
}

// cannotResolve starts the reason of a call the templates cannot express.
const cannotResolve = "cannot resolve on these templates: "

// call is the expansion state of one call.
type call struct {
	a *Assembly
	// persona is the launch the call's resources belong to; by the launch
	// whose principal makes it.
	persona, by string
	vars        map[string]any
}

var varPattern = regexp.MustCompile(`\$\{([A-Za-z0-9_.:\-]+)\}`)

// interp replaces ${...} in s. A string that is one ${...} naming a list
// becomes the list.
func (x *call) interp(s string) (any, error) {
	if m := varPattern.FindStringSubmatch(s); m != nil && m[0] == s {
		return x.lookup(m[1])
	}
	var err error
	out := varPattern.ReplaceAllStringFunc(s, func(m string) string {
		v, e := x.lookup(m[2 : len(m)-1])
		if e == nil {
			if str, ok := v.(string); ok {
				return str
			}
			e = fmt.Errorf("%s is a list, not a string", m)
		}
		if err == nil {
			err = e
		}
		return m
	})
	return out, err
}

func (x *call) interpString(s string) (string, error) {
	v, err := x.interp(s)
	if err != nil {
		return "", err
	}
	str, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s is a list, not a string", s)
	}
	return str, nil
}

// lookup resolves a variable: a flow variable, or key.Attr of a located
// resource (Ref, an Fn::GetAtt attribute, or Properties.<path>).
func (x *call) lookup(name string) (any, error) {
	if v, ok := x.vars[name]; ok {
		return v, nil
	}
	persona := x.persona
	ref := name
	// ${bob:workspace.Owner}: another persona's launch.
	if p, rest, ok := strings.Cut(name, ":"); ok {
		if _, isLaunch := x.a.Env.Launches[p]; isLaunch {
			persona, ref = p, rest
		}
	}
	key, attr, ok := strings.Cut(ref, ".")
	if !ok {
		return nil, fmt.Errorf("${%s}: not a variable (%s) nor [persona:]key.Attr", name, strings.Join(sortedKeys(x.vars), ", "))
	}
	loc, err := x.a.Locate(key)
	if err != nil {
		return nil, fmt.Errorf("${%s}: %w", name, err)
	}
	r, err := x.a.resolverFor(loc.Template, persona)
	if err != nil {
		return nil, err
	}
	var v any
	switch {
	case attr == "Ref":
		v, err = r.ref(loc.LogicalID)
	case strings.HasPrefix(attr, "Properties."):
		var props map[string]any
		if props, err = r.properties(loc.LogicalID); err == nil {
			v, err = walk(props, strings.Split(strings.TrimPrefix(attr, "Properties."), "."))
		}
	default:
		v, err = r.getAtt(loc.LogicalID, attr)
	}
	if err != nil {
		return nil, fmt.Errorf("${%s}: %w", name, err)
	}
	return scalarOrList(v)
}

// walk follows a property path; a string holding JSON is parsed.
func walk(v any, path []string) (any, error) {
	for _, p := range path {
		if s, ok := v.(string); ok && strings.HasPrefix(strings.TrimSpace(s), "{") {
			var parsed any
			if err := json.Unmarshal([]byte(s), &parsed); err == nil {
				v = parsed
			}
		}
		switch cur := v.(type) {
		case map[string]any:
			next, ok := cur[p]
			if !ok {
				return nil, fmt.Errorf("no %s in %s", p, strings.Join(sortedKeys(cur), ", "))
			}
			v = next
		case []any:
			var i int
			if _, err := fmt.Sscanf(p, "%d", &i); err != nil || i < 0 || i >= len(cur) {
				return nil, fmt.Errorf("%s: not an index of a %d-item list", p, len(cur))
			}
			v = cur[i]
		default:
			return nil, fmt.Errorf("%s: %v has no fields", p, v)
		}
	}
	return v, nil
}

func scalarOrList(v any) (any, error) {
	if l, ok := v.([]any); ok {
		out := make([]string, len(l))
		for i, x := range l {
			s, err := str(x)
			if err != nil {
				return nil, err
			}
			out[i] = s
		}
		return out, nil
	}
	return str(v)
}

var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

func (a *Assembly) request(f Flow, c Call, item string) (Request, error) {
	persona := f.Launch
	if c.Launch != "" {
		persona = c.Launch
	}
	persona = launchKey(persona, f.Parameters)
	by := persona
	if c.By != "" {
		if _, ok := a.Env.Launches[c.By]; !ok {
			return Request{}, fmt.Errorf("by %q: no such launch in the environment", c.By)
		}
		by = c.By
	}
	l, err := a.launch(persona)
	if err != nil {
		return Request{}, err
	}
	provisioner, err := a.Provisioner(persona)
	if err != nil {
		return Request{}, err
	}
	e := a.Env
	x := &call{a: a, persona: persona, by: by, vars: map[string]any{
		"partition": e.Partition, "region": e.Region, "account": e.Account, "urlSuffix": e.URLSuffix,
		"stack": e.StackName(l), "stackLower": strings.ToLower(e.StackName(l)), "stackId": e.StackID(l),
		"pp": l.ProvisionedProductID, "ppName": l.ProvisionedProductName, "ppArn": e.ProvisionedProductArn(l),
		"session": l.Session, "provisioner": provisioner, "provisionerRole": roleOfSession(provisioner), "catalogStack": a.CatalogStack,
	}}
	if item != "" {
		x.vars["each"] = item
	}
	id := c.ID
	if item != "" {
		id += "[" + item + "]"
	}
	req := Request{Flow: f.ID, Call: id, Does: c.Does, Action: c.Action, Expect: c.Expect, Finding: c.Finding, Sources: c.Source}
	if req.Resource, err = x.interpString(c.Resource); err != nil {
		return req, fmt.Errorf("resource: %w", err)
	}
	ctx := map[string]any{}
	for _, k := range sortedKeys(c.Context) {
		switch v := c.Context[k].(type) {
		case string:
			if ctx[k], err = x.interp(v); err != nil {
				return req, fmt.Errorf("context %s: %w", k, err)
			}
		case []any:
			var l []string
			for _, item := range v {
				s, ok := item.(string)
				if !ok {
					return req, fmt.Errorf("context %s: %v is not a string", k, item)
				}
				iv, err := x.interp(s)
				if err != nil {
					return req, fmt.Errorf("context %s: %w", k, err)
				}
				switch iv := iv.(type) {
				case string:
					l = append(l, iv)
				case []string:
					l = append(l, iv...)
				}
			}
			ctx[k] = l
		default:
			return req, fmt.Errorf("context %s: %v is neither a string nor a list", k, v)
		}
	}
	if c.Automation != "" {
		if req.Unresolved, err = x.fill(c, &req.Resource, ctx); err != nil {
			return req, err
		}
	}
	if c.ResourceTags != "" {
		tags, err := x.tags(c.ResourceTags, true)
		if err != nil {
			return req, fmt.Errorf("resourceTags: %w", err)
		}
		for _, k := range sortedKeys(tags) {
			ctx["aws:ResourceTag/"+k] = tags[k]
		}
	}
	if c.RequestTags != "" {
		tags, err := x.tags(c.RequestTags, false)
		if err != nil {
			return req, fmt.Errorf("requestTags: %w", err)
		}
		keys := sortedKeys(tags)
		for _, k := range keys {
			ctx["aws:RequestTag/"+k] = tags[k]
		}
		ctx["aws:TagKeys"] = keys
	}
	sim, principal, err := x.simulation(c, req, ctx)
	if err != nil {
		return req, err
	}
	req.Principal, req.Simulation = principal, sim
	return req, nil
}

// fill replaces an automation's {{ Parameter }} placeholders.
func (x *call) fill(c Call, resource *string, ctx map[string]any) (string, error) {
	loc, err := x.a.Locate(c.Automation)
	if err != nil {
		return "", err
	}
	props, err := x.a.catalog.properties(loc.LogicalID)
	if err != nil {
		return "", err
	}
	params, err := walk(props, []string{"Content", "parameters"})
	if err != nil {
		return "", fmt.Errorf("automation %s: %w", c.Automation, err)
	}
	declared, _ := params.(map[string]any)
	values := map[string]string{}
	for name, p := range declared {
		pm, _ := p.(map[string]any)
		if d, ok := pm["default"]; ok {
			values[name], _ = str(d)
		}
	}
	for name, v := range c.Parameters {
		if values[name], err = x.interpString(v); err != nil {
			return "", fmt.Errorf("parameters %s: %w", name, err)
		}
	}
	var missing []string
	sub := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string {
			name := placeholder.FindStringSubmatch(m)[1]
			if v, ok := values[name]; ok {
				return v
			}
			missing = append(missing, name)
			return m
		})
	}
	*resource = sub(*resource)
	for k, v := range ctx {
		if s, ok := v.(string); ok {
			ctx[k] = sub(s)
		}
	}
	if len(missing) > 0 {
		return fmt.Sprintf("SSM document %s: parameter %s has no value (no default, and the caller does not pass it)", c.Automation, strings.Join(missing, ", ")), nil
	}
	return "", nil
}

// tags returns the tags of a located resource: its Tags property, and for
// a product resource the tags of its stack (Service Catalog's and the
// analyst's TagOptions) and CloudFormation's own when system is set.
// "stack" names the launch's stack.
func (x *call) tags(key string, system bool) (map[string]string, error) {
	l, err := x.a.launch(x.persona)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	stackTags := func() error {
		for k, v := range l.Tags {
			out[k] = v
		}
		if system {
			prov, err := x.a.Provisioner(x.persona)
			if err != nil {
				return err
			}
			out["aws:servicecatalog:provisioningPrincipalArn"] = prov
			out["aws:servicecatalog:provisionedProductArn"] = x.a.Env.ProvisionedProductArn(l)
		}
		return nil
	}
	if key == "stack" {
		// Service Catalog sets its tags on the stack when it creates it.
		system = true
		return out, stackTags()
	}
	loc, err := x.a.Locate(key)
	if err != nil {
		return nil, err
	}
	r, err := x.a.resolverFor(loc.Template, x.persona)
	if err != nil {
		return nil, err
	}
	v, err := r.prop(loc.LogicalID, "Tags")
	if err != nil {
		return nil, err
	}
	for _, t := range asList(v) {
		m, _ := t.(map[string]any)
		k, _ := str(m["Key"])
		val, err := str(m["Value"])
		if err != nil {
			return nil, fmt.Errorf("tag %s: %w", k, err)
		}
		out[k] = val
	}
	if loc.Template == Product {
		if err := stackTags(); err != nil {
			return nil, err
		}
		if system {
			out["aws:cloudformation:stack-name"] = r.stackName
			out["aws:cloudformation:stack-id"] = r.stackID
			out["aws:cloudformation:logical-id"] = loc.LogicalID
		}
	}
	return out, nil
}

// simulation builds the iam-simulate input of a request. The request
// context carries what IAM gives the caller's requests
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
// aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:userid
// ("<role ID>:<session name>" for a role session, the user's ID for a
// user), aws:username (IAM users only: "requests made using ... IAM roles do
// not include this key") and aws:PrincipalTag/<key> for the role's tags.
func (x *call) simulation(c Call, req Request, ctx map[string]any) (map[string]any, string, error) {
	a := x.a
	account := a.Env.Account
	if c.ResourceAccount != "" {
		account = c.ResourceAccount
	}
	sim := map[string]any{"serviceControlPolicies": []any{}, "resourceControlPolicies": []any{}}
	identityPolicies := []Policy{}
	// allowAll is the identity policy of a principal whose own policies are
	// taken to allow the call.
	allowAll := func(name string) Policy {
		return Policy{Name: name, Document: map[string]any{
			"Version":   "2012-10-17",
			"Statement": []any{map[string]any{"Sid": "AssumedToAllow", "Effect": "Allow", "Action": c.Action, "Resource": req.Resource}},
		}}
	}
	var principal, label string
	context := map[string]any{"aws:SecureTransport": "true"}
	switch {
	case strings.HasPrefix(c.Principal, "service:"):
		if c.IdentityAllows {
			return nil, "", fmt.Errorf("identityAllows: a service principal has no identity policies")
		}
		p, err := x.interpString(strings.TrimPrefix(c.Principal, "service:"))
		if err != nil {
			return nil, "", err
		}
		principal, label = p, p
	case strings.HasPrefix(c.Principal, "arn:") || c.Principal == "provisioner":
		p := c.Principal
		if p == "provisioner" {
			p = "${provisioner}"
		}
		p, err := x.interpString(p)
		if err != nil {
			return nil, "", err
		}
		if !c.OutsideTemplates {
			return nil, "", fmt.Errorf("principal %s: an ARN principal's policies are not in the templates: set outsideTemplates", p)
		}
		principal, label = p, p+" (own policies assumed)"
		identityPolicies = append(identityPolicies, allowAll("outside the templates"))
		context["aws:PrincipalArn"] = roleOfSession(p)
		context["aws:PrincipalAccount"] = a.Env.Account
		if parts := strings.SplitN(p, ":", 6); len(parts) == 6 && parts[4] != "" {
			context["aws:PrincipalAccount"] = parts[4] // a principal of another account
		}
		name := p[strings.LastIndex(p, "/")+1:]
		switch {
		case strings.Contains(p, ":user/"):
			context["aws:username"] = name
			context["aws:userid"] = UserID(name)
			context["aws:PrincipalType"] = "User"
		case strings.Contains(p, ":assumed-role/"):
			role := strings.Split(p[strings.Index(p, ":assumed-role/")+len(":assumed-role/"):], "/")[0]
			id, err := a.RoleID(role)
			if err != nil {
				return nil, "", err
			}
			context["aws:userid"] = id + ":" + name
			context["aws:PrincipalType"] = "AssumedRole"
		default:
			context["aws:PrincipalType"] = "AssumedRole"
		}
	default:
		idn, err := a.Identity(c.Principal, x.by)
		if err != nil {
			return nil, "", err
		}
		session := c.Session
		if session == "" {
			session = "authz"
			if c.Principal == "analyst" {
				l, err := a.launch(x.by)
				if err != nil {
					return nil, "", err
				}
				session = l.Session
			}
		}
		principal = fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", a.Env.Partition, a.Env.Account, idn.RoleName, session)
		label = idn.Key + "/" + session
		if loc, _ := a.Locate(c.Principal); loc.Template == Product {
			// A product role belongs to one launch: name whose.
			persona, _, _ := strings.Cut(x.by, "?")
			label = idn.Key + "(" + persona + ")/" + session
		}
		identityPolicies = idn.Policies
		if c.IdentityAllows {
			identityPolicies = []Policy{allowAll(idn.Key + " (its policies taken to allow the call)")}
			label += " (identity assumed to allow)"
		}
		if idn.Boundary != nil {
			sim["permissionBoundaryPolicies"] = []Policy{*idn.Boundary}
		}
		context["aws:PrincipalArn"] = idn.Arn
		context["aws:PrincipalAccount"] = a.Env.Account
		context["aws:PrincipalType"] = "AssumedRole"
		context["aws:userid"] = idn.RoleID + ":" + session
		for k, v := range idn.Tags {
			context["aws:PrincipalTag/"+k] = v
		}
	}
	if c.Via != "" {
		p, vpce, vpc, err := a.endpointPolicy(c.Via)
		if err != nil {
			return nil, "", fmt.Errorf("via: %w", err)
		}
		sim["vpcEndpointPolicies"] = []Policy{*p}
		context["aws:SourceVpce"], context["aws:SourceVpc"] = vpce, vpc
	}
	for k, v := range ctx {
		context[k] = v
	}
	policies, err := a.resourcePolicies(x.persona)
	if err != nil {
		return nil, "", err
	}
	if rp := policyFor(policies, req.Resource, c.Action); rp != nil {
		sim["resourcePolicy"] = rp.Document
		sim["resourcePolicyName"] = rp.Name
	}
	sim["identityPolicies"] = identityPolicies
	sim["request"] = map[string]any{
		"principal":        principal,
		"action":           c.Action,
		"resource":         map[string]any{"resource": req.Resource, "accountId": account},
		"contextVariables": context,
	}
	return sim, label, nil
}

// roleOfSession turns an assumed-role session ARN into its role's ARN (the
// value of aws:PrincipalArn; the role's path is not in a session ARN).
func roleOfSession(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(parts[5], "assumed-role/") {
		return arn
	}
	role := strings.Split(strings.TrimPrefix(parts[5], "assumed-role/"), "/")[0]
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", parts[1], parts[4], role)
}

package authz

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// noValue is what Ref AWS::NoValue resolves to: the property or list item
// is dropped.
type noValue struct{}

// dynamicRef matches a {{resolve:ssm:NAME}} or {{resolve:ssm:NAME:VERSION}}
// dynamic reference.
var dynamicRef = regexp.MustCompile(`\{\{resolve:ssm:([a-zA-Z0-9_.\-/]+?)(?::\d+)?\}\}`)

// resolver resolves one template's intrinsic functions in an environment:
// Ref and Fn::GetAtt give each resource type's physical names and ARNs
// (explicit names when set, deterministic generated ones otherwise).
type resolver struct {
	env                Env
	tmpl               *Template
	stackName, stackID string
	params             map[string]string
	ssm                func(name string) (string, error)
	launch             *Launch
	assembly           *Assembly
	physical           map[string]*physical
	props              map[string]map[string]any
	conditions         map[string]bool
	inProgress         map[string]bool
}

// physical is a resource's Ref value and Fn::GetAtt attributes.
type physical struct {
	ref   any
	attrs map[string]any
}

func newResolver(env Env, t *Template, stackName, stackID string, params map[string]string) *resolver {
	return &resolver{env: env, tmpl: t, stackName: stackName, stackID: stackID, params: params,
		physical: map[string]*physical{}, props: map[string]map[string]any{}, conditions: map[string]bool{}, inProgress: map[string]bool{}}
}

// resolve returns v with every intrinsic function, pseudo parameter and
// dynamic reference replaced by its value.
func (r *resolver) resolve(v any) (any, error) {
	switch v := v.(type) {
	case string:
		return r.dynamic(v)
	case []any:
		out := make([]any, 0, len(v))
		for _, x := range v {
			y, err := r.resolve(x)
			if err != nil {
				return nil, err
			}
			if _, drop := y.(noValue); !drop {
				out = append(out, y)
			}
		}
		return out, nil
	case map[string]any:
		if len(v) == 1 {
			for k, arg := range v {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") || k == "Condition" {
					return r.intrinsic(k, arg)
				}
			}
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			y, err := r.resolve(x)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if _, drop := y.(noValue); !drop {
				out[k] = y
			}
		}
		return out, nil
	default:
		return v, nil
	}
}

// dynamic replaces {{resolve:ssm:...}} references in s.
func (r *resolver) dynamic(s string) (any, error) {
	if !strings.Contains(s, "{{resolve:") {
		return s, nil
	}
	if r.ssm == nil {
		return nil, fmt.Errorf("%s: dynamic references are resolved only in the product template", s)
	}
	var err error
	out := dynamicRef.ReplaceAllStringFunc(s, func(m string) string {
		name := dynamicRef.FindStringSubmatch(m)[1]
		v, e := r.ssm(name)
		if e != nil && err == nil {
			err = e
		}
		return v
	})
	if err != nil {
		return nil, err
	}
	if strings.Contains(out, "{{resolve:") {
		return nil, fmt.Errorf("%s: unsupported dynamic reference (only {{resolve:ssm:NAME}})", s)
	}
	return out, nil
}

func (r *resolver) intrinsic(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("Ref: %v is not a name", arg)
		}
		return r.ref(name)
	case "Fn::GetAtt":
		var id, attr string
		switch a := arg.(type) {
		case []any:
			if len(a) != 2 {
				return nil, fmt.Errorf("Fn::GetAtt: %v", arg)
			}
			id, _ = a[0].(string)
			at, err := r.resolve(a[1])
			if err != nil {
				return nil, err
			}
			attr, _ = at.(string)
		case string:
			id, attr, _ = strings.Cut(a, ".")
		}
		if id == "" || attr == "" {
			return nil, fmt.Errorf("Fn::GetAtt: %v", arg)
		}
		return r.getAtt(id, attr)
	case "Fn::Sub":
		return r.sub(arg)
	case "Fn::Join":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("Fn::Join: %v", arg)
		}
		sep, _ := a[0].(string)
		list, err := r.resolve(a[1])
		if err != nil {
			return nil, err
		}
		items, ok := list.([]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Join: %v is not a list", list)
		}
		parts := make([]string, len(items))
		for i, x := range items {
			if parts[i], err = str(x); err != nil {
				return nil, fmt.Errorf("Fn::Join: %w", err)
			}
		}
		return strings.Join(parts, sep), nil
	case "Fn::Select":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("Fn::Select: %v", arg)
		}
		idx, err := r.resolve(a[0])
		if err != nil {
			return nil, err
		}
		list, err := r.resolve(a[1])
		if err != nil {
			return nil, err
		}
		items, ok := list.([]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Select: %v is not a list", list)
		}
		is, err := str(idx)
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(is)
		if err != nil || i < 0 || i >= len(items) {
			return nil, fmt.Errorf("Fn::Select: index %v out of %d items", idx, len(items))
		}
		return items[i], nil
	case "Fn::Split":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("Fn::Split: %v", arg)
		}
		sep, _ := a[0].(string)
		s, err := r.resolve(a[1])
		if err != nil {
			return nil, err
		}
		ss, err := str(s)
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(ss, sep) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::Base64":
		s, err := r.resolve(arg)
		if err != nil {
			return nil, err
		}
		ss, err := str(s)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(ss)), nil
	case "Fn::GetAZs":
		return []any{r.env.Region + "a", r.env.Region + "b", r.env.Region + "c"}, nil
	case "Fn::If":
		a, ok := arg.([]any)
		if !ok || len(a) != 3 {
			return nil, fmt.Errorf("Fn::If: %v", arg)
		}
		name, _ := a[0].(string)
		c, err := r.condition(name)
		if err != nil {
			return nil, err
		}
		if c {
			return r.resolve(a[1])
		}
		return r.resolve(a[2])
	case "Condition":
		name, _ := arg.(string)
		return r.condition(name)
	case "Fn::Equals":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("Fn::Equals: %v", arg)
		}
		x, err := r.resolve(a[0])
		if err != nil {
			return nil, err
		}
		y, err := r.resolve(a[1])
		if err != nil {
			return nil, err
		}
		return fmt.Sprint(x) == fmt.Sprint(y), nil
	case "Fn::Not", "Fn::And", "Fn::Or":
		a, ok := arg.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: %v", fn, arg)
		}
		var vals []bool
		for _, x := range a {
			y, err := r.resolve(x)
			if err != nil {
				return nil, err
			}
			b, ok := y.(bool)
			if !ok {
				return nil, fmt.Errorf("%s: %v is not a condition", fn, y)
			}
			vals = append(vals, b)
		}
		switch fn {
		case "Fn::Not":
			return len(vals) == 1 && !vals[0], nil
		case "Fn::And":
			for _, b := range vals {
				if !b {
					return false, nil
				}
			}
			return true, nil
		default:
			for _, b := range vals {
				if b {
					return true, nil
				}
			}
			return false, nil
		}
	}
	return nil, fmt.Errorf("%s is not supported", fn)
}

// condition evaluates a template condition.
func (r *resolver) condition(name string) (bool, error) {
	if c, ok := r.conditions[name]; ok {
		return c, nil
	}
	def, ok := r.tmpl.Conditions[name]
	if !ok {
		return false, fmt.Errorf("condition %s: not in the template", name)
	}
	v, err := r.resolve(def)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("condition %s: %v is not a boolean", name, v)
	}
	r.conditions[name] = b
	return b, nil
}

// pseudo returns a pseudo parameter's value.
func (r *resolver) pseudo(name string) (any, bool) {
	switch name {
	case "AWS::Partition":
		return r.env.Partition, true
	case "AWS::Region":
		return r.env.Region, true
	case "AWS::AccountId":
		return r.env.Account, true
	case "AWS::URLSuffix":
		return r.env.URLSuffix, true
	case "AWS::StackName":
		return r.stackName, true
	case "AWS::StackId":
		return r.stackID, true
	case "AWS::NoValue":
		return noValue{}, true
	case "AWS::NotificationARNs":
		return []any{}, true
	}
	return nil, false
}

// ref resolves Ref name: a pseudo parameter, a parameter or a resource.
func (r *resolver) ref(name string) (any, error) {
	if v, ok := r.pseudo(name); ok {
		return v, nil
	}
	if p, ok := r.tmpl.Parameters[name]; ok {
		if v, ok := r.params[name]; ok {
			return v, nil
		}
		if p.Default == nil {
			return nil, fmt.Errorf("parameter %s has no default and no value", name)
		}
		return p.Default, nil
	}
	ph, err := r.resource(name)
	if err != nil {
		return nil, err
	}
	return ph.ref, nil
}

// getAtt resolves Fn::GetAtt id.attr.
func (r *resolver) getAtt(id, attr string) (any, error) {
	ph, err := r.resource(id)
	if err != nil {
		return nil, err
	}
	v, ok := ph.attrs[attr]
	if !ok {
		keys := make([]string, 0, len(ph.attrs))
		for k := range ph.attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return nil, fmt.Errorf("Fn::GetAtt %s.%s: %s has attributes %s", id, attr, r.tmpl.Resources[id].Type, strings.Join(keys, ", "))
	}
	return v, nil
}

// resource returns a resource's physical values.
func (r *resolver) resource(id string) (*physical, error) {
	if ph, ok := r.physical[id]; ok {
		return ph, nil
	}
	res, ok := r.tmpl.Resources[id]
	if !ok {
		return nil, fmt.Errorf("%s: no such parameter or resource in %s", id, r.tmpl.File)
	}
	if r.inProgress[id] {
		return nil, fmt.Errorf("%s: circular reference", id)
	}
	r.inProgress[id] = true
	defer delete(r.inProgress, id)
	ph, err := physicalOf(r, id, res)
	if err != nil {
		return nil, fmt.Errorf("%s (%s): %w", id, res.Type, err)
	}
	r.physical[id] = ph
	return ph, nil
}

// prop resolves one property of a resource; nil when it is not set.
func (r *resolver) prop(id, name string) (any, error) {
	res, ok := r.tmpl.Resources[id]
	if !ok {
		return nil, fmt.Errorf("%s: no such resource in %s", id, r.tmpl.File)
	}
	v, ok := res.Properties[name]
	if !ok {
		return nil, nil
	}
	out, err := r.resolve(v)
	if err != nil {
		return nil, fmt.Errorf("%s.%s: %w", id, name, err)
	}
	if _, drop := out.(noValue); drop {
		return nil, nil
	}
	return out, nil
}

// properties resolves all of a resource's properties.
func (r *resolver) properties(id string) (map[string]any, error) {
	if p, ok := r.props[id]; ok {
		return p, nil
	}
	res, ok := r.tmpl.Resources[id]
	if !ok {
		return nil, fmt.Errorf("%s: no such resource in %s", id, r.tmpl.File)
	}
	out, err := r.resolve(map[string]any(res.Properties))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", id, err)
	}
	m, _ := out.(map[string]any)
	r.props[id] = m
	return m, nil
}

// subVar matches ${...} in an Fn::Sub string (not ${!...}).
var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (r *resolver) sub(arg any) (any, error) {
	var tmpl string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		tmpl = a
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("Fn::Sub: %v", arg)
		}
		tmpl, _ = a[0].(string)
		m, ok := a[1].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Sub: variables %v", a[1])
		}
		for k, v := range m {
			x, err := r.resolve(v)
			if err != nil {
				return nil, fmt.Errorf("Fn::Sub variable %s: %w", k, err)
			}
			vars[k] = x
		}
	default:
		return nil, fmt.Errorf("Fn::Sub: %v", arg)
	}
	var err error
	out := subVar.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		var v any
		var e error
		if x, ok := vars[name]; ok {
			v = x
		} else if id, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			v, e = r.getAtt(id, attr)
		} else {
			v, e = r.ref(name)
		}
		if e == nil {
			var s string
			s, e = str(v)
			if e == nil {
				return s
			}
		}
		if err == nil {
			err = fmt.Errorf("Fn::Sub ${%s}: %w", name, e)
		}
		return m
	})
	if err != nil {
		return nil, err
	}
	return r.dynamic(out)
}

// str renders a scalar as CloudFormation does in strings.
func str(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case int:
		return strconv.Itoa(v), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	return "", fmt.Errorf("%v (%T) is not a string", v, v)
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

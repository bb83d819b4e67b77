package authz

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The two kinds of template of an assembly.
const (
	Catalog = "catalog"
	Product = "product"
)

// Template is a synthesized CloudFormation template.
type Template struct {
	// File is the template's file name in the assembly; Kind is Catalog or
	// Product.
	File, Kind string
	Parameters map[string]Parameter `json:"Parameters"`
	Conditions map[string]any       `json:"Conditions"`
	Resources  map[string]Resource  `json:"Resources"`
	Outputs    map[string]any       `json:"Outputs"`
	Rules      map[string]any       `json:"Rules"`
	Metadata   map[string]any       `json:"Metadata"`
}

// Parameter is a template parameter.
type Parameter struct {
	Type    string `json:"Type"`
	Default any    `json:"Default"`
}

// Resource is a template resource.
type Resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	Metadata   map[string]any `json:"Metadata"`
	Condition  string         `json:"Condition"`
}

// Path is the resource's aws:cdk:path metadata ("" in product templates,
// which have none).
func (r Resource) Path() string {
	p, _ := r.Metadata["aws:cdk:path"].(string)
	return p
}

// IDs returns the template's logical IDs in order.
func (t *Template) IDs() []string {
	ids := make([]string, 0, len(t.Resources))
	for id := range t.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// ReadTemplate reads a template file.
func ReadTemplate(path, kind string) (*Template, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t := &Template{File: filepath.Base(path), Kind: kind}
	if err := json.Unmarshal(body, t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Assembly is a synthesized cloud assembly: the catalog stack's template and
// the notebook product's template, resolved in an environment.
type Assembly struct {
	Dir     string
	Env     Env
	Catalog *Template
	Product *Template
	// CatalogStack is the catalog stack's name.
	CatalogStack string

	catalog  *resolver
	products map[string]*resolver
	// located and policies memoize Locate and resourcePolicies, which the
	// naming of every statement and every request would otherwise repeat.
	located  map[string]locateResult
	policies map[string]map[string]*Policy
}

type locateResult struct {
	loc Located
	err error
}

// LoadAssembly reads the catalog template (the assembly's one stack) and the
// product template (its one *.product.template.json) from dir.
func LoadAssembly(dir string, env Env) (*Assembly, error) {
	manifest, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("assembly %s: %w", dir, err)
	}
	var m struct {
		Artifacts map[string]struct {
			Type       string `json:"type"`
			Properties struct {
				TemplateFile string `json:"templateFile"`
				StackName    string `json:"stackName"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(manifest, &m); err != nil {
		return nil, fmt.Errorf("assembly %s: manifest.json: %w", dir, err)
	}
	var stacks []string
	a := &Assembly{Dir: dir, Env: env, products: map[string]*resolver{}, located: map[string]locateResult{}, policies: map[string]map[string]*Policy{}}
	for id, art := range m.Artifacts {
		if art.Type != "aws:cloudformation:stack" {
			continue
		}
		stacks = append(stacks, id)
		if a.Catalog, err = ReadTemplate(filepath.Join(dir, art.Properties.TemplateFile), Catalog); err != nil {
			return nil, err
		}
		a.CatalogStack = art.Properties.StackName
		if a.CatalogStack == "" {
			a.CatalogStack = id
		}
	}
	if len(stacks) != 1 {
		return nil, fmt.Errorf("assembly %s: want exactly one stack (the catalog), got %d: %v", dir, len(stacks), stacks)
	}
	products, err := filepath.Glob(filepath.Join(dir, "*.product.template.json"))
	if err != nil {
		return nil, err
	}
	if len(products) != 1 {
		return nil, fmt.Errorf("assembly %s: want exactly one *.product.template.json (the notebook product), got %d", dir, len(products))
	}
	if a.Product, err = ReadTemplate(products[0], Product); err != nil {
		return nil, err
	}
	a.catalog = newResolver(env, a.Catalog, a.CatalogStack, env.StackArn(a.CatalogStack, "catalog"), nil)
	return a, nil
}

// Resolve resolves v (a template value with intrinsic functions) in the
// catalog template.
func (a *Assembly) Resolve(v any) (any, error) { return a.catalog.resolve(v) }

// ResolveProduct resolves v in the product template as launched by persona.
func (a *Assembly) ResolveProduct(persona string, v any) (any, error) {
	r, err := a.productResolver(persona)
	if err != nil {
		return nil, err
	}
	return r.resolve(v)
}

// productResolver returns the resolver of the product template as launched
// by persona. A persona key may carry parameter values:
// "alice?InstanceType=ml.m5.xlarge" (see launchKey).
func (a *Assembly) productResolver(persona string) (*resolver, error) {
	if r, ok := a.products[persona]; ok {
		return r, nil
	}
	l, err := a.launch(persona)
	if err != nil {
		return nil, err
	}
	r := newResolver(a.Env, a.Product, a.Env.StackName(l), a.Env.StackID(l), l.Parameters)
	r.ssm = a.ssmParameter
	r.launch = &l
	r.assembly = a
	a.products[persona] = r
	return r, nil
}

// launchKey is the persona key of a launch with parameter values.
func launchKey(persona string, params map[string]string) string {
	if len(params) == 0 {
		return persona
	}
	var kv []string
	for _, k := range sortedKeys(params) {
		kv = append(kv, k+"="+params[k])
	}
	return persona + "?" + strings.Join(kv, "&")
}

// launch returns the launch a persona key names.
func (a *Assembly) launch(key string) (Launch, error) {
	persona, query, _ := strings.Cut(key, "?")
	l, ok := a.Env.Launches[persona]
	if !ok {
		return Launch{}, fmt.Errorf("no launch %q in the environment", persona)
	}
	if query != "" {
		params := map[string]string{}
		for k, v := range l.Parameters {
			params[k] = v
		}
		for _, kv := range strings.Split(query, "&") {
			k, v, _ := strings.Cut(kv, "=")
			params[k] = v
		}
		l.Parameters = params
	}
	return l, nil
}

// ssmParameter is the value of the catalog's SSM parameter named name (what
// a {{resolve:ssm:NAME}} dynamic reference in the product template reads).
func (a *Assembly) ssmParameter(name string) (string, error) {
	var found []string
	for _, id := range a.Catalog.IDs() {
		res := a.Catalog.Resources[id]
		if res.Type != "AWS::SSM::Parameter" {
			continue
		}
		n, err := a.catalog.prop(id, "Name")
		if err != nil {
			return "", err
		}
		if n == name {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("dynamic reference {{resolve:ssm:%s}}: the catalog template has %d AWS::SSM::Parameter resources of that name", name, len(found))
	}
	v, err := a.catalog.prop(found[0], "Value")
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("SSM parameter %s: value %v is not a string", name, v)
	}
	return s, nil
}

// DynamicReferences returns the SSM parameter names the product template
// reads through {{resolve:ssm:NAME}}, in order.
func (a *Assembly) DynamicReferences() []string {
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			for _, m := range dynamicRef.FindAllStringSubmatch(v, -1) {
				seen[m[1]] = true
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for _, res := range a.Product.Resources {
		walk(res.Properties)
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// errNotFound reports a locator that matched nothing.
var errNotFound = errors.New("not found")

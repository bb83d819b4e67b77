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
// (Allowed for every legitimate call and residual risk: a residual risk a
// policy now refuses belongs among the abuse cases).
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

// Options change how Check treats the model.
type Options struct {
	// Tolerant reports a call that cannot be made concrete in an assembly
	// (older templates) as Unresolved, with the reason, instead of failing.
	Tolerant bool
}

// Check evaluates every flow in its assembly (by name: "hub", "spoke"),
// lints every statement of every given assembly, in one engine run.
func Check(assemblies map[string]*Assembly, flows []Flow) (*Report, error) {
	return CheckWith(assemblies, flows, Options{})
}

// CheckWith is Check with options.
func CheckWith(assemblies map[string]*Assembly, flows []Flow, opts Options) (*Report, error) {
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
		rs, err := a.requests([]Flow{f}, opts.Tolerant)
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
	var legit, legitAllowed, abuse, abuseDenied, residual int
	for _, r := range rep.Results {
		if r.Expect == "Residual" {
			residual++
			continue
		}
		if r.Expect == "Denied" {
			abuse++
			if r.Outcome() == "Denied" {
				abuseDenied++
			}
			continue
		}
		legit++
		if r.Decision == Allowed {
			legitAllowed++
		}
	}
	fmt.Fprintf(w, "of which %d legitimate calls: %d Allowed, %d not; %d abuse cases: %d Denied, %d not; %d residual risks (no policy can refuse them; the control is elsewhere)\n",
		legit, legitAllowed, legit-legitAllowed, abuse, abuseDenied, abuse-abuseDenied, residual)
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

// Abuse returns the abuse cases of the report (expect: Denied), in model
// order.
func (rep *Report) Abuse() []Result { return rep.expecting("Denied") }

// Residuals returns the residual risks of the report (expect: Residual),
// in model order.
func (rep *Report) Residuals() []Result { return rep.expecting("Residual") }

// expecting returns the results whose model row expects expect, in model
// order.
func (rep *Report) expecting(expect string) []Result {
	var out []Result
	for _, r := range rep.Results {
		if r.Expect == expect {
			out = append(out, r)
		}
	}
	return out
}

// WriteResiduals prints the residual risks: the finding, the row, the
// decision and the control that stands instead of a policy.
func WriteResiduals(w io.Writer, rows []Result, markdown bool) {
	if len(rows) == 0 {
		return
	}
	if markdown {
		fmt.Fprintln(w, "| FINDING | ROW | ACTION | NOW | CONTROL INSTEAD |")
		fmt.Fprintln(w, "| --- | --- | --- | --- | --- |")
		for _, r := range rows {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", r.Finding, r.ID(), r.Action, r.Outcome(), strings.ReplaceAll(r.Residual, "|", "\\|"))
		}
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FINDING\tROW\tACTION\tNOW\tCONTROL INSTEAD")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Finding, r.ID(), r.Action, r.Outcome(), r.Residual)
	}
	tw.Flush()
}

// Outcome is how the abuse table gives a decision: Denied, Allowed, or
// "cannot resolve" for a call the templates cannot express.
func (r Result) Outcome() string {
	switch {
	case strings.HasPrefix(strings.Join(r.Reasons, ""), cannotResolve):
		return "cannot resolve"
	case r.Decision == Allowed:
		return "Allowed"
	case r.Decision == ImplicitlyDenied || r.Decision == ExplicitlyDenied:
		return "Denied"
	}
	return r.Decision
}

// WriteAbuseTable prints the abuse cases: the finding of issue #11 each
// stops, the row, who calls, the action and the decision, with the
// decision on older templates (before, by row ID) when given, and the
// ledger's defect for a row still allowed. markdown prints a Markdown
// table (the README's), else aligned text.
func WriteAbuseTable(w io.Writer, rows []Result, before map[string]Result, known map[string][]string, markdown bool) {
	header := []string{"FINDING", "ROW", "PRINCIPAL", "ACTION", "NOW"}
	if before != nil {
		header = append(header, "BEFORE")
	}
	line := func(cells []string) string {
		if markdown {
			for i, c := range cells {
				cells[i] = strings.ReplaceAll(c, "|", "\\|")
			}
			return "| " + strings.Join(cells, " | ") + " |"
		}
		return strings.Join(cells, "\t")
	}
	var tw *tabwriter.Writer
	out := w
	if !markdown {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		out = tw
	}
	fmt.Fprintln(out, line(header))
	if markdown {
		sep := make([]string, len(header))
		for i := range sep {
			sep[i] = "---"
		}
		fmt.Fprintln(out, line(sep))
	}
	counts := map[string]int{}
	for _, r := range rows {
		now := r.Outcome()
		counts[now]++
		if ids := known[r.ID()]; len(ids) > 0 && r.Unexpected() {
			now += " [known: " + strings.Join(ids, ", ") + "]"
		}
		principal := r.Principal
		if principal == "" {
			principal = "-"
		}
		cells := []string{r.Finding, r.ID(), principal, r.Action, now}
		if before != nil {
			b, ok := before[r.ID()]
			switch {
			case !ok:
				cells = append(cells, "not evaluated")
			default:
				cells = append(cells, b.Outcome())
			}
		}
		fmt.Fprintln(out, line(cells))
	}
	if tw != nil {
		tw.Flush()
	}
	fmt.Fprintf(w, "\n%d abuse cases: %d Denied, %d Allowed, %d cannot resolve\n", len(rows), counts["Denied"], counts["Allowed"], counts["cannot resolve"])
}

// WriteAbuseSummary prints, as a Markdown table, the abuse cases per
// finding of issue #11: how many, how many today's templates refuse, and
// how many the older ones (before, when given) allowed.
func WriteAbuseSummary(w io.Writer, rows []Result, before map[string]Result) {
	type tally struct{ cases, denied, allowedBefore int }
	per := map[string]*tally{}
	for _, r := range rows {
		t := per[r.Finding]
		if t == nil {
			t = &tally{}
			per[r.Finding] = t
		}
		t.cases++
		if r.Outcome() == "Denied" {
			t.denied++
		}
		if b, ok := before[r.ID()]; ok && b.Outcome() == "Allowed" {
			t.allowedBefore++
		}
	}
	ids := sortedKeys(Findings)
	rank := map[string]int{"Critical": 0, "High": 1, "Medium": 2, "Low": 3}
	sort.SliceStable(ids, func(i, j int) bool { return rank[Findings[ids[i]].Severity] < rank[Findings[ids[j]].Severity] })
	head := "| Finding | Severity | Cases | Denied now |"
	if before != nil {
		head += " Allowed before |"
	}
	fmt.Fprintln(w, head+" What it is |")
	fmt.Fprintln(w, strings.Repeat("|---", strings.Count(head, "|"))+"|")
	for _, id := range ids {
		t := per[id]
		if t == nil {
			t = &tally{}
		}
		line := fmt.Sprintf("| %s | %s | %d | %d |", id, Findings[id].Severity, t.cases, t.denied)
		if before != nil {
			line += fmt.Sprintf(" %d |", t.allowedBefore)
		}
		fmt.Fprintln(w, line+" "+Findings[id].Summary+" |")
	}
}

package authz

import (
	_ "embed"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed known-defects.yaml
var ledgerFile []byte

// Defect is one known defect of the templates, as the checks see it: the
// calls it denies (each with a fragment of the engine's reason) and the
// lint findings it causes. The ledger can only shrink: an entry that no
// longer occurs fails the check, as does anything unexpected it does not
// list.
type Defect struct {
	ID          string `yaml:"id"`
	Description string `yaml:"description"`
	Issue       string `yaml:"issue"`
	// Where names the template, resource and statement that cause it.
	Where  StringList   `yaml:"where"`
	Denied []DeniedCall `yaml:"denied"`
	// Allowed lists abuse cases (expect: Denied) the templates still allow;
	// Because is a fragment of one of the statements that allow it
	// ("allowed by identity analyst-policy#ReadOutputs"): the one to change,
	// or the resource policy that should refuse the call.
	Allowed []DeniedCall  `yaml:"allowed"`
	Lint    []LintFinding `yaml:"lint"`
}

// DeniedCall matches an unexpected decision: Call is flow/call, where *
// matches any text ("*-action/start-automation"); Because is a fragment of
// one of its reasons (why it is denied, or what allows it).
type DeniedCall struct {
	Call    string `yaml:"call"`
	Because string `yaml:"because"`
}

// LintFinding matches lint findings: every field given must equal the
// finding's (Statement is a regular expression on its ID).
type LintFinding struct {
	Statement string `yaml:"statement"`
	Rule      string `yaml:"rule"`
	Action    string `yaml:"action"`
	Key       string `yaml:"key"`
	Resource  string `yaml:"resource"`
}

// LoadLedger reads authz/known-defects.yaml.
func LoadLedger() ([]Defect, error) {
	var doc struct {
		Defects []Defect `yaml:"defects"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(ledgerFile)))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("authz/known-defects.yaml: %w", err)
	}
	seen := map[string]bool{}
	for _, d := range doc.Defects {
		if d.ID == "" || d.Description == "" || len(d.Where) == 0 || seen[d.ID] {
			return nil, fmt.Errorf("authz/known-defects.yaml: defect %q: a unique id, a description and where are required", d.ID)
		}
		if len(d.Denied)+len(d.Allowed)+len(d.Lint) == 0 {
			return nil, fmt.Errorf("authz/known-defects.yaml: defect %s: lists no denied call, allowed abuse case or lint finding", d.ID)
		}
		seen[d.ID] = true
	}
	return doc.Defects, nil
}

func (m LintFinding) matches(f Finding) bool {
	if m.Statement != "" && !regexp.MustCompile(m.Statement).MatchString(f.ID) {
		return false
	}
	return (m.Rule == "" || m.Rule == f.Rule) && (m.Action == "" || m.Action == f.Action) &&
		(m.Key == "" || m.Key == f.Key) && (m.Resource == "" || m.Resource == f.Resource)
}

func (d DeniedCall) matches(r Result, reason string) bool {
	return glob(d.Call, r.ID()) && strings.Contains(reason, d.Because)
}

// glob reports whether s matches pattern, where * matches any text.
func glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$").MatchString(s)
}

// Reconciliation compares a report with the ledger.
type Reconciliation struct {
	// Model lists problems of the model itself: requests the engine refused,
	// context keys it ignored.
	Model []string
	// Calls and Findings list unexpected decisions and lint findings the
	// ledger does not explain.
	Calls, Findings []string
	// StaleCalls and StaleFindings list ledger entries that no longer
	// occur.
	StaleCalls, StaleFindings []string
	// Known maps a call ID or a finding key to the defects that explain it.
	Known map[string][]string
}

// OK reports whether the report is exactly as the model and the ledger say.
func (rec Reconciliation) OK() bool {
	return len(rec.Model)+len(rec.Calls)+len(rec.Findings)+len(rec.StaleCalls)+len(rec.StaleFindings) == 0
}

// Reconcile matches the report against the ledger.
func Reconcile(rep *Report, ledger []Defect) Reconciliation {
	rec := Reconciliation{Known: map[string][]string{}}
	note := func(k, id string) {
		for _, x := range rec.Known[k] {
			if x == id {
				return
			}
		}
		rec.Known[k] = append(rec.Known[k], id)
	}
	usedCall := map[[2]int]bool{}
	usedAllowed := map[[2]int]bool{}
	usedLint := map[[2]int]bool{}
	for _, r := range rep.Results {
		if len(r.IgnoredContextKeys) > 0 {
			rec.Model = append(rec.Model, fmt.Sprintf("%s: the model sends context keys that %s does not support (the engine ignored them): %s", r.ID(), r.Action, strings.Join(r.IgnoredContextKeys, ", ")))
		}
		if !r.Unexpected() {
			continue
		}
		if r.Decision == Error {
			rec.Model = append(rec.Model, fmt.Sprintf("%s: the engine refused the request: %s", r.ID(), strings.Join(r.Reasons, "; ")))
			continue
		}
		reasons := r.Reasons
		if r.Decision == Allowed {
			// An abuse case the templates allow: explained when the ledger
			// names one of the statements that allow it (the one to
			// change, or the resource policy that should refuse it).
			if len(reasons) == 0 {
				reasons = []string{"Allowed"}
			}
			covered := false
			for i, d := range ledger {
				for j, dc := range d.Allowed {
					for _, why := range reasons {
						if dc.matches(r, why) {
							covered = true
							usedAllowed[[2]int{i, j}] = true
							note(r.ID(), d.ID)
						}
					}
				}
			}
			if !covered {
				rec.Calls = append(rec.Calls, fmt.Sprintf("%s: Allowed %s by %s on %s (expected Denied): %s", r.ID(), r.Action, r.Principal, r.Resource, strings.Join(reasons, "; ")))
			}
			continue
		}
		for _, why := range reasons {
			covered := false
			for i, d := range ledger {
				for j, dc := range d.Denied {
					if dc.matches(r, why) {
						covered = true
						usedCall[[2]int{i, j}] = true
						note(r.ID(), d.ID)
					}
				}
			}
			if !covered {
				rec.Calls = append(rec.Calls, fmt.Sprintf("%s: %s %s by %s on %s (expected %s): %s", r.ID(), r.Decision, r.Action, r.Principal, r.Resource, r.Expect, why))
			}
		}
	}
	for _, f := range rep.Findings {
		covered := false
		for i, d := range ledger {
			for j, lf := range d.Lint {
				if lf.matches(f) {
					covered = true
					usedLint[[2]int{i, j}] = true
					note(f.key(), d.ID)
				}
			}
		}
		if !covered {
			rec.Findings = append(rec.Findings, fmt.Sprintf("%s: %s: %s", f.ID, f.Rule, f.Message))
		}
	}
	evaluated := func(pattern string) bool {
		for _, r := range rep.Results {
			if glob(pattern, r.ID()) {
				return true
			}
		}
		return false
	}
	for i, d := range ledger {
		for j, dc := range d.Denied {
			// A call of a flow that did not run (its assembly was not
			// given) is not stale.
			if !usedCall[[2]int{i, j}] && evaluated(dc.Call) {
				rec.StaleCalls = append(rec.StaleCalls, fmt.Sprintf("%s: %s is no longer refused because of %q: delete this line from authz/known-defects.yaml", d.ID, dc.Call, dc.Because))
			}
		}
		for j, dc := range d.Allowed {
			if !usedAllowed[[2]int{i, j}] && evaluated(dc.Call) {
				rec.StaleCalls = append(rec.StaleCalls, fmt.Sprintf("%s: %s is no longer allowed by %q: delete this line from authz/known-defects.yaml", d.ID, dc.Call, dc.Because))
			}
		}
		for j, lf := range d.Lint {
			if !usedLint[[2]int{i, j}] {
				rec.StaleFindings = append(rec.StaleFindings, fmt.Sprintf("%s: no lint finding matches %+v any more: delete it from authz/known-defects.yaml", d.ID, lf))
			}
		}
	}
	sort.Strings(rec.Calls)
	sort.Strings(rec.Findings)
	return rec
}

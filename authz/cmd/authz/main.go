// Command authz runs the IAM evaluation of every modelled flow and the
// reference lint on synthesized cloud assemblies, and prints the table:
//
//	go run ./authz/cmd/authz -hub cdk.out [-spoke spoke.out] [-findings] [-lint-only]
//	go run ./authz/cmd/authz -hub cdk.out -abuse [-before old.out] [-markdown]
//
// It exits 1 when a call's decision or a lint finding is not as the model
// and the ledger of known defects (authz/known-defects.yaml) say, or when a
// ledger entry no longer occurs. -abuse prints the abuse table (issue #11)
// instead of every call; -before adds the decision of each abuse case on
// older templates (a call they cannot express says so), -markdown prints
// it as the README's table. Run it from the module (node_modules must hold
// the packages of package.json: npm ci).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/datalake-platform/sagemaker-catalog/authz"
)

func main() {
	hub := flag.String("hub", "", "the catalog's cloud assembly directory (cdk.out)")
	spoke := flag.String("spoke", "", "a spoke's cloud assembly directory (synthesized with importPortfolioId)")
	findings := flag.Bool("findings", false, "print every lint finding")
	lintOnly := flag.Bool("lint-only", false, "lint the templates only, no flows (for configurations the flows do not fit: own principals, own network)")
	abuse := flag.Bool("abuse", false, "print the abuse table (the calls expected Denied) instead of every call")
	before := flag.String("before", "", "with -abuse: older templates (a hub's cloud assembly) to evaluate the abuse cases on too")
	markdown := flag.Bool("markdown", false, "with -abuse: print the table as Markdown")
	flag.Parse()
	if *hub == "" && *spoke == "" || (*before != "" || *markdown) && !*abuse {
		fmt.Fprintln(os.Stderr, "usage: authz -hub DIR [-spoke DIR] [-findings] [-lint-only] [-abuse [-before DIR] [-markdown]]")
		os.Exit(2)
	}
	os.Exit(run(*hub, *spoke, *findings, *lintOnly, abuseOpts{*abuse, *before, *markdown}))
}

// abuseOpts are the -abuse, -before and -markdown flags.
type abuseOpts struct {
	table    bool
	before   string
	markdown bool
}

func run(hub, spoke string, findings, lintOnly bool, abuse abuseOpts) int {
	assemblies := map[string]*authz.Assembly{}
	for name, dir := range map[string]string{"hub": hub, "spoke": spoke} {
		if dir == "" {
			continue
		}
		a, err := authz.LoadAssembly(dir, authz.DefaultEnv())
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			return 1
		}
		assemblies[name] = a
	}
	flows, err := authz.LoadModel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	if lintOnly {
		flows, findings = nil, true
	}
	ledger, err := authz.LoadLedger()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	rep, err := authz.Check(assemblies, flows)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	rec := authz.Reconcile(rep, ledger)
	if lintOnly {
		// Another configuration need not have every known finding.
		for _, s := range rec.StaleFindings {
			fmt.Println("not in these templates:", s)
		}
		rec.StaleCalls, rec.StaleFindings = nil, nil
	} else if abuse.table {
		var before map[string]authz.Result
		if abuse.before != "" {
			if before, err = beforeResults(abuse.before, flows); err != nil {
				fmt.Fprintln(os.Stderr, "error:", err)
				return 1
			}
		}
		if abuse.markdown {
			authz.WriteAbuseSummary(os.Stdout, rep.Abuse(), before)
			fmt.Println()
		}
		authz.WriteAbuseTable(os.Stdout, rep.Abuse(), before, rec.Known, abuse.markdown)
	} else {
		rep.WriteTable(os.Stdout, rec.Known)
	}
	if findings {
		fmt.Println()
		rep.WriteFindings(os.Stdout, rec.Known)
	}
	fmt.Printf("engine: %v\n", rep.Versions)
	for _, group := range []struct {
		name  string
		lines []string
	}{{"MODEL", rec.Model}, {"NEW DENIED", rec.Calls}, {"NEW FINDING", rec.Findings}, {"STALE", rec.StaleCalls}, {"STALE", rec.StaleFindings}} {
		for _, l := range group.lines {
			fmt.Printf("%s: %s\n", group.name, l)
		}
	}
	if !rec.OK() {
		return 1
	}
	return 0
}

// beforeResults evaluates the abuse cases on older templates (a hub's
// assembly), tolerating calls those templates cannot express.
func beforeResults(dir string, flows []authz.Flow) (map[string]authz.Result, error) {
	a, err := authz.LoadAssembly(dir, authz.DefaultEnv())
	if err != nil {
		return nil, err
	}
	var abuse []authz.Flow
	for _, f := range flows {
		var calls []authz.Call
		for _, c := range f.Calls {
			if c.Expect == "Denied" {
				calls = append(calls, c)
			}
		}
		if len(calls) > 0 && f.Assembly == "hub" {
			f.Calls = calls
			abuse = append(abuse, f)
		}
	}
	rep, err := authz.CheckWith(map[string]*authz.Assembly{"hub": a}, abuse, authz.Options{Tolerant: true})
	if err != nil {
		return nil, err
	}
	out := map[string]authz.Result{}
	for _, r := range rep.Results {
		out[r.ID()] = r
	}
	return out, nil
}

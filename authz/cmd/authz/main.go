// Command authz runs the IAM evaluation of every modelled flow and the
// reference lint on synthesized cloud assemblies, and prints the table:
//
//	go run ./authz/cmd/authz -hub cdk.out [-spoke spoke.out] [-findings] [-lint-only]
//
// It exits 1 when a call's decision or a lint finding is not as the model
// and the ledger of known defects (authz/known-defects.yaml) say, or when a
// ledger entry no longer occurs. Run it from the module (node_modules must
// hold the packages of package.json: npm ci).
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
	flag.Parse()
	if *hub == "" && *spoke == "" {
		fmt.Fprintln(os.Stderr, "usage: authz -hub DIR [-spoke DIR] [-findings] [-lint-only]")
		os.Exit(2)
	}
	os.Exit(run(*hub, *spoke, *findings, *lintOnly))
}

func run(hub, spoke string, findings, lintOnly bool) int {
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

// Command costmodel prints docs/cost.md: the monthly bill of the catalog in
// one region, from the list prices in prices.json (each with its source, the
// date it was looked up, and whether the number was confirmed in an AWS
// source). It covers the platform's fixed cost as deployed by default and in
// an existing VPC, one analyst's notebook (always on, stopped when idle, this
// project, forgotten), the platform usage an analyst adds, a team, and the
// burst analyst (lease and terminate against stop when idle). A test keeps
// docs/cost.md equal to its output:
//
//	go run ./cmd/costmodel > docs/cost.md
//
// With -check it counts what a synthesized catalog template holds that the
// model prices (endpoints and their subnets, keys, flow logs, parameters,
// the dashboard, alarm metrics, custom metrics, the janitor's schedule,
// functions, ...) and fails, naming each count, when the model's
// deployment differs, or when the template holds something the model cannot
// price:
//
//	npx cdk synth --quiet
//	go run ./cmd/costmodel -check cdk.out/SageMakerCatalog.template.json [-deployment default|existing-vpc|existing-vpc-and-key]
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "costmodel:", err)
		os.Exit(1)
	}
}

// run is the command: the report, or with -check the template's counts.
func run(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("costmodel", flag.ContinueOnError)
	check := flags.String("check", "", "a synthesized catalog template (JSON) to count against the model's deployment")
	deployment := flags.String("deployment", DefaultDeployment.Key, "with -check: the deployment the template is ("+deploymentKeys()+")")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: flags only (-check, -deployment)", flags.Args())
	}
	if *check != "" {
		return Check(stdout, *check, *deployment)
	}
	deploymentSet := false
	flags.Visit(func(f *flag.Flag) { deploymentSet = deploymentSet || f.Name == "deployment" })
	if deploymentSet {
		return errors.New("-deployment: only with -check <template.json>")
	}
	p, err := Load()
	if err != nil {
		return fmt.Errorf("prices.json: %w", err)
	}
	w := bufio.NewWriter(stdout)
	Report(w, p, DefaultUsage, DefaultEstimates)
	return w.Flush()
}

// Check counts the template at path and compares the counts with the
// deployment of key. It writes one line when they agree, and returns an
// error naming each difference, or what the model cannot price, otherwise.
func Check(w io.Writer, path, key string) error {
	d, err := DeploymentFor(key)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	got, err := Count(data)
	if err != nil {
		return fmt.Errorf("%s: the model cannot price what the template holds:\n%w", path, err)
	}
	if diffs := d.Diff(got); len(diffs) > 0 {
		return fmt.Errorf("%s differs from the model's %q deployment (cmd/costmodel/model.go): update the counts and the prices, then go run ./cmd/costmodel > docs/cost.md:\n%s",
			path, d.Key, strings.Join(diffs, "\n"))
	}
	_, err = fmt.Fprintf(w, "%s matches the model's %q deployment: interface endpoints %d (%d AZs), gateway endpoints %d, KMS keys %d, flow logs %d, dashboards %d, alarm metrics %d, custom metrics %d, janitor runs a month %.0f (%d MB), functions %d\n",
		path, d.Key, got.InterfaceEndpoints, got.AZs, got.GatewayEndpoints, got.KMSKeys, got.FlowLogs, got.Dashboards, got.AlarmMetrics, got.CustomMetrics, got.JanitorRunsPerMonth, got.JanitorMemoryMB, got.Functions)
	return err
}

func deploymentKeys() string {
	var keys []string
	for _, d := range Deployments {
		keys = append(keys, d.Key)
	}
	return strings.Join(keys, ", ")
}

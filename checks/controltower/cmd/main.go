// Command cmd checks CloudFormation templates against the AWS Control Tower
// proactive controls (see package controltower):
//
//	go run ./checks/controltower/cmd [-package DIR] PATH...
//
// Each PATH is a template file or a directory searched for *.template.json
// (a cdk.out; a pipeline's stages are in its assembly-* subdirectories). It
// prints every failure no waiver accepts and every waiver that matches no
// failure, and exits 1 if there is any; the templates given must then be
// every configuration the waivers were written for. It exits 2 when the
// check cannot run.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/datalake-platform/sagemaker-catalog/checks/controltower"
)

func main() {
	dir := flag.String("package", controltower.PackageDir, "the installed @cdklabs/cdk-validator-cfnguard")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: cmd [-package DIR] TEMPLATE-OR-DIRECTORY...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(*dir, flag.Args()))
}

func run(dir string, paths []string) int {
	if err := controltower.Validate(controltower.Waivers); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	guard, err := controltower.Find(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	templates, err := controltower.Templates(paths...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	failures, err := guard.Validate(templates...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	report := controltower.Check(failures, controltower.Waivers)
	fmt.Printf("Control Tower proactive controls (%d rules) over %d templates: %d failures: %d waived, %d fix-pending, %d unwaived; %d waiver resources match nothing\n",
		len(guard.Controls), len(templates), len(failures), report.Count(controltower.Waivers, controltower.Waived),
		report.Count(controltower.Waivers, controltower.FixPending), len(report.Unwaived), len(report.Unused))
	if err := report.Err(); err != nil {
		fmt.Println(err)
		return 1
	}
	return 0
}

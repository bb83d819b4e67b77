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
package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	p, err := Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "costmodel: prices.json:", err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	Report(w, p, DefaultUsage, DefaultEstimates)
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "costmodel:", err)
		os.Exit(1)
	}
}

// Command gen writes docs/suppressions.md from the checks package.
package main

import (
	"os"

	"github.com/datalake-platform/sagemaker-catalog/checks"
)

func main() {
	if err := os.WriteFile(os.Args[1], []byte(checks.Markdown()), 0o644); err != nil {
		panic(err)
	}
}

// Command gen writes docs/configuration.md from internal/config.Keys.
package main

import (
	"os"

	"github.com/datalake-platform/sagemaker-catalog/internal/config"
)

func main() {
	if err := os.WriteFile(os.Args[1], []byte(config.Markdown()), 0o644); err != nil {
		panic(err)
	}
}

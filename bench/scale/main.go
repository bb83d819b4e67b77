// Command scale synthesizes the catalog with more work than the defaults, to
// show how synthesis time grows: -products notebook products in the
// portfolio, -principals principal ARNs, -accounts shared accounts.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole"
	"github.com/datalake-platform/sagemaker-catalog/constructs/notebook"
	"github.com/datalake-platform/sagemaker-catalog/constructs/product"
	"github.com/datalake-platform/sagemaker-catalog/internal/config"
	"github.com/datalake-platform/sagemaker-catalog/stacks"
)

func main() {
	productCount := flag.Int("products", 1, "notebook products in the portfolio")
	principalCount := flag.Int("principals", 0, "principal role ARNs")
	accountCount := flag.Int("accounts", 0, "accounts to share the portfolio with")
	versionsDir := flag.String("versions", os.TempDir(), "directory for product version snapshots (absolute)")
	timing := flag.Bool("timing", false, "print the time of each phase to stderr")
	flag.Parse()
	defer jsii.Close()

	values := map[string]string{}
	var arns, accounts []string
	for i := range *principalCount {
		arns = append(arns, fmt.Sprintf("arn:aws:iam::123456789012:role/analyst-%d", i))
	}
	for i := range *accountCount {
		accounts = append(accounts, fmt.Sprintf("%012d", 100000000000+i))
	}
	values["principalArns"] = strings.Join(arns, ",")
	values["shareWithAccounts"] = strings.Join(accounts, ",")
	cfg, err := config.Parse(values)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg.ProductVersionsDir = *versionsDir

	start := time.Now()
	// As main.go: CDK's built-in validation only with CDK_VALIDATION=true.
	app := awscdk.NewApp(&awscdk.AppProps{BuiltinCloudFormationValidation: jsii.Bool(os.Getenv("CDK_VALIDATION") == "true")})
	started := time.Now()
	s := stacks.NewHub(app, jsii.String(cfg.StackName), &stacks.Props{Config: &cfg})
	// Further notebook products, each with its template and launch role.
	for i := 1; i < *productCount; i++ {
		props := &notebook.Props{ParameterPrefix: jsii.String(fmt.Sprintf("/%s/notebook%d", cfg.StackName, i)), CatalogName: jsii.String(cfg.StackName)}
		nb := notebook.New(s.Stack, jsii.String(fmt.Sprintf("NotebookProduct%d", i)), props)
		p := product.New(s.Stack, jsii.String(fmt.Sprintf("Product%d", i)), &product.Props{
			ProductName: jsii.String(fmt.Sprintf("SageMaker notebook %d", i)), Owner: jsii.String("Platform"),
			Versions: []product.Version{{ProductStack: nb.Stack}},
		})
		launchrole.New(s.Stack, jsii.String(fmt.Sprintf("LaunchRole%d", i)), &launchrole.Props{
			Portfolio: s.Portfolio, Product: p,
			RoleCreation: s.Workspaces.RoleCreation(), Permissions: s.Workspaces.LaunchPermissions(), KmsKeyArns: []*string{s.NotebookKey.KeyArn()},
			SubnetIds: s.Network.SubnetIds, SecurityGroupIds: s.Network.SecurityGroupIds,
			InstanceTypes: cfg.AllowedInstanceTypes, ParameterNames: nb.Parameters.All(),
		})
	}
	built := time.Now()
	app.Synth(nil)
	if *timing {
		fmt.Fprintf(os.Stderr, "jsii start %v, build %v, synth %v\n", started.Sub(start), built.Sub(started), time.Since(built))
	}
}

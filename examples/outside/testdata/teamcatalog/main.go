// Command teamcatalog is another team's catalog, built in a module of its
// own from the sagemaker-catalog constructs: a product whose template
// creates a DynamoDB table, an SQS queue and a Glue database, and a launch
// role with no hand-written grant. It synthesizes into the directory given
// as its argument, reads the launch role back from the synthesized
// template, checks its coverage and prints the result as JSON on the last
// line.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsglue"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole"
	"github.com/datalake-platform/sagemaker-catalog/constructs/portfolio"
	"github.com/datalake-platform/sagemaker-catalog/constructs/principals"
	"github.com/datalake-platform/sagemaker-catalog/constructs/product"
)

type result struct {
	ResourceTypes []string
	Actions       int
	Statements    int
	Missing       []string
	Excess        []string
	PolicyChars   int
}

func main() {
	defer jsii.Close()
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "teamcatalog:", err)
		os.Exit(1)
	}
}

func run(outdir string) error {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir), AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("TeamCatalog"), nil)

	// The product's template: names are left to CloudFormation (which
	// starts them with the provisioned stack's name) or start with it.
	template := awsservicecatalog.NewProductStack(stack, jsii.String("DataTemplate"), nil)
	awsdynamodb.NewCfnTable(template, jsii.String("Table"), &awsdynamodb.CfnTableProps{
		BillingMode:          jsii.String("PAY_PER_REQUEST"),
		KeySchema:            &[]any{&awsdynamodb.CfnTable_KeySchemaProperty{AttributeName: jsii.String("id"), KeyType: jsii.String("HASH")}},
		AttributeDefinitions: &[]any{&awsdynamodb.CfnTable_AttributeDefinitionProperty{AttributeName: jsii.String("id"), AttributeType: jsii.String("S")}},
	})
	awssqs.NewCfnQueue(template, jsii.String("Queue"), &awssqs.CfnQueueProps{SqsManagedSseEnabled: jsii.Bool(true)})
	awsglue.NewCfnDatabase(template, jsii.String("Database"), &awsglue.CfnDatabaseProps{
		CatalogId:     awscdk.Aws_ACCOUNT_ID(),
		DatabaseInput: &awsglue.CfnDatabase_DatabaseInputProperty{Name: awscdk.Fn_Join(jsii.String(""), &[]*string{awscdk.Aws_STACK_NAME(), jsii.String("-db")})},
	})

	p := product.New(stack, jsii.String("Data"), &product.Props{
		ProductName: jsii.String("Team data store"), Owner: jsii.String("Team"),
		Versions: []product.Version{{ProductStack: template}},
	})
	folio := portfolio.New(stack, jsii.String("Portfolio"), &portfolio.Props{
		DisplayName: jsii.String("Team data"), ProviderName: jsii.String("Team"),
	})
	folio.Portfolio.AddProduct(p.Product)
	principals.New(stack, jsii.String("Members"), &principals.Props{
		Portfolio: folio.Portfolio,
		Patterns:  []string{"arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Team_*"},
	})
	// Zero hand-written grants.
	launchrole.New(stack, jsii.String("LaunchRole"), &launchrole.Props{Portfolio: folio.Portfolio, Product: p})

	assembly := app.Synth(nil)
	dir := *assembly.Directory()

	// Read back what was synthesized: the product template's types and the
	// launch role's policy.
	var types []string
	files, _ := filepath.Glob(filepath.Join(dir, "*.product.template.json"))
	if len(files) != 1 {
		return fmt.Errorf("want one product template in %s, got %d", dir, len(files))
	}
	var tmpl struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := readJSON(files[0], &tmpl); err != nil {
		return err
	}
	for _, r := range tmpl.Resources {
		types = append(types, r.Type)
	}
	types = slices.Compact(slices.Sorted(slices.Values(types)))

	if err := readJSON(filepath.Join(dir, "TeamCatalog.template.json"), &tmpl); err != nil {
		return err
	}
	res := result{ResourceTypes: types}
	var granted []string
	for _, r := range tmpl.Resources {
		if r.Type != "AWS::IAM::Role" || !strings.Contains(fmt.Sprint(r.Properties["AssumeRolePolicyDocument"]), "servicecatalog.amazonaws.com") {
			continue
		}
		for _, pol := range r.Properties["Policies"].([]any) {
			doc := pol.(map[string]any)["PolicyDocument"]
			granted = append(granted, launchrole.PolicyActions(doc)...)
			res.Statements += len(doc.(map[string]any)["Statement"].([]any))
			body, _ := json.Marshal(doc)
			res.PolicyChars += len(body)
		}
	}
	coverage, err := launchrole.CheckCoverage(types, granted, nil)
	if err != nil {
		return err
	}
	fmt.Print(coverage)
	res.Actions, res.Missing, res.Excess = len(slices.Compact(slices.Sorted(slices.Values(granted)))), coverage.Missing, coverage.Excess
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
	return nil
}

func readJSON(path string, v any) error {
	body, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(body, v)
}

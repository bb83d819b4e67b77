package acceptance_test

// The names the kit reads from a provisioned product (its outputs and its
// self-service actions) and the catalog's defaults it assumes are those the
// catalog's constructs give: synthesized here, so that renaming one there
// fails here rather than half-way through a real run.

import (
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/acceptance"
	"github.com/datalake-platform/sagemaker-catalog/constructs/actions"
	"github.com/datalake-platform/sagemaker-catalog/constructs/notebook"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

func TestNamesAreTheCatalogs(t *testing.T) {
	assert.Equal(t, notebook.DefaultCatalogName, acceptance.DefaultCatalog)

	app := testutil.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Catalog"), nil)
	nb := notebook.New(stack, jsii.String("Notebook"), nil)
	product := awsservicecatalog.NewCloudFormationProduct(stack, jsii.String("Product"), &awsservicecatalog.CloudFormationProductProps{
		ProductName: jsii.String(acceptance.DefaultProduct), Owner: jsii.String("Platform"),
		ProductVersions: &[]*awsservicecatalog.CloudFormationProductVersion{{
			ProductVersionName:     jsii.String("v1"),
			CloudFormationTemplate: awsservicecatalog.CloudFormationTemplate_FromUrl(jsii.String("https://example.com/notebook.yaml")),
		}},
	})
	a := actions.New(stack, jsii.String("Actions"), &actions.Props{Product: product, Versions: jsii.Number(1),
		NotebookRoleArns: *jsii.Strings("arn:aws:iam::123456789012:role/notebooks/*"),
		KmsKeyArns:       *jsii.Strings("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
		SubnetIds:        *jsii.Strings("subnet-0123456789abcdef0"), SecurityGroupIds: *jsii.Strings("sg-0123456789abcdef0")})
	dir := *app.Synth(nil).Directory()
	tmpl, err := testutil.ReadTemplateFile(filepath.Join(dir, *nb.Stack.TemplateFile()))
	require.NoError(t, err)

	outputs, _ := tmpl["Outputs"].(map[string]any)
	for _, key := range []string{acceptance.OutputNotebookName, acceptance.OutputNotebookArn, acceptance.OutputWorkspaceUri} {
		assert.Contains(t, outputs, key, "the notebook template's outputs")
	}
	var names []string
	for _, action := range a.Actions {
		names = append(names, action.Name)
	}
	assert.Contains(t, names, acceptance.ActionStop)
	assert.Contains(t, names, acceptance.ActionStart)
}

package product_test

import (
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/product"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Run(m) }

func productStack(stack awscdk.Stack, id string) awsservicecatalog.ProductStack {
	ps := awsservicecatalog.NewProductStack(stack, jsii.String(id), nil)
	awssns.NewCfnTopic(ps, jsii.String("Topic"), nil)
	return ps
}

func TestProductStackAndTemplateFileVersions(t *testing.T) {
	_, stack := testutil.NewStack()
	p := product.New(stack, jsii.String("Product"), &product.Props{
		ProductName:        jsii.String("Notebook"),
		Owner:              jsii.String("Platform"),
		Distributor:        jsii.String("Platform"),
		Description:        jsii.String("A notebook"),
		SupportEmail:       jsii.String("platform@example.com"),
		SupportUrl:         jsii.String("https://wiki.example.com/notebooks"),
		SupportDescription: jsii.String("Ask in #platform"),
		Versions: []product.Version{
			{ProductStack: productStack(stack, "V1"), Description: jsii.String("first")},
			{Name: jsii.String("yaml"), TemplateFile: jsii.String("testdata/topic.yaml")},
		},
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::CloudFormationProduct"), map[string]any{
		"Name": "Notebook", "Owner": "Platform", "Distributor": "Platform", "Description": "A notebook",
		"SupportEmail": "platform@example.com", "SupportUrl": "https://wiki.example.com/notebooks", "SupportDescription": "Ask in #platform",
		"ProvisioningArtifactParameters": []any{
			map[string]any{"Name": "v1", "Description": "first", "DisableTemplateValidation": false,
				"Info": map[string]any{"LoadTemplateFromURL": assertions.Match_AnyValue()}},
			map[string]any{"Name": "yaml", "DisableTemplateValidation": false,
				"Info": map[string]any{"LoadTemplateFromURL": assertions.Match_AnyValue()}},
		},
	})
	// Both templates are assets in the CDK bootstrap bucket, not hand-uploaded URLs.
	products := tmpl.FindResources(jsii.String("AWS::ServiceCatalog::CloudFormationProduct"), nil)
	for _, r := range *products {
		urls := testutil.JSON((*r)["Properties"].(map[string]any)["ProvisioningArtifactParameters"])
		assert.Contains(t, urls, "cdk-hnb659fds-assets-")
	}

	assert.Equal(t, []string{"AWS::SNS::Topic", "AWS::SQS::Queue"}, p.ResourceTypes())
}

func TestResourceTypesFollowTheProductStack(t *testing.T) {
	_, stack := testutil.NewStack()
	ps := productStack(stack, "V1")
	p := product.New(stack, jsii.String("Product"), &product.Props{
		ProductName: jsii.String("N"), Owner: jsii.String("O"),
		Versions: []product.Version{{ProductStack: ps}},
	})
	assert.Equal(t, []string{"AWS::SNS::Topic"}, p.ResourceTypes())
	awssns.NewTopic(ps, jsii.String("Another"), nil) // an L2 adds its L1
	assert.Equal(t, []string{"AWS::SNS::Topic"}, p.ResourceTypes())
	awssns.NewCfnTopicPolicy(ps, jsii.String("Policy"), &awssns.CfnTopicPolicyProps{
		PolicyDocument: map[string]any{}, Topics: jsii.Strings("arn"),
	})
	assert.Equal(t, []string{"AWS::SNS::Topic", "AWS::SNS::TopicPolicy"}, p.ResourceTypes())
}

func TestTemplateFileResourceTypes(t *testing.T) {
	types, err := product.TemplateFileResourceTypes(filepath.Join("testdata", "topic.yaml"))
	require.NoError(t, err)
	assert.Equal(t, []string{"AWS::SNS::Topic", "AWS::SQS::Queue"}, types)

	_, err = product.TemplateFileResourceTypes(filepath.Join("testdata", "notype.json"))
	assert.ErrorContains(t, err, `resource "Topic" has no Type`)
	_, err = product.TemplateFileResourceTypes(filepath.Join("testdata", "missing.yaml"))
	assert.Error(t, err)
}

func TestFailsOnInvalidProps(t *testing.T) {
	ok := func(stack awscdk.Stack) []product.Version {
		return []product.Version{{ProductStack: productStack(stack, "PS")}}
	}
	for _, tc := range []struct {
		name  string
		props func(awscdk.Stack) *product.Props
		want  []string
	}{
		{"no name or owner", func(s awscdk.Stack) *product.Props { return &product.Props{Versions: ok(s)} },
			[]string{"Test/Product: ProductName: required", "Owner: required"}},
		{"no versions", func(awscdk.Stack) *product.Props {
			return &product.Props{ProductName: jsii.String("N"), Owner: jsii.String("O")}
		}, []string{"Versions: no versions"}},
		{"both sources", func(s awscdk.Stack) *product.Props {
			return &product.Props{ProductName: jsii.String("N"), Owner: jsii.String("O"),
				Versions: []product.Version{{ProductStack: productStack(s, "PS"), TemplateFile: jsii.String("testdata/topic.yaml")}}}
		}, []string{"Versions[0]: both ProductStack and TemplateFile"}},
		{"no source", func(awscdk.Stack) *product.Props {
			return &product.Props{ProductName: jsii.String("N"), Owner: jsii.String("O"), Versions: []product.Version{{}}}
		}, []string{"Versions[0]: neither"}},
		{"missing template file", func(awscdk.Stack) *product.Props {
			return &product.Props{ProductName: jsii.String("N"), Owner: jsii.String("O"),
				Versions: []product.Version{{TemplateFile: jsii.String("testdata/missing.yaml")}}}
		}, []string{"Versions[0].TemplateFile", "testdata/missing.yaml"}},
		{"duplicate version names", func(s awscdk.Stack) *product.Props {
			return &product.Props{ProductName: jsii.String("N"), Owner: jsii.String("O"),
				Versions: []product.Version{{Name: jsii.String("v1"), ProductStack: productStack(s, "A")}, {Name: jsii.String("v1"), ProductStack: productStack(s, "B")}}}
		}, []string{"Versions[1].Name", `"v1"`, "unique"}},
		{"bad email", func(s awscdk.Stack) *product.Props {
			return &product.Props{ProductName: jsii.String("N"), Owner: jsii.String("O"), Versions: ok(s), SupportEmail: jsii.String("not-an-email")}
		}, []string{"SupportEmail", `"not-an-email"`, "e-mail address"}},
		{"http url", func(s awscdk.Stack) *product.Props {
			return &product.Props{ProductName: jsii.String("N"), Owner: jsii.String("O"), Versions: ok(s), SupportUrl: jsii.String("http://wiki")}
		}, []string{"SupportUrl", `"http://wiki"`, "https://"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stack := testutil.NewStack()
			props := tc.props(stack)
			msg := testutil.PanicMessage(func() { product.New(stack, jsii.String("Product"), props) })
			require.NotEmpty(t, msg, "New should panic")
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
		})
	}
}

func TestValidEmailAndURL(t *testing.T) {
	for _, good := range []string{"a@example.com", "data.platform+nb@corp.example.org"} {
		assert.NoError(t, product.ValidEmail(good), good)
	}
	for _, bad := range []string{"", "a", "a@b", "Team <a@example.com>", "a@example.com x", "@example.com"} {
		assert.Error(t, product.ValidEmail(bad), bad)
	}
	for _, good := range []string{"https://wiki.example.com", "https://wiki.example.com/a?b=c"} {
		assert.NoError(t, product.ValidURL(good), good)
	}
	for _, bad := range []string{"", "wiki.example.com", "http://wiki.example.com", "https://", "https://a b", "ftp://x"} {
		assert.Error(t, product.ValidURL(bad), bad)
	}
}

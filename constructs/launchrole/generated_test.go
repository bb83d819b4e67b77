package launchrole_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole"
	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole/internal/table"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

// sources returns ../shared/cfn-schemas and the iam-data package's data,
// skipping (failing in CI) where they are absent.
func sources(t *testing.T) (schemas, iamData string) {
	schemas = filepath.Join("..", "..", "..", "shared", "cfn-schemas")
	iamData = filepath.Join("..", "..", "node_modules", "@cloud-copilot", "iam-data", "data")
	for _, p := range []string{filepath.Join(schemas, "handler-permissions-all.json"), filepath.Join(iamData, "actions", "sqs.json")} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing: CI must have ../shared and run npm ci", p)
			}
			t.Skipf("%s is missing (a clone without ../shared, or before npm ci): skipping", p)
		}
	}
	return schemas, iamData
}

// The embedded table is what `go generate ./constructs/launchrole` makes
// from today's sources.
func TestEmbeddedTableIsFresh(t *testing.T) {
	schemas, iamData := sources(t)
	fresh, err := table.Generate(schemas, iamData)
	require.NoError(t, err)
	embedded, err := os.ReadFile("handlers.json.gz")
	require.NoError(t, err)
	got, err := table.Decode(embedded)
	require.NoError(t, err)
	require.Equal(t, fresh.Sources, got.Sources, "regenerate: go generate ./constructs/launchrole")
	// Compared as JSON (empty and absent maps alike), and by type, so that
	// a difference names the types it touches.
	var stale []string
	for name, typ := range fresh.Types {
		if testutil.JSON(typ) != testutil.JSON(got.Types[name]) {
			stale = append(stale, name)
		}
	}
	assert.Len(t, got.Types, len(fresh.Types))
	assert.Empty(t, stale, "regenerate: go generate ./constructs/launchrole")
	assert.Equal(t, fresh.Arns, got.Arns)
	assert.Equal(t, fresh.WithoutHandlers, got.WithoutHandlers)
	assert.Len(t, got.Types, 1490)
	assert.True(t, launchrole.WithoutHandlers("AWS::SageMaker::NotebookInstance"))
	t.Logf("table: %d types, %d ARN formats, %d types without handlers, %d bytes embedded; sources %v",
		len(got.Types), len(got.Arns), len(got.WithoutHandlers), len(embedded), got.Sources)
}

// generatedPolicy synthesizes a role for types and returns its statements by Sid.
func generatedPolicy(t *testing.T, types []string, mutate func(awscdk.Stack, *launchrole.Props)) (map[string]statement, *launchrole.LaunchRole) {
	t.Helper()
	_, stack := testutil.NewStack()
	props := &launchrole.Props{ResourceTypes: types}
	if mutate != nil {
		mutate(stack, props)
	}
	lr := launchrole.New(stack, jsii.String("LaunchRole"), props)
	return launchPolicy(t, stack), lr
}

func TestGeneratedGrantsScopeTheProductsResources(t *testing.T) {
	types := []string{"AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::Glue::Database"}
	policy, lr := generatedPolicy(t, types, nil)

	// The product's own resources: named after the stack, both spellings.
	table := testutil.JSON(policy["ProductDynamodbTable"].Resource)
	assert.Contains(t, table, ":table/SC-*")
	assert.Contains(t, table, ":table/sc-*")
	assert.Contains(t, policy["ProductDynamodbTable"].actions(), "dynamodb:CreateTable")
	queue := testutil.JSON(policy["ProductSqs"].Resource)
	assert.Contains(t, queue, `:SC-*"`)
	assert.Contains(t, queue, `:sc-*"`)
	var glue []string
	for sid, s := range policy {
		if slices.Contains(s.actions(), "glue:CreateDatabase") {
			glue = append(glue, sid)
			assert.Contains(t, testutil.JSON(s.Resource), ":database/sc-*", "Glue folds names to lower case")
			assert.Contains(t, testutil.JSON(s.Resource), `:catalog"`, "the account's root catalog")
		}
	}
	assert.Len(t, glue, 1)

	// Resources the handlers use but the product does not name: keys only
	// through grants for AWS resources, service-linked roles only.
	grants := policy["UsedKmsKeyGrants"]
	assert.Equal(t, []string{"kms:CreateGrant"}, grants.actions())
	assert.Equal(t, map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}}, grants.Condition)
	assert.Contains(t, testutil.JSON(policy["UsedIamRoleServiceLinked"].Resource), ":role/aws-service-role/*")
	assert.Equal(t, []string{"iam:CreateServiceLinkedRole"}, policy["UsedIamRoleServiceLinked"].actions())

	// "*" only for actions without resource-level permissions, with the reason.
	for sid, s := range policy {
		if s.Resource == "*" {
			assert.Contains(t, []string{"NoResourceLevelPermissions", "ServiceCatalogTemplateChecks", "ServiceCatalogTemplateRead"}, sid)
		}
		for _, a := range s.actions() {
			assert.NotContains(t, a, "*", sid)
		}
	}
	assert.ElementsMatch(t, []string{"kms:ListAliases", "lakeformation:DescribeLakeFormationIdentityCenterConfiguration",
		"lakeformation:DescribeResource", "lakeformation:ListResources", "logs:DescribeLogGroups"},
		policy["NoResourceLevelPermissions"].actions())
	grantsOf, err := launchrole.GeneratedGrants("AWS::DynamoDB::Table")
	require.NoError(t, err)
	for _, g := range grantsOf {
		if g.Resources == nil {
			assert.Contains(t, g.WildcardReason, "no resource-level permissions", g.Sid)
		}
	}

	coverage, err := lr.Coverage(nil)
	require.NoError(t, err)
	t.Log("\n" + coverage.String())
	assert.Empty(t, coverage.Missing)
	assert.Empty(t, coverage.Excess)
	assert.Equal(t, "not in the Service Authorization Reference: IAM cannot authorize it", coverage.Left["s3:GetObjectMetadata"])
}

// Keys and roles the caller gives replace "any key" and "roles named after
// the stack".
func TestGeneratedGrantsUseTheGivenKeysAndRoles(t *testing.T) {
	const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	policy, _ := generatedPolicy(t, []string{"AWS::DynamoDB::Table", "AWS::Lambda::Function"}, nil)
	assert.Contains(t, testutil.JSON(policy["UsedKmsKey"].Resource), ":key/*")
	assert.Contains(t, testutil.JSON(policy["UsedIamRoleGiven"].Resource), ":role/SC-*", "PassRole on the product's own roles only")
	assert.NotContains(t, testutil.JSON(policy["UsedIamRoleGiven"].Resource), ":role/*")

	policy, _ = generatedPolicy(t, []string{"AWS::DynamoDB::Table", "AWS::Lambda::Function"}, func(stack awscdk.Stack, p *launchrole.Props) {
		p.KmsKeyArns = []*string{jsii.String(key)}
		p.PassRoles = []awsiam.IRole{awsiam.Role_FromRoleArn(stack, jsii.String("Fn"), jsii.String("arn:aws:iam::123456789012:role/fn"), nil)}
	})
	assert.Equal(t, key, policy["UsedKmsKey"].Resource)
	assert.Equal(t, "arn:aws:iam::123456789012:role/fn", policy["UsedIamRoleGiven"].Resource)
}

func TestCoverageFindsMissingAndExcess(t *testing.T) {
	granted, ok := launchrole.HandlerActions("AWS::SQS::Queue")
	require.True(t, ok)
	cov, err := launchrole.CheckCoverage([]string{"AWS::SQS::Queue"}, granted, nil)
	require.NoError(t, err)
	assert.Empty(t, cov.Missing)
	assert.Empty(t, cov.Excess)

	less := slices.DeleteFunc(slices.Clone(granted), func(a string) bool { return a == "sqs:TagQueue" })
	cov, err = launchrole.CheckCoverage([]string{"AWS::SQS::Queue"}, append(less, "s3:PutObject"), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"sqs:TagQueue"}, cov.Missing)
	assert.Equal(t, []string{"s3:PutObject"}, cov.Excess)
	assert.Contains(t, cov.String(), "missing 1, excess 1")

	_, err = launchrole.CheckCoverage([]string{"Custom::X"}, granted, nil)
	assert.ErrorContains(t, err, "no known needs for Custom::X")
	cov, err = launchrole.CheckCoverage([]string{"Custom::X"}, []string{"lambda:InvokeFunction"}, map[string][]string{"Custom::X": {"lambda:InvokeFunction"}})
	require.NoError(t, err)
	assert.Empty(t, cov.Missing)
}

// The notebook fixture's hand-written grants cover exactly the documented
// needs, and the IAM::Role grants the handler list with its exceptions.
func TestHandWrittenGrantsCoverTheirNeeds(t *testing.T) {
	f := newFixture()
	props := f.props()
	props.Portfolio, props.Product = nil, nil
	props.ResourceTypes = []string{"AWS::SageMaker::NotebookInstance", "AWS::SageMaker::NotebookInstanceLifecycleConfig", "AWS::IAM::Role"}
	props.RoleCreation = &launchrole.RoleCreation{Path: "/c/notebooks/", PermissionsBoundaryArn: jsii.String("arn:aws:iam::123456789012:policy/b"),
		ManagedPolicyArns: *jsii.Strings("arn:aws:iam::123456789012:policy/p")}
	lr := launchrole.New(f.stack, jsii.String("LaunchRole"), props)
	cov, err := lr.Coverage(nil)
	require.NoError(t, err)
	t.Log("\n" + cov.String())
	assert.Empty(t, cov.Missing)
	assert.Empty(t, cov.Excess)
	for a := range launchrole.RoleHandlerExceptions.Left {
		assert.NotContains(t, launchrole.PolicyActions(lr.Policy.ToJSON()), a)
		assert.Contains(t, cov.Left, a)
	}
	assert.Contains(t, launchrole.PolicyActions(lr.Policy.ToJSON()), "iam:ListRoleTags")
}

func TestWholeServiceWildcardsNeedGivenGrants(t *testing.T) {
	_, err := launchrole.GeneratedGrants("AWS::SecurityLake::DataLake")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "asks for whole services (events:*, glue:*")
	assert.Contains(t, err.Error(), "give its grants in Props.Permissions")
}

// Generated Sids are stable names of their scope, and templates keep them.
func TestGeneratedStatementsInTheTemplate(t *testing.T) {
	_, stack := testutil.NewStack()
	launchrole.New(stack, jsii.String("LaunchRole"), &launchrole.Props{ResourceTypes: []string{"AWS::SQS::Queue"}})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"Policies": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{"Sid": "ProductSqs", "Action": assertions.Match_ArrayWith(&[]any{"sqs:CreateQueue"})}),
			})}),
		})}),
	})
	body := testutil.JSON(tmpl.ToJSON())
	assert.False(t, strings.Contains(body, `"sqs:*"`))
}

package teamtopic_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/examples/teamtopic"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Run(m) }

func TestCatalog(t *testing.T) {
	c := teamtopic.NewCatalog(testutil.NewApp(nil), jsii.String("TeamTopic"), nil)
	tmpl := assertions.Template_FromStack(c.Stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::CloudFormationProduct"), map[string]any{
		"Name": "Team alerts topic",
		"ProvisioningArtifactParameters": []any{map[string]any{"Name": "v1", "Info": map[string]any{
			"LoadTemplateFromURL": map[string]any{"Fn::Sub": assertions.Match_StringLikeRegexp(jsii.String("cdk-hnb659fds-assets-"))},
		}}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::PortfolioPrincipalAssociation"), map[string]any{"PrincipalType": "IAM_PATTERN"})
	tmpl.ResourceCountIs(jsii.String("AWS::ServiceCatalog::LaunchRoleConstraint"), jsii.Number(1))
	assert.Equal(t, []string{"AWS::SNS::Topic"}, c.LaunchRole.ResourceTypes, "derived from the template file")

	policy := testutil.JSON(tmpl.ToJSON())
	assert.Contains(t, policy, `":sns:",{"Ref":"AWS::Region"},":",{"Ref":"AWS::AccountId"},":SC-*"`)
	for _, notNeeded := range []string{"sagemaker:", "iam:PassRole", "ec2:"} {
		assert.NotContains(t, policy, notNeeded, "the notebook grants are not in this role")
	}
}

// The example's grants are the schema's handler permissions, minus the two
// the template does not need, and nothing more.
func TestTopicPermissionsMatchTheHandlers(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "cfn-schemas")
	body, err := os.ReadFile(filepath.Join(dir, "handler-permissions.json"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: CI must have ../shared", dir)
		}
		t.Skipf("no CloudFormation schemas at %s (a clone without ../shared): skipping", dir)
	}
	var handlers map[string]map[string][]string
	require.NoError(t, json.Unmarshal(body, &handlers))
	var need []string
	for _, op := range []string{"create", "read", "update", "delete"} {
		need = append(need, handlers["AWS::SNS::Topic"][op]...)
	}
	need = slices.DeleteFunc(need, func(a string) bool { return a == "iam:GetRole" || a == "iam:PassRole" })
	slices.Sort(need)
	need = slices.Compact(need)
	granted := slices.Clone(teamtopic.TopicPermissions["AWS::SNS::Topic"][0].Actions)
	slices.Sort(granted)
	assert.Equal(t, need, granted)
}

// Another team's catalog from a template file and the module's constructs.
func Example() {
	app := awscdk.NewApp(nil)
	c := teamtopic.NewCatalog(app, jsii.String("TeamTopic"), nil)
	fmt.Println(c.LaunchRole.ResourceTypes)
	fmt.Println(c.Principals.Arns())
	// Output:
	// [AWS::SNS::Topic]
	// [arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_TeamMember_*]
}

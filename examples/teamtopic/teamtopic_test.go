package teamtopic_test

import (
	"fmt"
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
	for _, notNeeded := range []string{"sagemaker:", "ec2:"} {
		assert.NotContains(t, policy, notNeeded, "the notebook grants are not in this role")
	}
}

// The generated grants are the topic's handler permissions, nothing more.
func TestLaunchRoleCoversTheTopic(t *testing.T) {
	c := teamtopic.NewCatalog(testutil.NewApp(nil), jsii.String("TeamTopic"), nil)
	coverage, err := c.LaunchRole.Coverage(nil)
	require.NoError(t, err)
	t.Log("\n" + coverage.String())
	assert.Empty(t, coverage.Missing)
	assert.Empty(t, coverage.Excess)
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

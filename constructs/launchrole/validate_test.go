package launchrole_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

// Defects found by using the package from outside: each case panicked with
// a raw runtime error, or was accepted and made a role that cannot work.
func TestFailsOnMalformedScope(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*launchrole.Props)
		want   []string
	}{
		{"nil role", func(p *launchrole.Props) { p.PassRoles = []awsiam.IRole{nil} }, []string{"PassRoles[0]: nil"}},
		{"nil key", func(p *launchrole.Props) { p.KmsKeyArns = []*string{nil} }, []string{"KmsKeyArns[0]: nil"}},
		{"nil subnet", func(p *launchrole.Props) { p.SubnetIds = []*string{nil} }, []string{"SubnetIds[0]: nil"}},
		{"nil security group", func(p *launchrole.Props) { p.SecurityGroupIds = []*string{nil} }, []string{"SecurityGroupIds[0]: nil"}},
		{"key alias", func(p *launchrole.Props) { p.KmsKeyArns = *jsii.Strings("alias/notebooks") },
			[]string{`KmsKeyArns[0]: invalid value "alias/notebooks"`, "KMS key ARN"}},
		{"subnet name", func(p *launchrole.Props) { p.SubnetIds = *jsii.Strings("private-a") },
			[]string{`SubnetIds[0]: invalid value "private-a"`, "subnet ID"}},
		{"security group name", func(p *launchrole.Props) { p.SecurityGroupIds = *jsii.Strings("default") },
			[]string{`SecurityGroupIds[0]: invalid value "default"`, "security group ID"}},
		{"EC2 instance type", func(p *launchrole.Props) { p.InstanceTypes = []string{"t3.medium"} },
			[]string{`InstanceTypes[0]: invalid value "t3.medium"`, "ml.t3.medium"}},
		{"all at once", func(p *launchrole.Props) {
			p.KmsKeyArns, p.SubnetIds, p.InstanceTypes = *jsii.Strings("k"), *jsii.Strings("s"), []string{"x"}
		}, []string{"KmsKeyArns[0]", "SubnetIds[0]", "InstanceTypes[0]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture()
			props := f.props()
			tc.mutate(props)
			msg := testutil.PanicMessage(func() { launchrole.New(f.stack, jsii.String("LaunchRole"), props) })
			require.NotEmpty(t, msg, "New should panic")
			assert.Contains(t, msg, "Test/LaunchRole: ")
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
		})
	}
}

// Values known only at deploy time are not validated, and not indexed into.
func TestAcceptsTokens(t *testing.T) {
	f := newFixture()
	param := func(id string) *string {
		return awscdk.NewCfnParameter(f.stack, jsii.String(id), &awscdk.CfnParameterProps{Type: jsii.String("String")}).ValueAsString()
	}
	props := f.props()
	props.KmsKeyArns = []*string{param("KeyParam"), f.key.KeyArn()}
	props.SubnetIds = []*string{param("Subnet")}
	props.SecurityGroupIds = []*string{param("SecurityGroup")}
	props.RoleName = param("RoleName")
	props.PassRoles = []awsiam.IRole{awsiam.Role_FromRoleArn(f.stack, jsii.String("Imported"), param("RoleArn"), nil)}
	msg := testutil.PanicMessage(func() { launchrole.New(f.stack, jsii.String("LaunchRole"), props) })
	assert.Empty(t, msg)
}

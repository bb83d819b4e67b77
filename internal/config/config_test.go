package config_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/internal/config"
)

func TestDefaults(t *testing.T) {
	c, err := config.Parse(nil)
	require.NoError(t, err)
	assert.Equal(t, "SageMakerCatalog", c.StackName)
	assert.Equal(t, "ml.t3.medium", c.DefaultInstanceType)
	assert.Equal(t, 60, c.IdleTimeoutMinutes)
	assert.Equal(t, 100, c.MaxVolumeSizeGB)
	assert.Equal(t, "read", c.DataAccess)
	assert.Empty(t, c.PrincipalArns)
	assert.Empty(t, c.SubnetIds)
	assert.Equal(t, []string{"analytics"}, c.CostCenters)
	assert.Equal(t, config.Default(), c)
}

// cdk.json is where a deployment keeps its values: whatever it holds must be
// a valid configuration (the repository's own holds only feature flags).
func TestCdkJSONIsAValidConfiguration(t *testing.T) {
	body, err := os.ReadFile("../../cdk.json")
	require.NoError(t, err)
	var cdk struct {
		Context map[string]any `json:"context"`
	}
	require.NoError(t, json.Unmarshal(body, &cdk))
	_, err = config.FromContext(cdk.Context)
	require.NoError(t, err)
}

func TestUnknownKeysFailWithASuggestion(t *testing.T) {
	for _, tc := range []struct{ key, want string }{
		{"allowedInstanceType", "context: allowedInstanceType: unknown key (did you mean allowedInstanceTypes?)"},
		{"AllowedInstanceTypes", "did you mean allowedInstanceTypes?"},
		{"leasedays", "did you mean leaseDays?"},
		{"janitorMdoe", "did you mean janitorMode?"},
		{"colour", "unknown key (the configuration keys are listed in docs/configuration.md)"},
	} {
		_, err := config.FromContext(map[string]any{tc.key: "x"})
		assert.ErrorContains(t, err, tc.want, tc.key)
	}
	// The CDK's own keys are not ours to judge.
	_, err := config.FromContext(map[string]any{
		"@aws-cdk/core:target-partitions": []any{"aws"}, "aws:cdk:enable-path-metadata": true,
		"availability-zones:account=123456789012:region=eu-west-1": []any{"eu-west-1a"},
		"acknowledged-issue-numbers":                               []any{float64(1)}, "cli-telemetry": false,
		"leaseDays": float64(3),
	})
	require.NoError(t, err)
}

func TestFromContextReadsValuesAndReportsAllProblems(t *testing.T) {
	c, err := config.FromContext(map[string]any{"allowedInstanceTypes": []any{"ml.t3.medium", "ml.m5.xlarge"}, "leaseDays": float64(3)})
	require.NoError(t, err)
	assert.Equal(t, []string{"ml.t3.medium", "ml.m5.xlarge"}, c.AllowedInstanceTypes)
	assert.Equal(t, 3, c.LeaseDays)
	_, err = config.FromContext(map[string]any{"leaseDay": "3", "maxVolumeSizeGB": "huge", "nag": map[string]any{}})
	require.Error(t, err)
	for _, want := range []string{"leaseDay: unknown key", `maxVolumeSizeGB: invalid value "huge"`, "nag: a string, number or list"} {
		assert.ErrorContains(t, err, want)
	}
}

func TestValidConfiguration(t *testing.T) {
	c, err := config.Parse(map[string]string{
		"principalArns":        "arn:aws:iam::123456789012:role/analyst, arn:aws:iam::123456789012:group/analysts",
		"principalPatterns":    "arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataAnalyst_*",
		"allowedInstanceTypes": "ml.t3.medium,ml.g5.xlarge",
		"defaultInstanceType":  "ml.g5.xlarge",
		"maxVolumeSizeGB":      "500",
		"defaultVolumeSizeGB":  "500",
		"idleTimeoutMinutes":   "30",
		"subnetIds":            "subnet-0123456789abcdef0,subnet-01234567",
		"securityGroupIds":     "sg-0123456789abcdef0",
		"kmsKeyArn":            "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"dataBucketArns":       "arn:aws:s3:::lake-raw,arn:aws:s3:::lake-curated/sales/",
		"dataAccess":           "read-write",
		"supportEmail":         "platform@example.com",
		"supportUrl":           "https://wiki.example.com/notebooks",
		"costCenters":          "cc-1,cc-2",
		"projects":             "",
		"adminRoleArns":        "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*",
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*"}, c.AdminRoleArns)
	assert.Equal(t, []string{"arn:aws:iam::123456789012:role/analyst", "arn:aws:iam::123456789012:group/analysts"}, c.PrincipalArns)
	assert.Equal(t, []string{"subnet-0123456789abcdef0", "subnet-01234567"}, c.SubnetIds)
	assert.Equal(t, 500, c.DefaultVolumeSizeGB)
	assert.Nil(t, c.Projects)
}

// TestBadContext lists bad values of every key. Each must fail with a line
// that names the key and the value.
func TestBadContext(t *testing.T) {
	patterns := make([]string, 11)
	for i := range patterns {
		patterns[i] = fmt.Sprintf("arn:aws:iam:::role/team%d/*", i)
	}
	for _, tc := range []struct {
		key, value string
		extra      map[string]string
		want       string
	}{
		{"stackName", "", nil, "stack name"},
		{"stackName", "1catalog", nil, "a letter"},
		{"stackName", "my_catalog", nil, "hyphens"},
		{"portfolioName", "", nil, "1-100 characters"},
		{"providerName", strings.Repeat("p", 51), nil, "1-50 characters"},
		{"principalArns", "analyst", nil, "IAM role, user or group ARN"},
		{"principalArns", "arn:aws:iam::12345678901:role/a", nil, "IAM role, user or group ARN"},
		{"principalArns", "arn:aws-xx:iam::123456789012:role/a", nil, "IAM role"},
		{"principalArns", "arn:aws:iam::123456789012:role/analyst-*", nil, "principalPatterns"},
		{"principalArns", "arn:aws:sts::123456789012:assumed-role/a/b", nil, "IAM role"},
		{"principalArns", "arn:aws:iam::123456789012:role/a,arn:aws:iam::123456789012:role/a", nil, "once"},
		{"principalArns", "arn:aws:iam::123456789012:role/a,,arn:aws:iam::123456789012:role/b", nil, "without empty items"},
		{"principalPatterns", "arn:aws:iam::123456789012:role/a*", nil, "empty account field"},
		{"principalPatterns", strings.Join(patterns, ","), nil, "at most 10"},
		{"allowedInstanceTypes", "ml.t3.huge", nil, "notebook instance type"},
		{"allowedInstanceTypes", "t3.medium", nil, "notebook instance type"},
		{"allowedInstanceTypes", "ml.t3.medium,ml.t3.medium", nil, "once"},
		{"defaultInstanceType", "ml.p3.2xlarge", nil, "one of allowedInstanceTypes"},
		{"maxVolumeSizeGB", "abc", nil, "whole number from 5 to 16384"},
		{"maxVolumeSizeGB", "-10", nil, "whole number"},
		{"maxVolumeSizeGB", "1000000", nil, "whole number"},
		{"maxVolumeSizeGB", "10.5", nil, "whole number"},
		{"defaultVolumeSizeGB", "200", nil, "at most maxVolumeSizeGB (100)"},
		{"defaultVolumeSizeGB", "4", nil, "whole number from 5"},
		{"idleTimeoutMinutes", "0", nil, "whole number from 5 to 1440"},
		{"idleTimeoutMinutes", "300", nil, "at most maxIdleTimeoutMinutes (240)"},
		{"maxIdleTimeoutMinutes", "99999", nil, "whole number"},
		{"subnetIds", "subnet-123", map[string]string{"securityGroupIds": "sg-0123456789abcdef0"}, "subnet ID"},
		{"subnetIds", "sg-0123456789abcdef0", map[string]string{"securityGroupIds": "sg-0123456789abcdef0"}, "subnet ID"},
		{"securityGroupIds", "", map[string]string{"subnetIds": "subnet-0123456789abcdef0"}, "required when subnetIds is set"},
		{"securityGroupIds", "sg-XYZ", map[string]string{"subnetIds": "subnet-0123456789abcdef0"}, "security group ID"},
		{"subnetIds", "", map[string]string{"securityGroupIds": "sg-0123456789abcdef0"}, "required when securityGroupIds is set"},
		{"securityGroupIds", "sg-00000001,sg-00000002,sg-00000003,sg-00000004,sg-00000005,sg-00000006", map[string]string{"subnetIds": "subnet-0123456789abcdef0"}, "at most 5"},
		{"kmsKeyArn", "alias/notebooks", nil, "KMS key ARN"},
		{"kmsKeyArn", "arn:aws:kms:eu-west-1:123456789012:alias/notebooks", nil, "not an alias"},
		{"kmsKeyArn", "arn:aws:kms:eu-west-1:1234:key/1234abcd-12ab-34cd-56ef-1234567890ab", nil, "KMS key ARN"},
		{"workspaceBucketName", "Bad_Bucket", map[string]string{"kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}, "an S3 bucket name"},
		{"kmsKeyArn", "", map[string]string{"workspaceBucketName": "kept-bucket"}, "the key of the kept workspace bucket"},
		{"dataBucketArns", "s3://lake", nil, "S3 bucket ARN"},
		{"dataBucketArns", "arn:aws:s3:::UPPER", nil, "S3 bucket ARN"},
		{"dataAccess", "write", nil, `"read" or "read-write"`},
		{"supportEmail", "platform", nil, "e-mail address"},
		{"supportUrl", "http://wiki.example.com", nil, "https://"},
		{"supportUrl", "wiki", nil, "https://"},
		{"supportDescription", strings.Repeat("d", 8192), nil, "0-8191 characters"},
		{"costCenters", strings.Repeat("c", 257), nil, "at most 256"},
		{"projects", "a,a", nil, "once"},
		{"nag", "yes", nil, `"true" or "false"`},
		{"idleIgnoresConnections", "no", nil, `"true" or "false"`},
		{"leaseDays", "0", nil, "whole number from 1 to 365"},
		{"leaseDays", "45", nil, "at most maxLeaseDays (30)"},
		{"maxLeaseDays", "366", nil, "whole number from 1 to 365"},
		{"leaseNoticeHours", "1w", nil, "whole number from 1 to 168"},
		{"janitorMode", "off", nil, `"enforce", "notify-only" or "dry-run"`},
		{"pipelineConnectionArn", "arn:aws:codeconnections:eu-west-1:123456789012:connection/x", nil, "a connection ARN"},
		{"pipelineConnectionArn", "", map[string]string{"pipelineRepository": "a/b"}, "required with the other pipeline keys"},
		{"pipelineRepository", "no-owner", map[string]string{"pipelineConnectionArn": "arn:aws:codeconnections:eu-west-1:123456789012:connection/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}, "owner/name"},
		{"pipelineBranch", "a..b", map[string]string{"pipelineRepository": "a/b"}, "a branch name"},
		{"pipelineEnvironment", "eu-west-1", map[string]string{"pipelineRepository": "a/b"}, "ACCOUNT/REGION"},
		{"deployEnvironments", "prod=123456789012", map[string]string{"pipelineRepository": "a/b"}, "NAME=ACCOUNT/REGION"},
		{"deployEnvironments", "p=111111111111/eu-west-1,p=222222222222/eu-west-1", map[string]string{"pipelineRepository": "a/b"}, "each stage name once"},
		{"shareWithAccounts", "12345678901", nil, "12-digit AWS account ID"},
		{"shareWithAccounts", "123456789012,123456789012", nil, "once"},
		{"importPortfolioId", "portfolio-1", map[string]string{"principalPatterns": "arn:aws:iam:::role/a*"}, "a portfolio ID such as port-"},
		{"importPortfolioId", "port-abcdefghijklm", nil, "a spoke needs principalArns or principalPatterns"},
		{"shareWithAccounts", "123456789012", map[string]string{"importPortfolioId": "port-abcdefghijklm", "principalPatterns": "arn:aws:iam:::role/a*"}, "only the hub shares"},
		{"notifyStackEvents", "true", map[string]string{"importPortfolioId": "port-abcdefghijklm", "principalPatterns": "arn:aws:iam:::role/a*"}, "comes with the share"},
		{"notifyStackEvents", "1", nil, `"true" or "false"`},
		{"productVersion", "v 2", nil, "letters, digits, dots"},
		{"previousProductVersions", "v1", nil, "other than productVersion (v1)"},
		{"previousProductVersions", "v0,v0", nil, "once"},
		{"productVersionsDir", "", nil, "a directory path"},
		{"release", "v2", nil, "the current productVersion (v1)"},
		{"release", "v1", map[string]string{"productVersion": "v3"}, "the current productVersion (v3)"},
		{"dataBucketArns", "arn:aws-cn:s3:::lake", map[string]string{"principalArns": "arn:aws:iam::123456789012:role/a"}, "one partition"},
		{"adminRoleArns", "arn:aws:iam::123456789012:user/admin", nil, "an IAM role ARN, * allowed"},
		{"adminRoleArns", "AWSReservedSSO_Admin_*", nil, "an IAM role ARN, * allowed"},
	} {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			values := map[string]string{tc.key: tc.value}
			for k, v := range tc.extra {
				values[k] = v
			}
			_, err := config.Parse(values)
			require.Error(t, err)
			msg := err.Error()
			assert.Contains(t, msg, tc.want)
			// The line for the bad key names it; no Go or jsii trace.
			found := false
			for _, line := range strings.Split(msg, "\n") {
				if strings.HasPrefix(line, "context: ") && strings.Contains(line, tc.want) {
					found = true
				}
			}
			assert.True(t, found, "a line starting with context: and saying %q in:\n%s", tc.want, msg)
			assert.NotContains(t, msg, "goroutine")
		})
	}
}

func TestEveryKeyHasABadValueCase(t *testing.T) {
	src, err := os.ReadFile("config_test.go")
	require.NoError(t, err)
	for _, k := range config.Keys {
		assert.True(t, strings.Contains(string(src), `{"`+k.Name+`", `), "TestBadContext has no case for %s", k.Name)
	}
}

func TestContextString(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{"a,b", "a,b"}, {float64(60), "60"}, {1.5, "1.5"}, {true, "true"},
		{[]any{"a", "b"}, "a,b"}, {[]any{float64(1), "x"}, "1,x"}, {nil, ""},
	} {
		got, err := config.ValueString(tc.in)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
	_, err := config.ValueString(map[string]any{"a": 1})
	assert.ErrorContains(t, err, "a string, number or list")
}

func FuzzParseContext(f *testing.F) {
	for _, k := range config.Keys {
		f.Add(k.Name, k.Default)
	}
	f.Add("principalArns", "arn:aws:iam::123456789012:role/a,")
	f.Add("maxVolumeSizeGB", "9999999999999999999999")
	f.Add("subnetIds", "subnet-0123456789abcdef0")
	f.Fuzz(func(t *testing.T, key, value string) {
		c, err := config.Parse(map[string]string{key: value})
		if err == nil && c.StackName == "" {
			t.Fatal("a valid configuration has a stack name")
		}
	})
}

// docs/configuration.md is generated from the key table.
func TestConfigurationDocIsGenerated(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	require.NoError(t, err)
	assert.Equal(t, config.Markdown(), string(doc), "run: go generate ./internal/config")
	for _, k := range config.Keys {
		assert.Contains(t, string(doc), "| `"+k.Name+"` |")
	}
}

// A release is a one-off: it is not among the values a pipeline
// synthesizes with.
func TestReleaseIsAOneOff(t *testing.T) {
	c, err := config.Parse(map[string]string{"release": "v1", "leaseDays": "3"})
	require.NoError(t, err)
	assert.Equal(t, "v1", c.Release)
	assert.Equal(t, map[string]string{"leaseDays": "3"}, c.Context)
	assert.Empty(t, config.Default().Release)
}

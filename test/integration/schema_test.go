package integration_test

// Checks of every synthesized template against sources this project did not
// write: the official CloudFormation resource schemas and CloudFormation's
// own handler permission lists, both in ../shared/cfn-schemas.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/launchrole"
)

// schemasDir returns ../shared/cfn-schemas (or $CFN_SCHEMAS_DIR). A user's
// clone has no ../shared: the test skips there, but not in CI, which always
// has it.
func schemasDir(t *testing.T) string {
	dir := os.Getenv("CFN_SCHEMAS_DIR")
	if dir == "" {
		dir = filepath.Join(root, "..", "shared", "cfn-schemas")
	}
	if _, err := os.Stat(filepath.Join(dir, "handler-permissions.json")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CloudFormation schemas not found at %s: CI must have ../shared", dir)
		}
		t.Skipf("CloudFormation schemas not found at %s (a clone without ../shared): skipping; set CFN_SCHEMAS_DIR to run", dir)
	}
	return dir
}

// noSchema lists the types in our templates that ../shared/cfn-schemas does
// not cover, with the reason; any other type without a schema fails.
var noSchema = map[string]string{
	"AWS::CDK::Metadata":                    "CDK analytics, not a registry type",
	"AWS::SSM::Document":                    "not in the ../shared selection (cfn-lint checks it)",
	"AWS::EC2::FlowLog":                     "not in the ../shared selection (created by Vpc.addFlowLog)",
	"AWS::EC2::RouteTable":                  "not in the ../shared selection (created by the CDK Vpc)",
	"AWS::EC2::SubnetRouteTableAssociation": "not in the ../shared selection (created by the CDK Vpc)",
	"Custom::VpcRestrictDefaultSG":          "a custom resource: its properties are the provider's own",
	"Custom::Workspace":                     "a custom resource: its properties are the workspace function's own (workspace/)",
	"Custom::AWS":                           "a custom resource: its properties are the CDK AwsCustomResource provider's own (the S3 prefix list lookup)",
	"AWS::SQS::Queue":                       "not in the ../shared selection (cfn-lint checks it)",
	"AWS::SQS::QueuePolicy":                 "not in the ../shared selection (cfn-lint checks it)",
	"AWS::Lambda::EventInvokeConfig":        "not in the ../shared selection (cfn-lint checks it)",
	"AWS::CloudWatch::Alarm":                "not in the ../shared selection (cfn-lint checks it; constructs/dashboard's tests check its properties)",
	"AWS::CloudWatch::Dashboard":            "not in the ../shared selection (cfn-lint checks it; constructs/dashboard's tests decode its body)",
	"AWS::Logs::MetricFilter":               "not in the ../shared selection (cfn-lint checks it; constructs/dashboard's tests check its patterns)",
}

type resourceSchema struct {
	TypeName           string                     `json:"typeName"`
	Properties         map[string]json.RawMessage `json:"properties"`
	Required           []string                   `json:"required"`
	ReadOnlyProperties []string                   `json:"readOnlyProperties"`
	compiled           *jsonschema.Schema
}

var (
	schemasOnce sync.Once
	schemas     map[string]*resourceSchema
	schemasErr  error
)

func loadSchemas(t *testing.T) map[string]*resourceSchema {
	dir := schemasDir(t)
	schemasOnce.Do(func() { schemas, schemasErr = readSchemas(dir) })
	require.NoError(t, schemasErr)
	return schemas
}

// permissive stands in for a pattern Go's RE2 cannot compile (PCRE look-behind).
type permissive string

func (p permissive) MatchString(string) bool { return true }
func (p permissive) String() string          { return string(p) }

func readSchemas(dir string) (map[string]*resourceSchema, error) {
	files, err := filepath.Glob(filepath.Join(dir, "aws-*.json"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no schemas in %s: %v", dir, err)
	}
	out := map[string]*resourceSchema{}
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		s := &resourceSchema{}
		if err := json.Unmarshal(body, s); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		m := doc.(map[string]any)
		delete(m, "$schema")  // the provider meta-schema cannot be fetched offline
		delete(m, "handlers") // handler schemas refer to resource-schema.json
		m["type"] = "object"
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft7)
		c.UseRegexpEngine(func(p string) (jsonschema.Regexp, error) {
			if re, err := regexp.Compile(p); err == nil {
				return re, nil
			}
			return permissive(p), nil
		})
		url := "mem://" + filepath.Base(f)
		if err := c.AddResource(url, m); err != nil {
			return nil, err
		}
		if s.compiled, err = c.Compile(url); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out[s.TypeName] = s
	}
	return out, nil
}

// placeholders replaces every intrinsic function and dynamic reference with
// a string and records where, so that errors about those places (whose
// values are only known at deploy time) can be told apart.
func placeholders(v any, at string, where map[string]bool) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					where[at] = true
					return "{{intrinsic}}"
				}
			}
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = placeholders(e, at+"/"+k, where)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = placeholders(e, fmt.Sprintf("%s/%d", at, i), where)
		}
		return out
	case string:
		if strings.HasPrefix(x, "{{resolve:") {
			where[at] = true
		}
	}
	return v
}

// leafErrors flattens a validation error into the locations and messages of
// its leaves.
func leafErrors(err *jsonschema.ValidationError, out map[string]string) {
	if len(err.Causes) == 0 {
		out["/"+strings.Join(err.InstanceLocation, "/")] = fmt.Sprint(err.ErrorKind)
		return
	}
	for _, c := range err.Causes {
		leafErrors(c, out)
	}
}

// checkResource returns the schema problems of one resource's properties.
func checkResource(s *resourceSchema, props map[string]any) []string {
	var problems []string
	for _, r := range s.Required {
		if _, ok := props[r]; !ok {
			problems = append(problems, "missing required property "+r)
		}
	}
	for k := range props {
		if _, ok := s.Properties[k]; !ok {
			problems = append(problems, "unknown property "+k)
		}
		if slices.Contains(s.ReadOnlyProperties, "/properties/"+k) {
			problems = append(problems, "read-only property set: "+k)
		}
	}
	// Full JSON-schema validation of the literal values: numbers as
	// json.Number, as the validator expects.
	body, _ := json.Marshal(props)
	instance, _ := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	where := map[string]bool{}
	instance = placeholders(instance, "", where)
	if err := s.compiled.Validate(instance); err != nil {
		leaves := map[string]string{}
		leafErrors(err.(*jsonschema.ValidationError), leaves)
		for loc, msg := range leaves {
			if !deployTime(loc, where) {
				problems = append(problems, fmt.Sprintf("%s: %s", loc, msg))
			}
		}
	}
	sort.Strings(problems)
	return problems
}

// deployTime reports whether loc is, or is inside, or holds only, a value
// known at deploy time. A oneOf/anyOf failure is reported at the parent.
func deployTime(loc string, where map[string]bool) bool {
	for w := range where {
		if loc == w || strings.HasPrefix(loc, w+"/") || strings.HasPrefix(w, loc+"/") {
			return true
		}
	}
	return false
}

type cfnTemplate struct {
	Resources map[string]struct {
		Type       string         `json:"Type"`
		Properties map[string]any `json:"Properties"`
	} `json:"Resources"`
}

// allTemplates returns the templates of the app on defaults and with a
// configured network, key and principals, by file name.
func allTemplates(t *testing.T) map[string]cfnTemplate {
	out := map[string]cfnTemplate{}
	spoke := assemblyOf(t, "spoke", map[string]any{
		"importPortfolioId": "port-abcdefghijklm",
		"principalPatterns": "arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataAnalyst_*",
	})
	for label, dir := range map[string]string{"defaults": assembly(t), "configured": configuredAssembly(t), "spoke": spoke} {
		for name, body := range templates(t, dir) {
			var tmpl cfnTemplate
			require.NoError(t, json.Unmarshal(body, &tmpl), name)
			out[label+"/"+name] = tmpl
		}
	}
	return out
}

func configuredAssembly(t *testing.T) string {
	return assemblyOf(t, "configured", map[string]any{
		"principalArns":     "arn:aws:iam::123456789012:role/analyst",
		"principalPatterns": "arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataAnalyst_*",
		"subnetIds":         "subnet-0123456789abcdef0",
		"securityGroupIds":  "sg-0123456789abcdef0,sg-0fedcba9876543210",
		"kmsKeyArn":         "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"dataBucketArns":    "arn:aws:s3:::lake-curated/sales/",
		"supportEmail":      "platform@example.com",
		"supportUrl":        "https://wiki.example.com/notebooks",
		"notifyStackEvents": "true",
	})
}

func TestTemplatesMatchCloudFormationSchemas(t *testing.T) {
	schemas := loadSchemas(t)
	checked := map[string]int{}
	for name, tmpl := range allTemplates(t) {
		for id, r := range tmpl.Resources {
			s, ok := schemas[r.Type]
			if !ok {
				_, known := noSchema[r.Type]
				assert.True(t, known, "%s: %s has type %s, which has no schema in ../shared/cfn-schemas and no reason in noSchema", name, id, r.Type)
				continue
			}
			checked[r.Type]++
			for _, p := range checkResource(s, r.Properties) {
				t.Errorf("%s: %s (%s): %s", name, id, r.Type, p)
			}
		}
	}
	types := make([]string, 0, len(checked))
	for typ := range checked {
		types = append(types, typ)
	}
	sort.Strings(types)
	t.Logf("validated %d resource types against their CloudFormation schemas: %s", len(types), strings.Join(types, ", "))
	assert.Contains(t, checked, "AWS::SageMaker::NotebookInstance")
	assert.Contains(t, checked, "AWS::ServiceCatalog::LaunchRoleConstraint")
}

// The checker itself must catch what it claims to catch.
func TestSchemaCheckerCatchesMistakes(t *testing.T) {
	s := loadSchemas(t)["AWS::SageMaker::NotebookInstance"]
	require.NotNil(t, s)
	assert.Empty(t, checkResource(s, map[string]any{"InstanceType": "ml.t3.medium", "RoleArn": map[string]any{"Ref": "R"}}))
	problems := strings.Join(checkResource(s, map[string]any{
		"RoleArn": "arn", "Bogus": 1, "Id": "x", "VolumeSizeInGB": "big",
	}), "\n")
	for _, want := range []string{"missing required property InstanceType", "unknown property Bogus", "read-only property set: Id", "/VolumeSizeInGB"} {
		assert.Contains(t, problems, want)
	}
	// A value known only at deploy time is not a type error.
	assert.Empty(t, checkResource(s, map[string]any{"InstanceType": "ml.t3.medium", "RoleArn": "arn", "VolumeSizeInGB": map[string]any{"Ref": "Size"}}))
}

// The launch role grants what CloudFormation needs for the product's
// resource types (the handler permissions from the schemas, or the
// documented lists of the types without handlers) plus the Service Catalog
// baseline: missing 0, excess 0 (launchrole.CheckCoverage prints the table).
func TestLaunchRoleCoversExactlyWhatTheProductNeeds(t *testing.T) {
	schemasDir(t)
	for label, dir := range map[string]string{"defaults": assembly(t), "configured": configuredAssembly(t)} {
		var types, granted []string
		roles := 0
		for name, body := range templates(t, dir) {
			var tmpl cfnTemplate
			require.NoError(t, json.Unmarshal(body, &tmpl))
			for _, r := range tmpl.Resources {
				switch {
				case strings.HasSuffix(name, ".product.template.json"):
					types = append(types, r.Type)
				// The launch role: trusted by Service Catalog alone (the
				// self-service actions' roles trust SSM too).
				case r.Type == "AWS::IAM::Role" && strings.Contains(fmt.Sprint(r.Properties["AssumeRolePolicyDocument"]), "servicecatalog.amazonaws.com") &&
					!strings.Contains(fmt.Sprint(r.Properties["AssumeRolePolicyDocument"]), "ssm.amazonaws.com"):
					roles++
					for _, p := range r.Properties["Policies"].([]any) {
						granted = append(granted, launchrole.PolicyActions(p.(map[string]any)["PolicyDocument"])...)
					}
				}
			}
		}
		require.Equal(t, 1, roles, "%s: one launch role", label)
		cov, err := launchrole.CheckCoverage(types, granted, map[string][]string{"Custom::Workspace": {"lambda:InvokeFunction"}})
		require.NoError(t, err)
		t.Logf("%s:\n%s", label, cov)
		assert.Empty(t, cov.Missing, label)
		assert.Empty(t, cov.Excess, label)
		for a, why := range launchrole.RoleHandlerExceptions.Left {
			assert.NotContains(t, granted, a, "%s: %s", label, why)
		}
	}
}

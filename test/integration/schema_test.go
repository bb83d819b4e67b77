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
	"AWS::SQS::Queue":                       "not in the ../shared selection (cfn-lint checks it)",
	"AWS::SQS::QueuePolicy":                 "not in the ../shared selection (cfn-lint checks it)",
	"AWS::Lambda::EventInvokeConfig":        "not in the ../shared selection (cfn-lint checks it)",
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

// sageMakerAPINeeds is this project's documented list of what CloudFormation
// calls for the types whose schemas publish no handler permissions. It is
// derived from the SageMaker API reference and its API permissions
// reference (https://docs.aws.amazon.com/sagemaker/latest/dg/api-permissions-reference.html):
// the operations CloudFormation's native SageMaker handlers call, and the
// permissions those operations need of the caller.
var sageMakerAPINeeds = map[string][]string{
	"AWS::SageMaker::NotebookInstance": {
		// CreateNotebookInstance, and what it needs: the execution role, the
		// volume key's grant, the ENI in the customer subnet.
		"sagemaker:CreateNotebookInstance", "iam:PassRole", "kms:CreateGrant", "kms:DescribeKey",
		"ec2:CreateNetworkInterface", "ec2:AttachNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute",
		"ec2:DescribeAvailabilityZones", "ec2:DescribeInternetGateways", "ec2:DescribeSecurityGroups",
		"ec2:DescribeSubnets", "ec2:DescribeVpcs",
		// Read, update (stop, update, start), delete (stop, delete the ENI), tags.
		"sagemaker:DescribeNotebookInstance", "sagemaker:UpdateNotebookInstance", "sagemaker:StopNotebookInstance",
		"sagemaker:StartNotebookInstance", "sagemaker:DeleteNotebookInstance", "ec2:DeleteNetworkInterface",
		"ec2:DescribeNetworkInterfaces", "sagemaker:AddTags", "sagemaker:DeleteTags", "sagemaker:ListTags",
	},
	"AWS::SageMaker::NotebookInstanceLifecycleConfig": {
		"sagemaker:CreateNotebookInstanceLifecycleConfig", "sagemaker:DescribeNotebookInstanceLifecycleConfig",
		"sagemaker:UpdateNotebookInstanceLifecycleConfig", "sagemaker:DeleteNotebookInstanceLifecycleConfig",
	},
	// A custom resource: CloudFormation invokes its Lambda function with the
	// stack's role on create, update and delete.
	"Custom::Workspace": {"lambda:InvokeFunction"},
}

// neverGranted lists handler permissions the launch role must not have,
// with the reason; the coverage test treats them as neither missing nor
// excess, and fails if the role has them.
var neverGranted = map[string]string{
	"iam:DeleteRolePermissionsBoundary": "the IAM::Role handler calls it only to remove a boundary from a role; " +
		"the product's roles must keep theirs (an update that tried would fail, as it should)",
}

// needed returns the actions CloudFormation needs for typ: its handler
// permissions for create, read, update and delete where the schema
// publishes them, else the project's documented list.
func needed(t *testing.T, handlers map[string]map[string][]string, typ string) []string {
	var out []string
	if h, ok := handlers[typ]; ok {
		for _, op := range []string{"create", "read", "update", "delete"} {
			out = append(out, h[op]...)
		}
	} else {
		api, ok := sageMakerAPINeeds[typ]
		require.True(t, ok, "%s publishes no handler permissions and has no documented list", typ)
		out = api
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestLaunchRoleCoversExactlyWhatTheProductNeeds(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(schemasDir(t), "handler-permissions.json"))
	require.NoError(t, err)
	var handlers map[string]map[string][]string
	require.NoError(t, json.Unmarshal(body, &handlers))

	var baseline []string
	for _, g := range launchrole.ServiceCatalogGrants() {
		baseline = append(baseline, g.Actions...)
	}

	for label, dir := range map[string]string{"defaults": assembly(t), "configured": configuredAssembly(t)} {
		tmpls := templates(t, dir)
		var catalog cfnTemplate
		var productTypes []string
		for name, body := range tmpls {
			var tmpl cfnTemplate
			require.NoError(t, json.Unmarshal(body, &tmpl))
			if strings.HasSuffix(name, ".product.template.json") {
				for _, r := range tmpl.Resources {
					productTypes = append(productTypes, r.Type)
				}
			} else {
				catalog = tmpl
			}
		}
		slices.Sort(productTypes)
		productTypes = slices.Compact(productTypes)
		granted := launchRoleActions(t, catalog)
		for a, why := range neverGranted {
			assert.False(t, granted[a], "%s: the launch role has %s: %s", label, a, why)
		}

		var want []string
		t.Logf("%s: %-50s %6s %7s %7s %6s", label, "type", "needed", "granted", "missing", "excess")
		for _, typ := range productTypes {
			need := slices.DeleteFunc(needed(t, handlers, typ), func(a string) bool { return neverGranted[a] != "" })
			want = append(want, need...)
			var missing []string
			have := 0
			for _, a := range need {
				if granted[a] {
					have++
				} else {
					missing = append(missing, a)
				}
			}
			t.Logf("%s: %-50s %6d %7d %7d %6s", label, typ, len(need), have, len(missing), "")
			assert.Empty(t, missing, "%s: the launch role lacks what %s needs", label, typ)
		}
		want = append(want, baseline...)
		slices.Sort(want)
		want = slices.Compact(want)
		var excess []string
		for a := range granted {
			if !slices.Contains(want, a) {
				excess = append(excess, a)
			}
		}
		sort.Strings(excess)
		t.Logf("%s: %-50s %6d %7d %7s %6d", label, "all types + Service Catalog baseline", len(want), len(granted), "", len(excess))
		assert.Empty(t, excess, "%s: the launch role grants more than the product needs", label)
	}
}

// launchRoleActions returns the actions of the role Service Catalog assumes.
func launchRoleActions(t *testing.T, catalog cfnTemplate) map[string]bool {
	out := map[string]bool{}
	roles := 0
	for _, r := range catalog.Resources {
		if r.Type != "AWS::IAM::Role" || !strings.Contains(fmt.Sprint(r.Properties["AssumeRolePolicyDocument"]), "servicecatalog.amazonaws.com") {
			continue
		}
		roles++
		for _, p := range r.Properties["Policies"].([]any) {
			for _, s := range p.(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				switch a := s.(map[string]any)["Action"].(type) {
				case string:
					out[a] = true
				case []any:
					for _, x := range a {
						out[x.(string)] = true
					}
				}
			}
		}
	}
	require.Equal(t, 1, roles, "one launch role")
	return out
}

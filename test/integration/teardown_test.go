package integration_test

// Tearing down and coming back (docs/operating.md): the resources the
// catalog keeps are the template's retained ones, the stack is protected
// from deletion, and a catalog deleted in moto's CloudFormation can be
// created again next to what it kept.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/internal/motoserver"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

const catalogStack = "SageMakerCatalog"

// kept is a retained resource: its construct path below the stack (without
// the L2's "Resource" children) and its type.
type kept struct{ path, typ string }

// retained lists the resources of a template that CloudFormation keeps
// when it deletes the stack.
func retained(t *testing.T, tmpl testutil.Template) []kept {
	t.Helper()
	var out []kept
	for _, r := range tmpl["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["DeletionPolicy"] != "Retain" {
			continue
		}
		path, _ := r["Metadata"].(map[string]any)["aws:cdk:path"].(string)
		require.NotEmpty(t, path, "path metadata")
		path = strings.TrimPrefix(path, catalogStack+"/")
		for strings.HasSuffix(path, "/Resource") {
			path = strings.TrimSuffix(path, "/Resource")
		}
		out = append(out, kept{path, r["Type"].(string)})
	}
	slices.SortFunc(out, func(a, b kept) int { return strings.Compare(a.typ+a.path, b.typ+b.path) })
	return out
}

// documented reads the kept-resource table of docs/operating.md.
func documented(t *testing.T) []kept {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(root, "docs", "operating.md"))
	require.NoError(t, err)
	const marker = "<!-- kept resources: test/integration/teardown_test.go keeps this table equal to the template -->"
	i := strings.Index(string(body), marker)
	require.GreaterOrEqual(t, i, 0, "docs/operating.md has no kept-resource table")
	row := regexp.MustCompile("^\\| `([^`]+)` \\| `([^`]+)` \\|")
	var out []kept
	for _, line := range strings.Split(string(body)[i+len(marker):], "\n")[3:] {
		m := row.FindStringSubmatch(line)
		if m == nil {
			break
		}
		out = append(out, kept{m[1], m[2]})
	}
	slices.SortFunc(out, func(a, b kept) int { return strings.Compare(a.typ+a.path, b.typ+b.path) })
	return out
}

func TestKeptResourcesAreTheDocumentedOnes(t *testing.T) {
	tmpl := testutil.ReadTemplate(t, filepath.Join(assembly(t), catalogStack+".template.json"))
	got := retained(t, tmpl)
	require.NotEmpty(t, got)
	assert.Equal(t, got, documented(t), "docs/operating.md, Tearing down: the kept resources")
	// Nothing else outlives the stack: UpdateReplacePolicy Retain only with
	// DeletionPolicy Retain.
	for id, r := range tmpl["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["UpdateReplacePolicy"] == "Retain" {
			assert.Equal(t, "Retain", r["DeletionPolicy"], id)
		}
	}
}

// The catalog stack refuses `cdk destroy` until the operator turns
// termination protection off (after the notebooks are gone).
func TestCatalogStackIsProtected(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(assembly(t), "manifest.json"))
	require.NoError(t, err)
	var manifest struct {
		Artifacts map[string]struct {
			Properties struct {
				TerminationProtection bool `json:"terminationProtection"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	require.NoError(t, json.Unmarshal(body, &manifest))
	require.Contains(t, manifest.Artifacts, catalogStack)
	assert.True(t, manifest.Artifacts[catalogStack].Properties.TerminationProtection)
}

// TestRedeployAfterDelete creates the catalog stack in moto's CloudFormation,
// deletes it, checks that exactly the documented resources are left, and
// creates it again. It passes because the kept log groups' names are unique
// per stack instance and the workspace bucket's name is generated; a kept
// name that collides fails it, saying so.
func TestRedeployAfterDelete(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the moto tear-down and redeploy")
	}
	dir := assembly(t)
	templateFile := filepath.Join(dir, catalogStack+".template.json")
	tmpl := testutil.ReadTemplate(t, templateFile)
	// The CDK's custom resource provider role has an AWS managed policy,
	// which moto_server loads only when asked.
	srv := motoserver.Start(t, motoserver.Options{Script: "testdata/moto_catalog.py", Tools: []string{"aws"},
		Env: []string{"MOTO_IAM_LOAD_MANAGED_POLICIES=true"}})
	m := &moto{Server: srv, env: append(os.Environ(), "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_DEFAULT_REGION="+motoserver.Region, "AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")}

	// What `cdk bootstrap` and the asset publishing leave in an account.
	m.aws(t, "ssm", "put-parameter", "--name", "/cdk-bootstrap/hnb659fds/version", "--type", "String", "--value", "30")
	assets := "cdk-hnb659fds-assets-" + motoserver.Account + "-" + motoserver.Region
	m.aws(t, "s3api", "create-bucket", "--bucket", assets, "--create-bucket-configuration", "LocationConstraint="+motoserver.Region)
	body, err := os.ReadFile(templateFile)
	require.NoError(t, err)
	placeholder := filepath.Join(t.TempDir(), "asset")
	require.NoError(t, os.WriteFile(placeholder, []byte("asset"), 0o644))
	keys := regexp.MustCompile(`"([0-9a-f]{64}\.(?:zip|json))"`).FindAllStringSubmatch(string(body), -1)
	require.NotEmpty(t, keys)
	for _, k := range keys {
		m.aws(t, "s3api", "put-object", "--bucket", assets, "--key", k[1], "--body", placeholder)
	}

	inventory := func() map[string][]string {
		out := map[string][]string{}
		for _, b := range m.aws(t, "s3api", "list-buckets")["Buckets"].([]any) {
			if name := b.(map[string]any)["Name"].(string); name != assets {
				out["AWS::S3::Bucket"] = append(out["AWS::S3::Bucket"], name)
			}
		}
		for _, g := range m.aws(t, "logs", "describe-log-groups")["logGroups"].([]any) {
			out["AWS::Logs::LogGroup"] = append(out["AWS::Logs::LogGroup"], g.(map[string]any)["logGroupName"].(string))
		}
		for _, k := range m.aws(t, "kms", "list-keys")["Keys"].([]any) {
			out["AWS::KMS::Key"] = append(out["AWS::KMS::Key"], k.(map[string]any)["KeyId"].(string))
		}
		for _, p := range m.aws(t, "iam", "list-policies", "--scope", "Local", "--max-items", "1000")["Policies"].([]any) {
			out["AWS::IAM::ManagedPolicy"] = append(out["AWS::IAM::ManagedPolicy"], p.(map[string]any)["PolicyName"].(string))
		}
		for _, f := range m.aws(t, "lambda", "list-functions")["Functions"].([]any) {
			out["AWS::Lambda::Function"] = append(out["AWS::Lambda::Function"], f.(map[string]any)["FunctionName"].(string))
		}
		return out
	}
	// create returns the new stack's status and reason, or the error that
	// refused it (moto creates a stack within the call, and answers its
	// failure as the call's error).
	create := func() (string, string) {
		cmd := exec.Command("aws", "--endpoint-url", m.Endpoint, "--output", "json", "cloudformation", "create-stack",
			"--stack-name", catalogStack, "--template-body", "file://"+templateFile, "--capabilities", "CAPABILITY_NAMED_IAM")
		cmd.Env = m.env
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "CREATE_FAILED", strings.TrimSpace(string(out))
		}
		var created struct{ StackId string }
		require.NoError(t, json.Unmarshal(out, &created))
		s := m.aws(t, "cloudformation", "describe-stacks", "--stack-name", created.StackId)["Stacks"].([]any)[0].(map[string]any)
		reason, _ := s["StackStatusReason"].(string)
		return s["StackStatus"].(string), reason
	}

	status, reason := create()
	require.Equal(t, "CREATE_COMPLETE", status, reason)
	before := inventory()
	require.NotEmpty(t, before["AWS::Lambda::Function"], "the stack's functions exist")

	m.aws(t, "cloudformation", "delete-stack", "--stack-name", catalogStack)
	left := inventory()
	// Exactly the retained resources are left: as many of each type as the
	// template retains, and nothing of the types it never retains.
	want := map[string]int{}
	for _, k := range retained(t, tmpl) {
		want[k.typ]++
	}
	for _, typ := range []string{"AWS::S3::Bucket", "AWS::Logs::LogGroup", "AWS::KMS::Key", "AWS::IAM::ManagedPolicy", "AWS::Lambda::Function"} {
		assert.Len(t, left[typ], want[typ], "%s left after the delete: %v", typ, left[typ])
	}

	status, reason = create()
	if status != "CREATE_COMPLETE" && regexp.MustCompile(`(?i)already exists|AlreadyOwnedByYou|ResourceAlreadyExists`).MatchString(reason+status) {
		t.Fatalf("the second creation collides with a name the first one kept (log groups must be unique per stack instance, "+
			"the workspace bucket's name generated): %s %s", status, reason)
	}
	require.Equal(t, "CREATE_COMPLETE", status, "the catalog comes back next to what it kept: %s", reason)
}

package authz_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/authz"
)

// mutated copies the hub assembly's manifest and templates into a fresh
// directory, with edit applied to each template's text.
func mutated(t *testing.T, edit func(file, body string) string) string {
	t.Helper()
	hub, _ := assemblyDirs(t)
	out := t.TempDir()
	files, err := filepath.Glob(filepath.Join(hub, "*.json"))
	require.NoError(t, err)
	for _, f := range files {
		body, err := os.ReadFile(f)
		require.NoError(t, err)
		name := filepath.Base(f)
		text := string(body)
		if strings.HasSuffix(name, ".template.json") {
			text = edit(name, text)
		}
		require.NoError(t, os.WriteFile(filepath.Join(out, name), []byte(text), 0o644))
	}
	return out
}

// mutant is a changed copy of the hub assembly and the flows to run on it.
type mutant struct {
	name  string
	edit  func(file, body string) string
	flows []string
}

// checkMutants runs every mutant's flows in one engine run and reconciles
// each mutant's part of the report with the real ledger.
func checkMutants(t *testing.T, mutants []mutant) (map[string]map[string]authz.Result, map[string]authz.Reconciliation) {
	t.Helper()
	all, err := authz.LoadModel()
	require.NoError(t, err)
	ledger, err := authz.LoadLedger()
	require.NoError(t, err)
	assemblies := map[string]*authz.Assembly{}
	var flows []authz.Flow
	for _, m := range mutants {
		a, err := authz.LoadAssembly(mutated(t, m.edit), authz.DefaultEnv())
		require.NoError(t, err)
		assemblies[m.name] = a
		for _, f := range all {
			for _, id := range m.flows {
				if f.ID == id {
					f.Assembly = m.name
					flows = append(flows, f)
				}
			}
		}
	}
	rep, err := authz.Check(assemblies, flows)
	require.NoError(t, err)
	results := map[string]map[string]authz.Result{}
	recs := map[string]authz.Reconciliation{}
	for _, m := range mutants {
		part := rep.Of(m.name)
		results[m.name] = map[string]authz.Result{}
		for _, r := range part.Results {
			results[m.name][r.ID()] = r
		}
		recs[m.name] = authz.Reconcile(part, ledger)
	}
	return results, recs
}

func replaceIn(suffix, old, new string) func(string, string) string {
	return func(file, body string) string {
		if strings.HasSuffix(file, suffix) {
			return strings.ReplaceAll(body, old, new)
		}
		return body
	}
}

func scopeToUpperCase(file, body string) string {
	if strings.HasSuffix(file, ".product.template.json") {
		return body
	}
	body = strings.ReplaceAll(body, ":notebook-instance/sc-*", ":notebook-instance/SC-*")
	return strings.ReplaceAll(body, ":notebook-instance-lifecycle-config/sc-*", ":notebook-instance-lifecycle-config/SC-*")
}

// TestChecksSeeFixesAndBreaks changes the templates and runs the flows on
// the changes, in one engine run: a fix turns its ledger entries stale and
// leaves the other defects of the same call in place (each defect is
// tracked on its own); a grant taken away is a new denial that no ledger
// entry explains (the checks are not vacuous).
func TestChecksSeeFixesAndBreaks(t *testing.T) {
	needEngine(t)
	breaks := []struct {
		mutant, call, because string
	}{
		{"no-put", "notebook/save-put", "no statement allows s3:PutObject"},
		{"boundary", "notebook/save-put", "boundary notebook-boundary#ReadWriteWorkspaces"},
		{"log-key", "provision/logs-encrypt-workspace-log", "kms:EncryptionContext:aws:logs:arn"},
		{"trust", "janitor/assume-janitor-role", "principal lambda.amazonaws.com not in"},
	}
	results, recs := checkMutants(t, []mutant{
		{"names", scopeToUpperCase, []string{"provision"}},
		{"names-and-key", func(file, body string) string {
			return strings.ReplaceAll(scopeToUpperCase(file, body), `"sagemaker:VolumeKmsKey"`, `"sagemaker:VolumeKmsKeyArn"`)
		}, []string{"provision"}},
		// The notebook role cannot write its workspace.
		{"no-put", replaceIn(".product.template.json", `"s3:PutObject"`, `"s3:PutObjectAcl"`), []string{"notebook"}},
		// The boundary no longer covers the workspaces.
		{"boundary", replaceIn("SageMakerCatalog.template.json", `"/owners/*"`, `"/nobody/*"`), []string{"notebook"}},
		// CloudWatch Logs may use the function key for other log groups only.
		{"log-key", replaceIn("SageMakerCatalog.template.json", ":log-group:/SageMakerCatalog/functions/*", ":log-group:/SageMakerCatalog/other/*"), []string{"provision"}},
		// The janitor's role trusts another service.
		{"trust", replaceIn("SageMakerCatalog.template.json", `"lambda.amazonaws.com"`, `"edgelambda.amazonaws.com"`), []string{"janitor"}},
	})

	names := results["names"]
	assert.Equal(t, authz.Allowed, names["provision/describe-notebook"].Decision)
	assert.Equal(t, authz.Allowed, names["provision/create-lifecycle-config"].Decision)
	create := names["provision/create-notebook"]
	assert.Equal(t, authz.ImplicitlyDenied, create.Decision)
	assert.Contains(t, strings.Join(create.Reasons, "\n"), "ArnEquals sagemaker:VolumeKmsKey")
	assert.NotContains(t, strings.Join(create.Reasons, "\n"), "sc-*")
	assert.Empty(t, recs["names"].Calls)
	stale := strings.Join(recs["names"].StaleCalls, "\n")
	assert.Contains(t, stale, "sagemaker-names-upper-case: provision/create-notebook is no longer refused")
	assert.Contains(t, stale, "sagemaker-names-upper-case: provision/describe-notebook is no longer refused")
	assert.NotContains(t, stale, "volume-kms-key-condition-key")
	create = results["names-and-key"]["provision/create-notebook"]
	assert.Equal(t, authz.Allowed, create.Decision, "both defects fixed: %v", create.Reasons)

	for _, b := range breaks {
		r := results[b.mutant][b.call]
		assert.NotEqual(t, authz.Allowed, r.Decision, b.mutant)
		assert.Contains(t, strings.Join(r.Reasons, "\n"), b.because, b.mutant)
		assert.Contains(t, strings.Join(recs[b.mutant].Calls, "\n"), b.call, "%s: a new denial the ledger does not explain", b.mutant)
	}
}

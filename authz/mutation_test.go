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

// scopeElsewhere scopes the catalog's SageMaker statements to names the
// product does not use.
func scopeElsewhere(file, body string) string {
	if strings.HasSuffix(file, ".product.template.json") {
		return body
	}
	for _, p := range []string{"sc-*", "SC-*"} {
		body = strings.ReplaceAll(body, ":notebook-instance/"+p, ":notebook-instance/xx-*")
		body = strings.ReplaceAll(body, ":notebook-instance-lifecycle-config/"+p, ":notebook-instance-lifecycle-config/xx-*")
	}
	return body
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
		{"boundary", "notebook/save-put", "boundary notebook-boundary#ReadWriteOwnWorkspace"},
		{"log-key", "provision/logs-encrypt-workspace-log", "kms:EncryptionContext:aws:logs:arn"},
		{"trust", "janitor/assume-janitor-role", "principal lambda.amazonaws.com not in"},
	}
	// Abuse cases that a weaker template lets through: a new Allowed row the
	// ledger does not explain.
	opened := []struct{ mutant, call, allowedBy string }{
		{"per-role", "abuse-analyst/bob-presigns-alices-notebook", "allowed by identity analyst-policy#OpenOwnNotebooks"},
		{"every-owner", "abuse-notebook-role/boundary-refuses-alices-workspace", "allowed by boundary notebook-boundary#ReadWriteOwnWorkspace"},
	}
	results, recs := checkMutants(t, []mutant{
		// The SageMaker statements scoped to other names than the product's
		// (as the first review found: sc-* for SC-... names).
		{"names", scopeElsewhere, []string{"provision"}},
		// The notebook role cannot write its workspace.
		{"no-put", replaceIn(".product.template.json", `"s3:PutObject"`, `"s3:PutObjectAcl"`), []string{"notebook"}},
		// The boundary no longer covers the workspaces.
		{"boundary", replaceIn("SageMakerCatalog.template.json", `"/owners/${aws:PrincipalTag/sagemaker-catalog:owner}/*"`, `"/nobody/*"`), []string{"notebook"}},
		// CloudWatch Logs may use the function key for other log groups only.
		{"log-key", replaceIn("SageMakerCatalog.template.json", ":log-group:/SageMakerCatalog/functions/*", ":log-group:/SageMakerCatalog/other/*"), []string{"provision"}},
		// The janitor's role trusts another service.
		{"trust", replaceIn("SageMakerCatalog.template.json", `"lambda.amazonaws.com"`, `"edgelambda.amazonaws.com"`), []string{"janitor"}},
		// Analysts open any catalog notebook (ownership per role, as before).
		{"per-role", replaceIn("SageMakerCatalog.template.json", `"aws:ResourceTag/sagemaker-catalog:owner-id": "${aws:userid}"`,
			`"aws:ResourceTag/sagemaker-catalog:product": "notebook"`), []string{"abuse-analyst"}},
		// The boundary allows every owner's workspace (as before).
		{"every-owner", replaceIn("SageMakerCatalog.template.json", `/owners/${aws:PrincipalTag/sagemaker-catalog:owner}/*"`, `/owners/*"`),
			[]string{"abuse-notebook-role"}},
	})

	names := results["names"]
	for _, call := range []string{"provision/create-notebook", "provision/describe-notebook", "provision/create-lifecycle-config"} {
		assert.NotEqual(t, authz.Allowed, names[call].Decision, call)
		assert.Contains(t, strings.Join(recs["names"].Calls, "\n"), call, "a new denial the ledger does not explain")
	}

	// A ledger entry that no longer occurs is reported, so the ledger can
	// only shrink.
	stale := authz.Reconcile(&authz.Report{Results: []authz.Result{results["names"]["provision/search-products"]}},
		[]authz.Defect{{ID: "gone", Denied: []authz.DeniedCall{{Call: "provision/search-products", Because: "x"}}}})
	assert.False(t, stale.OK())
	assert.Contains(t, strings.Join(stale.StaleCalls, "\n"), "gone: provision/search-products is no longer refused")

	for _, o := range opened {
		r := results[o.mutant][o.call]
		assert.Equal(t, authz.Allowed, r.Decision, o.mutant)
		assert.Contains(t, strings.Join(r.Reasons, "\n"), o.allowedBy, o.mutant)
		assert.Contains(t, strings.Join(recs[o.mutant].Calls, "\n"), o.call, "%s: a case now allowed that the ledger does not explain", o.mutant)
	}
	for _, b := range breaks {
		r := results[b.mutant][b.call]
		assert.NotEqual(t, authz.Allowed, r.Decision, b.mutant)
		assert.Contains(t, strings.Join(r.Reasons, "\n"), b.because, b.mutant)
		assert.Contains(t, strings.Join(recs[b.mutant].Calls, "\n"), b.call, "%s: a new denial the ledger does not explain", b.mutant)
	}
}

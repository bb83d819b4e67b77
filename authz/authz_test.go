package authz_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/authz"
	"github.com/datalake-platform/sagemaker-catalog/internal/config"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
	"github.com/datalake-platform/sagemaker-catalog/stacks"
)

// scratch holds the assemblies the tests share (t.TempDir would not outlive
// the first test).
var scratch string

func TestMain(m *testing.M) {
	var err error
	if scratch, err = os.MkdirTemp("", "authz-"); err != nil {
		panic(err)
	}
	testutil.Run(m, func() { os.RemoveAll(scratch) })
}

// synthesize builds the catalog as the app does, with context values (the
// others on their defaults), and returns the cloud assembly's directory.
func synthesize(t testing.TB, context map[string]string) string {
	t.Helper()
	cfg, err := config.Parse(context)
	require.NoError(t, err)
	outdir, err := os.MkdirTemp(scratch, "cdk.out-")
	require.NoError(t, err)
	cfg.ProductVersionsDir = filepath.Join(outdir, "product-versions")
	app := testutil.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
	stacks.NewCatalog(app, cfg, nil)
	return *app.Synth(nil).Directory()
}

// The spoke: an account the hub's portfolio is shared with.
var spokeContext = map[string]string{
	"importPortfolioId": "port-abcdefghijklm",
	"principalArns":     "arn:aws:iam::123456789012:role/analyst",
}

var (
	dirsOnce       sync.Once
	hubDir, spoke  string
	checkOnce      sync.Once
	report         *authz.Report
	reconciliation authz.Reconciliation
	checkErr       error
)

// assemblyDirs returns the hub's and the spoke's assemblies:
// AUTHZ_ASSEMBLY and AUTHZ_SPOKE_ASSEMBLY when set (existing cdk.out
// directories; without AUTHZ_SPOKE_ASSEMBLY the spoke's flows are skipped),
// else synthesized once per test binary.
func assemblyDirs(t *testing.T) (string, string) {
	dirsOnce.Do(func() {
		if dir := os.Getenv("AUTHZ_ASSEMBLY"); dir != "" {
			hubDir, spoke = dir, os.Getenv("AUTHZ_SPOKE_ASSEMBLY")
			return
		}
		hubDir, spoke = synthesize(t, nil), synthesize(t, spokeContext)
	})
	return hubDir, spoke
}

// needEngine skips when the engine's npm packages are not installed, except
// in CI.
func needEngine(t *testing.T) {
	t.Helper()
	root, err := authz.ModuleRoot()
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(root, "node_modules", "@cloud-copilot", "iam-simulate")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node_modules/@cloud-copilot/iam-simulate is missing: npm ci")
		}
		t.Skip("node_modules/@cloud-copilot/iam-simulate is missing: run npm ci to run the IAM checks")
	}
}

func load(t *testing.T, hub, spoke string) map[string]*authz.Assembly {
	t.Helper()
	out := map[string]*authz.Assembly{}
	for name, dir := range map[string]string{"hub": hub, "spoke": spoke} {
		if dir == "" {
			continue
		}
		a, err := authz.LoadAssembly(dir, authz.DefaultEnv())
		require.NoError(t, err)
		out[name] = a
	}
	return out
}

// checked runs every flow and the lint once (one node process) and
// reconciles the report with the ledger.
func checked(t *testing.T) (*authz.Report, authz.Reconciliation) {
	t.Helper()
	needEngine(t)
	hub, spoke := assemblyDirs(t)
	checkOnce.Do(func() {
		flows, err := authz.LoadModel()
		if err != nil {
			checkErr = err
			return
		}
		ledger, err := authz.LoadLedger()
		if err != nil {
			checkErr = err
			return
		}
		if report, checkErr = authz.Check(load(t, hub, spoke), flows); checkErr == nil {
			reconciliation = authz.Reconcile(report, ledger)
		}
	})
	require.NoError(t, checkErr)
	return report, reconciliation
}

// TestEveryFlowAsModelled evaluates every call of every flow with the IAM
// engine and prints the table. It fails on a decision the model does not
// expect that the ledger of known defects does not list, and on a ledger
// entry that no longer occurs.
func TestEveryFlowAsModelled(t *testing.T) {
	rep, rec := checked(t)
	var table strings.Builder
	rep.WriteTable(&table, rec.Known)
	t.Logf("engine %v\n%s", rep.Versions, table.String())
	calls, _, _, _ := rep.Counts()
	assert.Greater(t, calls, 100, "the model's calls were evaluated")
	for _, m := range rec.Model {
		t.Errorf("model: %s", m)
	}
	for _, c := range rec.Calls {
		t.Errorf("not as modelled, and not a known defect: %s", c)
	}
	for _, s := range rec.StaleCalls {
		t.Errorf("fixed: %s", s)
	}
}

// TestAbuseTable prints the abuse table of issue #11 (each case with the
// finding it stops) and checks that it is a table worth the name: at least
// 40 cases, every finding of the issue covered, each case naming its finding
// in what it does; that every case is refused, or still allowed for a reason
// the ledger gives, is TestEveryFlowAsModelled's.
func TestAbuseTable(t *testing.T) {
	rep, rec := checked(t)
	rows := rep.Abuse()
	var table strings.Builder
	authz.WriteAbuseTable(&table, rows, nil, rec.Known, false)
	t.Logf("\n%s", table.String())
	assert.GreaterOrEqual(t, len(rows), 40, "issue #11: at least 40 abuse cases")
	covered := map[string]int{}
	for _, r := range rows {
		covered[r.Finding]++
		assert.Contains(t, r.Does, r.Finding, "%s: does names the finding it stops", r.ID())
		if r.Decision == authz.Allowed {
			assert.NotEmpty(t, rec.Known[r.ID()], "%s: allowed, and the ledger does not say why", r.ID())
		}
	}
	for id := range authz.Findings {
		assert.NotZero(t, covered[id], "finding %s has no abuse case", id)
	}
}

// TestReferenceLint checks every statement of every template against the
// Service Authorization Reference: unknown actions, condition keys the
// action does not support, actions without resource-level permissions
// scoped to ARNs, ARNs that match none of the action's resource types.
func TestReferenceLint(t *testing.T) {
	rep, rec := checked(t)
	var out strings.Builder
	rep.WriteFindings(&out, rec.Known)
	t.Logf("%d findings\n%s", len(rep.Findings), out.String())
	for _, f := range rec.Findings {
		t.Errorf("lint, not a known defect: %s", f)
	}
	for _, s := range rec.StaleFindings {
		t.Errorf("fixed: %s", s)
	}
}

// The model covers every flow the README describes, and every call names
// the AWS documentation it follows.
func TestModelCoversEveryFlow(t *testing.T) {
	flows, err := authz.LoadModel()
	require.NoError(t, err)
	ids := map[string]bool{}
	for _, f := range flows {
		ids[f.ID] = true
		for _, c := range f.Calls {
			docs := false
			for _, s := range c.Source {
				docs = docs || strings.HasPrefix(s, "https://docs.aws.amazon.com/")
			}
			assert.True(t, docs, "%s/%s: no AWS documentation among its sources", f.ID, c.ID)
		}
	}
	for _, want := range []string{"provision", "update", "terminate", "notebook", "open", "stop-action", "start-action", "janitor", "spoke-provision"} {
		assert.True(t, ids[want], "no flow %s in authz/model", want)
	}
}

// Every locator finds its resource in the assemblies: when the stacks are
// restructured, this names the key of authz.Locators to update.
func TestLocatorsFindTheirResources(t *testing.T) {
	hub, spoke := assemblyDirs(t)
	as := load(t, hub, spoke)
	// A spoke has no portfolio, product, analyst role or service actions of
	// its own: the hub's are shared with it.
	notInSpoke := map[string]bool{"analyst": true, "analyst-policy": true, "portfolio": true, "product": true,
		"stop-role": true, "start-role": true, "stop-document": true, "start-document": true,
		"stop-action": true, "start-action": true}
	for key := range authz.Locators {
		if _, err := as["hub"].Locate(key); err != nil {
			t.Errorf("hub: %v", err)
		}
		if a, ok := as["spoke"]; ok && !notInSpoke[key] {
			if _, err := a.Locate(key); err != nil {
				t.Errorf("spoke: %v", err)
			}
		}
	}
}

func TestLedgerEntries(t *testing.T) {
	ledger, err := authz.LoadLedger()
	require.NoError(t, err)
	assert.NotEmpty(t, ledger, "the ledger lists today's known defects")
	for _, d := range ledger {
		assert.NotContains(t, d.Description, "\n", "%s: one paragraph", d.ID)
	}
}

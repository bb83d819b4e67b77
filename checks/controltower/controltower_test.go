package controltower_test

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/checks/controltower"
	"github.com/datalake-platform/sagemaker-catalog/internal/config"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
	"github.com/datalake-platform/sagemaker-catalog/stacks"
)

var update = flag.Bool("update", false, "rewrite the waiver table in README.md")

func TestMain(m *testing.M) { testutil.Run(m) }

// moduleRoot is the directory of go.mod above the working directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "no go.mod above the working directory")
		dir = parent
	}
}

// guard finds the installed validator: the test skips without it (run
// `npm ci` at the module root), and fails without it in CI. With -short it
// skips (go test -short runs no external tool).
func guard(t *testing.T) *controltower.Guard {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the cfn-guard run")
	}
	g, err := controltower.Find(filepath.Join(moduleRoot(t), controltower.PackageDir))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return g
}

type pair struct{ control, resource string }

func pairs(failures []controltower.Failure) map[pair]bool {
	out := map[pair]bool{}
	for _, f := range failures {
		out[pair{f.Control, f.Resource}] = true
	}
	return out
}

const bad, fixed = "testdata/bad.template.json", "testdata/fixed.template.json"

var (
	testdataOnce     sync.Once
	testdataFailures map[string][]controltower.Failure
	testdataErr      error
)

// testdataResults runs the shipped binary and every rule over the known-bad
// and the fixed template, once per test binary (cfn-guard's time grows with
// the rules times the templates), and returns the failures by template.
func testdataResults(t *testing.T) map[string][]controltower.Failure {
	t.Helper()
	g := guard(t)
	testdataOnce.Do(func() {
		var failures []controltower.Failure
		failures, testdataErr = g.Validate(bad, fixed)
		testdataFailures = byTemplate(failures)
	})
	require.NoError(t, testdataErr)
	return testdataFailures
}

func byTemplate(failures []controltower.Failure) map[string][]controltower.Failure {
	out := map[string][]controltower.Failure{}
	for _, f := range failures {
		out[f.Template] = append(out[f.Template], f)
	}
	return out
}

// typeName is a CloudFormation resource type, as the rules name them.
var typeName = regexp.MustCompile(`AWS::[A-Za-z0-9]+::[A-Za-z0-9]+`)

// applicable returns g with only the rules that can apply to the templates:
// a rule selects the resources it checks by their type (Resources.*[ Type ==
// %S3_BUCKET_TYPE ], the type a string in its file), so a rule none of whose
// types is in any template finds nothing there (cfn-guard reports it "not
// applicable"). A rule that names no type is kept, and so is a rule whose
// type appears anywhere in a template's text. cfn-guard's time grows with
// the rules: the catalog's template takes 4.7 s of CPU with the 237 rules,
// 1.4 s with the 53 that can apply. TestApplicableRulesFindTheSameFailures
// compares the two on the known-bad and the fixed template.
func applicable(t *testing.T, g *controltower.Guard, templates []string) *controltower.Guard {
	t.Helper()
	present := map[string]bool{}
	for _, tmpl := range templates {
		body, err := os.ReadFile(tmpl)
		require.NoError(t, err)
		for _, typ := range typeName.FindAllString(string(body), -1) {
			present[typ] = true
		}
	}
	dir := t.TempDir()
	kept := 0
	err := filepath.WalkDir(g.Rules, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".guard") {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		types := typeName.FindAllString(string(body), -1)
		if len(types) > 0 && !slices.ContainsFunc(types, func(typ string) bool { return present[typ] }) {
			return nil
		}
		rel, err := filepath.Rel(g.Rules, path)
		if err != nil {
			return err
		}
		kept++
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), body, 0o644)
	})
	require.NoError(t, err)
	require.NotZero(t, kept)
	return &controltower.Guard{Binary: g.Binary, Rules: dir, Controls: g.Controls}
}

// The check fails on a known-bad template: the failures come from the
// shipped binary and rules, each naming its control and resource.
func TestCheckFailsOnAKnownBadTemplate(t *testing.T) {
	failures := testdataResults(t)[bad]
	got := pairs(failures)
	for _, want := range []pair{
		{"CT.KMS.PR.3", "Key"}, {"CT.LAMBDA.PR.3", "Function"}, {"CT.S3.PR.4", "Bucket"}, {"CT.S3.PR.9", "Bucket"},
		{"CT.SQS.PR.1", "DeadLetters"}, {"CT.CODEBUILD.PR.3", "Project"},
	} {
		assert.True(t, got[want], "want %v among %v", want, failures)
	}
	for _, f := range failures {
		assert.Equal(t, "testdata/bad.template.json", f.Template)
		assert.NotEmpty(t, f.Title, "%v", f)
		assert.NotEmpty(t, f.Remediation, "%v", f)
	}
	report := controltower.Check(failures, controltower.Waivers)
	assert.Len(t, report.Unwaived, len(failures), "no waiver selects Key, Function, Bucket, ...")
	err := report.Err()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "testdata/bad.template.json fails CT.KMS.PR.3 (Require an AWS KMS key policy to have a statement that limits creation of AWS KMS grants to AWS services) on Key: Configure a KMS key policy statement")
	assert.Contains(t, err.Error(), "waived CT.S3.PR.9 on WorkspacesBucket matches no failure in these templates")
}

// Each fix the ledger prescribes, applied to the same resources as in the
// known-bad template, meets its control.
func TestLedgerFixesMeetTheirControls(t *testing.T) {
	results := testdataResults(t)
	require.NotEmpty(t, results[bad])
	before, after := pairs(results[bad]), pairs(results[fixed])
	tried := map[string]bool{}
	for _, p := range []pair{
		{"CT.KMS.PR.3", "Key"}, {"CT.S3.PR.2", "Bucket"}, {"CT.S3.PR.4", "Bucket"}, {"CT.S3.PR.6", "Bucket"},
		{"CT.S3.PR.11", "Bucket"}, {"CT.SQS.PR.1", "DeadLetters"}, {"CT.CODEBUILD.PR.3", "Project"},
	} {
		assert.True(t, before[p], "%v fails before the fix", p)
		assert.False(t, after[p], "%v passes after the fix", p)
		tried[p.control] = true
	}
	for _, w := range controltower.Waivers {
		if w.Kind == controltower.FixPending {
			assert.True(t, tried[w.Control], "%s: its fix is not tried in testdata/fixed.template.json", w.Control)
		}
	}
}

// The rules applicable (see applicable) find what every rule finds.
func TestApplicableRulesFindTheSameFailures(t *testing.T) {
	all := testdataResults(t)
	g := applicable(t, guard(t), []string{bad, fixed})
	entries, err := filepath.Glob(filepath.Join(g.Rules, "*", "*.guard"))
	require.NoError(t, err)
	require.Less(t, len(entries), len(guard(t).Controls), "the known-bad template does not have every type the rules check")
	failures, err := g.Validate(bad, fixed)
	require.NoError(t, err)
	assert.Equal(t, all, byTemplate(failures))
}

func TestWaiversAreComplete(t *testing.T) {
	require.NoError(t, controltower.Validate(controltower.Waivers))
	err := controltower.Validate([]controltower.Waiver{
		{Control: "CT.S3.PR.9", Resources: []string{"A"}, Kind: controltower.Waived, Cost: "c", Protects: "p"},
		{Control: "CT.S3.PR.9", Resources: []string{"A"}, Kind: controltower.FixPending},
		{Control: "S3.9", Kind: "later"},
	})
	require.Error(t, err)
	assert.Equal(t, strings.Join([]string{
		"waiver 0 (CT.S3.PR.9): a waiver says what meeting the control would cost, what it would protect and what stands instead, and has no Fix",
		"waiver 1 (CT.S3.PR.9): CT.S3.PR.9 A is listed twice",
		"waiver 1 (CT.S3.PR.9): a fix-pending entry says the exact change (Fix) and nothing else",
		"waiver 2 (S3.9): Control: want a proactive control ID such as CT.S3.PR.1",
		"waiver 2 (S3.9): Resources: want at least one logical ID",
		`waiver 2 (S3.9): Kind: want "waived" or "fix-pending", got "later"`,
	}, "\n"), err.Error())
}

func TestCheckSortsFailuresByWaivers(t *testing.T) {
	waivers := []controltower.Waiver{
		{Control: "CT.S3.PR.9", Resources: []string{"Workspaces", "Gone"}, Kind: controltower.Waived},
		{Control: "CT.KMS.PR.3", Resources: []string{"NotebookKey"}, Kind: controltower.FixPending},
	}
	failures := []controltower.Failure{
		{Control: "CT.S3.PR.9", Template: "a.json", Resource: "Workspaces72022D37"},
		{Control: "CT.S3.PR.9", Template: "b.json", Resource: "Workspaces72022D37"},
		{Control: "CT.S3.PR.9", Template: "a.json", Resource: "WorkspacesLogs1A2B3C4D"},
		{Control: "CT.S3.PR.4", Template: "a.json", Resource: "Workspaces72022D37"},
		{Control: "CT.KMS.PR.3", Template: "a.json", Resource: "NotebookKey70FA8682"},
	}
	r := controltower.Check(failures, waivers)
	assert.Equal(t, []controltower.Failure{failures[2], failures[3]}, r.Unwaived, "another resource, another control")
	assert.Equal(t, map[int][]controltower.Failure{0: failures[:2], 1: failures[4:]}, r.Accepted)
	assert.Equal(t, []controltower.Unused{{Waiver: waivers[0], Resource: "Gone"}}, r.Unused)
	assert.Equal(t, 2, r.Count(waivers, controltower.Waived))
	assert.Equal(t, 1, r.Count(waivers, controltower.FixPending))

	assert.True(t, controltower.Selects("Janitor", "JanitorB1488369"))
	assert.True(t, controltower.Selects("LifecycleConfig", "LifecycleConfig"))
	assert.False(t, controltower.Selects("Janitor", "JanitorDeadLetters7BED5F30"))
	assert.False(t, controltower.Selects("Janitor", "Janitorb1488369"), "the CDK's hash is upper-case hexadecimal")
}

// configurations are the catalog's configurations the templates are
// checked in, as CDK context values; "pipeline" deploys the catalog in two
// stages, one in another region (a cross-region support stack).
var configurations = []struct {
	name   string
	values map[string]string
}{
	{"defaults", nil},
	{"shared hub", map[string]string{
		"shareWithAccounts": "111111111111", "notifyStackEvents": "true",
		"dataBucketArns": "arn:aws:s3:::lake,arn:aws:s3:::lake/curated/", "dataAccess": "read-write",
	}},
	{"spoke", map[string]string{"importPortfolioId": "port-abcdefghijklm", "principalArns": "arn:aws:iam::123456789012:role/analyst"}},
	{"own network", map[string]string{
		"subnetIds": "subnet-0123456789abcdef0", "securityGroupIds": "sg-0123456789abcdef0",
		"kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	}},
	{"pipeline", map[string]string{
		"pipelineConnectionArn": "arn:aws:codeconnections:eu-west-1:123456789012:connection/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
		"pipelineRepository":    "data-platform/sagemaker-catalog", "pipelineEnvironment": "123456789012/eu-west-1",
		"deployEnvironments": "dev=111111111111/eu-west-1,prod=222222222222/eu-central-1",
	}},
}

// synthesize builds the app as main.go does from context values, into a
// new directory under dir, and returns the cloud assembly's directory. It
// is the one place here that knows how the app is composed.
func synthesize(t *testing.T, dir string, values map[string]string) string {
	t.Helper()
	outdir, err := os.MkdirTemp(dir, "cdk.out-")
	require.NoError(t, err)
	// Version snapshots outside the assembly: they copy the product template.
	versions, err := os.MkdirTemp(dir, "product-versions-")
	require.NoError(t, err)
	ctx := map[string]string{"productVersionsDir": versions}
	for k, v := range values {
		ctx[k] = v
	}
	cfg, err := config.Parse(ctx)
	require.NoError(t, err)
	app := testutil.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
	stacks.New(app, cfg, nil)
	return *app.Synth(nil).Directory()
}

// Every template the app synthesizes, in every configuration, and the
// examples: every failure is waived or in the ledger, and every waiver
// matches a failure.
func TestTemplates(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the syntheses")
	}
	g := guard(t)
	tmp := t.TempDir()
	examples, err := filepath.Glob(filepath.Join(moduleRoot(t), "examples", "*", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, examples)
	// cfn-guard checks each configuration's templates (with the rules that
	// can apply to them) while the next configuration synthesizes: the
	// syntheses run in Node.js, cfn-guard beside it.
	type result struct {
		failures []controltower.Failure
		err      error
	}
	dirs := map[string]string{}
	var templates []string
	var results []chan result
	check := func(paths ...string) {
		found, err := controltower.Templates(paths...)
		require.NoError(t, err)
		templates = append(templates, found...)
		r := make(chan result, 1)
		results = append(results, r)
		subset := applicable(t, g, found)
		go func() {
			failures, err := subset.Validate(found...)
			r <- result{failures, err}
		}()
	}
	for i, c := range configurations {
		dirs[c.name] = synthesize(t, tmp, c.values)
		if i == 0 {
			check(append([]string{dirs[c.name]}, examples...)...)
		} else {
			check(dirs[c.name])
		}
	}
	var failures []controltower.Failure
	for _, r := range results {
		got := <-r
		require.NoError(t, got.err)
		failures = append(failures, got.failures...)
	}
	report := controltower.Check(failures, controltower.Waivers)

	// The counts, by configuration and decision.
	lines := []string{fmt.Sprintf("%-12s %9s %7s %11s %9s", "", "templates", "waived", "fix-pending", "unwaived")}
	decision := map[controltower.Failure]string{}
	for i, fs := range report.Accepted {
		for _, f := range fs {
			decision[f] = string(controltower.Waivers[i].Kind)
		}
	}
	for _, c := range configurations {
		n, counts := 0, map[string]int{}
		for _, tmpl := range templates {
			if strings.HasPrefix(tmpl, dirs[c.name]+string(filepath.Separator)) {
				n++
			}
		}
		for _, f := range failures {
			if strings.HasPrefix(f.Template, dirs[c.name]+string(filepath.Separator)) {
				if d, ok := decision[f]; ok {
					counts[d]++
				} else {
					counts["unwaived"]++
				}
			}
		}
		lines = append(lines, fmt.Sprintf("%-12s %9d %7d %11d %9d", c.name, n, counts["waived"], counts["fix-pending"], counts["unwaived"]))
	}
	t.Logf("Control Tower proactive controls (%d) over %d templates:\n%s", len(g.Controls), len(templates), strings.Join(lines, "\n"))

	require.NoError(t, report.Err())
	// Every configuration's catalog and product templates were checked.
	for _, c := range configurations {
		found := 0
		for _, tmpl := range templates {
			if strings.HasPrefix(tmpl, dirs[c.name]) && strings.HasSuffix(tmpl, ".product.template.json") {
				found++
			}
		}
		assert.NotZero(t, found, "%s: no product template", c.name)
	}
}

// The README's waiver table is Table(Waivers); go test -run README -update
// rewrites it.
func TestREADMEWaiverTable(t *testing.T) {
	const begin, end = "<!-- waivers: begin (go test ./checks/controltower -run README -update) -->\n", "<!-- waivers: end -->\n"
	body, err := os.ReadFile("README.md")
	require.NoError(t, err)
	text := string(body)
	i, j := strings.Index(text, begin), strings.Index(text, end)
	require.True(t, i >= 0 && j > i, "README.md marks the table with %q and %q", begin, end)
	want := text[:i+len(begin)] + controltower.Table(controltower.Waivers) + text[j:]
	if *update {
		require.NoError(t, os.WriteFile("README.md", []byte(want), 0o644))
		return
	}
	assert.Equal(t, want, text, "the waiver table is out of date: go test ./checks/controltower -run README -update")
}

// Templates finds *.template.json below directories, stages included.
func TestTemplatesFindsNestedAssemblies(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"A.template.json", "assembly-x/B.template.json", "manifest.json", "tree.json"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte("{}"), 0o644))
	}
	got, err := controltower.Templates(dir, "testdata/bad.template.json")
	require.NoError(t, err)
	sort.Strings(got)
	assert.Equal(t, []string{filepath.Join(dir, "A.template.json"), filepath.Join(dir, "assembly-x/B.template.json"), "testdata/bad.template.json"}, got)
	_, err = controltower.Templates(t.TempDir())
	assert.ErrorContains(t, err, "no *.template.json files")
}

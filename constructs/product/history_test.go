package product_test

import (
	"errors"
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/product"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

// history synthesizes a product whose current version is a topic named
// topicName, with the snapshots in dir, and returns its lock and product.
func history(t *testing.T, dir, topicName, current string, previous ...string) (*product.Lock, *product.Product) {
	t.Helper()
	app := testutil.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("Test"), nil)
	ps := awsservicecatalog.NewProductStack(stack, jsii.String("Topic"), nil)
	awssns.NewCfnTopic(ps, jsii.String("Topic"), &awssns.CfnTopicProps{TopicName: jsii.String(topicName)})
	versions, lock := product.History(stack, jsii.String("History"), &product.HistoryProps{
		ProductStack: ps, Current: jsii.String(current), Previous: previous, Directory: jsii.String(dir),
	})
	p := product.New(stack, jsii.String("Product"), &product.Props{ProductName: jsii.String("N"), Owner: jsii.String("O"), Versions: versions})
	app.Synth(nil)
	return lock, p
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// A version nobody released can change: synthesis writes no snapshot and
// checks nothing.
func TestUnreleasedVersionMayChange(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"first", "second"} {
		lock, _ := history(t, dir, name, "v1")
		assert.False(t, lock.Released())
		assert.NoError(t, lock.Check())
	}
	assert.Empty(t, files(t, dir), "synthesis writes no snapshot")
}

// Release writes the snapshot, named as the CDK's ProductStackHistory
// names it; from then on the version is locked, and Check names what
// changed.
func TestReleasedVersionIsLocked(t *testing.T) {
	dir := t.TempDir()
	lock, _ := history(t, dir, "first", "v1")
	require.NoError(t, lock.Release())
	// The name the CDK's ProductStackHistory of the same path writes, so
	// that its snapshots stay valid.
	cdkDir := t.TempDir()
	app := testutil.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("Test"), nil)
	awsservicecatalog.NewProductStackHistory(stack, jsii.String("History"), &awsservicecatalog.ProductStackHistoryProps{
		ProductStack: productStack(stack, "Topic"), CurrentVersionName: jsii.String("v1"), CurrentVersionLocked: jsii.Bool(false), Directory: jsii.String(cdkDir),
	})
	app.Synth(nil)
	require.Len(t, files(t, cdkDir), 1)
	assert.Equal(t, files(t, cdkDir), files(t, dir))
	released, err := os.ReadFile(lock.Snapshot)
	require.NoError(t, err)
	synthesized, err := os.ReadFile(lock.Template())
	require.NoError(t, err)
	assert.Equal(t, string(synthesized), string(released))

	same, _ := history(t, dir, "first", "v1")
	assert.True(t, same.Released())
	assert.NoError(t, same.Check(), "an unchanged version passes")
	assert.NoError(t, same.Release(), "releasing it again changes nothing")

	changed, _ := history(t, dir, "second", "v1")
	err = changed.Check()
	var ce *product.ChangedError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "v1", ce.Version)
	assert.Equal(t, lock.Snapshot, ce.Snapshot)
	assert.Equal(t, []string{"Resources.Topic.Properties.TopicName"}, ce.Changes)
	assert.Contains(t, err.Error(), "Test/History: version v1 is released (")
	assert.Contains(t, err.Error(), "and its template changed: Resources.Topic.Properties.TopicName: release the change as a new version, or undo it")
	assert.ErrorAs(t, changed.Release(), &ce, "Release never overwrites a snapshot")
	after, err := os.ReadFile(lock.Snapshot)
	require.NoError(t, err)
	assert.Equal(t, string(released), string(after))
}

func TestHistoryKeepsEarlierVersions(t *testing.T) {
	dir := t.TempDir()
	lock, _ := history(t, dir, "first", "v1")
	require.NoError(t, lock.Release())

	v2, p := history(t, dir, "second", "v2", "v1")
	assert.False(t, v2.Released())
	assert.NoError(t, v2.Check())
	tmpl := assertions.Template_FromStack(awscdk.Stack_Of(p), nil)
	tmpl.HasResourceProperties(jsii.String("AWS::ServiceCatalog::CloudFormationProduct"), map[string]any{
		"ProvisioningArtifactParameters": []any{
			map[string]any{"Name": "v1"}, map[string]any{"Name": "v2"},
		},
	})
	assert.Equal(t, []string{"AWS::SNS::Topic"}, p.ResourceTypes(), "types come from the snapshot too")
	require.NoError(t, v2.Release())
	assert.Len(t, files(t, dir), 2)

	msg := testutil.PanicMessage(func() { history(t, dir, "third", "v3", "v0") })
	assert.Contains(t, msg, `Previous: invalid value "v0"`)
	assert.Contains(t, msg, ".v0.product.template.json exists")
	msg = testutil.PanicMessage(func() {
		_, stack := testutil.NewStack()
		product.History(stack, jsii.String("H"), &product.HistoryProps{ProductStack: productStack(stack, "P"), Current: jsii.String("v1"), Directory: jsii.String("relative")})
	})
	assert.Contains(t, msg, `Directory: invalid value "relative": an absolute path`)
}

// Locks finds every history's lock, in nested stages too, and each reads
// its template from its own stage's assembly.
func TestLocksInStages(t *testing.T) {
	app := testutil.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	dir := t.TempDir()
	for _, name := range []string{"Dev", "Prod"} {
		stage := awscdk.NewStage(app, jsii.String(name), nil)
		stack := awscdk.NewStack(stage, jsii.String("Catalog"), nil)
		product.History(stack, jsii.String("History"), &product.HistoryProps{
			ProductStack: productStack(stack, "Topic"), Current: jsii.String("v1"), Directory: jsii.String(dir),
		})
	}
	app.Synth(nil)
	locks := product.Locks(app)
	require.Len(t, locks, 2)
	for _, l := range locks {
		require.NoError(t, l.Release())
		_, err := os.Stat(l.Template())
		assert.NoError(t, err)
	}
	assert.Contains(t, locks[0].Template(), "assembly-Dev")
	assert.Len(t, files(t, dir), 2, "one snapshot per stage")
	assert.Empty(t, product.Locks(awscdk.NewApp(nil)))
}

func TestChanges(t *testing.T) {
	for _, tc := range []struct {
		name          string
		before, after string
		want          []string
	}{
		{"same", `{"Resources":{"A":{"Type":"T"}}}`, `{"Resources": {"A": {"Type": "T"}}}`, nil},
		{"a property", `{"Resources":{"A":{"Type":"T","Properties":{"P":{"X":1},"Q":2}}}}`, `{"Resources":{"A":{"Type":"T","Properties":{"P":{"X":2},"Q":2}}}}`, []string{"Resources.A.Properties.P"}},
		{"a resource", `{"Resources":{"A":{"Type":"T"}}}`, `{"Resources":{"A":{"Type":"T"},"B":{"Type":"T"}}}`, []string{"Resources.B"}},
		{"a type", `{"Resources":{"A":{"Type":"T"}}}`, `{"Resources":{"A":{"Type":"U"}}}`, []string{"Resources.A.Type"}},
		{"parameters", `{"Parameters":{"P":{"Default":1,"MaxValue":5}}}`, `{"Parameters":{"P":{"Default":2,"MaxValue":6}}}`, []string{"Parameters.P.Default", "Parameters.P.MaxValue"}},
		{"an output", `{"Outputs":{"O":{"Value":"a"}}}`, `{"Outputs":{"O":{"Value":"b"}}}`, []string{"Outputs.O.Value"}},
		{"the description", `{"Description":"a"}`, `{"Description":"b"}`, []string{"Description"}},
		{"not JSON", `{`, `{}`, []string{"(template)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, product.Changes([]byte(tc.before), []byte(tc.after)))
		})
	}
	err := &product.ChangedError{Path: "S/H", Version: "v1", Snapshot: "s.json", Changes: []string{"a", "b", "c", "d", "e", "f", "g"}}
	assert.Equal(t, "a, b, c, d, e and 2 more", err.Describe())
	assert.Equal(t, "the same JSON, formatted differently", (&product.ChangedError{}).Describe())
	assert.True(t, errors.As(error(err), new(*product.ChangedError)))
}

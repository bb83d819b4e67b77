package stacks_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
	"github.com/datalake-platform/sagemaker-catalog/stacks"
)

// synthVersions synthesizes a catalog whose snapshots are in dir and returns
// the product's versions (name to template) and the synthesis error, if any.
func synthVersions(t *testing.T, dir string, values map[string]string, context ...map[string]any) (map[string]string, string) {
	cfg, err := parse(values, dir)
	require.NoError(t, err)
	props := &awscdk.AppProps{}
	if len(context) > 0 {
		props.Context = &context[0]
	}
	app := testutil.NewApp(props)
	var out string
	msg := testutil.PanicMessage(func() {
		// The app's construct ID: snapshot names derive from construct paths.
		stacks.NewCatalog(app, cfg, nil)
		out = *app.Synth(nil).Directory()
	})
	if msg != "" {
		return nil, msg
	}
	catalog := testutil.ReadTemplate(t, filepath.Join(out, "SageMakerCatalog.template.json"))
	versions := map[string]string{}
	for _, r := range catalog.Resources("AWS::ServiceCatalog::CloudFormationProduct") {
		for _, a := range r["Properties"].(map[string]any)["ProvisioningArtifactParameters"].([]any) {
			a := a.(map[string]any)
			url := testutil.JSON(a["Info"].(map[string]any)["LoadTemplateFromURL"])
			hash := url[strings.LastIndex(url, "/")+1 : strings.LastIndex(url, ".json")]
			// The asset's file in the assembly: a product stack's or a snapshot's.
			files, _ := filepath.Glob(filepath.Join(out, "*"+hash+"*"))
			body := ""
			for _, f := range files {
				if b, err := os.ReadFile(f); err == nil {
					body = string(b)
				}
			}
			if body == "" {
				// A product stack's template is named after the stack, not the hash.
				products, _ := filepath.Glob(filepath.Join(out, "*.product.template.json"))
				require.Len(t, products, 1)
				b, err := os.ReadFile(products[0])
				require.NoError(t, err)
				body = string(b)
			}
			versions[a["Name"].(string)] = body
		}
	}
	return versions, ""
}

func TestEarlierVersionsStayInTheProduct(t *testing.T) {
	dir := t.TempDir()
	v1, errMsg := synthVersions(t, dir, map[string]string{"maxVolumeSizeGB": "100"})
	require.Empty(t, errMsg)
	require.Len(t, v1, 1)
	snapshots, _ := filepath.Glob(filepath.Join(dir, "*.v1.product.template.json"))
	require.Len(t, snapshots, 1, "releasing v1 wrote its snapshot")

	// Release v2 with a larger volume limit; v1 stays, from its snapshot.
	both, errMsg := synthVersions(t, dir, map[string]string{"maxVolumeSizeGB": "200", "productVersion": "v2", "previousProductVersions": "v1"})
	require.Empty(t, errMsg)
	require.Len(t, both, 2)
	assert.Contains(t, both["v1"], `"MaxValue": 100`, "v1 keeps its template")
	assert.Contains(t, both["v2"], `"MaxValue": 200`, "v2 has the new one")
}

func TestReleasedVersionIsLocked(t *testing.T) {
	dir := t.TempDir()
	_, errMsg := synthVersions(t, dir, nil)
	require.Empty(t, errMsg)
	_, errMsg = synthVersions(t, dir, map[string]string{"maxVolumeSizeGB": "300"})
	assert.Contains(t, errMsg, "Template has changed for ProductStack Version v1")
}

func TestMissingSnapshotIsNamed(t *testing.T) {
	_, errMsg := synthVersions(t, t.TempDir(), map[string]string{"productVersion": "v3", "previousProductVersions": "v2"})
	assert.Contains(t, errMsg, `Previous: invalid value "v2"`)
	assert.Contains(t, errMsg, ".v2.product.template.json exists")
}

// The snapshot committed in product-versions/ is the template on defaults:
// `cdk synth` from a clean clone passes the lock.
func TestCommittedSnapshotMatchesTheDefaults(t *testing.T) {
	committed, err := filepath.Glob("../product-versions/*.product.template.json")
	require.NoError(t, err)
	require.NotEmpty(t, committed)
	dir := t.TempDir()
	for _, f := range committed {
		body, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(f)), body, 0o644))
	}
	// With or without the CLI's path metadata (cdk synth --no-path-metadata).
	for _, pathMetadata := range []bool{true, false} {
		_, errMsg := synthVersions(t, dir, nil, map[string]any{"aws:cdk:enable-path-metadata": pathMetadata})
		require.Empty(t, errMsg, "the committed snapshot is stale: release a new productVersion")
	}
	after, _ := filepath.Glob(filepath.Join(dir, "*"))
	assert.Len(t, after, len(committed), "no new snapshot written")
}

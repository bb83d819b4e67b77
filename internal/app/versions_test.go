package app_test

import (
	"bytes"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/product"
	"github.com/datalake-platform/sagemaker-catalog/internal/app"
	"github.com/datalake-platform/sagemaker-catalog/internal/config"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

// productVersions returns the notebook product's versions in the catalog
// template of dir: name to the template each loads (a product stack's
// template, or a released snapshot copied into the assembly).
func productVersions(t *testing.T, dir string) map[string]string {
	t.Helper()
	catalog := testutil.ReadTemplate(t, filepath.Join(dir, "SageMakerCatalog.template.json"))
	out := map[string]string{}
	for _, r := range catalog.Resources("AWS::ServiceCatalog::CloudFormationProduct") {
		for _, a := range r["Properties"].(map[string]any)["ProvisioningArtifactParameters"].([]any) {
			a := a.(map[string]any)
			url := testutil.JSON(a["Info"].(map[string]any)["LoadTemplateFromURL"])
			hash := url[strings.LastIndex(url, "/")+1 : strings.LastIndex(url, ".json")]
			files, _ := filepath.Glob(filepath.Join(dir, "*"+hash+"*"))
			if len(files) == 0 {
				// A product stack's template is named after the stack.
				files, _ = filepath.Glob(filepath.Join(dir, "*.product.template.json"))
			}
			require.Len(t, files, 1, "the template of version %s", a["Name"])
			body, err := os.ReadFile(files[0])
			require.NoError(t, err)
			out[a["Name"].(string)] = string(body)
		}
	}
	return out
}

func snapshots(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.product.template.json"))
	require.NoError(t, err)
	return files
}

// A fresh deployment's first version is v1, not released: any
// product-shaping value can change, and synthesis writes nothing into the
// repository until the version is released.
func TestFirstVersionIsUnreleased(t *testing.T) {
	notices := captureNotices(t)
	versions := t.TempDir()
	for _, types := range []string{"ml.t3.medium,ml.t3.large", "ml.t3.medium"} {
		_, err := synthApp(map[string]any{"productVersionsDir": versions, "allowedInstanceTypes": types, "defaultInstanceType": "ml.t3.medium"})
		require.NoError(t, err, types)
	}
	assert.Empty(t, snapshots(t, versions))
	assert.Equal(t, strings.Repeat("note: product version v1 of SageMakerCatalog is not released, and may still change: "+
		"release it before analysts use it (docs/releasing.md)\n", 2), notices.String())
}

// captureNotices collects app.Notices until the test ends.
func captureNotices(t *testing.T) *bytes.Buffer {
	var b bytes.Buffer
	app.Notices = &b
	t.Cleanup(func() { app.Notices = io.Discard })
	return &b
}

// The release procedure of docs/releasing.md, in the app: release v1, a
// change to it fails in one line that names what changed and the next
// step, which releases v2 next to v1.
func TestReleaseProcedure(t *testing.T) {
	versions := t.TempDir()
	notices := captureNotices(t)
	_, err := synthApp(map[string]any{"productVersionsDir": versions, "maxVolumeSizeGB": "100", "release": "v1"})
	require.NoError(t, err)
	require.Len(t, snapshots(t, versions), 1, "releasing v1 wrote its snapshot")
	assert.Equal(t, "released product version v1 of SageMakerCatalog: commit "+snapshots(t, versions)[0]+"\n", notices.String())

	_, err = synthApp(map[string]any{"productVersionsDir": versions, "maxVolumeSizeGB": "200",
		"allowedInstanceTypes": "ml.t3.medium,ml.t3.large", "defaultInstanceType": "ml.t3.medium"})
	require.Error(t, err)
	msg := err.Error()
	assert.NotContains(t, msg, "\n", "one line")
	assert.Contains(t, msg, "product version v1 of SageMakerCatalog is released (")
	assert.Contains(t, msg, ".v1.product.template.json) and allowedInstanceTypes, maxVolumeSizeGB would change its template "+
		"(Parameters.InstanceType.AllowedValues, Parameters.VolumeSizeInGB.ConstraintDescription, "+
		"Parameters.VolumeSizeInGB.Description, Parameters.VolumeSizeInGB.MaxValue); ")
	assert.Contains(t, msg, "to ship the change, set productVersion to v2 and previousProductVersions to v1 in cdk.json, "+
		"then run npx cdk synth --quiet -c release=v2 and commit ")
	assert.Contains(t, msg, "to keep v1, undo the change")
	assert.NotContains(t, msg, "TemplateChangedForLockedVersion")

	next := map[string]any{"productVersionsDir": versions, "maxVolumeSizeGB": "200", "productVersion": "v2", "previousProductVersions": "v1"}
	dir, err := synthApp(next)
	require.NoError(t, err, "v2 synthesizes before its release")
	both := productVersions(t, dir)
	require.Len(t, both, 2)
	assert.Contains(t, both["v1"], `"MaxValue": 100`, "v1 keeps its template")
	assert.Contains(t, both["v2"], `"MaxValue": 200`, "v2 has the new one")

	next["release"] = "v2"
	_, err = synthApp(next)
	require.NoError(t, err)
	assert.Len(t, snapshots(t, versions), 2, "v2 released")
}

// Every key of config.ProductProperties sets its properties: changing them
// all at once changes exactly those properties of a released version, and
// the error names every key.
func TestProductPropertiesNameTheirKeys(t *testing.T) {
	versions := t.TempDir()
	_, err := synthApp(map[string]any{"productVersionsDir": versions, "release": "v1"})
	require.NoError(t, err)
	changed := map[string]string{
		"allowedInstanceTypes":  "ml.t3.large,ml.m5.xlarge",
		"defaultInstanceType":   "ml.m5.xlarge",
		"defaultVolumeSizeGB":   "25",
		"maxVolumeSizeGB":       "300",
		"idleTimeoutMinutes":    "45",
		"maxIdleTimeoutMinutes": "600",
		"leaseDays":             "5",
		"maxLeaseDays":          "20",
	}
	keys := slices.Sorted(maps.Keys(changed))
	require.Equal(t, keys, slices.Compact(slices.Sorted(maps.Values(config.ProductProperties))), "the test changes every key the table names")
	context := map[string]any{"productVersionsDir": versions}
	for k, v := range changed {
		for _, key := range config.Keys {
			if key.Name == k {
				require.NotEqual(t, key.Default, v, "%s must differ from its default", k)
			}
		}
		context[k] = v
	}
	dir, err := synthApp(context)
	require.Error(t, err)
	assert.Contains(t, err.Error(), " and "+strings.Join(keys, ", ")+" would change its template (")

	// Exactly those properties changed.
	released, err := os.ReadFile(snapshots(t, versions)[0])
	require.NoError(t, err)
	products := snapshots(t, dir)
	require.Len(t, products, 1)
	now, err := os.ReadFile(products[0])
	require.NoError(t, err)
	assert.Equal(t, slices.Sorted(maps.Keys(config.ProductProperties)), product.Changes(released, now))
}

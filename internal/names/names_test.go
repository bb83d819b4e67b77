package names_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

// The catalog's names fit their services' limits for any valid catalog name.
func TestCatalogNamesFitTheirLimits(t *testing.T) {
	long := "A" + strings.Repeat("b-", 49) + "c" // 100 characters, the longest stack name
	assert.LessOrEqual(t, len(names.WorkspaceFunction(long)), 64, "Lambda's limit")
	assert.Equal(t, "/SageMakerCatalog/eu-west-1/notebooks/", names.NotebookRolePath("SageMakerCatalog", "eu-west-1"))
	assert.Equal(t, "SageMakerCatalog-eu-west-1-notebook-boundary", names.NotebookBoundary("SageMakerCatalog", "eu-west-1"))
	const region = "us-isof-south-1" // the longest region
	for _, n := range []string{names.LaunchRole(long, region), names.AnalystRole(long, region)} {
		assert.LessOrEqual(t, len(n), 64, "IAM role names: %s", n)
	}
	for _, n := range []string{names.NotebookBoundary(long, region), names.NotebookPolicy(long, region), names.AnalystPolicy(long, region)} {
		assert.LessOrEqual(t, len(n), 128, "IAM policy names: %s", n)
	}
	assert.LessOrEqual(t, len(names.NotebookRolePath(long, region)), 512, "IAM paths")
	// Two regions of one account: different names.
	assert.NotEqual(t, names.LaunchRole("SageMakerCatalog", "eu-west-1"), names.LaunchRole("SageMakerCatalog", "us-east-1"))
}

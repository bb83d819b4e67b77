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
	assert.Equal(t, "sagemakercatalog-ws", names.WorkspaceBucketPrefix("SageMakerCatalog"))
	assert.Equal(t, "ab-b-b-b-b-b-b-b-b-b-b-b-ws", names.WorkspaceBucketPrefix(long), "cut, lower case, no hyphen before -ws")
	// <prefix>-<12-digit account>-<region of up to 14 characters> within S3's 63.
	assert.LessOrEqual(t, len(names.WorkspaceBucketPrefix(long))+1+12+1+14, 63)
	assert.LessOrEqual(t, len(names.WorkspaceFunction(long)), 64, "Lambda's limit")
	assert.Equal(t, "/SageMakerCatalog/notebooks/", names.NotebookRolePath("SageMakerCatalog"))
	assert.Equal(t, "SageMakerCatalog-notebook-boundary", names.NotebookBoundary("SageMakerCatalog"))
}

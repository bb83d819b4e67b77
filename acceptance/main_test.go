package acceptance_test

import (
	"testing"

	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

// TestMain stops the jsii runtime the contract test starts.
func TestMain(m *testing.M) { testutil.Run(m) }

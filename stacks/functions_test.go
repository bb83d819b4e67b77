package stacks_test

import (
	"debug/elf"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/stacks"
)

// The functions' asset is a static Linux arm64 executable named bootstrap,
// as the provided.al2023 runtime expects, in a directory named after it.
func TestFunctionsAsset(t *testing.T) {
	dir, err := stacks.FunctionsAsset()
	require.NoError(t, err)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "bootstrap", entries[0].Name())
	f, err := elf.Open(filepath.Join(dir, "bootstrap"))
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, elf.EM_AARCH64, f.Machine)
	assert.Equal(t, elf.ET_EXEC, f.Type, "statically linked (CGO_ENABLED=0)")
	for _, p := range f.Progs {
		assert.NotEqual(t, elf.PT_INTERP, p.Type, "no dynamic loader")
	}
	info, err := os.Stat(filepath.Join(dir, "bootstrap"))
	require.NoError(t, err)
	assert.NotZero(t, info.Mode()&0o111, "executable")
}

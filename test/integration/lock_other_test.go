//go:build !unix

package integration_test

// lock does not lock where there is no flock: workDir then uses a
// temporary directory.
func lock(string) (unlock func(), ok bool) { return nil, false }

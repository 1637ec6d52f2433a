package scan

import "testing"

// UseGoGit makes history scans in the calling test use the go-git fallback
// instead of the git binary.
func UseGoGit(t testing.TB) {
	useGitBinary = false
	t.Cleanup(func() { useGitBinary = true })
}

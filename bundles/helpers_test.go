package bundles

import (
	"path/filepath"
	"testing"
)

// mustLoad loads ref with WorkDir set to dir.
func mustLoad(t testing.TB, ref, workDir string) *Bundle {
	t.Helper()
	b, err := Load(t.Context(), ref, LoadOptions{WorkDir: workDir, CacheDir: filepath.Join(workDir, ".cache")})
	if err != nil {
		t.Fatalf("Load(%q): %v", ref, err)
	}
	return b
}

package policies

import (
	"embed"
	"io/fs"
	"maps"
	"strings"
	"sync"
)

// libFS is the built-in policy library: packages gov.lib.<family>.<topic>
// that every bundle gets unless gov.cue sets library: enabled: false.
//
//go:embed lib
var libFS embed.FS

// Library returns the library's Rego modules (tests excluded) by path, e.g.
// "lib/code/python.rego" -> source.
func Library() map[string]string {
	return maps.Clone(library())
}

// library is read once per process: the engine asks for it on every
// evaluation it prepares, and reading copies every source.
var library = sync.OnceValue(func() map[string]string {
	return readFS(libFS, "lib", func(name string) bool { return !strings.HasSuffix(name, "_test.rego") })
})

// LibraryTests returns the _test.rego files of the library by path.
func LibraryTests() map[string]string {
	return readFS(libFS, "lib", func(name string) bool { return strings.HasSuffix(name, "_test.rego") })
}

// readFS reads the .rego files under root that keep accepts. The embedded
// tree is fixed at build time, so walking it cannot fail.
func readFS(fsys embed.FS, root string, keep func(string) bool) map[string]string {
	out := map[string]string{}
	_ = fs.WalkDir(fsys, root, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".rego") || !keep(name) {
			return err
		}
		src, err := fsys.ReadFile(name)
		if err != nil {
			return err
		}
		out[name] = string(src)
		return nil
	})
	return out
}

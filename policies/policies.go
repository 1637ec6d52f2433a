// Package policies embeds gov's built-in Rego modules: the evaluator of the
// declarative rules of rules.cue, the per-environment approval rule and
// data.gov.builtin.risk.level (the risk level is computed in Go,
// engine/risk.go, and given to policies as input.risk_level). Every module
// has a _test.rego beside it.
package policies

import (
	"embed"
	"io/fs"
	"strings"
)

//go:embed builtin
var builtinFS embed.FS

// Builtin returns the built-in modules (tests excluded) by path, e.g.
// "builtin/rules.rego" -> source.
func Builtin() map[string]string {
	return read(func(name string) bool { return !strings.HasSuffix(name, "_test.rego") })
}

// BuiltinTests returns the _test.rego files of the built-in modules by path.
func BuiltinTests() map[string]string {
	return read(func(name string) bool { return strings.HasSuffix(name, "_test.rego") })
}

func read(keep func(string) bool) map[string]string {
	out := map[string]string{}
	// The embedded tree is fixed at build time, so walking it cannot fail.
	_ = fs.WalkDir(builtinFS, "builtin", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".rego") || !keep(name) {
			return err
		}
		src, err := builtinFS.ReadFile(name)
		if err != nil {
			return err
		}
		out[name] = string(src)
		return nil
	})
	return out
}

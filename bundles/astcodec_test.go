package bundles

import (
	"bytes"
	"flag"
	"maps"
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/gov-policy/gov/policies"
	"github.com/open-policy-agent/opa/v1/ast"
)

var updateAST = flag.Bool("update-ast", false, "rewrite embedded_ast.bin from the embedded modules (go generate ./engine)")

// freshParses parses every embedded module with the Rego parser.
func freshParses(t *testing.T) (map[string]*ast.Module, map[string]string) {
	t.Helper()
	srcs := policies.Builtin()
	maps.Copy(srcs, policies.Library())
	mods := map[string]*ast.Module{}
	for file, src := range srcs {
		m, err := parseRego(file, src)
		if err != nil {
			t.Fatal(err)
		}
		mods[file] = m
	}
	return mods, srcs
}

// TestEmbeddedASTCurrent: embedded_ast.bin is the encoding of today's
// modules (go generate ./engine writes it with -update-ast), and every
// module decodes from it to exactly what the parser makes of its source,
// every field compared (reflect.DeepEqual), unexported ones included.
func TestEmbeddedASTCurrent(t *testing.T) {
	mods, srcs := freshParses(t)
	blob, err := encodeModules(mods, srcs)
	if err != nil {
		t.Fatal(err)
	}
	if *updateAST {
		if err := os.WriteFile("embedded_ast.bin", blob, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(blob, embeddedASTBlob) {
		t.Fatal("embedded_ast.bin is stale: run go generate ./engine")
	}
	idx := indexAST(embeddedASTBlob)
	if len(idx) != len(srcs) {
		t.Fatalf("the blob holds %d modules, want %d", len(idx), len(srcs))
	}
	again, _ := freshParses(t)
	for _, file := range slices.Sorted(maps.Keys(srcs)) {
		m := decodeModule(idx, file, srcs[file])
		if m == nil {
			t.Fatalf("%s: not decoded", file)
		}
		if !reflect.DeepEqual(m, again[file]) {
			t.Errorf("%s: the decoded module is not the parse of its source: %s", file, firstDiff(reflect.ValueOf(m), reflect.ValueOf(again[file]), "module", map[[2]uintptr]bool{}))
		}
		if len(m.Rules) > 0 && m.Rules[0].Module != m {
			t.Errorf("%s: a rule does not point back to its module", file)
		}
	}
}

// TestEmbeddedASTNotTrusted: a module whose source differs from the one
// encoded, a blob of other AST types or OPA version, and a truncated or
// malformed blob are not decoded (the source is parsed instead).
func TestEmbeddedASTNotTrusted(t *testing.T) {
	srcs := policies.Library()
	idx := indexAST(embeddedASTBlob)
	file := "lib/code/python.rego"
	if decodeModule(idx, file, srcs[file]) == nil {
		t.Fatal("the current module is not decoded: the test exercises nothing")
	}
	if decodeModule(idx, file, srcs[file]+"\n# edited\n") != nil {
		t.Error("a module of another source was decoded")
	}
	if decodeModule(idx, "lib/code/other.rego", srcs[file]) != nil {
		t.Error("a module missing from the blob was decoded")
	}
	foreign := slices.Clone(embeddedASTBlob)
	foreign[len(astMagic)+1] ^= 0xff // the fingerprint's first byte
	if indexAST(foreign) != nil {
		t.Error("a blob of other AST types was read")
	}
	if indexAST(embeddedASTBlob[:len(embeddedASTBlob)-1]) != nil {
		t.Error("a truncated blob was read")
	}
	// Every single-byte truncation of one module's encoding fails to decode.
	e := idx[file]
	short := astBlob{file: {sum: e.sum, body: e.body[:len(e.body)/2]}}
	if decodeModule(short, file, srcs[file]) != nil {
		t.Error("a truncated module was decoded")
	}
}

// firstDiff names the first place where a and b differ ("" when none).
func firstDiff(a, b reflect.Value, path string, seen map[[2]uintptr]bool) string {
	if a.Kind() != b.Kind() || a.Type() != b.Type() {
		return path + ": types " + a.Type().String() + " vs " + b.Type().String()
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": nil vs not"
			}
			return ""
		}
		k := [2]uintptr{a.Pointer(), b.Pointer()}
		if seen[k] {
			return ""
		}
		seen[k] = true
		return firstDiff(a.Elem(), b.Elem(), path, seen)
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": nil vs not"
			}
			return ""
		}
		return firstDiff(a.Elem(), b.Elem(), path, seen)
	case reflect.Struct:
		for i := range a.NumField() {
			if d := firstDiff(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name, seen); d != "" {
				return d
			}
		}
	case reflect.Slice:
		if a.IsNil() != b.IsNil() {
			return path + ": nil slice vs not"
		}
		fallthrough
	case reflect.Array:
		if a.Len() != b.Len() {
			return path + ": lengths differ"
		}
		for i := range a.Len() {
			if d := firstDiff(a.Index(i), b.Index(i), path+"[]", seen); d != "" {
				return d
			}
		}
	case reflect.Map:
		if a.Len() != b.Len() || a.IsNil() != b.IsNil() {
			return path + ": map sizes differ"
		}
		for _, k := range a.MapKeys() {
			if d := firstDiff(a.MapIndex(k), b.MapIndex(k), path+"[k]", seen); d != "" {
				return d
			}
		}
	default:
		if !reflect.DeepEqual(unexportedCopy(a), unexportedCopy(b)) {
			return path + ": values differ"
		}
	}
	return ""
}

func unexportedCopy(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint()
	case reflect.String:
		return v.String()
	case reflect.Float64:
		return v.Float()
	}
	return v.Kind().String()
}

package engine

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/patch"
	"github.com/open-policy-agent/opa/v1/ast"
)

// pruneAlways makes every evaluation of the test leave removed lines out
// of the input when the analysis allows it, whatever the patch's size.
func pruneAlways(t *testing.T) {
	old := pruneMinRemoved
	pruneMinRemoved = 0
	t.Cleanup(func() { pruneMinRemoved = old })
}

// markPatch has one Python file with an added line and a removed line
// "MARK": a rule that denies on seeing MARK can only fire by reading the
// removed lines.
func markPatch() *patch.Patch {
	f := modified("src/app.py", added(1, "x = 1")...)
	f.Removed = added(1, "MARK")
	return mkPatch(f)
}

// twinPatch lists one file twice, once with the removed line MARK: the two
// file objects are equal only when removed lines are left out.
func twinPatch() *patch.Patch {
	return mkPatch(markPatch().Files[0], modified("src/app.py", added(1, "x = 1")...))
}

// TestAttackA17RemovedConflictStillFails: a complete rule whose value is a
// whole file object produces two values on twinPatch, an evaluation error
// (which fails closed); without removed lines both would be one value and
// the rule would quietly have one.
func TestAttackA17RemovedConflictStillFails(t *testing.T) {
	pruneAlways(t)
	src := `package gov.attack

one := f if { some f in input.patch.files }

deny contains "r" if { one.path == "elsewhere" }
`
	e := mustEngine(t, policyBundle(map[string]string{"policies/attack.rego": src}))
	if _, err := e.Evaluate(context.Background(), Input{Patch: twinPatch(), Now: testNow}); err == nil {
		t.Errorf("evaluated without error: two different values of a complete rule were taken for one")
	}
}

// TestAttackA17RemovedReadThrough: policies reading removed lines in every
// way Rego allows, each denying only when it sees the removed line MARK.
// If the analysis misses one of them, the input is built without removed
// lines and the deny silently does not fire: each must still deny with
// pruning on for every patch.
func TestAttackA17RemovedReadThrough(t *testing.T) {
	pruneAlways(t)
	cases := map[string]string{
		"reference": `deny contains "r" if { some l in input.patch.files[_].removed; l.text == "MARK" }`,
		"local":     `deny contains "r" if { some f in input.patch.files; some l in f.removed; l.text == "MARK" }`,
		"computed key": `deny contains "r" if {
	k := concat("", ["rem", "oved"])
	some f in input.patch.files
	some l in f[k]
	l.text == "MARK"
}`,
		"function parameter key": `lines(f, side) := f[side]
deny contains "r" if { some f in input.patch.files; some l in lines(f, "removed"); l.text == "MARK" }`,
		"function counts": `n(f) := count(f.removed)
deny contains "r" if { some f in input.patch.files; n(f) > 0 }`,
		"function else": `side(f) := f.added if { false } else := f.removed
deny contains "r" if { some f in input.patch.files; some l in side(f); l.text == "MARK" }`,
		"function returns a file": `pick(i) := input.patch.files[i]
deny contains "r" if { some l in pick(0).removed; l.text == "MARK" }`,
		"function pattern": `rm([f]) := f.removed
deny contains "r" if { some l in rm([input.patch.files[0]]); l.text == "MARK" }`,
		"rule value": `first := input.patch.files[0]
deny contains "r" if { some l in first.removed; l.text == "MARK" }`,
		"data ref to input": `doc := input
deny contains "r" if { some l in data.gov.attack.doc.patch.files[0].removed; l.text == "MARK" }`,
		"package as a value": `deny contains "r" if { pkg := data.gov.helper; some l in pkg.first.removed; l.text == "MARK" }`,
		"partial object rule": `by_path[f.path] := f if { some f in input.patch.files }
deny contains "r" if { some l in by_path["src/app.py"].removed; l.text == "MARK" }`,
		"set of files": `deny contains "r" if {
	fs := {f | some f in input.patch.files}
	some g in fs
	some l in g.removed
	l.text == "MARK"
}`,
		"array comprehension": `deny contains "r" if {
	fs := [f | some f in input.patch.files]
	some g in fs
	some l in g.removed
	l.text == "MARK"
}`,
		"destructured pairs": `deny contains "r" if {
	pairs := [[f, 1] | some f in input.patch.files]
	some [g, _] in pairs
	some l in g.removed
	l.text == "MARK"
}`,
		"nested arrays": `deny contains "r" if {
	x := [[[f]] | some f in input.patch.files]
	some l in x[0][0][0].removed
	l.text == "MARK"
}`,
		"object literal":  `deny contains "r" if { w := {"f": input.patch.files[0]}; some l in w.f.removed; l.text == "MARK" }`,
		"walk input":      `deny contains "r" if { walk(input, [_, v]); v == "MARK" }`,
		"walk file":       `deny contains "r" if { some f in input.patch.files; walk(f, [_, v]); v == "MARK" }`,
		"json.marshal":    `deny contains "r" if { some f in input.patch.files; contains(json.marshal(f), "MARK") }`,
		"sprintf":         `deny contains "r" if { some f in input.patch.files; contains(sprintf("%v", [f]), "MARK") }`,
		"object.get key":  `deny contains "r" if { some f in input.patch.files; some l in object.get(f, "removed", []); l.text == "MARK" }`,
		"object.get path": `deny contains "r" if { some l in object.get(input, ["patch", "files", 0, "removed"], []); l.text == "MARK" }`,
		"object.get computed": `deny contains "r" if {
	k := lower("REMOVED")
	some f in input.patch.files
	some l in object.get(f, k, [])
	l.text == "MARK"
}`,
		"object.get default": `deny contains "r" if {
	some f in input.patch.files
	x := object.get(f, "nothing", f)
	some l in x.removed
	l.text == "MARK"
}`,
		"object iteration": `deny contains "r" if { some f in input.patch.files; some _, v in f; is_array(v); some l in v; l.text == "MARK" }`,
		"object.keys":      `deny contains "r" if { some f in input.patch.files; k := object.keys(f); some name in k; some l in f[name]; l.text == "MARK" }`,
		"object.union":     `deny contains "r" if { g := object.union(input.patch.files[0], {}); some l in g.removed; l.text == "MARK" }`,
		"array.concat":     `deny contains "r" if { fs := array.concat(input.patch.files, []); some l in fs[0].removed; l.text == "MARK" }`,
		"every": `clean(f) if { every l in f.removed { l.text != "MARK" } }
deny contains "r" if { some f in input.patch.files; not clean(f) }`,
		"count":               `deny contains "r" if { count(input.patch.files[0].removed) > 0 }`,
		"presence":            `deny contains "r" if { input.patch.files[0].removed[0] }`,
		"local copy of input": `deny contains "r" if { p := input.patch; some l in p.files[_].removed; l.text == "MARK" }`,
		"import": `import input.patch as pt
deny contains "r" if { some l in pt.files[_].removed; l.text == "MARK" }`,
		"with": `r if { some l in input.patch.files[_].removed; l.text == "MARK" }
deny contains "r" if { r with input.request as {} }`,
		"unification compares": `deny contains "r" if {
	input.patch.files[0] = {"path": "src/app.py", "status": "modified", "binary": false, "added": [{"line": 1, "text": "x = 1"}], "removed": [{"line": 1, "text": "MARK"}]}
}`,
		"bound twice compares": `deny contains "r" if {
	g := {"path": "src/app.py", "status": "modified", "binary": false, "added": [{"line": 1, "text": "x = 1"}], "removed": [{"line": 1, "text": "MARK"}]}
	some f in input.patch.files
	f = g
}`,
		"equal":                 `deny contains "r" if { input.patch.files[0] != {"path": "src/app.py", "status": "modified", "binary": false, "added": [{"line": 1, "text": "x = 1"}], "removed": []} }`,
		"ref key from input":    `deny contains "r" if { m := {"MARK": true}; m[input.patch.files[0].removed[0].text] }`,
		"index bound elsewhere": `deny contains "r" if { some i, _ in input.patch.files; some l in input.patch.files[i].removed; l.text == "MARK" }`,
		"with value": `r if { some l in data.gov.lines; l.text == "MARK" }
deny contains "r" if { r with data.gov.lines as input.patch.files[0].removed }`,
		"with data": `r if { some f in data.gov.files; some l in f.removed; l.text == "MARK" }
deny contains "r" if { fs := input.patch.files; r with data.gov.files as fs }`,
		"with input": `r if { some l in input.patch.files[0].removed; l.text == "MARK" }
deny contains "r" if { r with input as {"patch": {"files": [{"removed": input.patch.files[0].removed}]}} }`,
		"twin set":               `deny contains "r" if { count({input.patch.files[0], input.patch.files[1]}) == 2 }`,
		"twin set comprehension": `deny contains "r" if { count({f | some f in input.patch.files}) == 2 }`,
		"twin partial set": `files contains f if { some f in input.patch.files }
deny contains "r" if { count(files) == 2 }`,
		"twin object keys": `deny contains "r" if { count({f: 1 | some f in input.patch.files}) == 2 }`,
		"twin unify": `same if { input.patch.files[0] = input.patch.files[1] }
deny contains "r" if { not same }`,
		"twin equal": `deny contains "r" if { input.patch.files[0] != input.patch.files[1] }`,
		"twin output compares": `eq1(f) if { object.get(input.patch, ["files", 1], null, f) }
deny contains "r" if { f := input.patch.files[0]; not eq1(f) }`,
		"twin in":        `deny contains "r" if { not input.patch.files[0] in [input.patch.files[1]] }`,
		"another module": `deny contains "r" if { some l in data.gov.helper.lines; l.text == "MARK" }`,
	}
	helper := `package gov.helper
lines := [l | some f in input.patch.files; some l in f.removed]
first := input.patch.files[0]
`
	for name, rules := range cases {
		t.Run(name, func(t *testing.T) {
			src := "package gov.attack\n\n" + rules + "\n"
			modules := map[string]string{"policies/attack.rego": src}
			if strings.Contains(rules, "data.gov.helper") {
				modules["policies/helper.rego"] = helper
			}
			e := mustEngine(t, policyBundle(modules))
			if e.removedUnread() {
				t.Errorf("the analysis says no rule reads removed lines")
			}
			p := markPatch()
			if strings.HasPrefix(name, "twin") {
				p = twinPatch()
			}
			d := mustEval(t, e, Input{Patch: p})
			if d.Decision != Deny {
				t.Errorf("decision %s, want deny: the removed line was not in the input", d.Decision)
			}
		})
	}
}

// TestRemovedLeftOutWhenUnread: a bundle reading only added lines and file
// fields gets its input without removed lines, and decides as with them.
func TestRemovedLeftOutWhenUnread(t *testing.T) {
	pruneAlways(t)
	src := `package gov.added

first_line(f) := f.added[0].line

paths(f) := {f.path, object.get(f, "old_path", f.path)}

deny contains msg if {
	some i, f in input.patch.files
	some l in f.added
	contains(l.text, "x")
	some p in paths(f)
	msg := sprintf("%s:%d %d %d", [p, l.line, first_line(f), i])
}

deny contains "files" if { count(input.patch.files) > 0; input.patch.stats.deletions > 0 }
`
	e := mustEngine(t, policyBundle(map[string]string{"policies/added.rego": src}))
	if !e.removedUnread() {
		t.Fatalf("the analysis says removed lines are read: %s", analyseReads(e.prog.compiler.Modules).readBy(removedPath))
	}
	in := Input{Patch: markPatch()}
	v, err := e.input(in, "low")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := ast.JSON(v)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(plain)
	if strings.Contains(string(doc), "MARK") || !strings.Contains(string(doc), `"removed":[]`) {
		t.Errorf("input with removed lines left out: %s", doc)
	}
	got := mustEval(t, e, in)
	pruneMinRemoved = math.MaxInt
	want := mustEval(t, e, in)
	if g, w := decisionKey(got), decisionKey(want); g != w || len(want.Violations) != 2 {
		t.Errorf("without removed lines\n%s\nwith them\n%s", g, w)
	}
}

// TestPruneLibraryDecisionsUnchanged: the built-in library, compiled for
// each patch as gov eval does (NewFor), decides byte for byte the same with
// removed lines left out (where the analysis allows) as with them, on the
// case patches, the test patches and a corpus of files with added and
// removed lines from the library's tests. Some inputs must be pruned and
// some not, or the test shows nothing.
func TestPruneLibraryDecisionsUnchanged(t *testing.T) {
	pruneAlways(t)
	b, err := bundles.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	var patches []*patch.Patch
	for _, glob := range []string{"../bundles/default/cases/patches/*.diff", "../testdata/patches/*.diff"} {
		names, err := filepath.Glob(glob)
		if err != nil || len(names) == 0 {
			t.Fatalf("%s: %v", glob, err)
		}
		for _, name := range names {
			p, _ := parseDiff(t, name)
			patches = append(patches, p)
		}
	}
	lines := libraryTestStrings(t)
	paths := []string{
		"app/handlers.py", "cmd/server/main.go", "web/app.ts", "scripts/deploy.sh", "Makefile",
		".github/workflows/ci.yml", "deploy/k8s/deployment.yaml", "infra/main.tf", "package.json",
		"go.mod", "requirements.txt", "pyproject.toml", "setup.cfg", "jest.config.js", ".coveragerc",
		"tests/test_handlers.py", "db/migrations/001_init.sql", "auth/session.go", ".env", "README.md",
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 120 {
		p := &patch.Patch{}
		for range 1 + rng.IntN(3) {
			f := patch.File{Path: paths[rng.IntN(len(paths))], Status: patch.StatusModified}
			if rng.IntN(5) == 0 {
				f.Status = patch.StatusDeleted
			}
			f.Language = patch.Language(f.Path)
			for i := range 1 + rng.IntN(5) {
				l := patch.Line{Line: 10 + i, Text: lines[rng.IntN(len(lines))]}
				f.Removed = append(f.Removed, l)
				if f.Status != patch.StatusDeleted {
					l.Text = lines[rng.IntN(len(lines))]
					f.Added = append(f.Added, l)
				}
			}
			p.Files = append(p.Files, f)
			p.Stats.Files++
			p.Stats.Additions += len(f.Added)
			p.Stats.Deletions += len(f.Removed)
		}
		patches = append(patches, p)
	}
	ctx := context.Background()
	pruned, kept := 0, 0
	for i, p := range patches {
		e, err := NewFor(ctx, b, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, env := range []string{"production", "staging"} {
			in := Input{Request: Request{Environment: env, ServiceName: "api"}, Patch: p, Now: testNow}
			pruneMinRemoved = 0
			got, err := e.Evaluate(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			pruneMinRemoved = math.MaxInt
			want, err := e.Evaluate(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			got.DurationMS, want.DurationMS = 0, 0
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if string(g) != string(w) {
				t.Errorf("patch %d (%v), %s: without removed lines\n%s\nwith them\n%s", i, filesOf(p), env, g, w)
			}
		}
		if e.removedUnread() {
			pruned++
		} else {
			kept++
		}
	}
	if pruned < 20 || kept < 20 {
		t.Errorf("%d patches evaluated without removed lines, %d with: the corpus exercises too little", pruned, kept)
	}
	t.Logf("%d patches, %d without removed lines", len(patches), pruned)
	// The library's whole engine (gov serve) keeps them: name the reader.
	full, err := New(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	why := analyseReads(full.prog.compiler.Modules).readBy(removedPath)
	if why == "" {
		t.Errorf("the whole library reads no removed lines (kubernetes, dependencies and coverage rules do)")
	}
	t.Logf("whole library: removed lines read at %s", why)
}

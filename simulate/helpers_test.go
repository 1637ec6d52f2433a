package simulate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/simulate/simtest"
)

// t0 is when the first generated record was made.
var t0 = time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)

// The policy versions of the tests. v1 allows everything but warns on
// config files; v2 stops warning, denies CI edits (Rego) and asks approval
// for deploy/ changes in production (a declarative rule); broken fails to
// evaluate for every request whose service name is not a number.
const (
	v1Config = "library: enabled: false\n"
	v1Rules  = `rules: [{id: "warn-config", message: "config changed", action: "warn",
	conditions: [{field: "files", operator: "glob", value: "config/**"}]}]
`
	v2Rules = `rules: [{id: "prod-deploy", message: "deploy change in production", action: "require_approval",
	conditions: [{field: "environment", operator: "equals", value: "production"}, {field: "files", operator: "glob", value: "deploy/**"}]}]
`
	ciRego = `package gov.custom.ci

# METADATA
# title: CI workflow edits are denied
# custom:
#   id: custom/no-ci-edits
deny contains {"msg": "bots may not edit CI workflows", "file": f.path} if {
	some f in input.patch.files
	startswith(f.path, ".github/workflows/")
}
`
	brokenRego = `package gov.custom.broken

deny contains "never" if {
	to_number(input.request.service_name) < 0
}
`
)

// bundleDir writes files into a new directory and returns it.
func bundleDir(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// engineFor loads a bundle directory and builds its engine.
func engineFor(t testing.TB, dir string) *engine.Engine {
	t.Helper()
	ctx := context.Background()
	b, err := bundles.Load(ctx, dir, bundles.LoadOptions{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func v1Engine(t testing.TB) *engine.Engine {
	return engineFor(t, bundleDir(t, map[string]string{"gov.cue": v1Config, "rules.cue": v1Rules}))
}

func v2Engine(t testing.TB) *engine.Engine {
	return engineFor(t, bundleDir(t, map[string]string{"gov.cue": v1Config, "rules.cue": v2Rules, "policies/ci.rego": ciRego}))
}

func brokenEngine(t testing.TB) *engine.Engine {
	return engineFor(t, bundleDir(t, map[string]string{"gov.cue": v1Config, "policies/broken.rego": brokenRego}))
}

// auditStore generates n records into a new audit directory.
func auditStore(t testing.TB, n int) (evidence.Store, []evidence.Record) {
	t.Helper()
	s := evidence.Store{Dir: t.TempDir()}
	var recs []evidence.Record
	for i := range n {
		r := simtest.Record(i, t0)
		if _, err := s.Write(r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	return s, recs
}

// touches reports whether a record's patch changes a path with this prefix.
func touches(r evidence.Record, prefix string) bool {
	return strings.Contains(r.Request.PatchContent, "+++ b/"+prefix)
}

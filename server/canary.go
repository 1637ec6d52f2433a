package server

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/engine/policytest"
	"github.com/gov-policy/gov/patch"
)

// canaryPatches are changes every bundle must be able to decide: a one-line
// change, and one patch touching several kinds of file (code in several
// languages, docs, a workflow, a manifest, a new and a deleted file), so
// that a rule failing only on some paths or statuses is caught too.
var canaryPatches = []string{
	"diff --git a/app/main.py b/app/main.py\n--- a/app/main.py\n+++ b/app/main.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n",
	"diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-# app\n+# app service\n" +
		"diff --git a/cmd/app/main.go b/cmd/app/main.go\n--- a/cmd/app/main.go\n+++ b/cmd/app/main.go\n@@ -1,2 +1,2 @@\n package main\n-var n = 1\n+var n = 2\n" +
		"diff --git a/web/src/index.js b/web/src/index.js\nnew file mode 100644\n--- /dev/null\n+++ b/web/src/index.js\n@@ -0,0 +1 @@\n+export const n = 1;\n" +
		"diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml\n--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n@@ -1 +1 @@\n-on: push\n+on: [push]\n" +
		"diff --git a/deploy/app.yaml b/deploy/app.yaml\n--- a/deploy/app.yaml\n+++ b/deploy/app.yaml\n@@ -1 +1 @@\n-replicas: 1\n+replicas: 2\n" +
		"diff --git a/tests/test_old.py b/tests/test_old.py\ndeleted file mode 100644\n--- a/tests/test_old.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-assert True\n",
}

// check is what a new revision must pass before it replaces the served
// one: its own Rego tests and cases/ (gov test), and a canary evaluation
// in each environment it declares, enforced strictly so that every policy
// runs. A revision that compiles but cannot decide (a complete rule with
// conflicting values, a built-in error) is refused here, not on the first
// request. Nothing of the canary is recorded.
func check(ctx context.Context, s *served) error {
	rep, err := policytest.Run(ctx, s.bundle, policytest.Options{})
	if err != nil {
		return fmt.Errorf("bundle tests: %w", err)
	}
	if !rep.OK() {
		return fmt.Errorf("bundle tests: %d of %d failed: %s", rep.Failed, rep.Passed+rep.Failed, failedNames(rep))
	}
	envs := make([]string, 0, len(s.bundle.Config.Environments))
	for env := range s.bundle.Config.Environments {
		envs = append(envs, env)
	}
	sort.Strings(envs)
	if len(envs) == 0 {
		envs = []string{""} // the default environment
	}
	for i, diff := range canaryPatches {
		p, err := patch.Parse([]byte(diff))
		if err != nil {
			return fmt.Errorf("canary %d: %w", i+1, err)
		}
		for _, env := range envs {
			req := engine.Request{RequestID: "gov-reload-canary", Environment: env, RequestedBy: "gov-reload-canary", PatchContent: diff}
			d, err := s.pipe.Engine.Evaluate(ctx, engine.Input{Request: req, Patch: p, Findings: []engine.Finding{}, Enforcement: engine.EnforcementStrict})
			if err == nil && d == nil {
				err = errors.New("no decision")
			}
			if err != nil {
				return fmt.Errorf("canary evaluation %d (environment %q): %w", i+1, env, err)
			}
		}
	}
	return nil
}

func failedNames(rep *policytest.Report) string {
	var names []string
	for _, t := range rep.Tests {
		if !t.Pass {
			names = append(names, t.Name)
		}
	}
	for _, c := range rep.Cases {
		if !c.Pass {
			names = append(names, c.Name)
		}
	}
	if len(names) > 5 {
		names = append(names[:5], "...")
	}
	return strings.Join(names, ", ")
}

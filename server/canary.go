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

// canaryPatch is a one-line change every bundle must be able to decide.
const canaryPatch = "diff --git a/app/main.py b/app/main.py\n--- a/app/main.py\n+++ b/app/main.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"

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
	p, err := patch.Parse([]byte(canaryPatch))
	if err != nil {
		return err
	}
	envs := make([]string, 0, len(s.bundle.Config.Environments))
	for env := range s.bundle.Config.Environments {
		envs = append(envs, env)
	}
	sort.Strings(envs)
	if len(envs) == 0 {
		envs = []string{""} // the default environment
	}
	for _, env := range envs {
		req := engine.Request{RequestID: "gov-reload-canary", Environment: env, PatchContent: canaryPatch}
		d, err := s.pipe.Engine.Evaluate(ctx, engine.Input{Request: req, Patch: p, Findings: []engine.Finding{}, Enforcement: engine.EnforcementStrict})
		if err == nil && d == nil {
			err = errors.New("no decision")
		}
		if err != nil {
			return fmt.Errorf("canary evaluation (environment %q): %w", env, err)
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

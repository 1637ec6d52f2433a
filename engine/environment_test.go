package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gov-policy/gov/bundles"
)

// envBundle declares production (approval required) and staging; def is
// its default_environment.
func envBundle(t testing.TB, def string) *bundles.Bundle {
	b := starterBundle(t)
	b.Config.DefaultEnvironment = def
	return b
}

// Attack: an environment name the bundle does not declare (a typo, a case
// variant, an alias) must not evaluate as "no environment" and allow.
func TestUnknownEnvironmentRefused(t *testing.T) {
	e := mustEngine(t, envBundle(t, "production"))
	for _, env := range []string{"Production", "PRODUCTION", "prod", " production", "production ", "dev"} {
		t.Run(env, func(t *testing.T) {
			d, err := e.Evaluate(context.Background(), Input{Request: Request{Environment: env}, Patch: mkPatch(modified("a.py", added(1, "x = 1")...)), Now: testNow})
			if err == nil {
				t.Fatalf("environment %q evaluated: %s (%s)", env, d.Decision, d.Reason)
			}
			var ue *bundles.EnvironmentError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v is not an EnvironmentError", err)
			}
			if !strings.Contains(err.Error(), "development, production, qa, staging") {
				t.Errorf("error %q does not list the declared environments", err)
			}
			if ExitCode(d) != 2 {
				t.Errorf("exit %d, want 2", ExitCode(d))
			}
		})
	}
}

// Attack: no environment at all (gov eval without --env, an unmapped base
// branch) takes default_environment, here production, which needs approval.
func TestMissingEnvironmentTakesDefault(t *testing.T) {
	e := mustEngine(t, envBundle(t, "production"))
	d := mustEval(t, e, Input{Patch: mkPatch(modified("a.py", added(1, "x = 1")...))})
	if d.Decision != RequireApproval || d.Environment != "production" {
		t.Fatalf("no environment: %s in %q (%s), want require_approval in production", d.Decision, d.Environment, d.Reason)
	}
	d = mustEval(t, e, Input{Request: Request{Environment: "staging"}, Patch: mkPatch(modified("a.py", added(1, "x = 1")...))})
	if d.Decision != Allow || d.Environment != "staging" {
		t.Fatalf("staging: %s in %q", d.Decision, d.Environment)
	}
}

// Attack: no environment and no default_environment is an error, not an
// evaluation without one.
func TestMissingEnvironmentWithoutDefault(t *testing.T) {
	e := mustEngine(t, envBundle(t, ""))
	d, err := e.Evaluate(context.Background(), Input{Patch: mkPatch(modified("a.py", added(1, "x = 1")...)), Now: testNow})
	if err == nil {
		t.Fatalf("no environment, no default evaluated: %s (%s)", d.Decision, d.Reason)
	}
	if !strings.Contains(err.Error(), "default_environment") || !strings.Contains(err.Error(), "development, production, qa, staging") {
		t.Errorf("error %q", err)
	}
}

// A bundle that declares no environments (built by hand here; the loader
// fills gov.cue the same way) has production and staging, production the
// default.
func TestImplicitEnvironments(t *testing.T) {
	e := mustEngine(t, policyBundle(map[string]string{"policies/a.rego": "package gov.a\n\nwarn contains \"w\"\n"}))
	d := mustEval(t, e, Input{})
	if d.Environment != "production" {
		t.Errorf("environment %q, want production", d.Environment)
	}
	if _, err := e.Evaluate(context.Background(), Input{Request: Request{Environment: "qa"}}); err == nil {
		t.Error("undeclared qa accepted by a bundle without environments")
	}
}

package engine

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/gov-policy/gov/bundles"
)

const approvalPolicy = `package gov.approve

# METADATA
# custom:
#   id: approve/touched
require_approval contains {"msg": "needs approval", "file": f.path} if {
	some f in input.patch.files
	not startswith(f.path, "named/")
}

require_approval contains {"msg": "named", "workflow": "named_wf"} if {
	some f in input.patch.files
	startswith(f.path, "named/")
}
`

func stage(name string, roles ...string) bundles.Stage {
	return bundles.Stage{Name: name, ApproverRoles: roles, MinApprovals: 1}
}

func TestWorkflowSelection(t *testing.T) {
	workflows := map[string]bundles.Workflow{
		"prod":     {When: bundles.Conditions{Environments: []string{"production"}}, Stages: []bundles.Stage{stage("SRE review", "sre")}},
		"prod_db":  {When: bundles.Conditions{Environments: []string{"production"}, Paths: []string{"db/**"}}, Stages: []bundles.Stage{stage("DBA", "dba")}},
		"urgent":   {When: bundles.Conditions{RiskLevels: []string{"critical"}}, Priority: 5, Stages: []bundles.Stage{stage("Security", "security"), {Name: "Mgmt", ApproverRoles: []string{"manager"}, MinApprovals: 2, When: &bundles.Conditions{Environments: []string{"production"}}}}},
		"by_rule":  {When: bundles.Conditions{Rules: []string{"approve/*"}, Environments: []string{"staging"}}, Stages: []bundles.Stage{stage("Owners", "owners")}},
		"named_wf": {Stages: []bundles.Stage{stage("Named", "sre")}, When: bundles.Conditions{Environments: []string{"nowhere"}}},
		"fallback": {When: bundles.Conditions{Environments: []string{"nowhere"}}, Stages: []bundles.Stage{stage("Fallback", "ops")}},
	}
	roles := map[string]bundles.Role{
		"sre":      {Members: []string{"team:a/sre"}, Permissions: []string{"approve"}},
		"security": {Members: []string{"team:a/sec"}, Permissions: []string{"approve", "break_glass"}},
		"healer":   {Members: []string{"app:bot"}},
	}
	cases := []struct {
		name, env, path, defaultWF string
		workflows                  map[string]bundles.Workflow
		want                       string
		stages                     []string
		pending                    string
	}{
		{"environment", "production", "app/a.py", "", workflows, "prod", []string{"SRE review"}, `waiting for 1 approval from sre (stage "SRE review")`},
		{"most specific", "production", "db/schema/1.sql", "", workflows, "prod_db", []string{"DBA"}, `waiting for 1 approval from dba (stage "DBA")`},
		{"priority and stage when", "production", "infra/x.tf", "", workflows, "urgent", []string{"Security", "Mgmt"}, `waiting for 1 approval from security (stage "Security")`},
		{"stage dropped", "qa", "infra/x.tf", "", workflows, "urgent", []string{"Security"}, `waiting for 1 approval from security (stage "Security")`},
		{"rule glob", "staging", "app/a.py", "", workflows, "by_rule", []string{"Owners"}, `waiting for 1 approval from owners (stage "Owners")`},
		{"named by violation", "production", "named/x", "", workflows, "named_wf", []string{"Named"}, `waiting for 1 approval from sre (stage "Named")`},
		{"default_workflow", "qa", "app/a.py", "fallback", workflows, "fallback", []string{"Fallback"}, `waiting for 1 approval from ops (stage "Fallback")`},
		{"built-in default", "qa", "app/a.py", "", workflows, "default", []string{"approval"}, `waiting for 1 approval from security or sre (stage "approval")`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := policyBundle(map[string]string{"policies/approve.rego": approvalPolicy})
			b.Workflows, b.Roles, b.Config.DefaultWorkflow = tc.workflows, roles, tc.defaultWF
			// qa changes to infra/ by the critical service are critical:
			// "urgent" applies but its production-only stage is dropped.
			b.Config.Risk.CriticalServices = []string{"qa-ledger"}
			b.Config.Environments = map[string]bundles.EnvironmentConfig{"production": {}, "staging": {}, "qa": {}}
			d := mustEval(t, mustEngine(t, b), Input{Request: Request{Environment: tc.env, ServiceName: tc.env + "-ledger"}, Patch: mkPatch(modified(tc.path, added(1, "x")...))})
			if d.Decision != RequireApproval || !d.ApprovalRequired() || d.Allowed() || d.Workflow == nil {
				t.Fatalf("decision %+v", d)
			}
			var stages []string
			for _, s := range d.Workflow.Stages {
				stages = append(stages, s.Name)
				if s.Satisfied || s.ApprovedBy == nil || len(s.ApprovedBy) != 0 || s.MinApprovals < 1 {
					t.Errorf("stage %+v", s)
				}
			}
			if d.Workflow.Name != tc.want || !slices.Equal(stages, tc.stages) || d.PendingReason != tc.pending {
				t.Errorf("workflow %s %q %q, want %s %q %q", d.Workflow.Name, stages, d.PendingReason, tc.want, tc.stages, tc.pending)
			}
		})
	}
}

func TestWorkflowErrors(t *testing.T) {
	b := policyBundle(map[string]string{"policies/approve.rego": approvalPolicy})
	b.Config.DefaultWorkflow = "missing"
	e := mustEngine(t, b)
	if d, err := e.Evaluate(context.Background(), Input{Request: Request{Environment: "staging"}, Patch: mkPatch(modified("a", added(1, "x")...))}); err == nil {
		t.Errorf("unknown default_workflow gave %+v", d)
	}
}

func TestCache(t *testing.T) {
	c := NewCache(2)
	ctx := context.Background()
	mk := func(rev string) *bundles.Bundle {
		b := policyBundle(map[string]string{"policies/a.rego": "package gov.a\n\nwarn contains \"w\" if true\n"})
		b.Revision = rev
		return b
	}
	a1, err := c.Get(ctx, mk("aaa"))
	if err != nil {
		t.Fatal(err)
	}
	other := mk("aaa")
	other.Source = "elsewhere@v1"
	a2, _ := c.Get(ctx, other)
	if a2.prog != a1.prog || a2.Bundle() != other {
		t.Error("same revision was not reused, or the bundle was not swapped")
	}
	if d := mustEval(t, a2, Input{Patch: mkPatch()}); d.Bundle.Source != "elsewhere@v1" {
		t.Errorf("decision names bundle %+v", d.Bundle)
	}
	d1, _ := c.Get(ctx, mk("dirty+dirty"))
	d2, _ := c.Get(ctx, mk("dirty+dirty"))
	e1, _ := c.Get(ctx, mk(""))
	e2, _ := c.Get(ctx, mk(""))
	if d1.prog == d2.prog || e1.prog == e2.prog || c.Len() != 1 {
		t.Errorf("dirty or empty revisions were cached (len %d)", c.Len())
	}
	c.Get(ctx, mk("bbb"))
	c.Get(ctx, mk("aaa")) // aaa is now the most recent
	c.Get(ctx, mk("ccc")) // evicts bbb
	a3, _ := c.Get(ctx, mk("aaa"))
	if c.Len() != 2 || a3.prog != a1.prog {
		t.Errorf("LRU: len %d, aaa reused %v", c.Len(), a3.prog == a1.prog)
	}
	bad := mk("zzz")
	bad.Modules["policies/a.rego"] = "package gov.a\n\ndeny contains if"
	if _, err := c.Get(ctx, bad); err == nil || c.Len() != 2 {
		t.Errorf("bad bundle: err %v len %d", err, c.Len())
	}
}

// TestCacheByDigest: two directories of one commit share a revision but
// not their content; the cache keys by content when the bundle has a digest.
func TestCacheByDigest(t *testing.T) {
	c := NewCache(4)
	ctx := context.Background()
	mk := func(rev, digest, msg string) *bundles.Bundle {
		b := policyBundle(map[string]string{"policies/a.rego": "package gov.a\n\nwarn contains \"" + msg + "\"\n"})
		b.Revision, b.Digest = rev, digest
		return b
	}
	a, _ := c.Get(ctx, mk("c0ffee", "sha256:aa", "from a"))
	b, _ := c.Get(ctx, mk("c0ffee", "sha256:bb", "from b"))
	if a.prog == b.prog || !strings.Contains(messages(mustEval(t, b, Input{})), "from b") {
		t.Error("two contents of one revision shared an engine")
	}
	again, _ := c.Get(ctx, mk("c0ffee+dirty", "sha256:aa", "from a"))
	if again.prog != a.prog {
		t.Error("the same content (here dirty) was not reused")
	}
}

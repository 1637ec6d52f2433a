package frameworks

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
)

// fixture records, over three weeks of March 2026 (Mondays 2, 9 and 16).
func fixtureRecords() []evidence.Record {
	at := func(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, time.UTC) }
	rec := func(id string, t time.Time, decision engine.Outcome, vs []engine.Violation, wf *engine.WorkflowResult) evidence.Record {
		return evidence.Record{
			Request:     engine.Request{RequestID: id, Environment: "production"},
			PatchDigest: evidence.PatchDigest([]byte(id)),
			Decision:    &engine.Decision{Decision: decision, RequestID: id, Violations: vs, Workflow: wf},
			Bundle:      engine.BundleInfo{Source: "test", Revision: "rev1"},
			Time:        t,
		}
	}
	secret := engine.Violation{Rule: "secrets/finding", Action: "deny", Controls: []string{"SOC2:CC6.1"}}
	env := engine.Violation{Rule: "gov.builtin.environment/require-approval", Action: "require_approval"}
	eval := engine.Violation{Rule: "code/python-eval", Action: "deny", Controls: []string{"SOC2:CC8.1", "SOC2:CC9.9"}, Exception: "tools/**"}
	approved := &engine.WorkflowResult{Name: "production_change", Stages: []engine.StageResult{
		{Name: "SRE", ApproverRoles: []string{"sre"}, ApprovedBy: []string{"alice", "bob"}, Satisfied: true},
		{Name: "Security", ApproverRoles: []string{"security"}, ApprovedBy: []string{"carol"}, Satisfied: true},
	}}
	return []evidence.Record{
		rec("r-before", time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC), "deny", []engine.Violation{secret}, nil), // before the period
		rec("r1", at(2, 9), "allow", nil, nil),
		rec("r2", at(3, 9), "deny", []engine.Violation{secret, secret}, nil),
		rec("r3", at(10, 9), "require_approval", []engine.Violation{env}, approved),
		rec("r4", at(17, 9), "deny", []engine.Violation{eval}, nil),
		rec("r5", at(18, 9), "allow", nil, nil),
	}
}

var fixtureRules = []bundles.RuleInfo{
	{ID: "secrets/finding", Controls: []string{"SOC2:CC6.1"}},
	{ID: "gov.builtin.environment/require-approval"},
	{ID: "code/python-eval", Controls: []string{"SOC2:CC8.1"}},
	{ID: "cicd/unpinned-action", Controls: []string{"SOC2:CC7.1"}},
}

// writeFixture writes the records (r3 signed) and one truncated record.
func writeFixture(t *testing.T, dir string) (truncated string) {
	t.Helper()
	s := evidence.Store{Dir: dir}
	for _, r := range fixtureRecords() {
		p, err := s.Write(r)
		if err != nil {
			t.Fatal(err)
		}
		if r.Request.RequestID == "r3" {
			if err := os.WriteFile(strings.TrimSuffix(p, ".json")+evidence.SignatureSuffix, []byte("{}"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if r.Request.RequestID == "r5" {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			truncated = filepath.Join(filepath.Dir(p), "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.json")
			if err := os.WriteFile(truncated, data[:len(data)/2], 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return truncated
}

func buildFixture(t *testing.T, dir string, since time.Time) (*Report, []error) {
	t.Helper()
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	f, _ := c.Framework("soc2")
	r, bad, err := Build(Options{
		Framework: f, Rules: fixtureRules, Store: evidence.Store{Dir: dir},
		Since: since, Now: time.Date(2026, 3, 25, 12, 0, 0, 0, time.UTC),
		Bundle: engine.BundleInfo{Source: "policy", Revision: "abc123"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r, bad
}

func control(t *testing.T, r *Report, id string) ControlReport {
	t.Helper()
	for _, c := range r.Controls {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no control %s", id)
	return ControlReport{}
}

func TestReportNumbers(t *testing.T) {
	dir := t.TempDir()
	truncated := writeFixture(t, dir)
	r, bad := buildFixture(t, dir, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))

	if len(bad) != 1 || !strings.Contains(bad[0].Error(), truncated+": truncated audit record") {
		t.Errorf("bad = %v, want the truncated record named", bad)
	}
	if len(r.Skipped) != 1 || r.Totals.Skipped != 1 {
		t.Errorf("skipped = %v (%d)", r.Skipped, r.Totals.Skipped)
	}
	wantTotals := Totals{Records: 5, Allow: 2, Deny: 2, RequireApproval: 1, Violations: 4, Blocked: 2, SentToApproval: 1,
		Approvals: 3, Exceptions: 1, Skipped: 1, Controls: 12, Evidenced: 8, Gaps: 4}
	if r.Totals != wantTotals {
		t.Errorf("totals = %+v\nwant     %+v", r.Totals, wantTotals)
	}
	if r.Empty {
		t.Error("report is empty")
	}
	if e := r.Evidence; e.Verified || e.Present != 1 || e.Unsigned != 4 || e.Valid != 0 || e.Failed != 0 {
		t.Errorf("evidence = %+v, want not verified, 1 present, 4 unsigned", e)
	}
	tests := []struct {
		id, status, policies                                                    string
		decisions, findings, blocked, toApproval, approvals, exceptions, signed int
		byRule                                                                  string
	}{
		// CC6.1 (scans): r2's two secret findings, both blocked.
		{"CC6.1", StatusEvidenced, "secrets/finding", 1, 2, 2, 0, 0, 0, 0, "secrets/finding=2"},
		// CC7.1 (decisions, scans): mapped, every record counts, none touches it.
		{"CC7.1", StatusEvidenced, "cicd/unpinned-action", 5, 0, 0, 0, 3, 0, 1, ""},
		// CC7.2 (decisions): no rule, yet every decision is its evidence.
		{"CC7.2", StatusEvidenced, "", 5, 0, 0, 0, 3, 0, 1, ""},
		// CC7.4 (approvals): evidenced by every approval given.
		{"CC7.4", StatusEvidenced, "", 0, 0, 0, 0, 3, 0, 0, ""},
		// CC8.1 (decisions, approvals, signatures): catalog policy and
		// METADATA; the waived python-eval finding blocked nothing.
		{"CC8.1", StatusEvidenced, "code/python-eval,gov.builtin.environment/require-approval", 5, 2, 0, 1, 3, 1, 1,
			"code/python-eval=1,gov.builtin.environment/require-approval=1"},
		{"CC6.2", StatusEvidenced, "", 0, 0, 0, 0, 3, 0, 0, ""},
		// CC6.6 (scans) has no rule: nothing in gov evidences it.
		{"CC6.6", StatusGap, "", 0, 0, 0, 0, 0, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			c := control(t, r, tt.id)
			var by []string
			for _, rule := range SortedRules(c.ViolationsByRule) {
				by = append(by, rule+"="+strconv.Itoa(c.ViolationsByRule[rule]))
			}
			got := []any{c.Status, strings.Join(c.Policies, ","), c.Decisions, c.Violations, c.Blocked, c.SentToApproval, c.Approvals, c.Exceptions, c.EvidencePresent, strings.Join(by, ",")}
			want := []any{tt.status, tt.policies, tt.decisions, tt.findings, tt.blocked, tt.toApproval, tt.approvals, tt.exceptions, tt.signed, tt.byRule}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("(status, policies, decisions, findings, blocked, to approval, approvals, exceptions, signed, by rule) = %v\nwant %v", got, want)
					break
				}
			}
		})
	}
	if strings.Join(r.UnknownControls, ";") != "" {
		t.Errorf("unknown controls from rules = %v", r.UnknownControls)
	}
	wantWeeks := []Week{
		{Start: "2026-02-23"}, // the week of March 1, a Sunday
		{Start: "2026-03-02", Allow: 1, Deny: 1},
		{Start: "2026-03-09", RequireApproval: 1},
		{Start: "2026-03-16", Allow: 1, Deny: 1},
		{Start: "2026-03-23"},
	}
	if len(r.Weeks) != len(wantWeeks) {
		t.Fatalf("weeks = %+v", r.Weeks)
	}
	for i, w := range wantWeeks {
		if r.Weeks[i] != w {
			t.Errorf("week %d = %+v, want %+v", i, r.Weeks[i], w)
		}
	}
}

func TestReportAllRecords(t *testing.T) {
	dir := t.TempDir()
	writeFixture(t, dir)
	r, _ := buildFixture(t, dir, time.Time{})
	if r.Totals.Records != 6 || r.Totals.Deny != 3 || r.Period.Since != nil {
		t.Errorf("totals = %+v, since %v", r.Totals, r.Period.Since)
	}
	if r.Weeks[0].Start != "2026-01-26" || r.Weeks[0].Deny != 1 {
		t.Errorf("first week = %+v, want the week of the first record", r.Weeks[0])
	}
	if c := control(t, r, "CC6.1"); c.Violations != 3 || c.Decisions != 2 {
		t.Errorf("CC6.1 = %+v", c)
	}
}

func TestReportEmpty(t *testing.T) {
	for _, name := range []string{"missing", "empty"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "audit")
			if name == "empty" {
				if err := os.Mkdir(dir, 0o750); err != nil {
					t.Fatal(err)
				}
			}
			r, bad := buildFixture(t, dir, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
			if !r.Empty || r.Totals.Records != 0 || len(bad) != 0 {
				t.Errorf("empty = %v, totals %+v, bad %v", r.Empty, r.Totals, bad)
			}
			// Mapped controls without a record say so; they are not "covered".
			if len(r.Controls) != 12 || r.Totals.Evidenced != 0 || r.Totals.NoEvidence != 8 || r.Totals.Gaps != 4 {
				t.Errorf("controls = %d, totals %+v", len(r.Controls), r.Totals)
			}
			if c := control(t, r, "CC6.1"); c.Status != StatusNoEvidence {
				t.Errorf("CC6.1 (a rule mapped, no record) = %s, want %s", c.Status, StatusNoEvidence)
			}
			if len(r.Weeks) != 5 {
				t.Errorf("weeks = %+v, want the period's 5 weeks with zeros", r.Weeks)
			}
			var b strings.Builder
			if err := WriteHTML(&b, r); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), "No audit records.") {
				t.Error("HTML does not say the audit directory is empty")
			}
		})
	}
}

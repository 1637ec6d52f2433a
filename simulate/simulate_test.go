package simulate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/engine"
)

// expected derives, from the generated records alone, what v1 -> v2 must
// report: CI edits become deny, deploy changes in production need
// approval, and warn-config stops firing on config changes.
func expected(t *testing.T, n int) (transitions map[string]int, rules map[string][2]int, changed []string) {
	_, recs := auditStore(t, n)
	transitions, rules = map[string]int{}, map[string][2]int{}
	for _, r := range recs {
		to := string(engine.Allow)
		switch {
		case touches(r, ".github/workflows/"):
			to = string(engine.Deny)
			rules["custom/no-ci-edits"] = [2]int{rules["custom/no-ci-edits"][0] + 1, 0}
		case touches(r, "deploy/") && r.Request.Environment == "production":
			to = string(engine.RequireApproval)
			rules["prod-deploy"] = [2]int{rules["prod-deploy"][0] + 1, 0}
		case touches(r, "config/"):
			rules["warn-config"] = [2]int{0, rules["warn-config"][1] + 1}
		}
		transitions[string(engine.Allow)+"->"+to]++
		if to != string(engine.Allow) {
			changed = append(changed, r.Request.RequestID)
		}
	}
	return transitions, rules, changed
}

func TestRunAudit(t *testing.T) {
	const n = 60
	s, _ := auditStore(t, n)
	wantTransitions, wantRules, wantChanged := expected(t, n)
	if len(wantChanged) == 0 || len(wantRules) != 3 {
		t.Fatalf("generator gives no changes to look for: %v %v", wantChanged, wantRules)
	}
	v1, v2 := v1Engine(t), v2Engine(t)
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			r, err := Run(context.Background(), v2, v1, FromAudit(s, time.Time{}), Options{Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			if r.Total != n || r.Changed != len(wantChanged) || r.Errors != 0 || len(r.Skipped) != 0 {
				t.Errorf("total %d changed %d errors %d skipped %v, want %d %d 0 none", r.Total, r.Changed, r.Errors, r.Skipped, n, len(wantChanged))
			}
			got := map[string]int{}
			for _, tr := range r.Transitions {
				got[tr.From+"->"+tr.To] = tr.Count
				if tr.Changed != (tr.From != tr.To) {
					t.Errorf("transition %+v: Changed wrong", tr)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(wantTransitions) {
				t.Errorf("transitions %v, want %v", got, wantTransitions)
			}
			if !r.Transitions[0].Changed {
				t.Errorf("changed transitions do not come first: %+v", r.Transitions)
			}
			gotRules := map[string][2]int{}
			for _, rc := range r.Rules {
				gotRules[rc.Rule] = [2]int{rc.NewlyFiring, rc.StoppedFiring}
			}
			if fmt.Sprint(gotRules) != fmt.Sprint(wantRules) {
				t.Errorf("rules %v, want %v", gotRules, wantRules)
			}
			var ids []string
			for _, c := range r.Changes {
				ids = append(ids, c.RequestID)
				if c.Service == "" || c.Environment == "" || c.Recorded == "" || !strings.HasPrefix(c.Name, s.Dir) {
					t.Errorf("change %+v lacks its request facts", c)
				}
				if c.To == string(engine.Deny) && fmt.Sprint(c.NewRules) != "[custom/no-ci-edits]" {
					t.Errorf("change %s: new rules %v", c.RequestID, c.NewRules)
				}
			}
			// In the source's order (oldest first) whatever the workers did.
			if fmt.Sprint(ids) != fmt.Sprint(wantChanged) {
				t.Errorf("changes %v, want %v", ids, wantChanged)
			}
			if !r.HasChanges() {
				t.Error("HasChanges false")
			}
		})
	}
}

func TestRunSameBundle(t *testing.T) {
	s, _ := auditStore(t, 16)
	v1 := v1Engine(t)
	r, err := Run(context.Background(), v1, v1, FromAudit(s, time.Time{}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 16 || r.Changed != 0 || len(r.Changes) != 0 || len(r.Rules) != 0 || r.HasChanges() {
		t.Errorf("same bundle: %+v", r)
	}
	// One bundle: nothing differs, no request is evaluated in full.
	if r.Unaffected != 16 || len(r.Transitions) != 1 || r.Transitions[0] != (Transition{From: Unchanged, To: Unchanged, Count: 16}) {
		t.Errorf("transitions %+v", r.Transitions)
	}
}

// TestRunErrorsFailClosed: a request the candidate cannot evaluate is an
// error outcome, counted and listed, never allow.
func TestRunErrorsFailClosed(t *testing.T) {
	s, _ := auditStore(t, 10)
	v1, broken := v1Engine(t), brokenEngine(t)
	tests := []struct {
		name                string
		candidate, baseline *engine.Engine
		from, to            string
	}{
		{"candidate fails", broken, v1, string(engine.Allow), Error},
		{"baseline fails", v1, broken, Error, string(engine.Allow)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Run(context.Background(), tt.candidate, tt.baseline, FromAudit(s, time.Time{}), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Errors != 10 || r.Changed != 10 || len(r.Changes) != 10 || !r.HasChanges() {
				t.Fatalf("errors %d changed %d changes %d, want 10 each", r.Errors, r.Changed, len(r.Changes))
			}
			if len(r.Transitions) != 1 || r.Transitions[0].From != tt.from || r.Transitions[0].To != tt.to {
				t.Errorf("transitions %+v, want only %s -> %s", r.Transitions, tt.from, tt.to)
			}
			for _, c := range r.Changes {
				if !strings.Contains(c.Error, "to_number") {
					t.Errorf("change %s: error %q does not say what failed", c.RequestID, c.Error)
				}
			}
		})
	}
}

func TestRunSkipsCorruptRecords(t *testing.T) {
	s, recs := auditStore(t, 8)
	month := filepath.Join(s.Dir, recs[0].Time.Format("2006"), recs[0].Time.Format("01"))
	bad := filepath.Join(month, strings.Repeat("0", 64)+".json")
	if err := os.WriteFile(bad, []byte(`{"request": {"request_id": "cut`), 0o640); err != nil {
		t.Fatal(err)
	}
	r, err := Run(context.Background(), v2Engine(t), v1Engine(t), FromAudit(s, time.Time{}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 8 || len(r.Skipped) != 1 || !strings.HasPrefix(r.Skipped[0], bad+": truncated audit record") {
		t.Errorf("total %d skipped %q, want 8 and %s named", r.Total, r.Skipped, bad)
	}
	for _, c := range r.Changes {
		if c.Name == bad {
			t.Errorf("corrupt record counted: %+v", c)
		}
	}
}

func TestRunSince(t *testing.T) {
	s, recs := auditStore(t, 24)
	since := recs[16].Time
	r, err := Run(context.Background(), v2Engine(t), v1Engine(t), FromAudit(s, since), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 8 {
		t.Errorf("total %d, want the 8 records made at or after %s", r.Total, since)
	}
}

func TestRunSourceError(t *testing.T) {
	failing := func(fn func(Item) error) ([]error, error) {
		if err := fn(Item{Name: "one", Request: engine.Request{RequestID: "x"}}); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("disk on fire")
	}
	v1 := v1Engine(t)
	if _, err := Run(context.Background(), v1, v1, failing, Options{}); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("error %v, want the source's", err)
	}
	if _, err := Run(context.Background(), nil, v1, failing, Options{}); err == nil {
		t.Error("no error without a candidate")
	}
}

package evidence

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/gov-policy/gov/engine"
)

// predicateSchema compiles predicate.schema.json, the documented contract.
func predicateSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("predicate.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("predicate.schema.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(PredicateType, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(PredicateType)
	if err != nil {
		t.Fatalf("compile predicate.schema.json: %v", err)
	}
	return sch
}

// statementPredicate makes the statement of rec and returns its decoded
// JSON and the predicate as a jsonschema instance.
func statementPredicate(t *testing.T, rec Record) (map[string]any, any) {
	t.Helper()
	data, err := Encode(rec)
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewStatement("", rec.PatchDigest, NewPredicate(rec, data))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(st, &m); err != nil {
		t.Fatal(err)
	}
	pred, err := json.Marshal(m["predicate"])
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(pred))
	if err != nil {
		t.Fatal(err)
	}
	return m, inst
}

func TestPredicateMatchesSchema(t *testing.T) {
	sch := predicateSchema(t)
	denied := testRecord()
	denied.Decision = &engine.Decision{Decision: engine.Deny, Reason: "secret", RiskLevel: "critical",
		Bundle: engine.BundleInfo{Source: "embedded", Revision: "embedded:abc"}, Enforcement: engine.EnforcementWarn,
		Violations: []engine.Violation{{Rule: "secrets/aws", Action: "deny", Message: "key", Controls: []string{"SOC2:CC6.1"}}},
		Summary:    engine.Summary{ErrorCount: 1, PolicyTypesChecked: []string{"secrets"}}}
	denied.Bundle = engine.BundleInfo{}
	denied.Request.Metadata = map[string]any{"head_sha": "not-a-sha"}
	broken := testRecord()
	d := *broken.Decision
	d.BreakGlass = &engine.BreakGlass{Label: "gov/break-glass", By: "carol", ByID: 3, At: time.Date(2026, 3, 1, 9, 1, 0, 0, time.UTC),
		HeadSHA: "1111111111111111111111111111111111111111"}
	broken.Decision = &d
	// A pull-request decision keeps the reviews that did not count and
	// the blocking ones, with why (gov explain reads them).
	noted := testRecord()
	nd := *noted.Decision
	wf := *nd.Workflow
	wf.Ignored = []engine.ReviewNote{{Login: "sam", UserID: 5, ReviewID: 11, Reason: "stale: approved commit bbbbbbb, head is aaaaaaa"}}
	wf.Blocking = []engine.ReviewNote{{Login: "bob", UserID: 2, ReviewID: 12, Stage: "SRE review", Reason: "requests changes"}}
	nd.Workflow = &wf
	noted.Decision = &nd
	for _, tc := range []struct {
		name           string
		rec            Record
		wantApprovals  int
		wantRevision   string
		wantHeadSHAKey bool
	}{
		{name: "approved by two stages", rec: testRecord(), wantApprovals: 2, wantRevision: "9f2c", wantHeadSHAKey: true},
		{name: "denied without workflow, bundle from the decision", rec: denied, wantRevision: "embedded:abc"},
		{name: "break-glass: who, when and the head", rec: broken, wantApprovals: 2, wantRevision: "9f2c", wantHeadSHAKey: true},
		{name: "ignored and blocking reviews", rec: noted, wantApprovals: 2, wantRevision: "9f2c", wantHeadSHAKey: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, inst := statementPredicate(t, tc.rec)
			if err := sch.Validate(inst); err != nil {
				t.Fatalf("predicate does not validate: %v", err)
			}
			if st["_type"] != "https://in-toto.io/Statement/v1" || st["predicateType"] != PredicateType {
				t.Errorf("statement header %v %v", st["_type"], st["predicateType"])
			}
			subj := st["subject"].([]any)[0].(map[string]any)
			if subj["name"] != DefaultSubjectName || subj["digest"].(map[string]any)["sha256"] != strings.TrimPrefix(tc.rec.PatchDigest, "sha256:") {
				t.Errorf("subject %v", subj)
			}
			p := inst.(map[string]any)
			if got := len(p["approvals"].([]any)); got != tc.wantApprovals {
				t.Errorf("%d approvals, want %d", got, tc.wantApprovals)
			}
			if bg := tc.rec.Decision.BreakGlass; bg != nil {
				got, _ := p["break_glass"].(map[string]any)
				if got["by"] != bg.By || got["head_sha"] != bg.HeadSHA || got["at"] != "2026-03-01T09:01:00Z" {
					t.Errorf("predicate break_glass = %v, want %+v", p["break_glass"], bg)
				}
			}
			if p["bundle"].(map[string]any)["revision"] != tc.wantRevision {
				t.Errorf("bundle %v, want revision %s", p["bundle"], tc.wantRevision)
			}
			if tc.wantApprovals > 0 {
				_, has := p["approvals"].([]any)[0].(map[string]any)["head_sha"]
				if has != tc.wantHeadSHAKey {
					t.Errorf("head_sha present %v, want %v", has, tc.wantHeadSHAKey)
				}
			}
		})
	}
	// The schema is strict enough to refuse what gov would never sign.
	for _, tc := range []struct {
		name   string
		change func(p map[string]any)
	}{
		{name: "no record digest", change: func(p map[string]any) { delete(p, "record_digest") }},
		{name: "record digest not sha256", change: func(p map[string]any) { p["record_digest"] = "md5:abc" }},
		{name: "unknown field", change: func(p map[string]any) { p["extra"] = true }},
		{name: "unknown decision", change: func(p map[string]any) { p["decision"].(map[string]any)["decision"] = "maybe" }},
		{name: "approval without reviewer", change: func(p map[string]any) { p["approvals"] = []any{map[string]any{"stage": "x"}} }},
		{name: "time not a date", change: func(p map[string]any) { p["time"] = "yesterday" }},
	} {
		t.Run("schema refuses "+tc.name, func(t *testing.T) {
			_, inst := statementPredicate(t, testRecord())
			tc.change(inst.(map[string]any))
			if err := sch.Validate(inst); err == nil {
				t.Fatal("schema accepted it")
			}
		})
	}
}

func TestParseStatement(t *testing.T) {
	good := mustStatement(t, []byte("record"))
	edit := func(change func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		change(m)
		out, _ := json.Marshal(m)
		return out
	}
	for _, tc := range []struct {
		name, want string
		payload    []byte
	}{
		{name: "good", payload: good},
		{name: "not json", payload: []byte("{"), want: "not an in-toto statement"},
		{name: "legacy statement type", payload: edit(func(m map[string]any) { m["_type"] = "https://in-toto.io/Statement/v0.1" }), want: `_type "https://in-toto.io/Statement/v0.1"`},
		{name: "unknown predicate type", payload: edit(func(m map[string]any) { m["predicateType"] = "https://slsa.dev/provenance/v1" }), want: `unknown predicate type "https://slsa.dev/provenance/v1"`},
		{name: "two subjects", payload: edit(func(m map[string]any) { m["subject"] = append(m["subject"].([]any), m["subject"].([]any)[0]) }), want: "2 subjects, want 1"},
		{name: "subject without sha256", payload: edit(func(m map[string]any) {
			m["subject"] = []any{map[string]any{"name": "p", "digest": map[string]any{"sha512": strings.Repeat("a", 128)}}}
		}), want: `subject "p" has no sha256 digest`},
		{name: "unknown predicate field", payload: edit(func(m map[string]any) { m["predicate"].(map[string]any)["extra"] = 1 }), want: `unknown field "extra"`},
		{name: "no decision", payload: edit(func(m map[string]any) { delete(m["predicate"].(map[string]any), "decision") }), want: "no decision"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := ParseStatement(tc.payload)
			if tc.want == "" {
				if err != nil || st.Predicate.Decision == nil || st.SubjectDigest != PatchDigest([]byte(testPatch)) {
					t.Fatalf("%+v, %v", st, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := NewStatement("", "sha1:abc", NewPredicate(testRecord(), nil)); err == nil || !strings.Contains(err.Error(), "not sha256:<hex>") {
		t.Errorf("bad patch digest: %v", err)
	}
}

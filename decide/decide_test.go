package decide_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/decide"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/internal/leaktest"
	"github.com/gov-policy/gov/patch"
)

func pipeline(t *testing.T) *decide.Pipeline {
	t.Helper()
	b, err := bundles.Load(t.Context(), "embedded", bundles.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := decide.New(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func leakyInput(t *testing.T) decide.Input {
	t.Helper()
	kinds := leaktest.Kinds()
	if len(kinds) < 10 {
		t.Fatalf("%d secret kinds, want at least 10", len(kinds))
	}
	diff := leaktest.Patch(kinds)
	p, err := patch.Parse([]byte(diff))
	if err != nil {
		t.Fatal(err)
	}
	req := leaktest.Request(kinds, diff)
	req.Environment = "production"
	return decide.Input{Request: req, Patch: p, PR: map[string]any{"title": leaktest.Line(kinds[9])}}
}

// TestNoSecretInDecisionOrRecord: secrets of every kind, in the patch and
// in every request field, appear neither in the decision returned nor in
// any file written to the audit directory (record, evidence, temp files).
func TestNoSecretInDecisionOrRecord(t *testing.T) {
	p := pipeline(t)
	p.AuditDir = t.TempDir()
	in := leakyInput(t)
	raw, _ := json.Marshal(in.Request)
	if !strings.Contains(string(raw), leaktest.Parts(leaktest.Kinds()[0])[0]) {
		t.Fatal("the request does not carry the planted secrets")
	}
	res, err := p.Run(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Decision.Decision != engine.Deny {
		t.Errorf("decision %s, want deny (secrets in the patch)", res.Decision.Decision)
	}
	// Every kind is found in the patch: the redaction is not vacuous.
	found := map[string]bool{}
	for _, f := range res.Findings {
		found[f.Rule] = true
	}
	for _, k := range leaktest.Kinds() {
		if !found[k.Rule] {
			t.Errorf("the scanner found no %s in the patch", k.Rule)
		}
	}
	out, _ := json.Marshal(res.Decision)
	leaktest.Check(t, "decision", out)
	if !strings.Contains(string(out), "****") {
		t.Error("the decision shows no masked secret: the library messages quote nothing?")
	}
	if n := leaktest.CheckDir(t, p.AuditDir); n != 1 {
		t.Errorf("%d files in the audit directory, want 1 record", n)
	}
	rec, err := evidence.Store{Dir: p.AuditDir}.Read(res.Record)
	if err != nil {
		t.Fatal(err)
	}
	if rec.PatchDigest != evidence.PatchDigest([]byte(in.Request.PatchContent)) {
		t.Error("the record's patch digest is not of the raw patch")
	}
	if _, err := patch.Parse([]byte(rec.Request.PatchContent)); err != nil {
		t.Errorf("the recorded (masked) patch no longer parses: %v", err)
	}
}

// TestRedactedEvaluationError: an evaluation error quoting a secret of the
// request is returned masked (and still fails closed: no decision).
func TestRedactedEvaluationError(t *testing.T) {
	p := pipeline(t)
	in := leakyInput(t)
	secret := leaktest.Kinds()[2].Secret
	in.Approvals = func(context.Context, *engine.Decision) error {
		return errors.New("approvals: reviewer " + secret + " unknown")
	}
	res, err := p.Run(t.Context(), in)
	if err == nil || res.Decision != nil {
		t.Fatalf("Run = %v, %v; want an error and no decision", res, err)
	}
	leaktest.Check(t, "error", []byte(err.Error()))
}

// TestLibraryMessagesSafeOnTheirOwn: the built-in library's messages quote
// changed lines only as masked excerpts, so even the engine's raw decision
// (before the pipeline's redaction) shows none of the planted secrets.
func TestLibraryMessagesSafeOnTheirOwn(t *testing.T) {
	p := pipeline(t)
	in := leakyInput(t)
	findings, _ := p.Scan(in)
	d, err := p.Engine.Evaluate(t.Context(), engine.Input{Request: in.Request, Patch: in.Patch, Findings: findings})
	if err != nil {
		t.Fatal(err)
	}
	quoted := 0
	for _, v := range d.Violations {
		if strings.Contains(v.Message, "****") {
			quoted++
		}
	}
	if quoted < 3 {
		t.Errorf("%d messages quote a masked line, want the eval, curl, DELETE and requirements lines", quoted)
	}
	out, _ := json.Marshal(d.Violations)
	leaktest.Check(t, "violations", out)
}

// TestDecisionJSONIsTheRecordedDecision: a recorded decision's JSON, which
// gov serve answers with, is json.Marshal of the redacted decision byte
// for byte, holds none of the request's secrets, and is the decision the
// record file holds.
func TestDecisionJSONIsTheRecordedDecision(t *testing.T) {
	p := pipeline(t)
	p.AuditDir = t.TempDir()
	res, err := p.Run(t.Context(), leakyInput(t))
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(res.Decision)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.DecisionJSON, want) {
		t.Fatalf("DecisionJSON\n%s\nwant json.Marshal of the decision\n%s", res.DecisionJSON, want)
	}
	leaktest.Check(t, "decision JSON", res.DecisionJSON)
	raw, err := os.ReadFile(res.Record)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Decision json.RawMessage `json:"decision"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file.Decision, res.DecisionJSON) {
		t.Errorf("the record holds the decision\n%s\nthe answer\n%s", file.Decision, res.DecisionJSON)
	}
	// Without a store nothing is encoded for the caller.
	p.AuditDir = ""
	if res, err := p.Run(t.Context(), leakyInput(t)); err != nil || res.DecisionJSON != nil {
		t.Errorf("no store: DecisionJSON %q, %v; want none", res.DecisionJSON, err)
	}
}

package evidence

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gov-policy/gov/engine"
)

// encoderForm is a record's canonical form as encoding/json's Encoder
// writes the whole Record: what Encode built before it wrote the record
// field by field, and must still write byte for byte (the SHA-256 of these
// bytes names every record already kept).
func encoderForm(t *testing.T, rec Record) []byte {
	t.Helper()
	rec.Time = rec.Time.UTC()
	if rec.Findings == nil {
		rec.Findings = []engine.Finding{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestEncodeIsEncoderForm: Encode writes the exact bytes of the Encoder
// over Record, for records with HTML characters, line separators, invalid
// UTF-8, nested metadata, no findings, no version, a zone other than UTC
// and nanoseconds.
func TestEncodeIsEncoderForm(t *testing.T) {
	// Encode writes Record's fields by name: a field added to Record must
	// be added there too (and here).
	var names []string
	for f := range reflect.TypeFor[Record]().Fields() {
		names = append(names, f.Name)
	}
	if want := []string{"Request", "PatchDigest", "Findings", "Decision", "Bundle", "Time", "GovVersion", "DecisionJSON"}; !slices.Equal(names, want) {
		t.Fatalf("Record's fields are %v, Encode writes %v", names, want)
	}
	full := record("req-<1>&", t0.Add(123456789*time.Nanosecond))
	full.Request.Metadata = map[string]any{"pr": map[string]any{"repository": "o/r", "number": 7.0}, "z": []any{"a\u2028b", nil, true}}
	full.Request.PatchContent += "+s = \"<script>&\xff\u2029\"\n"
	full.Decision.Reason = "<deny> & \u2028 \xfe"
	full.Decision.Violations = []engine.Violation{{Rule: "r<1>", Message: "m & n", Controls: []string{"c"}}}
	full.Decision.Workflow = &engine.WorkflowResult{Name: "w", Stages: []engine.StageResult{{Name: "s<", MinApprovals: 1}}}
	bare := record("req-2", t0)
	bare.Findings, bare.GovVersion = nil, ""
	bare.Request.ErrorContext = nil
	given := full
	var err error
	if given.DecisionJSON, err = json.Marshal(given.Decision); err != nil {
		t.Fatal(err)
	}
	for name, rec := range map[string]Record{"full": full, "bare": bare, "decision given": given} {
		got, err := Encode(rec)
		if err != nil {
			t.Fatal(err)
		}
		if want := encoderForm(t, rec); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}

// BenchmarkEncode is the canonical encoding of a record of gov serve's
// benchmark size.
func BenchmarkEncode(b *testing.B) {
	rec := record("req-1", t0)
	rec.Decision.Violations = []engine.Violation{{Rule: "gov.bench.require_approval", Action: "require_approval", Message: "auth/session.go: protected path", Severity: "medium"}}
	rec.Decision.Workflow = &engine.WorkflowResult{Name: "default", Stages: []engine.StageResult{{Name: "approval", MinApprovals: 1}}}
	rec.Decision.Summary.PolicyTypesChecked = []string{"gov.bench", "gov.builtin.environment", "gov.builtin.rules"}
	for range 12 {
		rec.Request.PatchContent += "+\tif now.Sub(s.Created) > SessionTTL {\n"
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(rec); err != nil {
			b.Fatal(err)
		}
	}
}

package sarif

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"

	gosarif "github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/gov-policy/gov/engine"
)

// shiftPatch adds `body` to app.py below `above` new lines.
func shiftPatch(above int, body ...string) string {
	var b strings.Builder
	n := above + len(body)
	fmt.Fprintf(&b, "diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n@@ -1,1 +1,%d @@\n", n+1)
	for i := 0; i < above; i++ {
		fmt.Fprintf(&b, "+# filler %d\n", i)
	}
	for _, l := range body {
		b.WriteString("+" + l + "\n")
	}
	b.WriteString(" x = 1\n")
	return b.String()
}

func fingerprintAt(t *testing.T, diff, rule string, line int) []string {
	t.Helper()
	d := &engine.Decision{Decision: engine.Deny, Violations: []engine.Violation{
		{Rule: rule, Action: engine.ActionDeny, Message: "shell call", File: "app.py", Line: line},
		{Rule: rule, Action: engine.ActionDeny, Message: "shell call", File: "app.py", Line: line + 1},
	}}
	r, err := FromDecision(d, mustParse(t, diff), Options{})
	if err != nil {
		t.Fatal(err)
	}
	encode(t, schema(t), r)
	var fps []string
	for _, res := range r.Runs[0].Results {
		fps = append(fps, res.PartialFingerprints[FingerprintKey].(string))
	}
	return fps
}

func TestFingerprints(t *testing.T) {
	body := []string{"os.system(cmd)", "os.system(cmd)"}
	base := fingerprintAt(t, shiftPatch(0, body...), "code/shell", 1)
	tests := []struct {
		name string
		got  []string
		same bool
	}{
		{"lines above shift by 7", fingerprintAt(t, shiftPatch(7, body...), "code/shell", 8), true},
		{"lines above shift by 120", fingerprintAt(t, shiftPatch(120, body...), "code/shell", 121), true},
		{"other content", fingerprintAt(t, shiftPatch(0, "os.popen(cmd)", "os.popen(cmd)"), "code/shell", 1), false},
		{"other rule", fingerprintAt(t, shiftPatch(0, body...), "code/eval", 1), false},
	}
	if base[0] == base[1] || !strings.HasSuffix(base[0], ":1") || !strings.HasSuffix(base[1], ":2") {
		t.Fatalf("identical lines not told apart by occurrence: %v", base)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range base {
				if (tt.got[i] == base[i]) != tt.same {
					t.Errorf("fingerprint %d: %s vs %s, want same=%v", i, tt.got[i], base[i], tt.same)
				}
			}
		})
	}
}

func TestTruncation(t *testing.T) {
	sch := schema(t)
	const total, denies = 30000, 5000
	d := &engine.Decision{Decision: engine.Deny}
	for i := 0; i < total; i++ {
		action := engine.Warn
		if i%(total/denies) == 0 {
			action = engine.ActionDeny
		}
		d.Violations = append(d.Violations, engine.Violation{Rule: "r/" + action, Action: action, Message: "m", File: fmt.Sprintf("f%d.go", i%50), Line: i + 1})
	}
	fs := make([]ScanFinding, total)
	for i := range fs {
		fs[i] = ScanFinding{Rule: "secrets/generic", Description: "generic secret", File: "a.env", Line: i + 1, Fingerprint: fmt.Sprint(i), Masked: "ab****"}
	}
	fromDecision, err := FromDecision(d, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fromFindings, err := FromFindings(fs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		report     *gosarif.Report
		wantErrors int
	}{
		{"decision keeps every deny", fromDecision, denies},
		{"scanner findings", fromFindings, MaxResults},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, doc := encode(t, sch, tt.report)
			results := dig(t, doc, "runs", 0, "results").([]any)
			if len(results) != MaxResults {
				t.Fatalf("%d results, want %d", len(results), MaxResults)
			}
			errs := 0
			for _, r := range results {
				if dig(t, r, "level") == "error" {
					errs++
				}
			}
			if errs != tt.wantErrors {
				t.Errorf("%d error results kept, want %d", errs, tt.wantErrors)
			}
			msg := lastNotification(t, doc)
			want := fmt.Sprintf("dropped %d of %d results", total-MaxResults, total)
			if !strings.Contains(msg, want) {
				t.Errorf("notification %q does not say %q", msg, want)
			}
		})
	}
}

func TestGzipLimit(t *testing.T) {
	const limit = 16 << 10
	fs := make([]ScanFinding, 3000)
	for i := range fs {
		// Distinct fingerprints keep the output from compressing to nothing.
		fs[i] = ScanFinding{Rule: fmt.Sprintf("secrets/r%d", i%7), Description: "secret", File: fmt.Sprintf("dir%d/f%d.txt", i%13, i), Line: i + 1, Fingerprint: fmt.Sprintf("%x", i*7919)}
	}
	r, err := FromFindings(fs, Options{MaxGzipBytes: limit})
	if err != nil {
		t.Fatal(err)
	}
	raw, doc := encode(t, schema(t), r)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	if z.Len() > limit {
		t.Errorf("gzipped size %d over the limit %d", z.Len(), limit)
	}
	kept := len(dig(t, doc, "runs", 0, "results").([]any))
	if kept == 0 || kept >= len(fs) {
		t.Fatalf("%d results kept of %d", kept, len(fs))
	}
	if msg := lastNotification(t, doc); !strings.Contains(msg, fmt.Sprintf("dropped %d of %d", len(fs)-kept, len(fs))) {
		t.Errorf("notification %q", msg)
	}
}

func lastNotification(t *testing.T, doc any) string {
	t.Helper()
	ns, _ := dig(t, doc, "runs", 0, "invocations", 0, "toolExecutionNotifications").([]any)
	if len(ns) == 0 {
		t.Fatal("no notifications")
	}
	return dig(t, ns[len(ns)-1], "message", "text").(string)
}

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/internal/pgtest"
	"github.com/gov-policy/gov/simulate/simtest"
)

// govRun runs gov in-process and returns its exit status and output.
func govRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runWith(args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// normalize replaces a store's name, today's timestamps (report's
// generated_at and until) and prune's cutoff so that two stores' outputs
// compare.
func normalize(s, store string) string {
	s = strings.ReplaceAll(s, store, "STORE")
	now := regexp.MustCompile(regexp.QuoteMeta(time.Now().UTC().Format("2006-01-02")) + `T[0-9:.]+Z`)
	// prune's cutoff is now minus --older-than: the two runs may straddle a second.
	cutoff := regexp.MustCompile(`older than [0-9T:-]+Z`)
	return cutoff.ReplaceAllString(now.ReplaceAllString(s, "NOW"), "older than CUTOFF")
}

// TestAuditStoresGiveSameOutput: the same records in an audit directory and
// in PostgreSQL (moved there with gov audit copy) give the same output,
// byte for byte but for the store's name, to audit log (with --verify),
// report, simulate and prune; no output names the database password.
func TestAuditStoresGiveSameOutput(t *testing.T) {
	work := t.TempDir()
	t.Chdir(work)
	t.Setenv("COSIGN_PASSWORD", "key-password")
	dir := filepath.Join(work, "audit")
	start := time.Date(2026, 1, 4, 8, 0, 0, 0, time.UTC)
	if err := simtest.Generate(evidence.Store{Dir: dir}, 60, start); err != nil {
		t.Fatal(err)
	}
	// Records with violations (by rule and by named control, some waived)
	// and approvals, for the report's per-control counts.
	for i := range 24 {
		rec := simtest.Record(i, start.Add(90*time.Second))
		rec.Decision.Violations = []engine.Violation{
			{Rule: "secrets/generic-api-key", Action: "deny", Message: "secret", Controls: []string{"SOC2:CC6.1"}},
			{Rule: "gov.lib.paths/protected", Action: "require_approval", Message: "protected path",
				Controls: []string{"SOC2:CC8.1"}, Exception: map[bool]string{true: "legacy"}[i%3 == 0]},
		}[:1+i%2]
		rec.Decision.Workflow = &engine.WorkflowResult{Name: "wf", Stages: []engine.StageResult{
			{Name: "SRE", ApproverRoles: []string{"sre"}, ApprovedBy: []string{"alice", "bob"}[:i%3]},
		}}
		// Some on a repository, some approved by their own requester (a
		// duties failure the report names), some allowed by break-glass.
		if i%2 == 0 {
			rec.Request.Metadata = map[string]any{"pr": map[string]any{"repository": "acme/app", "number": i + 1}}
		}
		if i%4 == 1 {
			rec.Decision.Workflow.Stages[0].ApprovedBy = []string{rec.Request.RequestedBy}
		}
		if i%5 == 2 {
			rec.Decision.Reason = "BREAK-GLASS: label \"gov/break-glass\" added by carol"
			rec.Decision.BreakGlass = &engine.BreakGlass{Label: "gov/break-glass", By: "carol", At: start, HeadSHA: strings.Repeat("a", 40)}
		}
		if _, err := (evidence.Store{Dir: dir}).Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errOut := govRun(t, "audit", "keygen", "--output-key-prefix", "k"); code != 0 {
		t.Fatal(errOut)
	}
	entries, _ := evidence.Store{Dir: dir}.List(time.Time{})
	for _, e := range entries[:7] {
		if code, _, errOut := govRun(t, "audit", "sign", e.Path, "--key", "k.key"); code != 0 {
			t.Fatal(errOut)
		}
	}
	db := pgtest.NewDatabase(t)
	pw := pgtest.Password(db)
	var outputs []string
	copyOut := func(from, to, want string) {
		t.Helper()
		code, out, errOut := govRun(t, "audit", "copy", "--from", from, "--to", to)
		outputs = append(outputs, out, errOut)
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("copy: exit %d\n%s%s", code, out, errOut)
		}
	}
	copyOut(dir, db, "copied 84 record(s)")
	copyOut(dir, db, ": 0 new")

	pgName := ""
	{
		s, err := evidence.OpenStore(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		pgName = s.String()
		_ = s.Close()
	}
	// Prune the first 40 records, keep the others.
	// The cutoff starts 5 s after record 40 and moves with the clock: the
	// two stores' prunes remove the same records for 55 s.
	pruneAge := fmt.Sprintf("%ds", int(time.Since(start.Add(40*time.Minute+5*time.Second)).Seconds()))
	commands := [][]string{
		{"audit", "log"},
		{"audit", "log", "--format", "json"},
		{"audit", "log", "--format", "csv", "--since", "2026-01-04T08:30:00Z"},
		{"audit", "log", "--verify", "--key", "k.pub", "--format", "json"},
		{"audit", "log", "--verify", "--key", "k.pub"},
		{"report", "--framework", "soc2", "--format", "json"},
		{"report", "--framework", "soc2", "--format", "csv", "--since", "2026-01-04T08:20:00Z"},
		{"report", "--framework", "sox", "--format", "csv", "--population"},
		{"report", "--framework", "soc2", "--format", "csv", "--population", "--sample", "5", "--seed", "3"},
		{"report", "--framework", "soc2", "--format", "json", "--repository", "acme/app", "--sample", "4", "--seed", "11"},
		{"report", "--framework", "soc2", "--format", "json", "--repository", "ACME/app", "--key", "k.pub"},
		{"report", "--framework", "hipaa", "--format", "json", "--environment", "production", "--until", "2026-01-04T08:30:00Z"},
		{"simulate", "--bundle", "embedded", "--baseline", "embedded", "--format", "json"},
		{"audit", "prune", "--older-than", pruneAge, "--dry-run"},
		{"audit", "prune", "--older-than", pruneAge},
		{"audit", "log", "--format", "csv"},
	}
	for _, c := range commands {
		var got [2]string
		var codes [2]int
		for i, store := range []string{dir, db} {
			code, out, errOut := govRun(t, append(c, "--audit-dir", store)...)
			outputs = append(outputs, out, errOut)
			name := dir
			if i == 1 {
				name = pgName
			}
			codes[i], got[i] = code, normalize(out+"\n--stderr--\n"+errOut, name)
		}
		if codes[0] != codes[1] || got[0] != got[1] {
			t.Errorf("gov %s: directory (exit %d) and postgres (exit %d) differ:\n--- directory\n%s\n--- postgres\n%s",
				strings.Join(c, " "), codes[0], codes[1], got[0], got[1])
		}
		t.Logf("gov %s: exit %d, %d bytes", strings.Join(c, " "), codes[0], len(got[0]))
		if len(got[0]) < 40 {
			t.Errorf("gov %s: little output: %q", strings.Join(c, " "), got[0])
		}
	}
	// The store named by GOV_AUDIT_DIR; the chain verifies after the prune.
	t.Setenv(envAuditDir, db)
	code, out, errOut := govRun(t, "audit", "verify", "--chain")
	outputs = append(outputs, out, errOut)
	if code != 0 || !strings.Contains(out, "verified the chain of "+pgName) || !strings.Contains(out, "pruned") {
		t.Errorf("verify --chain: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = govRun(t, "audit", "verify", "--chain", "--audit-dir", dir)
	if code != 2 || !strings.Contains(errOut, "has no hash chain") {
		t.Errorf("verify --chain on a directory: exit %d %s", code, errOut)
	}
	if pw == "" {
		return
	}
	for _, o := range outputs {
		if strings.Contains(o, pw) {
			t.Fatalf("output shows the database password:\n%s", o)
		}
	}
}

// TestAuditCopyBack: PostgreSQL -> directory gives back the original files.
func TestAuditCopyBack(t *testing.T) {
	work := t.TempDir()
	dir, back := filepath.Join(work, "a"), filepath.Join(work, "b")
	if err := simtest.Generate(evidence.Store{Dir: dir}, 25, time.Date(2025, 12, 20, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	db := pgtest.NewDatabase(t)
	for _, c := range [][]string{{dir, db, ": 25 new"}, {db, back, ": 25 new"}, {db, back, ": 0 new"}} {
		code, out, errOut := govRun(t, "audit", "copy", "--from", c[0], "--to", c[1])
		if code != 0 || !strings.Contains(out, c[2]) {
			t.Fatalf("copy %s -> %s: exit %d %s%s", c[0], c[1], code, out, errOut)
		}
	}
	a, _ := evidence.Store{Dir: dir}.List(time.Time{})
	b, _ := evidence.Store{Dir: back}.List(time.Time{})
	if len(a) != 25 || len(b) != 25 {
		t.Fatalf("%d and %d records", len(a), len(b))
	}
	for i := range a {
		x, _ := os.ReadFile(a[i].Path)
		y, _ := os.ReadFile(b[i].Path)
		if !bytes.Equal(x, y) || strings.TrimPrefix(a[i].Path, dir) != strings.TrimPrefix(b[i].Path, back) {
			t.Fatalf("record %d differs after the round trip", i)
		}
	}
}

// TestEvalRecordsInPostgres: gov eval --audit-dir postgres://... records the
// decision there; --sign with it is refused before anything is evaluated.
func TestEvalRecordsInPostgres(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join("..", "..", "testdata", "patches", "delete-test.diff"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	db := pgtest.NewDatabase(t)
	code, _, errOut := govRun(t, "eval", "--patch", abs, "--env", "staging", "--audit-dir", db)
	if code != 1 {
		t.Fatalf("eval: exit %d %s", code, errOut)
	}
	code, out, errOut := govRun(t, "audit", "log", "--audit-dir", db, "--format", "csv")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, ",deny,staging,") {
		t.Fatalf("log: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = govRun(t, "eval", "--patch", abs, "--env", "staging", "--audit-dir", db, "--sign", "key", "--key", "none.key")
	if code != 2 || !strings.Contains(errOut, "sign into an audit directory") {
		t.Fatalf("eval --sign into postgres: exit %d %s", code, errOut)
	}
}

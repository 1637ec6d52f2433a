package frameworks

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
)

// auditRecords are decisions with PR approvals, a self-approval, stages
// approved out of order and a break-glass use, in April 2026.
func auditRecords() []evidence.Record {
	at := func(day, hour int) time.Time { return time.Date(2026, 4, day, hour, 0, 0, 0, time.UTC) }
	review := func(login string, id int64, t time.Time) engine.StageReview {
		return engine.StageReview{Login: login, UserID: id + 1000, ReviewID: id, SubmittedAt: t}
	}
	stage := func(name, role string, min int, rs ...engine.StageReview) engine.StageResult {
		s := engine.StageResult{Name: name, ApproverRoles: []string{role}, MinApprovals: min, Satisfied: len(rs) >= min, ApprovedBy: []string{}, Reviews: rs}
		for _, r := range rs {
			s.ApprovedBy = append(s.ApprovedBy, r.Login)
		}
		return s
	}
	pr := func(repo string, n int, sha string) map[string]any {
		return map[string]any{"pr": map[string]any{"repository": repo, "number": float64(n), "head_sha": sha}}
	}
	rec := func(id, env, by string, t time.Time, d *engine.Decision, meta map[string]any) evidence.Record {
		d.RequestID = id
		return evidence.Record{
			Request:     engine.Request{RequestID: id, Environment: env, RequestedBy: by, ServiceName: "payments", Metadata: meta},
			PatchDigest: evidence.PatchDigest([]byte(id)), Decision: d,
			Bundle: engine.BundleInfo{Source: "policy", Revision: map[bool]string{true: "rev-a", false: "rev-b"}[t.Day() < 10]}, Time: t,
		}
	}
	approved := func(stages ...engine.StageResult) *engine.Decision {
		return &engine.Decision{Decision: engine.Allow, Violations: []engine.Violation{
			{Rule: "gov.builtin.environment/require-approval", Action: engine.ActionRequireApproval},
		}, Workflow: &engine.WorkflowResult{Name: "production_change", Stages: stages}}
	}
	return []evidence.Record{
		// a1: two stages in order, author not approving.
		rec("a1", "production", "dave", at(2, 9), approved(
			stage("SRE", "sre", 1, review("alice", 11, at(2, 10))),
			stage("Security", "security", 1, review("carol", 12, at(2, 11))),
		), pr("acme/app", 7, "1111111111111111111111111111111111111111")),
		// a2: the author approved their own change.
		rec("a2", "production", "frank", at(3, 9), approved(
			stage("SRE", "sre", 1, review("frank", 21, at(3, 10))),
		), pr("acme/app", 8, "2222222222222222222222222222222222222222")),
		// a3: the second stage was satisfied before the first.
		rec("a3", "production", "dave", at(11, 9), approved(
			stage("SRE", "sre", 1, review("alice", 31, at(11, 12))),
			stage("Security", "security", 1, review("carol", 32, at(11, 10))),
		), pr("acme/web", 9, "3333333333333333333333333333333333333333")),
		// a4: break-glass by a holder.
		rec("a4", "production", "dave", at(12, 9), &engine.Decision{Decision: engine.Allow,
			Reason:   `BREAK-GLASS: label "gov/break-glass" added by carol at 2026-04-12T09:30:00Z; approvals bypassed (was: production needs approval)`,
			Workflow: &engine.WorkflowResult{Name: "production_change", Stages: []engine.StageResult{stage("SRE", "sre", 1)}},
		}, pr("acme/app", 10, "4444444444444444444444444444444444444444")),
		// a5: staging, nothing to approve.
		rec("a5", "staging", "bot", at(13, 9), &engine.Decision{Decision: engine.Allow}, nil),
		// a6: SOX group reference fired eight times, no break-glass.
		rec("a6", "production", "bot", at(14, 9), &engine.Decision{Decision: engine.Deny, Violations: groupViolations(8)}, nil),
	}
}

func groupViolations(n int) []engine.Violation {
	out := make([]engine.Violation, n)
	for i := range out {
		out[i] = engine.Violation{Rule: "patch-risk/deleted-test", Action: engine.ActionDeny, Controls: []string{"SOX:ITGC-CM"}}
	}
	return out
}

// writeAudit writes auditRecords to a new store and returns it with the
// record paths by request id.
func writeAudit(t *testing.T) (evidence.Store, map[string]string) {
	t.Helper()
	s := evidence.Store{Dir: t.TempDir()}
	paths := map[string]string{}
	for _, r := range auditRecords() {
		p, err := s.Write(r)
		if err != nil {
			t.Fatal(err)
		}
		paths[r.Request.RequestID] = p
	}
	return s, paths
}

func buildAudit(t *testing.T, framework string, o Options) *Report {
	t.Helper()
	r := buildOnly(t, framework, o)
	r.Population = population(t, r)
	return r
}

// buildOnly is Build as gov report calls it: the population is not read.
func buildOnly(t *testing.T, framework string, o Options) *Report {
	t.Helper()
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.Framework(framework)
	if err != nil {
		t.Fatal(err)
	}
	o.Framework = f
	o.Rules = []bundles.RuleInfo{
		{ID: "gov.builtin.environment/require-approval"},
		{ID: "patch-risk/deleted-test", Controls: []string{"SOX:ITGC-CM"}},
	}
	if o.Now.IsZero() {
		o.Now = time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC)
	}
	r, bad, err := Build(o)
	if err != nil || len(bad) > 0 {
		t.Fatalf("build: %v %v", err, bad)
	}
	return r
}

// population reads the report's population as the writers do.
func population(t *testing.T, r *Report) []DecisionRow {
	t.Helper()
	rows := []DecisionRow{}
	if err := r.EachRow(func(d DecisionRow) error { rows = append(rows, d); return nil }); err != nil {
		t.Fatal(err)
	}
	return rows
}

func row(t *testing.T, r *Report, id string) DecisionRow {
	t.Helper()
	for _, d := range r.Population {
		if d.RequestID == id {
			return d
		}
	}
	t.Fatalf("no decision %s in the population", id)
	return DecisionRow{}
}

func TestReportPopulation(t *testing.T) {
	s, _ := writeAudit(t)
	r := buildAudit(t, "sox", Options{Store: s})
	if len(r.Population) != 6 {
		t.Fatalf("population = %d decisions, want 6", len(r.Population))
	}
	a1 := row(t, r, "a1")
	if a1.Repository != "acme/app" || a1.PR != 7 || a1.Environment != "production" || a1.Requester != "dave" || a1.Evidence != EvidenceUnsigned {
		t.Errorf("a1 = %+v", a1)
	}
	wantApprovals := []ApprovalRow{
		{Stage: "SRE", Roles: []string{"sre"}, Approver: "alice", UserID: 1011, ReviewID: 11, At: time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)},
		{Stage: "Security", Roles: []string{"security"}, Approver: "carol", UserID: 1012, ReviewID: 12, At: time.Date(2026, 4, 2, 11, 0, 0, 0, time.UTC)},
	}
	if !reflect.DeepEqual(a1.Approvals, wantApprovals) {
		t.Errorf("a1 approvals = %+v", a1.Approvals)
	}
	tests := []struct {
		id                      string
		author, role, order, ok bool
	}{
		{"a1", true, true, true, true},
		{"a2", false, true, true, false}, // self-approval
		{"a3", true, true, false, false}, // stages out of order
		{"a4", true, true, true, true},   // break-glass by someone else
	}
	for _, tt := range tests {
		d := row(t, r, tt.id).Duties
		if d == nil {
			t.Errorf("%s: no segregation-of-duties check", tt.id)
			continue
		}
		got := []bool{d.AuthorNotApprover, d.ApproversHeldRole, d.StagesInOrder, d.OK()}
		if want := []bool{tt.author, tt.role, tt.order, tt.ok}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s duties (author, role, order, ok) = %v, want %v: %v", tt.id, got, want, d.Problems)
		}
	}
	if d := row(t, r, "a5").Duties; d != nil {
		t.Errorf("a5 has no approvals but a duties check %+v", d)
	}
	bg := row(t, r, "a4").BreakGlass
	if bg == nil || bg.By != "carol" || !bg.At.Equal(time.Date(2026, 4, 12, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("a4 break-glass = %+v", bg)
	}
	// A decision that records its break-glass (gov pr today) is read from
	// that record, the head commit included; the reason's own wording
	// ("... at T for head SHA; ...") parses too.
	at := time.Date(2026, 4, 12, 9, 30, 0, 0, time.UTC)
	sha := strings.Repeat("4", 40)
	reason := `BREAK-GLASS: label "gov/break-glass" added by carol at 2026-04-12T09:30:00Z for head ` + sha + `; approvals bypassed (was: x)`
	for name, d := range map[string]*engine.Decision{
		"recorded": {Reason: reason, BreakGlass: &engine.BreakGlass{Label: "gov/break-glass", By: "carol", ByID: 3, At: at, HeadSHA: sha}},
		"reason":   {Reason: reason},
	} {
		if got := evidence.BreakGlassOf(d); got == nil || got.By != "carol" || !got.At.Equal(at) || got.SHA != sha {
			t.Errorf("%s: break-glass = %+v", name, got)
		}
	}
	if r.Duties.Checked != 4 || r.Duties.Passed != 2 || r.Duties.Failed != 2 || len(r.Duties.BreakGlass) != 1 {
		t.Errorf("duties = %+v", r.Duties)
	}
	if !strings.Contains(strings.Join(r.Duties.Failures, "\n"), "a2: the requester frank approved stage \"SRE\"") {
		t.Errorf("duties failures = %q", r.Duties.Failures)
	}
	// Approvals are the evidence of SOX change management and segregation of duties.
	cm3 := control(t, r, "ITGC-CM-3")
	if cm3.Status != StatusEvidenced || cm3.Approvals != 5 || cm3.DutiesChecked != 4 || cm3.DutiesFailed != 2 {
		t.Errorf("ITGC-CM-3 = %+v", cm3)
	}
	cm4 := control(t, r, "ITGC-CM-4")
	if cm4.BreakGlass != 1 {
		t.Errorf("ITGC-CM-4 break-glass = %d, want 1", cm4.BreakGlass)
	}
	wantRevs := []Revision{
		{Revision: "rev-a", First: time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC), Last: time.Date(2026, 4, 3, 9, 0, 0, 0, time.UTC), Decisions: 2},
		{Revision: "rev-b", First: time.Date(2026, 4, 11, 9, 0, 0, 0, time.UTC), Last: time.Date(2026, 4, 14, 9, 0, 0, 0, time.UTC), Decisions: 4},
	}
	if !reflect.DeepEqual(r.Revisions, wantRevs) {
		t.Errorf("revisions = %+v", r.Revisions)
	}
}

// TestReportGroupReferenceDoesNotInflate: a rule naming the whole SOX
// change-management domain counts once for the domain, not as a finding of
// "Emergency changes" (ITGC-CM-4) when no break-glass was used.
func TestReportGroupReferenceDoesNotInflate(t *testing.T) {
	s, _ := writeAudit(t)
	r := buildAudit(t, "sox", Options{Store: s})
	for _, id := range []string{"ITGC-CM-1", "ITGC-CM-2", "ITGC-CM-3", "ITGC-CM-4", "ITGC-CM-5"} {
		if c := control(t, r, id); c.ViolationsByRule["patch-risk/deleted-test"] != 0 {
			t.Errorf("%s counts %d group findings", id, c.ViolationsByRule["patch-risk/deleted-test"])
		}
	}
	if len(r.Groups) != 1 || r.Groups[0].ID != "ITGC-CM" || r.Groups[0].Violations != 8 {
		t.Errorf("groups = %+v, want ITGC-CM with 8 findings", r.Groups)
	}
	if r.Totals.Blocked != 8 {
		t.Errorf("blocked = %d, want 8", r.Totals.Blocked)
	}
}

func TestReportSample(t *testing.T) {
	s, _ := writeAudit(t)
	draw := func(n int, seed uint64) []string {
		r := buildAudit(t, "soc2", Options{Store: s})
		if err := r.DrawSample(n, seed); err != nil {
			t.Fatal(err)
		}
		if r.Sample.Seed != seed || r.Sample.PopulationSize != 6 || r.Sample.Size != min(n, 6) {
			t.Errorf("sample = %+v", r.Sample)
		}
		var ids []string
		for _, d := range r.Sample.Rows {
			ids = append(ids, d.RequestID)
		}
		return ids
	}
	a, b := draw(3, 42), draw(3, 42)
	if !reflect.DeepEqual(a, b) || len(a) != 3 {
		t.Errorf("seed 42 drew %v then %v", a, b)
	}
	differs := false
	for seed := uint64(1); seed < 20 && !differs; seed++ {
		differs = !reflect.DeepEqual(draw(3, seed), a)
	}
	if !differs {
		t.Error("every seed draws the same sample")
	}
	if got := draw(10, 7); len(got) != 6 {
		t.Errorf("a sample larger than the population = %v, want all 6", got)
	}
	r := buildAudit(t, "soc2", Options{Store: s})
	if err := r.DrawSample(0, 1); err == nil {
		t.Error("a sample of 0 was drawn")
	}
}

func TestReportFilterAndPeriod(t *testing.T) {
	s, _ := writeAudit(t)
	r := buildAudit(t, "soc2", Options{Store: s, Filter: Filter{Repository: "acme/app"}})
	if got := len(r.Population); got != 3 || r.Totals.Records != 3 {
		t.Errorf("repository filter kept %d (%d counted), want a1 a2 a4", got, r.Totals.Records)
	}
	r = buildAudit(t, "soc2", Options{Store: s, Filter: Filter{Environment: "staging"}})
	if len(r.Population) != 1 || r.Population[0].RequestID != "a5" {
		t.Errorf("environment filter = %+v", r.Population)
	}
	r = buildAudit(t, "soc2", Options{Store: s,
		Since: time.Date(2026, 4, 3, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 4, 12, 0, 0, 0, 0, time.UTC)})
	var ids []string
	for _, d := range r.Population {
		ids = append(ids, d.RequestID)
	}
	if strings.Join(ids, ",") != "a2,a3" || !r.Period.Until.Equal(time.Date(2026, 4, 12, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("period 04-03..04-12 = %v (until %v)", ids, r.Period.Until)
	}
}

// TestReportVerifiesEvidence signs records with a real key, tampers with
// one, and checks the report verifies rather than counts.
func TestReportVerifiesEvidence(t *testing.T) {
	s, paths := writeAudit(t)
	dir := t.TempDir()
	priv, pubPEM, err := evidence.GenerateKeyPair([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "k.key")
	if err := os.WriteFile(keyPath, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := evidence.LoadSigner(context.Background(), evidence.SignerOptions{KeyPath: keyPath, Password: []byte("pw")})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a1", "a2", "a3"} {
		if _, _, err := evidence.SignRecord(context.Background(), paths[id], signer); err != nil {
			t.Fatal(err)
		}
	}
	// a3's evidence is replaced by a2's: a valid signature about another record.
	other, err := os.ReadFile(evidence.BundlePath(paths["a2"]))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(evidence.BundlePath(paths["a3"]), other, 0o600); err != nil {
		t.Fatal(err)
	}
	unverified := buildAudit(t, "soc2", Options{Store: s})
	if e := unverified.Evidence; e.Verified || e.Present != 3 || e.Unsigned != 3 || e.Valid != 0 {
		t.Errorf("without a key: %+v", e)
	}
	pub, err := evidence.ParsePublicKey("k.pub", pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	r := buildAudit(t, "soc2", Options{Store: s, Verify: &evidence.VerifyOptions{PublicKey: pub}})
	e := r.Evidence
	if !e.Verified || e.Valid != 2 || e.Failed != 1 || e.Unsigned != 3 || e.Present != 0 {
		t.Errorf("with the key: %+v", e)
	}
	if len(e.Failures) != 1 || e.Failures[0].RequestID != "a3" || e.Failures[0].Reason == "" {
		t.Errorf("failures = %+v", e.Failures)
	}
	if got := row(t, r, "a3").Evidence; got != EvidenceFailed {
		t.Errorf("a3 evidence = %q", got)
	}
	doc, raw := htmlDoc(t, r)
	ids := byID(doc)
	if ids["evidence-failures"] == nil || !strings.Contains(raw, "a3") || ids["evidence-not-verified"] != nil {
		t.Error("the HTML does not list the failed evidence")
	}
	if n := ids["evidence-valid"]; n == nil || text(n) != "2" {
		t.Errorf("#evidence-valid = %v", n)
	}
}

func TestPopulationCSVAndHTML(t *testing.T) {
	s, _ := writeAudit(t)
	r := buildAudit(t, "sox", Options{Store: s})
	var b bytes.Buffer
	if err := WritePopulationCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 7 || !reflect.DeepEqual(rows[0], PopulationCSVHeader()) {
		t.Fatalf("population CSV = %d rows, header %v", len(rows), rows[0])
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var a2 []string
	for _, r := range rows[1:] {
		if r[col["request_id"]] == "a2" {
			a2 = r
		}
	}
	if a2 == nil || a2[col["repository"]] != "acme/app" || a2[col["pr"]] != "8" ||
		!strings.HasPrefix(a2[col["segregation_of_duties"]], "FAIL: the requester frank") ||
		a2[col["approvals"]] != "frank [SRE, roles sre, review 21, 2026-04-03T10:00:00Z]" || a2[col["evidence"]] != "unsigned" {
		t.Errorf("a2 row = %q", a2)
	}
	if err := r.DrawSample(2, 9); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := WritePopulationCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	if rows, _ := csv.NewReader(&b).ReadAll(); len(rows) != 3 {
		t.Errorf("sample CSV = %d rows, want a header and 2", len(rows))
	}
	_, raw := htmlDoc(t, r)
	for _, want := range []string{"2</strong> of <strong>6</strong> decisions drawn at random with seed <code>9</code>",
		"Decisions 1–6", "review 21", "a2: the requester frank approved stage", "ITGC-CM"} {
		if !strings.Contains(raw, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

// TestFindingsChartLabelsFit: the label column is as wide as the longest
// label ("ITGC-CM-4" once rendered as "TGC-CM-4").
func TestFindingsChartLabelsFit(t *testing.T) {
	cs := []ControlReport{
		{ID: "ITGC-CM-4", Title: "Emergency changes are documented and approved", Violations: 3},
		{ID: "164.312(a)(2)(iv)", Title: "Encryption and decryption of electronic protected health information", Violations: 1},
	}
	svg := string(findingsChart(cs))
	for _, c := range cs {
		label := c.ID + " " + truncate(c.Title, 28)
		i := strings.Index(svg, ">"+label+"<")
		if i < 0 {
			t.Fatalf("no label %q in %s", label, svg)
		}
		// x of the label's text element (text-anchor end) must leave room for it.
		start := strings.LastIndex(svg[:i], `<text x="`)
		var x int
		if _, err := fmt.Sscanf(svg[start:], `<text x="%d"`, &x); err != nil {
			t.Fatal(err)
		}
		if need := int(7.0 * float64(len([]rune(label)))); x < need {
			t.Errorf("label %q ends at x=%d but needs %d px: clipped", label, x, need)
		}
	}
}

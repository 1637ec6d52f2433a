package frameworks

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

func fixtureReport(t *testing.T) *Report {
	t.Helper()
	dir := t.TempDir()
	writeFixture(t, dir)
	r, _ := buildFixture(t, dir, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	return r
}

func TestWriteCSV(t *testing.T) {
	r := fixtureReport(t)
	var b bytes.Buffer
	if err := WriteCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows[0], CSVHeader()) {
		t.Errorf("header = %v", rows[0])
	}
	if len(rows) != 1+len(r.Controls) {
		t.Fatalf("%d rows, want a header and %d controls", len(rows), len(r.Controls))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	tests := []struct{ control, column, want string }{
		{"CC8.1", "framework", "soc2"},
		{"CC8.1", "status", "evidenced"},
		{"CC8.1", "evidence", "decisions;approvals;signatures"},
		{"CC8.1", "policies", "code/python-eval;gov.builtin.environment/require-approval"},
		{"CC8.1", "decisions", "5"},
		{"CC8.1", "findings", "2"},
		{"CC8.1", "changes_blocked", "0"},
		{"CC8.1", "sent_to_approval", "1"},
		{"CC8.1", "approvals", "3"},
		{"CC8.1", "duties_checked", "1"},
		{"CC8.1", "duties_failed", "0"},
		{"CC8.1", "exceptions", "1"},
		{"CC8.1", "evidence_present", "1"},
		{"CC8.1", "evidence_valid", "0"},
		{"CC8.1", "period_since", "2026-03-01T00:00:00Z"},
		{"CC8.1", "period_until", "2026-03-25T12:00:00Z"},
		{"CC6.1", "findings_by_rule", "secrets/finding=2"},
		{"CC6.1", "changes_blocked", "2"},
		{"CC6.1", "title", "Logical access security software, infrastructure and architectures"},
		{"CC6.2", "status", "evidenced"},
		{"CC6.6", "status", "gap"},
		{"CC6.2", "policies", ""},
	}
	for _, tt := range tests {
		t.Run(tt.control+" "+tt.column, func(t *testing.T) {
			for _, row := range rows[1:] {
				if row[col["control"]] == tt.control {
					if got := row[col[tt.column]]; got != tt.want {
						t.Errorf("%s = %q, want %q", tt.column, got, tt.want)
					}
					return
				}
			}
			t.Errorf("no row for %s", tt.control)
		})
	}
}

func TestWriteJSON(t *testing.T) {
	r := fixtureReport(t)
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"framework", "generated_at", "period", "audit_dir", "bundle", "empty", "totals", "weeks", "controls", "unknown_controls", "skipped_records", "population", "evidence", "segregation_of_duties", "bundle_revisions", "groups", "filter"} {
		if _, ok := doc[key]; !ok {
			t.Errorf("no %q", key)
		}
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Totals != r.Totals || len(back.Controls) != len(r.Controls) || back.Weeks[1] != r.Weeks[1] {
		t.Errorf("round trip changed the report: %+v", back.Totals)
	}
}

// htmlDoc renders the report and parses it.
func htmlDoc(t *testing.T, r *Report) (*html.Node, string) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return doc, b.String()
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

func byID(doc *html.Node) map[string]*html.Node {
	out := map[string]*html.Node{}
	walk(doc, func(n *html.Node) {
		if id := attr(n, "id"); id != "" && n.Type == html.ElementNode {
			out[id] = n
		}
	})
	return out
}

func TestWriteHTML(t *testing.T) {
	r := fixtureReport(t)
	doc, raw := htmlDoc(t, r)
	ids := byID(doc)
	tests := []struct{ id, want string }{
		{"total-records", "5"},
		{"total-allow", "2"},
		{"total-deny", "2"},
		{"total-require-approval", "1"},
		{"total-findings", "4"},
		{"total-blocked", "2"},
		{"total-to-approval", "1"},
		{"total-approvals", "3"},
		{"total-exceptions", "1"},
		{"evidence-present", "1"},
		{"evidence-unsigned", "4"},
		{"total-evidenced", "8 / 12"},
		{"total-no-evidence", "0"},
		{"total-gaps", "4"},
		{"duties-checked", "1"},
		{"duties-failed", "0"},
		{"chart-decisions-title", "Decisions per week"},
		{"chart-findings-title", "Findings by control"},
		{"chart-coverage-title", "Control evidence"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			n := ids[tt.id]
			if n == nil {
				t.Fatalf("no element #%s", tt.id)
			}
			if got := text(n); got != tt.want {
				t.Errorf("#%s = %q, want %q", tt.id, got, tt.want)
			}
		})
	}
	for _, chart := range []string{"chart-decisions", "chart-findings", "chart-coverage"} {
		n := ids[chart]
		if n == nil || n.Data != "svg" || attr(n, "role") != "img" {
			t.Errorf("#%s is not an accessible inline svg", chart)
		}
	}
	// The stacked bars: one rect per non-zero segment (r1..r5: 2 allow, 1
	// approval, 2 deny over 3 weeks => 5 segments) besides the 3 legend swatches.
	if got := countRects(ids["chart-decisions"], "stroke-width", "0.5") - 3; got != 5 {
		t.Errorf("%d decision segments, want 5", got)
	}
	if got := text(ids["chart-findings"]); !strings.Contains(got, "CC6.1") || !strings.Contains(got, "CC8.1") {
		t.Errorf("findings chart labels: %q", got)
	}
	if got := text(ids["chart-coverage"]); !strings.Contains(got, "Evidence in period: 8 (67%)") || !strings.Contains(got, "Gap: 4 (33%)") {
		t.Errorf("coverage chart labels: %q", got)
	}
	row := ids["control-CC8.1"]
	if row == nil || !strings.Contains(text(row), "✓ Evidence in period") || !strings.Contains(text(row), "code/python-eval (1)") {
		t.Errorf("CC8.1 row = %q", text(row))
	}
	if gap := ids["control-CC6.6"]; gap == nil || !strings.Contains(text(gap), "✗ Gap") {
		t.Error("CC6.6 is not shown as a gap")
	}
	if ids["evidence-not-verified"] == nil {
		t.Error("the report does not say its evidence was not verified")
	}
	if !strings.Contains(raw, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.json: truncated audit record") {
		t.Error("the skipped record is not named")
	}
	// Self-contained: no script, no external reference.
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if n.Data == "script" || n.Data == "link" || n.Data == "iframe" || n.Data == "img" {
			t.Errorf("<%s> in a self-contained report", n.Data)
		}
		for _, a := range n.Attr {
			if (a.Key == "src" || a.Key == "href") && !strings.HasPrefix(a.Val, "#") {
				t.Errorf("<%s %s=%q> refers outside the page", n.Data, a.Key, a.Val)
			}
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("<%s %s> is a script", n.Data, a.Key)
			}
		}
	})
	if !strings.Contains(raw, "@media print") {
		t.Error("no print CSS")
	}
}

// countRects counts the rect elements of n with attribute key=val.
func countRects(n *html.Node, key, val string) int {
	count := 0
	walk(n, func(c *html.Node) {
		if c.Type == html.ElementNode && c.Data == "rect" && attr(c, key) == val {
			count++
		}
	})
	return count
}

func TestWriteHTMLEscapes(t *testing.T) {
	r := fixtureReport(t)
	r.Controls[0].Title = `<script>alert(1)</script>`
	r.Controls[0].Violations = 7
	r.Bundle.Source = `"><img src=x>`
	doc, raw := htmlDoc(t, r)
	if strings.Contains(raw, "<script>alert") || strings.Contains(raw, "<img src=x>") {
		t.Error("text from the catalog or bundle is not escaped")
	}
	walk(doc, func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "img") {
			t.Errorf("<%s> injected", n.Data)
		}
	})
}

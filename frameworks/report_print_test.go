//go:build browser

package frameworks

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
)

// TestBrowserPrint prints a report with a population of 300 decisions to
// PDF in headless Chromium (the browser's "print to PDF") and checks the
// page count and that no population row is cut across two pages: each
// row's first line (the request id) and a later line of the same row (its
// approval's review id) are on the same page (pdftotext, poppler-utils).
func TestBrowserPrint(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium not installed (run scripts/browser-test.sh): %v", err)
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatalf("pdftotext not installed (poppler-utils; run scripts/browser-test.sh): %v", err)
	}
	out := os.Getenv("GOV_BROWSER_OUT")
	if out == "" {
		out = t.TempDir()
	}
	const n = 300
	r := printReport(t, n)
	page := filepath.Join(out, "report-print.html")
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(out, "report-print.pdf")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	abs, _ := filepath.Abs(page)
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--no-pdf-header-footer", "--print-to-pdf="+pdf, "file://"+abs)
	if o, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, o)
	}
	pages := pdfPages(t, ctx, pdftotext, pdf)
	// 300 rows at a few rows per cm of A4 need well over ten pages; a
	// stylesheet that hides the population or blows each row up to a page
	// gives far fewer or far more.
	if len(pages) < 10 || len(pages) > 120 {
		t.Errorf("%d pages for a report of %d decisions", len(pages), n)
	}
	for i := range n {
		// The request id is the row's first line; the review id, closing
		// the approvals cell ("... review 5100)"), wraps to its last.
		id, review := fmt.Sprintf("p-%03d", i), regexp.MustCompile(fmt.Sprintf(`(^|\s)%d\)`, 5000+i))
		first, later := -1, -1
		for p, text := range pages {
			if first < 0 && strings.Contains(text, id) {
				first = p
			}
			if later < 0 && review.MatchString(text) {
				later = p
			}
		}
		if first < 0 || later < 0 {
			t.Errorf("%s: request id on page %d, its review on page %d (not printed)", id, first+1, later+1)
			continue
		}
		if first != later {
			t.Errorf("%s is cut across pages %d and %d", id, first+1, later+1)
		}
	}
}

// pdfPages is the text of each page of a PDF.
func pdfPages(t *testing.T, ctx context.Context, pdftotext, pdf string) []string {
	t.Helper()
	o, err := exec.CommandContext(ctx, pdftotext, "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(o), "\f")
	if len(pages) > 0 && strings.TrimSpace(pages[len(pages)-1]) == "" {
		pages = pages[:len(pages)-1]
	}
	return pages
}

// printReport is a report over n approved decisions.
func printReport(t *testing.T, n int) *Report {
	t.Helper()
	s := evidence.Store{Dir: t.TempDir()}
	start := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		at := start.Add(time.Duration(i) * time.Hour)
		id := fmt.Sprintf("p-%03d", i)
		d := &engine.Decision{Decision: engine.Allow, RequestID: id, Workflow: &engine.WorkflowResult{Name: "production_change",
			Stages: []engine.StageResult{{Name: "SRE", ApproverRoles: []string{"sre"}, MinApprovals: 1, Satisfied: true,
				ApprovedBy: []string{fmt.Sprintf("appr%03d", i)}, Reviews: []engine.StageReview{{Login: fmt.Sprintf("appr%03d", i), UserID: 7, ReviewID: int64(5000 + i), SubmittedAt: at}}}}}}
		if _, err := s.Write(evidence.Record{
			Request:  engine.Request{RequestID: id, Environment: "production", RequestedBy: "healer-bot", ServiceName: "payments"},
			Decision: d, PatchDigest: evidence.PatchDigest([]byte(id)), Bundle: engine.BundleInfo{Revision: "rev"}, Time: at,
		}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	f, _ := c.Framework("sox")
	r, bad, err := Build(Options{Framework: f, Store: s, Now: start.AddDate(0, 1, 0)})
	if err != nil || len(bad) > 0 {
		t.Fatalf("build: %v %v", err, bad)
	}
	return r
}

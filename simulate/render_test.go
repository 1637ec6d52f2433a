package simulate

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/gov-policy/gov/engine"
)

func sampleReport(changes int) *Report {
	r := &Report{
		Source:    "audit:.gov-audit",
		Candidate: engine.BundleInfo{Source: "policy@v2", Revision: "0123456789abcdef0123456789abcdef01234567"},
		Baseline:  engine.BundleInfo{Source: "policy@v1", Revision: "sha256:feed"},
		Total:     changes + 5, Changed: changes, Errors: 1,
		Skipped: []string{"audit/2026/01/00.json: truncated audit record"},
		Transitions: []Transition{
			{From: "allow", To: "deny", Count: changes - 1, Changed: true},
			{From: "allow", To: "error", Count: 1, Changed: true},
			{From: "allow", To: "allow", Count: 5},
		},
		Rules: []RuleCount{{Rule: "custom/no-ci-edits", NewlyFiring: changes - 1}, {Rule: "a|b", StoppedFiring: 2}},
	}
	for i := range changes {
		c := Change{Name: fmt.Sprintf("rec-%d", i), RequestID: fmt.Sprintf("req-%d", i), Service: "svc|x", Environment: "production",
			From: "allow", To: "deny", NewRules: []string{"custom/no-ci-edits"}, GoneRules: []string{}}
		if i == 0 {
			c.To, c.NewRules, c.Error = Error, []string{}, "eval: <boom>"
		}
		r.Changes = append(r.Changes, c)
	}
	return r
}

func TestMarkdown(t *testing.T) {
	r := sampleReport(4)
	md := Markdown(r)
	for _, want := range []string{
		"### gov simulate: 4 of 9 decision(s) change\n",
		"Candidate `policy@v2` (`0123456789ab`) vs baseline `policy@v1` (`sha256:feed`), 9 request(s) from `audit:.gov-audit`; 1 error(s), 1 skipped.",
		"| Baseline | Candidate | Requests |\n|---|---|---:|\n| **allow** | **deny** | 3 |\n| **allow** | **error** | 1 |\n| allow | allow | 5 |\n",
		"| `custom/no-ci-edits` | 3 | 0 |\n| `a\\|b` | 0 | 2 |\n",
		"<details><summary>4 affected request(s)</summary>\n\n| Request | Service |",
		"| req-0 | svc\\|x | production | allow → error | error: eval: &lt;boom&gt; |\n",
		"| req-3 | svc\\|x | production | allow → deny | +custom/no-ci-edits |\n\n</details>\n",
		"<details><summary>1 skipped input(s)</summary>\n\n- `audit/2026/01/00.json: truncated audit record`\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	// Every table row has as many cells as its header.
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| req-") {
			if cells := len(regexp.MustCompile(`[^\\]\|`).FindAllString(line, -1)); cells != 5 {
				t.Errorf("row %q has %d cell separators, want 5", line, cells)
			}
		}
	}
}

func TestMarkdownCapsChanges(t *testing.T) {
	n := MarkdownChangeLimit + 7
	md := Markdown(sampleReport(n))
	if rows := strings.Count(md, "| req-"); rows != MarkdownChangeLimit {
		t.Errorf("%d rows, want %d", rows, MarkdownChangeLimit)
	}
	if !strings.Contains(md, "… and 7 more (see `--format json`).") {
		t.Errorf("no note of the rows left out")
	}
}

func TestText(t *testing.T) {
	txt := Text(sampleReport(3))
	for _, want := range []string{
		"3 of 8 decision(s) change\n",
		"candidate: policy@v2 (0123456789abcdef0123456789abcdef01234567)\n",
		"requests:  8 re-evaluated, 3 changed, 1 error(s), 1 skipped\n",
		"  allow -> deny",
		"  custom/no-ci-edits",
		"  req-2",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
	if empty := Text(&Report{}); !strings.HasPrefix(empty, "0 of 0 decision(s) change\n") || strings.Contains(empty, "transitions") {
		t.Errorf("empty report: %q", empty)
	}
}

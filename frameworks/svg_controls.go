package frameworks

import (
	"fmt"
	"html/template"
	"math"
	"sort"
	"strings"
)

// findingsChart is a horizontal bar per control with findings, most first.
// The label column is as wide as its longest label needs, so a control id is
// never clipped.
func findingsChart(controls []ControlReport) template.HTML {
	var rows []ControlReport
	for _, c := range controls {
		if c.Violations > 0 {
			rows = append(rows, c)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Violations > rows[j].Violations })
	labels := make([]string, len(rows))
	longest := 0
	for i, c := range rows {
		labels[i] = c.ID + " " + truncate(c.Title, 28)
		longest = max(longest, len([]rune(labels[i])))
	}
	// 7.2 px per character at the label's 12 px is generous for proportional fonts.
	left := 16 + int(math.Ceil(7.2*float64(longest)))
	const right, rowH, top, plot = 60, 24, 8, 420
	w := left + plot + right
	h := top*2 + rowH*max(1, len(rows)) + 22
	var b strings.Builder
	total := 0
	for _, c := range rows {
		total += c.Violations
	}
	svgOpen(&b, "chart-findings", w, h, "Findings by control",
		fmt.Sprintf("Horizontal bars: %d policy findings across %d controls.", total, len(rows)))
	if len(rows) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="empty" text-anchor="middle">No policy finding touched a control in the period</text></svg>`, w/2, top+rowH)
		return template.HTML(b.String()) //nolint:gosec // every text above is escaped
	}
	xMax := niceMax(rows[0].Violations)
	for i, c := range rows {
		y := top + i*rowH
		bw := math.Max(1, plot*float64(c.Violations)/float64(xMax))
		fmt.Fprintf(&b, `<g><title>%s</title>`, esc(fmt.Sprintf("%s %s: %d findings (%d blocked, %d sent to approval)", c.ID, c.Title, c.Violations, c.Blocked, c.SentToApproval)))
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="label" text-anchor="end">%s</text>`, left-8, y+16, esc(labels[i]))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="#b23b3b" stroke="#222" stroke-width="0.5"/>`, left, y+3, bw, rowH-7)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="value">%d</text></g>`, float64(left)+bw+6, y+16, c.Violations)
	}
	base := top + len(rows)*rowH
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#222"/>`, left, left, top, base)
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="axis" text-anchor="middle">Findings (scale 0 to %d)</text>`, left+plot/2, base+18, xMax)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text above is escaped
}

// coverageChart is a donut of controls with evidence in the period, mapped
// controls without evidence, and gaps.
func coverageChart(t Totals) template.HTML {
	const w, h, cx, cy, r, sw = 460, 190, 95, 95, 62, 26
	var b strings.Builder
	pct := func(n int) int {
		if t.Controls == 0 {
			return 0
		}
		return int(math.Round(100 * float64(n) / float64(t.Controls)))
	}
	svgOpen(&b, "chart-coverage", w, h, "Control evidence",
		fmt.Sprintf("Donut: of %d controls, %d with evidence in the period, %d mapped without evidence in the period, %d gaps.",
			t.Controls, t.Evidenced, t.NoEvidence, t.Gaps))
	patterns(&b, "cov")
	circ := 2 * math.Pi * r
	frac := func(n int) float64 {
		if t.Controls == 0 {
			return 0
		}
		return circ * float64(n) / float64(t.Controls)
	}
	fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="%d" fill="none" stroke="url(#cov-gap)" stroke-width="%d"/>`, cx, cy, r, sw)
	offset := 0.0
	for _, seg := range []struct {
		n      int
		stroke string
	}{{t.Evidenced, "#1565c0"}, {t.NoEvidence, "url(#cov-approval)"}} {
		if l := frac(seg.n); l > 0 {
			fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="%d" fill="none" stroke="%s" stroke-width="%d" stroke-dasharray="%.2f %.2f" stroke-dashoffset="%.2f" transform="rotate(-90 %d %d)"/>`,
				cx, cy, r, seg.stroke, sw, l, circ, -offset, cx, cy)
			offset += l
		}
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="big" text-anchor="middle">%d/%d</text>`, cx, cy+2, t.Evidenced, t.Controls)
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="axis" text-anchor="middle">evidenced</text>`, cx, cy+20)
	fmt.Fprintf(&b, `<rect x="200" y="50" width="14" height="14" fill="#1565c0" stroke="#222" stroke-width="0.5"/><text x="220" y="62" class="legend">Evidence in period: %d (%d%%)</text>`, t.Evidenced, pct(t.Evidenced))
	fmt.Fprintf(&b, `<rect x="200" y="86" width="14" height="14" fill="url(#cov-approval)" stroke="#222" stroke-width="0.5"/><text x="220" y="98" class="legend">No evidence in period: %d (%d%%)</text>`, t.NoEvidence, pct(t.NoEvidence))
	fmt.Fprintf(&b, `<rect x="200" y="122" width="14" height="14" fill="url(#cov-gap)" stroke="#222" stroke-width="0.5"/><text x="220" y="134" class="legend">Gap: %d (%d%%)</text>`, t.Gaps, pct(t.Gaps))
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text above is escaped
}

// truncate shortens s to n runes with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

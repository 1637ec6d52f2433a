package frameworks

import (
	"fmt"
	"html/template"
	"math"
	"sort"
	"strings"
)

// violationsChart is a horizontal bar per control with violations, most first.
func violationsChart(controls []ControlReport) template.HTML {
	var rows []ControlReport
	for _, c := range controls {
		if c.Violations > 0 {
			rows = append(rows, c)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Violations > rows[j].Violations })
	const w, left, right, rowH, top = 760, 190, 60, 24, 8
	h := top*2 + rowH*max(1, len(rows)) + 22
	var b strings.Builder
	total := 0
	for _, c := range rows {
		total += c.Violations
	}
	svgOpen(&b, "chart-violations", w, h, "Violations by control",
		fmt.Sprintf("Horizontal bars: %d violations across %d controls.", total, len(rows)))
	if len(rows) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="empty" text-anchor="middle">No violations touched a control in the period</text></svg>`, w/2, top+rowH)
		return template.HTML(b.String()) //nolint:gosec // every text above is escaped
	}
	xMax := niceMax(rows[0].Violations)
	plotW := float64(w - left - right)
	for i, c := range rows {
		y := top + i*rowH
		bw := math.Max(1, plotW*float64(c.Violations)/float64(xMax))
		fmt.Fprintf(&b, `<g><title>%s</title>`, esc(fmt.Sprintf("%s %s: %d violations", c.ID, c.Title, c.Violations)))
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="label" text-anchor="end">%s</text>`, left-8, y+16, esc(truncate(c.ID+" "+c.Title, 26)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="#b23b3b" stroke="#222" stroke-width="0.5"/>`, left, y+3, bw, rowH-7)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="value">%d</text></g>`, float64(left)+bw+6, y+16, c.Violations)
	}
	base := top + len(rows)*rowH
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#222"/>`, left, left, top, base)
	fmt.Fprintf(&b, `<text x="%.0f" y="%d" class="axis" text-anchor="middle">Violations (scale 0 to %d)</text>`, float64(left)+plotW/2, base+18, xMax)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text above is escaped
}

// coverageChart is a donut of controls mapped to rules against gaps.
func coverageChart(t Totals) template.HTML {
	const w, h, cx, cy, r, sw = 420, 190, 95, 95, 62, 26
	var b strings.Builder
	pct := func(n int) int {
		if t.Controls == 0 {
			return 0
		}
		return int(math.Round(100 * float64(n) / float64(t.Controls)))
	}
	svgOpen(&b, "chart-coverage", w, h, "Control coverage",
		fmt.Sprintf("Donut: %d of %d controls mapped to at least one policy rule, %d gaps.", t.Covered, t.Controls, t.Gaps))
	patterns(&b, "cov")
	circ := 2 * math.Pi * r
	mapped := 0.0
	if t.Controls > 0 {
		mapped = circ * float64(t.Covered) / float64(t.Controls)
	}
	fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="%d" fill="none" stroke="url(#cov-gap)" stroke-width="%d"/>`, cx, cy, r, sw)
	if mapped > 0 {
		fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="%d" fill="none" stroke="#1565c0" stroke-width="%d" stroke-dasharray="%.2f %.2f" transform="rotate(-90 %d %d)"/>`,
			cx, cy, r, sw, mapped, circ, cx, cy)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="big" text-anchor="middle">%d/%d</text>`, cx, cy+2, t.Covered, t.Controls)
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="axis" text-anchor="middle">mapped</text>`, cx, cy+20)
	fmt.Fprintf(&b, `<rect x="210" y="62" width="14" height="14" fill="#1565c0" stroke="#222" stroke-width="0.5"/><text x="230" y="74" class="legend">Mapped: %d (%d%%)</text>`, t.Covered, pct(t.Covered))
	fmt.Fprintf(&b, `<rect x="210" y="100" width="14" height="14" fill="url(#cov-gap)" stroke="#222" stroke-width="0.5"/><text x="230" y="112" class="legend">Gap: %d (%d%%)</text>`, t.Gaps, pct(t.Gaps))
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

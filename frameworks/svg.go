package frameworks

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// The charts are inline SVG written here, so the HTML report needs no
// script or external asset. Every chart has a <title> and <desc>, text
// labels with the numbers, and patterns besides colours, so it reads in
// greyscale print and with a screen reader.

// esc escapes text for SVG/HTML content and attributes.
func esc(s string) string { return template.HTMLEscapeString(s) }

// svgOpen starts an accessible SVG with a title and description.
func svgOpen(b *strings.Builder, id string, w, h int, title, desc string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="%s-title %s-desc">`,
		id, w, h, w, h, id, id)
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
}

// patterns defines the fills of the three decisions under a chart's prefix:
// allow solid, require_approval dotted, deny hatched.
func patterns(b *strings.Builder, p string) {
	fmt.Fprintf(b, `<defs>`+
		`<pattern id="%s-approval" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#f2b705"/><circle cx="3" cy="3" r="1.3" fill="#5c4500"/></pattern>`+
		`<pattern id="%s-deny" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#c62828"/><rect width="2.2" height="6" fill="#ffffff" opacity="0.55"/></pattern>`+
		`<pattern id="%s-gap" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#d0d0d0"/><rect width="2" height="6" fill="#7a7a7a"/></pattern>`+
		`</defs>`, p, p, p)
}

// niceMax rounds a maximum up to 1, 2 or 5 times a power of ten, at least 1.
func niceMax(v int) int {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(float64(v))))
	for _, m := range []float64{1, 2, 5, 10} {
		if float64(v) <= m*p {
			return int(m * p)
		}
	}
	return v
}

// decisionsChart is the stacked bar chart of decisions per week.
func decisionsChart(weeks []Week) template.HTML {
	const w, h, left, right, top, bottom = 760, 280, 44, 12, 34, 48
	var b strings.Builder
	total, maxV := 0, 0
	for _, wk := range weeks {
		total += wk.Total()
		maxV = max(maxV, wk.Total())
	}
	svgOpen(&b, "chart-decisions", w, h, "Decisions per week",
		fmt.Sprintf("Stacked bars of allow, require approval and deny decisions for %d weeks; %d decisions in all.", len(weeks), total))
	patterns(&b, "dec")
	legend(&b, left, 14, []legendItem{{"#2e7d32", "Allow"}, {"url(#dec-approval)", "Require approval"}, {"url(#dec-deny)", "Deny"}})
	plotH := float64(h - top - bottom)
	base := float64(h - bottom)
	yMax := niceMax(maxV)
	for i := 0; i <= 4; i++ {
		v := yMax * i / 4
		if i > 0 && v == yMax*(i-1)/4 {
			continue
		}
		y := base - plotH*float64(v)/float64(yMax)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#bbb" stroke-width="0.5"/>`, left, w-right, y, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="axis" text-anchor="end">%d</text>`, left-6, y+4, v)
	}
	if total == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="empty" text-anchor="middle">No decisions recorded in the period</text>`, (w+left)/2, h/2)
	}
	if len(weeks) == 0 {
		b.WriteString(`</svg>`)
		return template.HTML(b.String()) //nolint:gosec // every text above is escaped
	}
	slot := float64(w-left-right) / float64(len(weeks))
	barW := math.Max(1, slot*0.7)
	every := int(math.Ceil(float64(len(weeks)) / 12))
	for i, wk := range weeks {
		x := float64(left) + slot*float64(i) + (slot-barW)/2
		y := base
		fmt.Fprintf(&b, `<g><title>%s</title>`, esc(fmt.Sprintf("Week of %s: %d allow, %d require approval, %d deny", wk.Start, wk.Allow, wk.RequireApproval, wk.Deny)))
		for _, seg := range []struct {
			n    int
			fill string
		}{{wk.Allow, "#2e7d32"}, {wk.RequireApproval, "url(#dec-approval)"}, {wk.Deny, "url(#dec-deny)"}} {
			if seg.n == 0 {
				continue
			}
			hgt := plotH * float64(seg.n) / float64(yMax)
			y -= hgt
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" stroke="#222" stroke-width="0.5"/>`, x, y, barW, hgt, seg.fill)
		}
		if wk.Total() > 0 && len(weeks) <= 26 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="value" text-anchor="middle">%d</text>`, x+barW/2, y-3, wk.Total())
		}
		b.WriteString(`</g>`)
		if i%every == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="axis" text-anchor="middle">%s</text>`, x+barW/2, h-bottom+16, esc(shortDate(wk.Start)))
		}
	}
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#222"/>`, left, w-right, base, base)
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="axis" text-anchor="middle">Week starting (Monday, UTC)</text>`, (w+left)/2, h-8)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text above is escaped
}

// shortDate turns 2026-01-05 into "05 Jan".
func shortDate(day string) string {
	months := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	var y, m, d int
	if _, err := fmt.Sscanf(day, "%d-%d-%d", &y, &m, &d); err != nil || m < 1 || m > 12 {
		return day
	}
	return fmt.Sprintf("%02d %s", d, months[m-1])
}

type legendItem struct{ fill, label string }

func legend(b *strings.Builder, x, y int, items []legendItem) {
	for _, it := range items {
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="14" height="14" fill="%s" stroke="#222" stroke-width="0.5"/><text x="%d" y="%d" class="legend">%s</text>`,
			x, y-11, it.fill, x+19, y, esc(it.label))
		x += 19 + 8*len(it.label) + 18
	}
}

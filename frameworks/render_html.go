package frameworks

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

//go:embed report.html.tmpl
var reportTemplate string

// htmlData is what report.html.tmpl renders.
type htmlData struct {
	R                             *Report
	Decisions, Findings, Coverage template.HTML
	Gaps, NoEvidence              []ControlReport
	// Pages split the population (or the sample) into collapsible pages.
	Pages []populationPage
	// ActiveWeeks are the weeks with decisions, for the chart's data table.
	ActiveWeeks []Week
	// PopulationOmitted: the population has more than PopulationLimit
	// decisions and is not listed (the page says where it is).
	PopulationOmitted bool
	PopulationLimit   int
}

// WriteHTML writes the report as one self-contained HTML page: no script,
// no external asset, inline SVG charts (decisions per week, violations by
// control, control coverage) and print CSS.
func WriteHTML(w io.Writer, r *Report) error { return writeHTML(w, r, populationHTMLLimit) }

// writeHTML is WriteHTML listing the population up to limit decisions.
func writeHTML(w io.Writer, r *Report, limit int) error {
	t, err := template.New("report").Funcs(template.FuncMap{
		"join":     strings.Join,
		"duties":   dutiesText,
		"bg":       breakGlassText,
		"status":   statusText,
		"date":     func(t any) string { return formatTime(t, "2006-01-02") },
		"datetime": func(t any) string { return formatTime(t, "2006-01-02 15:04 UTC") },
	}).Parse(reportTemplate)
	if err != nil {
		return fmt.Errorf("report template: %w", err)
	}
	d := htmlData{
		R:         r,
		Decisions: decisionsChart(r.Weeks),
		Findings:  findingsChart(r.Controls),
		Coverage:  coverageChart(r.Totals),
	}
	for _, w := range r.Weeks {
		if w.Total() > 0 {
			d.ActiveWeeks = append(d.ActiveWeeks, w)
		}
	}
	for _, c := range r.Controls {
		switch c.Status {
		case StatusGap:
			d.Gaps = append(d.Gaps, c)
		case StatusNoEvidence:
			d.NoEvidence = append(d.NoEvidence, c)
		}
	}
	d.PopulationLimit = limit
	if d.PopulationOmitted = r.Totals.Records > limit; !d.PopulationOmitted {
		// At most limit rows: held for the page.
		var rows []DecisionRow
		if err := r.EachRow(func(row DecisionRow) error { rows = append(rows, row); return nil }); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		d.Pages = pages(rows, populationPageSize)
	}
	if err := t.Execute(w, d); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// populationPageSize is the number of decisions per collapsible page; up
// to populationOpenLimit decisions every page starts open (so that the page
// prints whole), above it only the first. Above populationHTMLLimit the
// page lists none: a browser page of a year's decisions can neither be
// read nor printed, and it would have to be held in memory to be rendered;
// auditors take the full population as CSV or JSON (streamed) and test a
// sample, which the page lists.
const (
	populationPageSize  = 200
	populationOpenLimit = 2000
	populationHTMLLimit = 10000
)

// populationPage is one collapsible page of the population table.
type populationPage struct {
	From, To int // 1-based, inclusive
	Rows     []DecisionRow
	Open     bool
}

func pages(rows []DecisionRow, size int) []populationPage {
	var out []populationPage
	for i := 0; i < len(rows); i += size {
		j := min(i+size, len(rows))
		out = append(out, populationPage{From: i + 1, To: j, Rows: rows[i:j], Open: i == 0 || len(rows) <= populationOpenLimit})
	}
	return out
}

// statusText is how the HTML report words a control status.
func statusText(status string) string {
	switch status {
	case StatusEvidenced:
		return "✓ Evidence in period"
	case StatusNoEvidence:
		return "No evidence in period"
	}
	return "✗ Gap"
}

func formatTime(v any, layout string) string {
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Format(layout)
	case *time.Time:
		if t != nil {
			return t.UTC().Format(layout)
		}
	}
	return ""
}

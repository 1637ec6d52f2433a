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
	R                               *Report
	Decisions, Violations, Coverage template.HTML
	Gaps                            []ControlReport
	// ActiveWeeks are the weeks with decisions, for the chart's data table.
	ActiveWeeks []Week
}

// WriteHTML writes the report as one self-contained HTML page: no script,
// no external asset, inline SVG charts (decisions per week, violations by
// control, control coverage) and print CSS.
func WriteHTML(w io.Writer, r *Report) error {
	t, err := template.New("report").Funcs(template.FuncMap{
		"join":     strings.Join,
		"date":     func(t any) string { return formatTime(t, "2006-01-02") },
		"datetime": func(t any) string { return formatTime(t, "2006-01-02 15:04 UTC") },
	}).Parse(reportTemplate)
	if err != nil {
		return fmt.Errorf("report template: %w", err)
	}
	d := htmlData{
		R:          r,
		Decisions:  decisionsChart(r.Weeks),
		Violations: violationsChart(r.Controls),
		Coverage:   coverageChart(r.Totals),
	}
	for _, w := range r.Weeks {
		if w.Total() > 0 {
			d.ActiveWeeks = append(d.ActiveWeeks, w)
		}
	}
	for _, c := range r.Controls {
		if c.Status == StatusGap {
			d.Gaps = append(d.Gaps, c)
		}
	}
	if err := t.Execute(w, d); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
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

package sarif

import (
	"errors"
	"sort"
	"strings"

	gosarif "github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/patch"
)

// FromDecision reports a decision as one SARIF run. Violations naming a
// file become results (placed at the file's first added line when they
// name no line); the others become notifications of the run's invocation.
// A violation a live exception waives is a result with an "external"
// suppression. p (may be nil) gives the lines' content for fingerprints.
// The run's properties hold the bundle, decision, enforcement and risk.
// Write the report with Write.
func FromDecision(d *engine.Decision, p *patch.Patch, opts Options) (*gosarif.Report, error) {
	if d == nil {
		return nil, errors.New("sarif: no decision")
	}
	if opts.Bundle == (engine.BundleInfo{}) {
		opts.Bundle = d.Bundle
	}
	lines := newLineIndex(p)
	var items []item
	var notes []note
	for _, v := range d.Violations {
		if v.File == "" {
			notes = append(notes, note{rule: v.Rule, action: v.Action, message: v.Message})
			continue
		}
		line := v.Line
		if line <= 0 {
			line = lines.first(v.File)
		}
		key, ok := lines.text(v.File, line)
		if !ok {
			// The line's content is unknown (a context line or a file
			// without added lines): the message stands in for it.
			key = "message:" + v.Message
		}
		it := item{
			rule: v.Rule, action: v.Action, message: v.Message, severity: v.Severity,
			controls: v.Controls, file: v.File, line: line, key: key,
		}
		props := gosarif.Properties{}
		if v.Severity != "" {
			props["severity"] = v.Severity
		}
		if v.Enforced != nil && !*v.Enforced {
			props["enforced"] = false
		}
		if v.Exception != "" {
			props["exception"] = v.Exception
			if waived(v.Exception) {
				it.suppressKind, it.justification = "external", v.Exception
			}
		}
		it.props = props
		items = append(items, it)
	}
	props := gosarif.Properties{
		"decision":    d.Decision,
		"enforcement": d.Enforcement,
		"risk_level":  d.RiskLevel,
		"reason":      d.Reason,
	}
	if d.RequestID != "" {
		props["request_id"] = d.RequestID
	}
	return build(opts, items, notes, props)
}

// waived tells a live exception ("waived until ...") from an expired one
// (engine/exceptions.go writes both into Violation.Exception).
func waived(exception string) bool { return strings.HasPrefix(exception, "waived") }

// lineIndex finds the added lines of a patch by file and new line number.
type lineIndex struct {
	files map[string]*patch.File
}

func newLineIndex(p *patch.Patch) lineIndex {
	idx := lineIndex{files: map[string]*patch.File{}}
	if p == nil {
		return idx
	}
	for i := range p.Files {
		idx.files[p.Files[i].Path] = &p.Files[i]
	}
	return idx
}

// first is the file's first added line, else 1.
func (x lineIndex) first(path string) int {
	if f := x.files[path]; f != nil && len(f.Added) > 0 {
		return f.Added[0].Line
	}
	return 1
}

// text is the content of the file's added line number n.
func (x lineIndex) text(path string, n int) (string, bool) {
	f := x.files[path]
	if f == nil {
		return "", false
	}
	// Added lines are in increasing order.
	i := sort.Search(len(f.Added), func(i int) bool { return f.Added[i].Line >= n })
	if i < len(f.Added) && f.Added[i].Line == n {
		return f.Added[i].Text, true
	}
	return "", false
}

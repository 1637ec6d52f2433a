package sarif

import (
	"fmt"

	gosarif "github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/gov-policy/gov/engine"
)

// ScanFinding is one secret-scanner finding as SARIF needs it (the caller
// converts its scanner's findings). It never holds the secret itself.
type ScanFinding struct {
	Rule        string // scanner rule id, e.g. "secrets/aws-access-key"
	Description string // what was found, e.g. "AWS access key"
	File        string // repository-relative path
	Line        int    // 1-based; 0 is placed at line 1
	Column      int    // 1-based; 0 when unknown
	// Fingerprint is the scanner's stable fingerprint of the secret; it
	// must not depend on the line number. Masked is the secret's masked
	// preview, safe to print.
	Fingerprint, Masked string
	// Suppressed findings (an allow comment in the source) are results
	// with an "inSource" suppression explained by SuppressReason.
	Suppressed     bool
	SuppressReason string
}

// FromFindings reports secret-scanner findings as one SARIF run: each
// finding is an error-level result of its rule. A finding without a file
// is a notification. Write the report with Write.
func FromFindings(fs []ScanFinding, opts Options) (*gosarif.Report, error) {
	items := make([]item, 0, len(fs))
	var notes []note
	for _, f := range fs {
		msg := firstOf(f.Description, f.Rule)
		if f.Masked != "" {
			msg = fmt.Sprintf("%s: %s", msg, f.Masked)
		}
		if f.File == "" {
			notes = append(notes, note{rule: f.Rule, action: engine.ActionDeny, message: msg})
			continue
		}
		it := item{
			rule: f.Rule, action: engine.ActionDeny, message: msg, title: f.Description, severity: "high",
			file: f.File, line: max(f.Line, 1), column: f.Column,
			key: "secret:" + firstOf(f.Fingerprint, f.Masked),
		}
		if f.Suppressed {
			it.suppressKind = "inSource"
			it.justification = firstOf(f.SuppressReason, "suppressed in source")
		}
		items = append(items, it)
	}
	return build(opts, items, notes, nil)
}

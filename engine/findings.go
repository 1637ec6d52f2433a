package engine

import "github.com/gov-policy/gov/scan"

// FindingsFromScan turns secret-scanner findings into input.findings: the
// ones not suppressed inline, without anything of the secret but its
// fingerprint. gov eval and gov serve both feed the scanner's output through it.
func FindingsFromScan(fs []scan.Finding) []Finding {
	out := []Finding{}
	for _, f := range fs {
		if !f.Suppressed {
			out = append(out, Finding{Rule: f.Rule, File: f.File, Line: f.Line, Fingerprint: f.Fingerprint})
		}
	}
	return out
}

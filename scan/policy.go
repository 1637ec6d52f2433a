package scan

import "github.com/gov-policy/gov/engine"

// PolicyFindings turns scanner findings into input.findings: the ones not
// suppressed inline, with nothing of the secret but its fingerprint.
func PolicyFindings(fs []Finding) []engine.Finding {
	out := []engine.Finding{}
	for _, f := range fs {
		if !f.Suppressed {
			out = append(out, engine.Finding{Rule: f.Rule, File: f.File, Line: f.Line, Fingerprint: f.Fingerprint})
		}
	}
	return out
}

package scan

import "regexp"

// fileRule reports a file by its name alone: a PKCS#12 archive is binary
// (text rules never see it) and is a private key store whatever password
// guards it. File rules are not in the keyword index; each scan entry point
// (a file, a directory, a patch, a history) asks fileFindings for the path.
type fileRule struct {
	id, description string
	path            *regexp.Regexp
}

// fileRules lists the built-in file rules.
var fileRules = []fileRule{
	{id: "pkcs12-file", description: "PKCS#12 key store file (.p12, .pfx) committed to the repository",
		path: regexp.MustCompile(`(?i)(?:^|/)[^/]+\.(?:p12|pfx)$`)},
}

// fileMask stands for the secret in a file rule's finding: the whole file
// is the secret, and none of it is shown.
const fileMask = "(whole file)"

// fileFindings reports path under every file rule whose name pattern it
// matches. The finding is at line 1; its fingerprint covers rule and path
// (the file's bytes are binary and may not be at hand in a history).
func fileFindings(path string) []Finding {
	var out []Finding
	for _, r := range fileRules {
		if r.path.MatchString(path) {
			out = append(out, Finding{Rule: r.id, Description: r.description, File: path, Line: 1, Column: 1,
				Fingerprint: fingerprint(r.id, path, ""), Masked: fileMask})
		}
	}
	return out
}

// fileRuleInfos describes the file rules for Rules.
func fileRuleInfos() []RuleInfo {
	out := make([]RuleInfo, len(fileRules))
	for i, r := range fileRules {
		out[i] = RuleInfo{ID: r.id, Description: r.description, Keywords: []string{".p12", ".pfx"}}
	}
	return out
}

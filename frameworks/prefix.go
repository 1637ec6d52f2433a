package frameworks

import "strings"

// builtinPrefixes is the one table of framework ids and the prefixes rule
// METADATA uses to name their controls (custom.controls: ["SOC2:CC8.1"]).
// The order is the order frameworks are listed in.
func builtinPrefixes() [][2]string {
	return [][2]string{
		{"soc2", "SOC2"},
		{"hipaa", "HIPAA"},
		{"pci-dss", "PCI-DSS"},
		{"iso27001", "ISO27001"},
		{"gdpr", "GDPR"},
		{"sox", "SOX"},
	}
}

// builtinPrefix returns the METADATA prefix of a built-in framework, or "".
func builtinPrefix(id string) string {
	for _, p := range builtinPrefixes() {
		if p[0] == id {
			return p[1]
		}
	}
	return ""
}

// ParseControlRef splits a METADATA control reference "PREFIX:ID" (e.g.
// "HIPAA:164.312(b)") into its prefix and control id; ok is false when
// either part is missing.
func ParseControlRef(ref string) (prefix, control string, ok bool) {
	prefix, control, ok = strings.Cut(strings.TrimSpace(ref), ":")
	if !ok || prefix == "" || control == "" {
		return "", "", false
	}
	return strings.ToUpper(prefix), control, true
}

// refMatches reports whether a referenced control id names control: the
// same id, or a group that contains it. A group is an id followed by "-",
// "." or "(" in the control's id, so "SOX:ITGC-CM" names ITGC-CM-1 and
// ITGC-CM-2, and "PCI-DSS:6.5" names 6.5.1 to 6.5.6.
func refMatches(ref, control string) bool {
	if ref == control {
		return true
	}
	if !strings.HasPrefix(control, ref) {
		return false
	}
	switch control[len(ref)] {
	case '-', '.', '(':
		return true
	}
	return false
}

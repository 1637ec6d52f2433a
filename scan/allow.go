package scan

import (
	"regexp"
	"strings"
)

// placeholderRe matches values that stand for a secret in documentation,
// templates and examples: EXAMPLE keys, xxxx runs, <your-key>, ${VAR},
// {{ .Values.x }}, your_..._here, __Name__ (request snapshots' fields, not
// glued to other name characters: a random token may hold "__"),
// counting sequences, common fillers.
var placeholderRe = regexp.MustCompile(`(?i)example|xxxx|\*\*\*\*|changeme|change_me|placeholder|redacted|dummy|` +
	`your[_-]?[a-z0-9_-]*[_-]?here|goes[_-]?here|^<.*>$|\$\{[^}]*\}|\{\{[^}]*\}\}|%\([a-z_]+\)s|123456789|abcdefghij|0123456789abcdef|(?:^|[^A-Za-z0-9_])__[A-Za-z][A-Za-z0-9]*__(?:$|[^A-Za-z0-9_])`)

// isPlaceholder reports whether a secret is a stand-in value rather than a
// credential: a placeholder pattern, or one character (almost) repeated.
func isPlaceholder(secret string) bool {
	if placeholderRe.MatchString(secret) {
		return true
	}
	return lowVariety(secret)
}

// lowVariety: at most two distinct bytes in a value of eight or more (AAAA...,
// 0000..., abababab), after dropping a known token prefix.
func lowVariety(s string) bool {
	if i := strings.LastIndexAny(s, "_-."); i >= 0 && i < len(s)-8 && i < 12 {
		s = s[i+1:]
	}
	if len(s) < 8 {
		return false
	}
	var seen [256]bool
	n := 0
	for i := 0; i < len(s); i++ {
		if !seen[s[i]] {
			seen[s[i]] = true
			n++
			if n > 2 {
				return false
			}
		}
	}
	return true
}

// skippedPath reports files never scanned: dependency lock files and
// vendored or installed third-party trees, whose hashes and URLs only look
// like secrets and whose content the project does not write.
func skippedPath(path string) bool {
	base := path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		base = path[i+1:]
	}
	switch base {
	case "go.sum", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "Cargo.lock",
		"poetry.lock", "Pipfile.lock", "Gemfile.lock", "composer.lock", "uv.lock", "packages.lock.json":
		return true
	}
	for _, dir := range []string{"node_modules/", "vendor/", ".git/"} {
		if strings.HasPrefix(path, dir) || strings.Contains(path, "/"+dir) {
			return true
		}
	}
	return false
}

// allowMarker starts an inline suppression: gov:allow <rule-id> -- <reason>.
const allowMarker = "gov:allow"

// suppression looks on a line for `gov:allow <ruleID> -- <reason>` and
// returns the reason. A marker for another rule, or without a reason, does
// not suppress.
func suppression(line, ruleID string) (string, bool) {
	for {
		i := strings.Index(line, allowMarker)
		if i < 0 {
			return "", false
		}
		line = line[i+len(allowMarker):]
		rest := strings.TrimLeft(line, " \t")
		id, after, _ := strings.Cut(rest, " ")
		if id != ruleID {
			continue
		}
		after = strings.TrimLeft(after, " \t")
		if !strings.HasPrefix(after, "--") {
			continue
		}
		reason := cleanReason(after[2:])
		if reason == "" {
			continue
		}
		return reason, true
	}
}

// cleanReason trims a reason and the comment closer that may follow it.
func cleanReason(r string) string {
	r = strings.TrimSpace(r)
	if j := strings.Index(r, allowMarker); j >= 0 {
		r = strings.TrimSpace(r[:j])
	}
	for _, closer := range []string{"*/", "-->", "#}", "%>", "*)"} {
		r = strings.TrimSpace(strings.TrimSuffix(r, closer))
	}
	return r
}

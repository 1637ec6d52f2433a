package sarif

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/patch"
)

// GitHubAnnotations writes one GitHub Actions workflow command per
// violation: deny -> ::error, require_approval -> ::warning, warn (and
// waived violations) -> ::notice, with file, line and title (the rule id)
// properties. A violation naming a file but no line is placed at the
// file's first added line, as in SARIF. Values are escaped per the
// workflow-command rules so that a message cannot inject a command.
func GitHubAnnotations(w io.Writer, d *engine.Decision, p *patch.Patch) error {
	if d == nil {
		return fmt.Errorf("annotations: no decision")
	}
	lines := newLineIndex(p)
	bw := bufio.NewWriter(w)
	for _, v := range d.Violations {
		cmd := annotationCommand(v.Action)
		msg := v.Message
		switch {
		case v.Exception != "" && waived(v.Exception):
			cmd, msg = "notice", msg+" ("+v.Exception+")"
		case v.Enforced != nil && !*v.Enforced:
			msg += " (" + v.Action + ", not enforced)"
		}
		var props []string
		if v.File != "" {
			line := v.Line
			if line <= 0 {
				line = lines.first(v.File)
			}
			props = append(props, "file="+escapeProperty(v.File), fmt.Sprintf("line=%d", line))
		}
		props = append(props, "title="+escapeProperty(v.Rule))
		// Write errors surface at Flush.
		_, _ = fmt.Fprintf(bw, "::%s %s::%s\n", cmd, strings.Join(props, ","), escapeData(msg))
	}
	return bw.Flush()
}

func annotationCommand(action string) string {
	switch action {
	case engine.ActionDeny:
		return "error"
	case engine.ActionRequireApproval:
		return "warning"
	}
	return "notice"
}

// escapeData escapes a workflow command's message.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

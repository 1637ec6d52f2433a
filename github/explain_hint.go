package github

import (
	"fmt"
	"path"
	"strings"
)

// explainHint is the comment's last line: the command that says why this
// decision was made. It names the record by digest, never the audit store
// (a database URL may carry a password).
func explainHint(ev *Evaluation) string {
	if ev == nil || ev.Decided == nil || ev.Decided.Record == "" {
		return "<sub>Why: run `gov explain` with this PR's diff and `--env`, or record decisions (`--audit-dir`) to explain each one.</sub>\n"
	}
	digest := strings.TrimSuffix(path.Base(strings.ReplaceAll(ev.Decided.Record, `\`, "/")), ".json")
	return fmt.Sprintf("<sub>Why: `gov explain --audit-dir AUDIT_DIR sha256:%s` (rules and the values they read, workflow, each review counted or ignored).</sub>\n", digest)
}

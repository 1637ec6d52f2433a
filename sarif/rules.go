package sarif

import (
	"fmt"
	"sort"
	"strings"

	gosarif "github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
)

// addRules writes one reportingDescriptor per rule that a kept result or a
// note names, sorted by id, and returns each rule's index.
func addRules(run *gosarif.Run, catalog []bundles.RuleInfo, items []item, keep []bool, notes []note) map[string]int {
	known := make(map[string]bundles.RuleInfo, len(catalog))
	for _, r := range catalog {
		if _, dup := known[r.ID]; !dup {
			known[r.ID] = r
		}
	}
	seen := map[string]item{}
	for i, it := range items {
		if _, ok := seen[it.rule]; !ok && keep[i] {
			seen[it.rule] = it
		}
	}
	for _, n := range notes {
		if _, ok := seen[n.rule]; !ok && n.rule != "" {
			seen[n.rule] = item{rule: n.rule, action: n.action, message: n.message}
		}
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		index[id] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, descriptor(known[id], seen[id]))
	}
	return index
}

// descriptor describes a rule from its catalog entry, filling what the
// catalog lacks from the first result of the rule.
func descriptor(info bundles.RuleInfo, first item) *gosarif.ReportingDescriptor {
	id := first.rule
	title := firstOf(info.Title, first.title, first.message, id)
	full := firstOf(info.Description, title)
	action := firstOf(info.Action, info.Name, first.action)
	severity := firstOf(info.Severity, first.severity, defaultSeverity(action))
	controls := info.Controls
	if len(controls) == 0 {
		controls = first.controls
	}

	text := full
	md := fmt.Sprintf("**%s**\n\n%s", mdEscape(title), mdEscape(full))
	if full == title {
		md = fmt.Sprintf("**%s**", mdEscape(title))
	}
	if len(controls) > 0 {
		text += "\nControls: " + strings.Join(controls, ", ")
		md += "\n\nControls: `" + strings.Join(controls, "`, `") + "`"
	}
	text += fmt.Sprintf("\nPolicy rule %s (%s, severity %s).", id, action, severity)
	md += fmt.Sprintf("\n\nPolicy rule `%s` (%s, severity %s)", id, action, severity)
	if info.File != "" {
		where := info.File
		if info.Line > 0 {
			where = fmt.Sprintf("%s:%d", info.File, info.Line)
		}
		text += " Defined in " + where + "."
		md += ", defined in `" + where + "`"
	}

	tags := []string{"security"}
	for _, c := range controls {
		if !contains(tags, c) {
			tags = append(tags, c)
		}
	}
	d := gosarif.NewRule(id).
		WithShortDescription(gosarif.NewMultiformatMessageString(title)).
		WithFullDescription(gosarif.NewMultiformatMessageString(full)).
		WithHelp(gosarif.NewMultiformatMessageString(text).WithMarkdown(md)).
		WithDefaultConfiguration(gosarif.NewReportingConfiguration().WithLevel(Level(action)))
	d.Properties = gosarif.Properties{
		"tags":              tags,
		"security-severity": SecuritySeverity(severity),
		"severity":          severity,
	}
	return d
}

// defaultSeverity mirrors the engine's severity of a violation naming none.
func defaultSeverity(action string) string {
	switch action {
	case engine.ActionDeny:
		return "high"
	case engine.ActionRequireApproval:
		return "medium"
	}
	return "low"
}

func firstOf(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// mdEscape keeps policy text from being read as markdown markup.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

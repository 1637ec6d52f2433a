package explain

import (
	"fmt"
	"strings"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/patch"
)

// expiredException is the rule id of the warning the engine adds for an
// exception that has expired.
const expiredException = "gov.exceptions/expired"

// ruleSources maps rule ids to where they are written: the bundle's rules
// (rules.cue and Rego) and the library's.
func ruleSources(b *bundles.Bundle) (map[string]bundles.RuleInfo, error) {
	out := map[string]bundles.RuleInfo{}
	if b == nil {
		return out, nil
	}
	infos, err := b.EvaluatedRules()
	if err != nil {
		return nil, err
	}
	for _, r := range infos {
		out[r.ID] = r
	}
	return out, nil
}

// explainRule explains one violation: where its rule is written and, from
// the first unused firing of the same rule and message, what it read.
func explainRule(v engine.Violation, fired []*firing, sources map[string]bundles.RuleInfo, in Input) Rule {
	r := Rule{
		ID: v.Rule, Action: v.Action, Message: v.Message, Severity: v.Severity, Controls: v.Controls,
		Exception: v.Exception, Enforced: v.Enforced == nil || *v.Enforced,
	}
	r.Counted = r.Enforced && !strings.HasPrefix(v.Exception, "waived")
	if v.File != "" {
		r.Target = v.File
		if v.Line > 0 {
			r.Target = fmt.Sprintf("%s:%d", v.File, v.Line)
		}
	}
	if s, ok := sources[v.Rule]; ok && s.File != "" {
		r.Source = location(s.File, s.Line)
	}
	if v.Rule == expiredException {
		r.Source, r.Traced = "exceptions.cue", true // gov's own warning, no Rego behind it
	}
	if f := match(fired, v); f != nil {
		f.used = true
		r.Traced = true
		if f.ref.File != "builtin/rules.rego" {
			r.Source = location(f.ref.File, f.ref.Line)
			r.Reads, r.Bindings = f.reads, f.bindings
		}
	}
	if rule, ok := declarative(in.Bundle, v.Rule); ok {
		r.Conditions = conditions(rule, v, in)
	}
	return r
}

func location(file string, line int) string {
	if line > 0 {
		return fmt.Sprintf("%s:%d", file, line)
	}
	return file
}

// match finds the firing that produced v: same rule id and message.
func match(fired []*firing, v engine.Violation) *firing {
	for _, f := range fired {
		if !f.used && f.id == v.Rule && f.message == v.Message {
			return f
		}
	}
	return nil
}

func declarative(b *bundles.Bundle, id string) (bundles.Rule, bool) {
	if b == nil {
		return bundles.Rule{}, false
	}
	for _, r := range b.Rules {
		if r.ID == id {
			return r, true
		}
	}
	return bundles.Rule{}, false
}

// conditions pairs each condition of a declarative rule with the value it
// read, as gov.builtin.rules reads it: a request field, risk_level, the
// patch's counts, or for patch_content and files the line or path the
// violation names.
func conditions(rule bundles.Rule, v engine.Violation, in Input) []Condition {
	req := in.Eval.Request
	p := in.Eval.Patch
	if p == nil {
		p = &patch.Patch{}
	}
	out := make([]Condition, 0, len(rule.Conditions))
	for _, c := range rule.Conditions {
		var read any
		switch f := c.Field; {
		case f == "request_id":
			read = req.RequestID
		case f == "action_type":
			read = req.ActionType
		case f == "environment":
			read = in.Decision.Environment
		case f == "service_name":
			read = req.ServiceName
		case f == "language":
			read = req.Language
		case f == "requested_by":
			read = req.RequestedBy
		case f == "risk_level":
			read = in.Decision.RiskLevel
		case f == "stats.files":
			read = p.Stats.Files
		case f == "stats.additions":
			read = p.Stats.Additions
		case f == "stats.deletions":
			read = p.Stats.Deletions
		case f == "lines_changed":
			read = p.Stats.Additions + p.Stats.Deletions
		case strings.HasPrefix(f, "error_context."):
			read = req.ErrorContext[strings.TrimPrefix(f, "error_context.")]
		case strings.HasPrefix(f, "metadata."):
			read = req.Metadata[strings.TrimPrefix(f, "metadata.")]
		case f == "files":
			read = v.File
		case f == "patch_content":
			read = addedLine(p, v.File, v.Line)
		}
		out = append(out, Condition{Field: c.Field, Operator: c.Operator, Value: c.Value, Read: read})
	}
	return out
}

// addedLine is the text of the added line file:line of p, or nil.
func addedLine(p *patch.Patch, file string, line int) any {
	for _, f := range p.Files {
		if f.Path != file {
			continue
		}
		for _, l := range f.Added {
			if l.Line == line {
				return l.Text
			}
		}
	}
	return nil
}

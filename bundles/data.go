package bundles

import (
	"bytes"
	"encoding/json"
)

// Data returns what policies see as data.gov: {"config", "roles",
// "workflows", "rules", "exceptions"} as JSON-shaped values (maps, slices,
// strings, json.Number, bools), defaults filled. Each call builds a fresh copy.
func (b *Bundle) Data() map[string]any {
	roles, workflows := b.Roles, b.Workflows
	if roles == nil {
		roles = map[string]Role{}
	}
	if workflows == nil {
		workflows = map[string]Workflow{}
	}
	rules, exceptions := b.Rules, b.Exceptions
	if rules == nil {
		rules = []Rule{}
	}
	if exceptions == nil {
		exceptions = []Exception{}
	}
	return map[string]any{
		"config":     plain(b.Config),
		"roles":      plain(roles),
		"workflows":  plain(workflows),
		"rules":      plain(rules),
		"exceptions": plain(exceptions),
	}
}

// plain converts a typed value into JSON-shaped values. The types of this
// package always marshal, so an error cannot happen; it yields nil.
func plain(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil
	}
	return out
}

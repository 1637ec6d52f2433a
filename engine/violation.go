package engine

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// riskLevels in increasing order.
var riskLevels = [...]string{"low", "medium", "high", "critical"}

func riskRank(s string) int {
	for i, l := range riskLevels {
		if l == s {
			return i
		}
	}
	return -1
}

func validRisk(s string) bool { return riskRank(s) >= 0 }

// defaultSeverity is the severity of a violation that names none.
func defaultSeverity(action string) string {
	switch action {
	case ActionDeny:
		return "high"
	case ActionRequireApproval:
		return "medium"
	}
	return "low"
}

// element turns one element of a deny/require_approval/warn set into a
// result. Rule id: METADATA custom.id, else the element's id, else
// "<package>.<rule>"; severity: the element's, else METADATA, else by
// action; controls: METADATA's followed by the element's.
func (e *Engine) element(t queryTerm, x any) (result, error) {
	where := t.pkg.name + "." + t.rule
	info, known := t.pkg.defaults[t.rule]
	if t.info != nil {
		info, known = *t.info, true
		where = fmt.Sprintf("%s:%d", info.file, info.line)
	}
	if !known {
		info = ruleInfo{pkg: t.pkg.name, action: t.rule}
	}
	r := result{Violation: Violation{Rule: info.id, Action: t.rule, Severity: info.severity}}
	r.Controls = append(r.Controls, info.controls...)
	var id string
	switch v := x.(type) {
	case string:
		r.Message = v
	case map[string]any:
		var err error
		if r.Message, err = field[string](v, "msg", where); err != nil {
			return result{}, err
		}
		if r.Message == "" {
			return result{}, fmt.Errorf("%s: %s element without msg", where, t.rule)
		}
		if r.File, err = field[string](v, "file", where); err != nil {
			return result{}, err
		}
		if r.workflow, err = field[string](v, "workflow", where); err != nil {
			return result{}, err
		}
		if id, err = field[string](v, "id", where); err != nil {
			return result{}, err
		}
		sev, err := field[string](v, "severity", where)
		if err != nil {
			return result{}, err
		}
		if sev != "" {
			r.Severity = sev
		}
		if r.Line, err = lineField(v, where); err != nil {
			return result{}, err
		}
		if r.Controls, err = controlsField(v, r.Controls, where); err != nil {
			return result{}, err
		}
	default:
		return result{}, fmt.Errorf("%s: %s element is %s, want a string or an object", where, t.rule, kind(x))
	}
	switch {
	case r.Rule != "":
	case id != "":
		r.Rule = id
	default:
		r.Rule = t.pkg.name + "." + t.rule
	}
	if r.Severity == "" {
		r.Severity = defaultSeverity(t.rule)
	}
	return r, nil
}

// field reads an optional key of an element; a value of another type is an error.
func field[T any](m map[string]any, key, where string) (T, error) {
	var zero T
	v, ok := m[key]
	if !ok || v == nil {
		return zero, nil
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("%s: element %s is %s, want %T", where, key, kind(v), zero)
	}
	return t, nil
}

func lineField(m map[string]any, where string) (int, error) {
	n, err := field[json.Number](m, "line", where)
	if err != nil || n == "" {
		return 0, err
	}
	line, err := strconv.Atoi(string(n))
	if err != nil || line < 0 {
		return 0, fmt.Errorf("%s: element line %s is not a line number", where, n)
	}
	return line, nil
}

func controlsField(m map[string]any, have []string, where string) ([]string, error) {
	list, err := field[[]any](m, "controls", where)
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		s, ok := c.(string)
		if !ok {
			return nil, fmt.Errorf("%s: element controls hold %s, want strings", where, kind(c))
		}
		if !contains(have, s) {
			have = append(have, s)
		}
	}
	return have, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

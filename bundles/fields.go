package bundles

import (
	"fmt"
	"regexp"
	"strings"
)

// Declarative rule fields are a closed set (DESIGN.md, rules.cue): the
// built-in module gov.builtin.rules reads nothing else, so a field outside
// it would read null and its rule would silently never fire.
var ruleFields = []struct{ name, kind string }{
	{"request_id", "string"}, {"action_type", "string"}, {"environment", "string"},
	{"service_name", "string"}, {"language", "string"}, {"requested_by", "string"},
	{"error_context.<key>", "any"}, {"metadata.<key>", "any"},
	{"patch_content", "string"}, {"files", "string"}, {"risk_level", "risk"},
	{"lines_changed", "number"}, {"stats.files", "number"}, {"stats.additions", "number"}, {"stats.deletions", "number"},
}

// fieldKind is the type of a field's values (string, number, risk, any),
// ok false for a field outside the set.
func fieldKind(field string) (kind string, ok bool) {
	for _, prefix := range []string{"error_context.", "metadata."} {
		if key, found := strings.CutPrefix(field, prefix); found {
			return "any", key != ""
		}
	}
	for _, f := range ruleFields {
		if f.name == field {
			return f.kind, true
		}
	}
	return "", false
}

// unknownField says what is wrong with a field outside the set, suggesting
// the nearest one (a "request." or "input.request." prefix dropped, or one
// or two letters off).
func unknownField(field string) string {
	msg := fmt.Sprintf("unknown field %q", field)
	if s := suggestField(field); s != "" {
		return msg + fmt.Sprintf(" (did you mean %s?)", s)
	}
	names := make([]string, len(ruleFields))
	for i, f := range ruleFields {
		names[i] = f.name
	}
	return msg + " (fields: " + strings.Join(names, ", ") + ")"
}

func suggestField(field string) string {
	for _, prefix := range []string{"input.request.", "request.", "input.patch.", "input.", "patch."} {
		if rest, ok := strings.CutPrefix(field, prefix); ok {
			if _, known := fieldKind(rest); known {
				return rest
			}
		}
	}
	for _, prefix := range []string{"error_context.", "metadata."} {
		if field+"<key>" == prefix+"<key>" || field == strings.TrimSuffix(prefix, ".") {
			return prefix + "<key>"
		}
	}
	best, bestDist := "", 3
	for _, f := range ruleFields {
		if d := editDistance(field, f.name); d < bestDist {
			best, bestDist = f.name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// checkCondition checks a condition's field and that its value suits the
// operator and the field; it returns the key at fault (field or value).
func checkCondition(c Condition) (string, error) {
	kind, ok := fieldKind(c.Field)
	if !ok {
		return "field", fmt.Errorf("%s", unknownField(c.Field))
	}
	switch c.Operator {
	case "regex", "glob", "contains":
		s, isString := c.Value.(string)
		if !isString && (c.Operator != "contains" || kind == "string") {
			return "value", fmt.Errorf("%s wants a string, got %s", c.Operator, describeValue(c.Value))
		}
		if kind == "number" {
			return "value", fmt.Errorf("%s matches strings; %s is a number", c.Operator, c.Field)
		}
		if c.Operator == "regex" {
			if _, err := regexp.Compile(s); err != nil {
				return "value", fmt.Errorf("invalid regex: %w", err)
			}
		}
	case "in", "not_in":
		list, isList := c.Value.([]any)
		if !isList {
			return "value", fmt.Errorf("%s wants a list, got %s", c.Operator, describeValue(c.Value))
		}
		for _, v := range list {
			if err := checkValue(c.Field, kind, v); err != nil {
				return "value", err
			}
		}
	case "gt", "lt":
		if !isNumber(c.Value) {
			return "value", fmt.Errorf("%s wants a number, got %s", c.Operator, describeValue(c.Value))
		}
		if kind != "number" && kind != "any" {
			return "value", fmt.Errorf("%s compares numbers; %s is a string", c.Operator, c.Field)
		}
	case "equals", "not_equals":
		return "value", checkValue(c.Field, kind, c.Value)
	}
	return "", nil
}

// checkValue checks one value compared with a field of the given kind.
func checkValue(field, kind string, v any) error {
	switch kind {
	case "string", "risk":
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s is a string, got %s", field, describeValue(v))
		}
		if kind == "risk" && s != "low" && s != "medium" && s != "high" && s != "critical" {
			return fmt.Errorf("risk_level %q is not one of low, medium, high, critical", s)
		}
	case "number":
		if !isNumber(v) {
			return fmt.Errorf("%s is a number, got %s", field, describeValue(v))
		}
	}
	return nil
}

func isNumber(v any) bool {
	switch v.(type) {
	case int, int64, float64, uint64:
		return true
	}
	return false
}

func describeValue(v any) string {
	switch v.(type) {
	case string:
		return fmt.Sprintf("string %q", v)
	case bool:
		return fmt.Sprintf("boolean %v", v)
	case nil:
		return "null"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	if isNumber(v) {
		return fmt.Sprintf("number %v", v)
	}
	return fmt.Sprintf("%T", v)
}

// RuleField is one field a declarative rule may read, and the type of its
// values (string, number, risk, any).
type RuleField struct{ Name, Kind string }

// RuleFields lists the closed set of declarative rule fields (for the
// generated configuration reference).
func RuleFields() []RuleField {
	out := make([]RuleField, len(ruleFields))
	for i, f := range ruleFields {
		out[i] = RuleField{f.name, f.kind}
	}
	return out
}

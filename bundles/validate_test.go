package bundles

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

func mapFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for p, s := range files {
		m[p] = &fstest.MapFile{Data: []byte(s)}
	}
	return m
}

func TestFormatsValidateAlike(t *testing.T) {
	variants := map[string]map[string]string{
		"cue": {
			"gov.cue":   "enforcement: \"warn\"\naudit: retention_days: 30\n",
			"roles.cue": "roles: sre: {members: [\"team:acme/sre\"], permissions: [\"approve\"]}\n",
			"rules.cue": "rules: [{id: \"r1\", action: \"deny\", conditions: [{field: \"environment\", operator: \"in\", value: [\"production\"]}]}]\n",
		},
		"yaml": {
			"gov.yaml":   "enforcement: warn\naudit:\n  retention_days: 30\n",
			"roles.yml":  "roles:\n  sre:\n    members: [\"team:acme/sre\"]\n    permissions: [approve]\n",
			"rules.yaml": "rules:\n- id: r1\n  action: deny\n  conditions:\n  - {field: environment, operator: in, value: [production]}\n",
		},
		"json": {
			"gov.json":   `{"enforcement": "warn", "audit": {"retention_days": 30}}`,
			"roles.json": `{"roles": {"sre": {"members": ["team:acme/sre"], "permissions": ["approve"]}}}`,
			"rules.json": `{"rules": [{"id": "r1", "action": "deny", "conditions": [{"field": "environment", "operator": "in", "value": ["production"]}]}]}`,
		},
	}
	var want map[string]any
	for _, name := range []string{"cue", "yaml", "json"} {
		t.Run(name, func(t *testing.T) {
			b, err := LoadFS(mapFS(variants[name]), name, "", "r")
			if err != nil {
				t.Fatal(err)
			}
			if b.Config.Enforcement != "warn" || b.Config.Audit.RetentionDays != 30 {
				t.Errorf("config = %+v", b.Config)
			}
			if !b.Config.Library.Enabled || b.Config.BreakGlassLabel != "gov/break-glass" {
				t.Errorf("defaults not filled: %+v", b.Config)
			}
			got := b.Data()
			if want == nil {
				want = got
			} else if !reflect.DeepEqual(got, want) {
				t.Errorf("Data() = %v, want %v (as cue)", got, want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	b, err := LoadFS(fstest.MapFS{}, "empty", "", "r")
	if err != nil {
		t.Fatal(err)
	}
	c := b.Config
	if c.Enforcement != "strict" || !c.Library.Enabled || c.BreakGlassLabel != "gov/break-glass" || c.Audit.RetentionDays != 365 {
		t.Errorf("defaults = %+v", c)
	}
	d := b.Data()
	for _, key := range []string{"config", "roles", "workflows", "rules", "exceptions"} {
		if d[key] == nil {
			t.Errorf("Data()[%q] is nil", key)
		}
	}
	if got := d["config"].(map[string]any)["enforcement"]; got != "strict" {
		t.Errorf("data.gov.config.enforcement = %v", got)
	}
}

func TestBadInputs(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"unknown key", map[string]string{"gov.cue": "enforcement: \"warn\"\n\nenforcment: \"off\"\n"},
			`gov.cue:3:1: unknown key "enforcment"`},
		{"unknown nested key yaml", map[string]string{"roles.yaml": "roles:\n  sre:\n    members: [\"user:a\"]\n    memebers: []\n"},
			`roles.yaml:4:5: roles.sre: unknown key "memebers"`},
		{"wrong type", map[string]string{"gov.cue": "audit: retention_days: \"long\"\n"},
			`gov.cue:1:24: audit.retention_days: want int, got string "long"`},
		{"bad enforcement", map[string]string{"gov.json": `{"enforcement": 3}`},
			`gov.json:1:17: enforcement: 3 is not one of off, strict, warn`},
		{"bad action", map[string]string{"rules.cue": "rules: [{\n\tid: \"r\"\n\tconditions: []\n\taction: \"block\"\n}]\n"},
			`rules.cue:4:10: rules.0.action: "block" is not one of deny, require_approval, warn`},
		{"bad operator yaml", map[string]string{"rules.yaml": "rules:\n- id: r\n  action: warn\n  conditions:\n  - {field: x, operator: like, value: a}\n"},
			`rules.yaml:5:26: rules.0.conditions.0.operator: "like" is not one of contains, equals, glob, gt, in, lt, not_equals, not_in, regex`},
		{"missing key", map[string]string{"rules.cue": "rules: [{action: \"deny\", conditions: []}]\n"},
			`rules.cue:1:9: rules.0: missing required key "id"`},
		{"bad member", map[string]string{"roles.cue": "roles: sre: members: [\"bob\"]\n"},
			`roles.cue:1:23: roles.sre.members.0: invalid value "bob" (out of bound =~"^(user|team|app):[^:]+$")`},
		{"bad regex", map[string]string{"rules.cue": "rules: [{id: \"r\", action: \"deny\", conditions: [{field: \"patch_content\", operator: \"regex\", value: \"a(b\"}]}]\n"},
			"rules.cue:1:92: rules.0.conditions.0.value: invalid regex: error parsing regexp: missing closing ): `a(b`"},
		// Declarative rule fields are a closed set: a field outside it
		// would read null and the rule would never fire.
		{"field with a request. prefix", map[string]string{"rules.cue": "rules: [{id: \"r\", action: \"deny\", conditions: [{field: \"request.service_name\", operator: \"equals\", value: \"api\"}]}]\n"},
			`rules.cue:1:49: rules.0.conditions.0.field: unknown field "request.service_name" (did you mean service_name?)`},
		{"misspelt field yaml", map[string]string{"rules.yaml": "rules:\n- id: r\n  action: warn\n  conditions:\n  - {field: service_nme, operator: equals, value: api}\n"},
			`rules.yaml:5:6: rules.0.conditions.0.field: unknown field "service_nme" (did you mean service_name?)`},
		{"unknown field", map[string]string{"rules.cue": "rules: [{id: \"r\", action: \"deny\", conditions: [{field: \"severity\", operator: \"equals\", value: \"x\"}]}]\n"},
			`rules.cue:1:49: rules.0.conditions.0.field: unknown field "severity" (fields: request_id, action_type, environment, service_name, language, requested_by, error_context.<key>, metadata.<key>, patch_content, files, risk_level, lines_changed, stats.files, stats.additions, stats.deletions)`},
		{"empty context key", map[string]string{"rules.cue": "rules: [{id: \"r\", action: \"deny\", conditions: [{field: \"metadata.\", operator: \"equals\", value: \"x\"}]}]\n"},
			`rules.cue:1:49: rules.0.conditions.0.field: unknown field "metadata." (did you mean metadata.<key>?)`},
		{"gt on a string field", map[string]string{"rules.cue": "rules: [{id: \"r\", action: \"deny\", conditions: [{field: \"environment\", operator: \"gt\", value: 3}]}]\n"},
			`rules.cue:1:87: rules.0.conditions.0.value: gt compares numbers; environment is a string`},
		{"number for a string field", map[string]string{"rules.cue": "rules: [{id: \"r\", action: \"deny\", conditions: [{field: \"service_name\", operator: \"equals\", value: 3}]}]\n"},
			`rules.cue:1:92: rules.0.conditions.0.value: service_name is a string, got number 3`},
		{"list element of the wrong type", map[string]string{"rules.cue": "rules: [{id: \"r\", action: \"deny\", conditions: [{field: \"language\", operator: \"in\", value: [\"go\", 1]}]}]\n"},
			`rules.cue:1:84: rules.0.conditions.0.value: language is a string, got number 1`},
		{"unknown risk level", map[string]string{"rules.cue": "rules: [{id: \"r\", action: \"deny\", conditions: [{field: \"risk_level\", operator: \"equals\", value: \"High\"}]}]\n"},
			`rules.cue:1:90: rules.0.conditions.0.value: risk_level "High" is not one of low, medium, high, critical`},
		{"glob not a string", map[string]string{"rules.cue": "rules: [{id: \"r\", action: \"deny\", conditions: [{field: \"files\", operator: \"glob\", value: [\"a/**\"]}]}]\n"},
			`rules.cue:1:83: rules.0.conditions.0.value: glob wants a string, got a list`},
		{"unknown role", map[string]string{
			"roles.cue":     "roles: sre: members: [\"team:a/sre\"]\n",
			"workflows.cue": "workflows: w: {\n\tstages: [{name: \"s\", approver_roles: [\"sre\", \"ops\"]}]\n}\n"},
			`workflows.cue:2:47: workflows.w.stages.0.approver_roles.1: unknown role "ops"`},
		{"unknown escalation", map[string]string{
			"workflows.cue": "workflows: w: {stages: [], escalate_to: \"boss\"}\n"},
			`workflows.cue:1:28: workflows.w.escalate_to: unknown role "boss"`},
		{"unknown default workflow", map[string]string{"gov.cue": "default_workflow: \"nope\"\n"},
			`gov.cue:1:1: default_workflow: unknown workflow "nope"`},
		{"status context other than the bare one", map[string]string{"gov.cue": "status_context: \"gov/policy: main\"\n"},
			`gov.cue:1:17: status_context: conflicting values "gov/policy: main" and "gov/policy"`},
		{"bad date", map[string]string{"exceptions.cue": "exceptions: [{rule: \"r\", expires: \"2026-02-30\", reason: \"x\", approved_by: \"user:c\"}]\n"},
			`exceptions.cue:1:26: exceptions.0.expires: invalid date "2026-02-30"`},
		{"two formats", map[string]string{"gov.cue": "", "gov.yaml": ""},
			`gov.cue and gov.yaml: two formats of the same file; keep one`},
		// YAML and JSON syntax errors carry the parser's own line.
		{"yaml syntax", map[string]string{"roles.yaml": "roles:\n  sre:\n    members: [\"team:a/sre\"\n"},
			`roles.yaml:2: did not find expected ',' or ']'`},
		{"yaml tab", map[string]string{"roles.yaml": "roles:\n  sre:\n\tmembers: [x]\n"},
			`roles.yaml:3: found character that cannot start any token`},
		{"json syntax", map[string]string{"gov.json": "{\"enforcement\": \"warn\",\n}\n"},
			`gov.json:2:1: invalid JSON for file "gov.json"`},
		{"cue syntax", map[string]string{"gov.cue": "enforcement: \n}\n"},
			`gov.cue:2:1: expected operand, found '}'`},
		{"rego parse error", map[string]string{"policies/x.rego": "package gov.x\n\ndeny contains msg if {\n\tmsg := \n}\n"},
			`policies/x.rego:5: rego_parse_error: unexpected } token`},
		{"rego package outside gov", map[string]string{"policies/x.rego": "package acme.x\n\ndeny contains \"no\"\n"},
			`policies/x.rego:1: package acme.x is outside gov.*: gov evaluates the deny, require_approval and warn sets of packages gov.<name> only (use package gov.<name>, e.g. package gov.x)`},
		// conftest's default package and layout are refused with the layout
		// explained, not loaded as a valid bundle that checks nothing.
		{"conftest package main", map[string]string{"policies/k8s/deny.rego": "package main\n\ndeny contains \"no\"\n"},
			`policies/k8s/deny.rego:1: package main is outside gov.*: gov evaluates the deny, require_approval and warn sets of packages gov.<name> only (use package gov.<name>, e.g. package gov.k8s.deny)`},
		{"conftest layout", map[string]string{"policy/deny.rego": "package main\n\ndeny contains \"no\"\n"},
			`policy/deny.rego: gov reads Rego only from policies/ (policies/**/*.rego, packages gov.<name>, with a _test.rego beside each); move it to policies/deny.rego`},
		{"rego at the top", map[string]string{"gov.cue": "", "authz.rego": "package gov.authz\n"},
			`authz.rego: gov reads Rego only from policies/ (policies/**/*.rego, packages gov.<name>, with a _test.rego beside each); move it to policies/authz.rego`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFS(mapFS(tt.files), "t", "", "r")
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

// Declarative rules report where each is written, in every format.
func TestDeclarativeRulePositions(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"rules.cue":  {"rules.cue": "rules: [\n\t{id: \"a\", action: \"warn\", conditions: []},\n\n\t{\n\t\tid: \"b\", action: \"deny\", conditions: []\n\t},\n]\n"},
		"rules.yaml": {"rules.yaml": "rules:\n- id: a\n  action: warn\n  conditions: []\n\n- id: b\n  action: deny\n  conditions: []\n"},
		"rules.json": {"rules.json": "{\"rules\": [\n{\"id\": \"a\", \"action\": \"warn\", \"conditions\": []},\n\n{\"id\": \"b\", \"action\": \"deny\", \"conditions\": []}\n]}\n"},
	} {
		b, err := LoadFS(mapFS(files), "t", "", "r")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range b.RuleCatalog()[:2] {
			got = append(got, r.File+":"+strconv.Itoa(r.Line))
		}
		want := map[string][]string{"rules.cue": {"rules.cue:2", "rules.cue:4"}, "rules.yaml": {"rules.yaml:2", "rules.yaml:6"}, "rules.json": {"rules.json:2", "rules.json:4"}}[name]
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: positions %v, want %v", name, got, want)
		}
	}
}

package action

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestActionYAML(t *testing.T) {
	m, err := Load(filepath.Join(repoRoot(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(m); err != nil {
		t.Fatal(err)
	}
	defaults := map[string]string{
		"bundle": "", "enforcement": "", "github-token": "${{ github.token }}", "sign": "keyless",
		"signing-key": "", "sarif": "true", "audit-dir": "", "working-directory": ".",
	}
	for name, want := range defaults {
		in, ok := m.Inputs[name]
		if !ok || in.Default != want || in.Required {
			t.Errorf("input %s: %+v (declared %v), want optional with default %q", name, in, ok, want)
		}
	}
	if len(m.Inputs) != len(defaults) {
		t.Errorf("%d inputs, want %d", len(m.Inputs), len(defaults))
	}
	for _, name := range []string{"decision", "allowed", "sarif-file", "evidence-file"} {
		if got, want := m.Outputs[name].Value, "${{ steps.gov.outputs."+name+" }}"; got != want {
			t.Errorf("output %s = %q, want %q", name, got, want)
		}
	}
	uses := map[string]bool{}
	for _, s := range m.Steps {
		uses[s.Uses] = true
	}
	for _, u := range []string{"actions/setup-go@v5", "github/codeql-action/upload-sarif@v4"} {
		if !uses[u] {
			t.Errorf("no step uses %s", u)
		}
	}
}

const goodAction = `name: x
description: y
inputs:
  a:
    description: in
    default: "1"
outputs:
  o:
    description: out
    value: ${{ steps.s.outputs.o }}
runs:
  using: composite
  steps:
    - id: s
      shell: bash
      env:
        A: ${{ inputs.a }}
      run: echo "o=$A" >> "$GITHUB_OUTPUT"
`

func TestCheck(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           string // "" when the action is fine
	}{
		{"good", "", "", ""},
		{"run interpolates", `echo "o=$A"`, `echo "o=${{ inputs.a }}"`, "action.yml:14: s: ${{ }} in a run script"},
		{"unused input", "A: ${{ inputs.a }}", "A: x", "action.yml:4: inputs.a is never used"},
		{"undeclared input", "inputs.a }}", "inputs.b }}", "inputs.b is not a declared input"},
		{"output of no step", "steps.s.outputs.o", "steps.t.outputs.o", `outputs.o: no step has id "t"`},
		{"output not a step output", "${{ steps.s.outputs.o }}", "${{ inputs.a }}", "outputs.o: value"},
		{"no shell", "      shell: bash\n", "", "s: a composite run step needs a shell"},
		{"not composite", "using: composite", "using: node20", `runs.using is "node20"`},
		{"unpinned uses", "    - id: s\n", "    - uses: actions/checkout@main\n    - id: s\n", `uses "actions/checkout@main" is not`},
		{"later step referenced", "    - id: s\n", "    - uses: a/b@v1\n      with: {x: \"${{ steps.s.outputs.o }}\"}\n    - id: s\n", "steps.s is not an earlier step"},
		{"duplicate id", "    - id: s\n", "    - id: s\n      shell: bash\n      run: \"true\"\n    - id: s\n", `id "s" already used`},
		{"no description", "    description: out\n", "", "outputs.o: no description"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := goodAction
			if tt.old != "" {
				if !strings.Contains(src, tt.old) {
					t.Fatalf("%q not in the action", tt.old)
				}
				src = strings.Replace(src, tt.old, tt.new, 1)
			}
			m, err := Parse("action.yml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			err = Check(m)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Check = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"unknown key", "name: x\nrunz: {}\n", "field runz not found"},
		{"unknown step key", "runs:\n  using: composite\n  steps:\n    - run: x\n      sheel: bash\n", "action.yml:4: runs.steps[0]"},
		{"input not a mapping", "inputs:\n  a: 1\n", "action.yml:2: inputs.a: want a mapping"},
		{"not YAML", "name: [", "action.yml: yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("action.yml", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

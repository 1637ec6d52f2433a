package action

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"
)

// repoRoot is the directory above the package (go.mod, action.yml).
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("no go.mod above the package: %v", err)
	}
	return dir
}

// lint runs actionlint (as a library, without shellcheck) over a workflow
// and returns its errors, one line each.
func lint(t *testing.T, path string, content []byte) []string {
	t.Helper()
	proj, err := actionlint.NewProject(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{Oneline: true, Color: actionlint.ColorOptionKindNever})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint(path, content, proj)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestExampleWorkflowLints lints the example workflow as published (the
// action as gov-policy/gov@v1) and as a local action (uses: ./), where
// actionlint also checks its with: inputs and the outputs it reads
// against action.yml.
func TestExampleWorkflowLints(t *testing.T) {
	root := repoRoot(t)
	wf := readFile(t, filepath.Join(root, "testdata", "action", "healing.yml"))
	local := strings.Replace(string(wf), "uses: gov-policy/gov@v1", "uses: ./", 1)
	if local == string(wf) {
		t.Fatal("healing.yml does not use gov-policy/gov@v1")
	}
	tests := []struct {
		name    string
		content string
		want    string // an error actionlint must report; "" for none
	}{
		{"published", string(wf), ""},
		{"local action", local, ""},
		{"unknown input", strings.Replace(local, "sign: keyless", "sign: keyless\n          bogus: x", 1), `input "bogus" is not defined in action`},
		{"unknown output", strings.Replace(local, "steps.gov.outputs.evidence-file", "steps.gov.outputs.evidence", 1), `property "evidence" is not defined`},
		{"injection", local + "      - run: echo ${{ github.event.pull_request.title }}\n", "potentially untrusted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := lint(t, filepath.Join(root, ".github", "workflows", "gov.yml"), []byte(tt.content))
			if tt.want == "" && len(errs) > 0 {
				t.Fatalf("actionlint:\n%s", strings.Join(errs, "\n"))
			}
			if tt.want != "" && !strings.Contains(strings.Join(errs, "\n"), tt.want) {
				t.Fatalf("actionlint did not report %q; got:\n%s", tt.want, strings.Join(errs, "\n"))
			}
		})
	}
}

// TestREADMEWorkflow checks that the README's "GitHub Action" section
// shows testdata/action/healing.yml (which the test above lints) verbatim.
func TestREADMEWorkflow(t *testing.T) {
	root := repoRoot(t)
	readme := string(readFile(t, filepath.Join(root, "README.md")))
	wf := string(readFile(t, filepath.Join(root, "testdata", "action", "healing.yml")))
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(readme, -1)
	found := 0
	for _, b := range blocks {
		if strings.Contains(b[1], "uses: gov-policy/gov@") {
			found++
			if b[1] != wf {
				t.Errorf("README workflow differs from testdata/action/healing.yml:\n%s", b[1])
			}
		}
	}
	if found == 0 {
		t.Fatal(`README.md shows no workflow using gov-policy/gov (section "GitHub Action")`)
	}
}

// TestActionStepsLint lints action.yml's steps as the steps of a reusable
// workflow whose inputs are the action's: actionlint then checks every
// expression, the uses: steps' inputs it knows (setup-go), and the run
// scripts for untrusted input.
func TestActionStepsLint(t *testing.T) {
	root := repoRoot(t)
	var doc struct {
		Inputs map[string]any `yaml:"inputs"`
		Runs   struct {
			Steps []yaml.Node `yaml:"steps"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(readFile(t, filepath.Join(root, "action.yml")), &doc); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]any{}
	for name := range doc.Inputs {
		inputs[name] = map[string]any{"type": "string", "required": false}
	}
	wf := map[string]any{
		"on": map[string]any{"workflow_call": map[string]any{"inputs": inputs}},
		"jobs": map[string]any{"action": map[string]any{
			"runs-on": "ubuntu-latest",
			"steps":   doc.Runs.Steps,
		}},
	}
	data, err := yaml.Marshal(wf)
	if err != nil {
		t.Fatal(err)
	}
	if errs := lint(t, filepath.Join(root, ".github", "workflows", "action-steps.yml"), data); len(errs) > 0 {
		t.Fatalf("actionlint over action.yml's steps:\n%s\n\nworkflow:\n%s", strings.Join(errs, "\n"), data)
	}
}

// Package action reads gov's composite GitHub Action (action.yml at the
// repository root), checks its structure beyond what a YAML parser does,
// and runs its run steps locally the way a runner would, so tests can
// exercise the action end to end against a fake GitHub API.
package action

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"
)

// Metadata is a composite action's action.yml.
type Metadata struct {
	// Path is the file it was read from (for error messages).
	Path        string
	Name        string
	Description string
	Inputs      map[string]Input
	Outputs     map[string]Output
	Using       string
	Steps       []Step
}

// Input is one declared input.
type Input struct {
	Description string
	Required    bool
	Default     string
	Line        int
}

// Output is one declared output; Value is its expression.
type Output struct {
	Description string
	Value       string
	Line        int
}

// Step is one step of runs.steps: a run step (Run and Shell) or a uses step.
type Step struct {
	ID, Name, If                 string
	Uses                         string
	Run, Shell, WorkingDirectory string
	With, Env                    map[string]string
	Line                         int
}

// Label names the step in messages: its id, else its name, else its line.
func (s Step) Label() string {
	switch {
	case s.ID != "":
		return s.ID
	case s.Name != "":
		return fmt.Sprintf("%q", s.Name)
	}
	return fmt.Sprintf("step at line %d", s.Line)
}

type fileYAML struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Author      string            `yaml:"author"`
	Branding    map[string]string `yaml:"branding"`
	Inputs      yaml.Node         `yaml:"inputs"`
	Outputs     yaml.Node         `yaml:"outputs"`
	Runs        struct {
		Using string      `yaml:"using"`
		Steps []yaml.Node `yaml:"steps"`
	} `yaml:"runs"`
}

type inputYAML struct {
	Description        string `yaml:"description"`
	Required           bool   `yaml:"required"`
	Default            string `yaml:"default"`
	DeprecationMessage string `yaml:"deprecationMessage"`
}

type outputYAML struct {
	Description string `yaml:"description"`
	Value       string `yaml:"value"`
}

type stepYAML struct {
	ID               string            `yaml:"id"`
	Name             string            `yaml:"name"`
	If               string            `yaml:"if"`
	Uses             string            `yaml:"uses"`
	Run              string            `yaml:"run"`
	Shell            string            `yaml:"shell"`
	WorkingDirectory string            `yaml:"working-directory"`
	With             map[string]string `yaml:"with"`
	Env              map[string]string `yaml:"env"`
	ContinueOnError  string            `yaml:"continue-on-error"`
}

// Load reads and parses an action.yml.
func Load(path string) (*Metadata, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses action metadata; keys the metadata syntax does not know are
// errors naming their line.
func Parse(path string, data []byte) (*Metadata, error) {
	var f fileYAML
	if err := strictDecode(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m := &Metadata{Path: path, Name: f.Name, Description: f.Description, Using: f.Runs.Using,
		Inputs: map[string]Input{}, Outputs: map[string]Output{}}
	for _, kv := range pairs(&f.Inputs) {
		var in inputYAML
		if err := decodeNode(kv.value, &in); err != nil {
			return nil, fmt.Errorf("%s:%d: inputs.%s: %w", path, kv.line, kv.key, err)
		}
		m.Inputs[kv.key] = Input{Description: in.Description, Required: in.Required, Default: in.Default, Line: kv.line}
	}
	for _, kv := range pairs(&f.Outputs) {
		var out outputYAML
		if err := decodeNode(kv.value, &out); err != nil {
			return nil, fmt.Errorf("%s:%d: outputs.%s: %w", path, kv.line, kv.key, err)
		}
		m.Outputs[kv.key] = Output{Description: out.Description, Value: out.Value, Line: kv.line}
	}
	for i := range f.Runs.Steps {
		n := &f.Runs.Steps[i]
		var s stepYAML
		if err := decodeNode(n, &s); err != nil {
			return nil, fmt.Errorf("%s:%d: runs.steps[%d]: %w", path, n.Line, i, err)
		}
		m.Steps = append(m.Steps, Step{ID: s.ID, Name: s.Name, If: s.If, Uses: s.Uses, Run: s.Run, Shell: s.Shell,
			WorkingDirectory: s.WorkingDirectory, With: s.With, Env: s.Env, Line: n.Line})
	}
	return m, nil
}

type pair struct {
	key   string
	line  int
	value *yaml.Node
}

// pairs lists a mapping node's entries with their keys' lines.
func pairs(n *yaml.Node) []pair {
	var out []pair
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, pair{n.Content[i].Value, n.Content[i].Line, n.Content[i+1]})
	}
	return out
}

func strictDecode(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return err
	}
	return nil
}

// decodeNode decodes n into v, refusing unknown keys as strictDecode does.
func decodeNode(n *yaml.Node, v any) error {
	if n.Kind != yaml.MappingNode {
		return errors.New("want a mapping")
	}
	data, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	return strictDecode(data, v)
}

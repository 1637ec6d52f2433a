package action

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Runner runs an action's run steps locally, as a GitHub runner would for
// the bash shell: each step in its own bash, with its env evaluated, its
// own GITHUB_OUTPUT file, and later steps seeing its outputs. Uses steps
// (setup-go, upload-sarif) are not run: they are reported as skipped.
type Runner struct {
	// ActionPath is the action's directory (github.action_path).
	ActionPath string
	// Workspace is GITHUB_WORKSPACE, where relative working-directory values start.
	Workspace string
	// Env is the runner environment every step starts from (PATH,
	// RUNNER_TEMP, GITHUB_EVENT_PATH, GITHUB_API_URL, ...).
	Env []string
	// Inputs are the with: values; missing ones take their defaults.
	Inputs map[string]string
	// Context holds the other context values expressions use, such as
	// "github.token"; github.action_path and github.workspace are set from
	// the fields above.
	Context map[string]string
	// Skip, when set, leaves run steps it returns true for out (a build
	// already done).
	Skip func(Step) bool
	// Stdout and Stderr receive the steps' output (discarded when nil).
	Stdout, Stderr io.Writer
}

// Result is the outcome of running the action.
type Result struct {
	// Outputs are the action's outputs, evaluated after the steps ran.
	Outputs map[string]string
	Steps   []StepResult
	// Failed is the step that failed (later steps did not run), or nil.
	Failed *StepResult
}

// StepResult is what one step did.
type StepResult struct {
	Label    string
	Skipped  bool
	ExitCode int
	Outputs  map[string]string
	// With is a skipped uses step's inputs as they would have been passed.
	With map[string]string
}

// Run runs m's steps in order. A step that exits non-zero fails the
// action: Result.Failed says which, with its exit code, and the remaining
// steps do not run. The error is for problems of the runner itself.
func (r *Runner) Run(ctx context.Context, m *Metadata) (*Result, error) {
	vars := map[string]string{"github.action_path": r.ActionPath, "github.workspace": r.Workspace}
	for k, v := range r.Context {
		vars[k] = v
	}
	for name, in := range m.Inputs {
		v, ok := r.Inputs[name]
		if !ok {
			var err error
			if v, err = expand(in.Default, vars); err != nil {
				return nil, fmt.Errorf("%s:%d: inputs.%s default: %w", m.Path, in.Line, name, err)
			}
		}
		vars["inputs."+name] = v
	}
	for name := range r.Inputs {
		if _, ok := m.Inputs[name]; !ok {
			return nil, fmt.Errorf("%s: no input %q", m.Path, name)
		}
	}
	tmp, err := os.MkdirTemp("", "gov-action-run-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	res := &Result{Outputs: map[string]string{}}
	for i, s := range m.Steps {
		sr := StepResult{Label: s.Label()}
		if s.Uses != "" || (r.Skip != nil && r.Skip(s)) {
			sr.Skipped = true
			if s.Uses != "" {
				sr.With = map[string]string{}
				for k, v := range s.With {
					if sr.With[k], err = expand(v, vars); err != nil {
						return nil, fmt.Errorf("%s:%d: %s: with.%s: %w", m.Path, s.Line, s.Label(), k, err)
					}
				}
			}
			res.Steps = append(res.Steps, sr)
			continue
		}
		if s.If != "" {
			return nil, fmt.Errorf("%s:%d: %s: if: on a run step is not supported by the local runner", m.Path, s.Line, s.Label())
		}
		sr.ExitCode, sr.Outputs, err = r.runStep(ctx, m, s, vars, filepath.Join(tmp, fmt.Sprint(i)))
		if err != nil {
			return nil, err
		}
		for k, v := range sr.Outputs {
			if s.ID != "" {
				vars["steps."+s.ID+".outputs."+k] = v
			}
		}
		res.Steps = append(res.Steps, sr)
		if sr.ExitCode != 0 {
			res.Failed = &res.Steps[len(res.Steps)-1]
			break
		}
	}
	for name, out := range m.Outputs {
		if res.Outputs[name], err = expand(out.Value, vars); err != nil {
			return nil, fmt.Errorf("%s:%d: outputs.%s: %w", m.Path, out.Line, name, err)
		}
	}
	return res, nil
}

func (r *Runner) runStep(ctx context.Context, m *Metadata, s Step, vars map[string]string, dir string) (int, map[string]string, error) {
	if s.Shell != "bash" {
		return 0, nil, fmt.Errorf("%s:%d: %s: shell %q: the local runner runs bash steps only", m.Path, s.Line, s.Label(), s.Shell)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, nil, err
	}
	wd, err := expand(s.WorkingDirectory, vars)
	if err != nil {
		return 0, nil, fmt.Errorf("%s:%d: %s: working-directory: %w", m.Path, s.Line, s.Label(), err)
	}
	if wd == "" {
		wd = r.Workspace
	} else if !filepath.IsAbs(wd) {
		wd = filepath.Join(r.Workspace, wd)
	}
	script, output := filepath.Join(dir, "step.sh"), filepath.Join(dir, "output")
	if err := os.WriteFile(script, []byte(s.Run), 0o600); err != nil {
		return 0, nil, err
	}
	if err := os.WriteFile(output, nil, 0o600); err != nil {
		return 0, nil, err
	}
	env := append(append([]string{}, r.Env...), "GITHUB_ACTION_PATH="+r.ActionPath, "GITHUB_OUTPUT="+output)
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		v, err := expand(s.Env[k], vars)
		if err != nil {
			return 0, nil, fmt.Errorf("%s:%d: %s: env.%s: %w", m.Path, s.Line, s.Label(), k, err)
		}
		env = append(env, k+"="+v)
	}
	// The runner's command for shell: bash.
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", script) //nolint:gosec // running the action's own step script is the point
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = wd, env, orDiscard(r.Stdout), orDiscard(r.Stderr)
	code := 0
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return 0, nil, fmt.Errorf("%s:%d: %s: %w", m.Path, s.Line, s.Label(), err)
		}
		code = exit.ExitCode()
	}
	outs, err := readOutputs(output)
	if err != nil {
		return 0, nil, fmt.Errorf("%s:%d: %s: GITHUB_OUTPUT: %w", m.Path, s.Line, s.Label(), err)
	}
	return code, outs, nil
}

// readOutputs parses a GITHUB_OUTPUT file: NAME=VALUE lines and
// NAME<<DELIMITER multi-line values.
func readOutputs(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	outs := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var lines []string
			for sc.Scan() && sc.Text() != delim {
				lines = append(lines, sc.Text())
			}
			outs[name] = strings.Join(lines, "\n")
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("line %d: %q is not NAME=VALUE", n, line)
		}
		outs[name] = value
	}
	return outs, sc.Err()
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

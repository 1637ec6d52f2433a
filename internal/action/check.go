package action

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// usesRE is OWNER/REPO[/PATH]@REF: a version tag or a full commit SHA.
var usesRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?@(v[0-9]+(\.[0-9]+){0,2}|[0-9a-f]{40})$`)

// Check reports what makes a composite action wrong or unsafe, one error
// per problem naming the file and line:
//   - name, description and runs.using: composite are required, and every
//     input and output has a description;
//   - every input is used, and every inputs.X names a declared input;
//   - every output's value is ${{ steps.ID.outputs.NAME }} of a step with
//     that id, and steps reference only earlier steps' outputs;
//   - run steps name a shell and contain no ${{ }}: values reach scripts
//     through env, so an input cannot inject shell code;
//   - uses steps are pinned to a version tag or a commit and do not run;
//     ids are unique.
func Check(m *Metadata) error {
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", m.Path, line, fmt.Sprintf(format, args...)))
	}
	if m.Name == "" || m.Description == "" {
		bad(1, "name and description are required")
	}
	if m.Using != "composite" {
		bad(1, "runs.using is %q, want composite", m.Using)
	}
	used := map[string]bool{}
	ids := map[string]int{}
	for _, s := range m.Steps {
		texts := []string{s.WorkingDirectory, s.Uses}
		for _, v := range s.With {
			texts = append(texts, v)
		}
		for _, v := range s.Env {
			texts = append(texts, v)
		}
		// if: is an expression without ${{ }}.
		texts = append(texts, "${{ "+s.If+" }}")
		for _, t := range texts {
			for _, name := range inputRefs(t) {
				used[name] = true
				if _, ok := m.Inputs[name]; !ok {
					bad(s.Line, "%s: inputs.%s is not a declared input", s.Label(), name)
				}
			}
			for _, r := range stepRefs(t) {
				if _, ok := ids[r.Step]; !ok {
					bad(s.Line, "%s: steps.%s is not an earlier step", s.Label(), r.Step)
				}
			}
		}
		if s.ID != "" {
			if line, dup := ids[s.ID]; dup {
				bad(s.Line, "id %q already used at line %d", s.ID, line)
			}
			ids[s.ID] = s.Line
		}
		switch {
		case (s.Run == "") == (s.Uses == ""):
			bad(s.Line, "%s: want exactly one of run and uses", s.Label())
		case s.Run != "":
			if s.Shell == "" {
				bad(s.Line, "%s: a composite run step needs a shell", s.Label())
			}
			if strings.Contains(s.Run, "${{") {
				bad(s.Line, "%s: ${{ }} in a run script (pass values through env)", s.Label())
			}
		case !usesRE.MatchString(s.Uses):
			bad(s.Line, "%s: uses %q is not OWNER/REPO@vN or @<commit sha>", s.Label(), s.Uses)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m.Inputs)) {
		in := m.Inputs[name]
		if in.Description == "" {
			bad(in.Line, "inputs.%s: no description", name)
		}
		if !used[name] {
			bad(in.Line, "inputs.%s is never used", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m.Outputs)) {
		out := m.Outputs[name]
		if out.Description == "" {
			bad(out.Line, "outputs.%s: no description", name)
		}
		refs := stepRefs(out.Value)
		if len(refs) != 1 || strings.TrimSpace(out.Value) != fmt.Sprintf("${{ steps.%s.outputs.%s }}", refs[0].Step, refs[0].Output) {
			bad(out.Line, "outputs.%s: value %q is not ${{ steps.ID.outputs.NAME }}", name, out.Value)
			continue
		}
		if _, ok := ids[refs[0].Step]; !ok {
			bad(out.Line, "outputs.%s: no step has id %q", name, refs[0].Step)
		}
	}
	return errors.Join(errs...)
}

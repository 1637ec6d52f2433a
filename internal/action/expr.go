package action

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	exprRE     = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)
	inputRefRE = regexp.MustCompile(`\binputs\.([A-Za-z_][A-Za-z0-9_-]*)`)
	stepRefRE  = regexp.MustCompile(`\bsteps\.([A-Za-z_][A-Za-z0-9_-]*)\.outputs\.([A-Za-z_][A-Za-z0-9_-]*)`)
	pathRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)+$`)
)

// StepRef is a steps.<id>.outputs.<name> reference.
type StepRef struct{ Step, Output string }

// inputRefs lists the inputs.<name> referenced by the expressions in s.
func inputRefs(s string) []string {
	var out []string
	for _, e := range exprRE.FindAllStringSubmatch(s, -1) {
		for _, m := range inputRefRE.FindAllStringSubmatch(e[1], -1) {
			out = append(out, m[1])
		}
	}
	return out
}

// stepRefs lists the steps.<id>.outputs.<name> referenced by the
// expressions in s.
func stepRefs(s string) []StepRef {
	var out []StepRef
	for _, e := range exprRE.FindAllStringSubmatch(s, -1) {
		for _, m := range stepRefRE.FindAllStringSubmatch(e[1], -1) {
			out = append(out, StepRef{m[1], m[2]})
		}
	}
	return out
}

// expand replaces each ${{ path }} in s with its value from vars (keys
// like "inputs.bundle", "steps.gov.outputs.decision", "github.token").
// Only plain context paths are supported; a missing step output is "" as
// on GitHub, any other unknown path is an error.
func expand(s string, vars map[string]string) (string, error) {
	var err error
	out := exprRE.ReplaceAllStringFunc(s, func(m string) string {
		e := exprRE.FindStringSubmatch(m)[1]
		if !pathRE.MatchString(e) {
			if err == nil {
				err = fmt.Errorf("expression %q: the local runner only knows context paths", e)
			}
			return ""
		}
		v, ok := vars[e]
		if !ok && !strings.HasPrefix(e, "steps.") && err == nil {
			err = fmt.Errorf("expression %q: unknown context value", e)
		}
		return v
	})
	return out, err
}

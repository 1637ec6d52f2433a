package bundles

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
)

var (
	conflictRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^conflicting values (.+?) and (.+?)(?: \(mismatched types (\w+) and (\w+)\))?$`)
	})
)

// formatCUEError turns a CUE evaluation error into one line naming
// file:line:column, the path of the key at fault and what is wrong with it.
func formatCUEError(err error, cf configFile) error {
	errs := cueerrors.Errors(err)
	if len(errs) == 0 {
		return fmt.Errorf("%s: %w", cf.name, oneLine(err))
	}
	elems := trimDef(errs[0].Path())
	var group []cueerrors.Error
	for _, e := range errs {
		if strings.Join(trimDef(e.Path()), ".") == strings.Join(elems, ".") {
			group = append(group, e)
		}
	}
	pos := ""
	for _, e := range group {
		for _, p := range cueerrors.Positions(e) {
			if cf.name != "" && p.Filename() == cf.name && pos == "" {
				pos = p.String()
			}
		}
	}
	if pos == "" {
		pos = cf.pos(elems)
	}
	where, msg := describe(group, elems, cf)
	if where != "" {
		return fmt.Errorf("%s: %s: %s", pos, where, msg)
	}
	return fmt.Errorf("%s: %s", pos, msg)
}

// describe returns the path to report and the message for one group of
// errors at the same path.
func describe(group []cueerrors.Error, elems []string, cf configFile) (string, string) {
	full := strings.Join(elems, ".")
	first := errMsg(group[0])
	var parent string
	if len(elems) > 0 {
		parent = strings.Join(elems[:len(elems)-1], ".")
	}
	switch {
	case first == "field not allowed" && len(elems) > 0:
		return parent, fmt.Sprintf("unknown key %q", elems[len(elems)-1])
	case strings.HasPrefix(first, "incomplete value") || strings.HasPrefix(first, "field is required"):
		if len(elems) > 0 && !cf.lookup(elems).Exists() {
			return parent, fmt.Sprintf("missing required key %q", elems[len(elems)-1])
		}
		return full, first
	}
	got := cf.lookup(elems)
	lit := fmt.Sprint(got)
	var alts []string
	allStrings := true
	want := ""
	for _, e := range group {
		m := conflictRE().FindStringSubmatch(errMsg(e))
		if m == nil {
			continue
		}
		alt := m[1]
		if alt == lit {
			alt = m[2]
		}
		if m[3] != "" && want == "" {
			want = m[4]
			if m[4] == got.IncompleteKind().String() {
				want = m[3]
			}
		}
		if !strings.HasPrefix(alt, `"`) {
			allStrings = false
		}
		if s, err := strconv.Unquote(alt); err == nil {
			alt = s
		}
		alts = append(alts, alt)
	}
	switch {
	case len(alts) > 1 && allStrings:
		sort.Strings(alts)
		return full, fmt.Sprintf("%s is not one of %s", lit, strings.Join(dedup(alts), ", "))
	case want != "":
		return full, fmt.Sprintf("want %s, got %s %s", want, got.IncompleteKind(), lit)
	}
	for _, e := range group {
		if m := errMsg(e); !strings.Contains(m, "errors in empty disjunction") {
			return full, m
		}
	}
	return full, first
}

// lookup returns the value at elems in the file's data.
func (c configFile) lookup(elems []string) cue.Value {
	if c.name == "" {
		return cue.Value{}
	}
	return c.data.LookupPath(cuePath(elems))
}

func errMsg(e cueerrors.Error) string {
	format, args := e.Msg()
	return fmt.Sprintf(format, args...)
}

// trimDef drops the schema definition (#GovFile, ...) from an error path.
func trimDef(p []string) []string {
	if len(p) > 0 && strings.HasPrefix(p[0], "#") {
		return p[1:]
	}
	return p
}

// cuePath converts error path elements to a cue.Path.
func cuePath(elems []string) cue.Path {
	sels := make([]cue.Selector, 0, len(elems))
	for _, e := range elems {
		if n, err := strconv.Atoi(e); err == nil {
			sels = append(sels, cue.Index(n))
			continue
		}
		if s, err := strconv.Unquote(e); err == nil {
			e = s
		}
		sels = append(sels, cue.Str(e))
	}
	return cue.MakePath(sels...)
}

func dedup(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// oneLine flattens a multi-line error message.
func oneLine(err error) error {
	msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ")), " ")
	return errors.New(msg)
}

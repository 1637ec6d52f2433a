package engine

import (
	"fmt"
	"time"

	"github.com/gov-policy/gov/bundles"
)

// expiredRule is the rule id of the warning an expired exception yields.
const expiredRule = "gov.exceptions/expired"

// exception is a bundles.Exception with its globs compiled and its end time.
type exception struct {
	bundles.Exception
	rule  idGlob
	paths []pathGlob
	until time.Time // end of the expiry day, UTC
}

func compileExceptions(xs []bundles.Exception) ([]exception, error) {
	out := make([]exception, len(xs))
	for i, x := range xs {
		day, err := time.Parse(time.DateOnly, x.Expires)
		if err != nil {
			return nil, fmt.Errorf("exceptions[%d] (%s): expires %q is not a date YYYY-MM-DD", i, x.Rule, x.Expires)
		}
		rule, err := compileIDGlobs([]string{x.Rule})
		if err != nil {
			return nil, fmt.Errorf("exceptions[%d]: rule: %w", i, err)
		}
		paths, err := compilePathGlobs(x.Paths)
		if err != nil {
			return nil, fmt.Errorf("exceptions[%d] (%s): paths: %w", i, x.Rule, err)
		}
		out[i] = exception{Exception: x, rule: rule[0], paths: paths, until: day.AddDate(0, 0, 1)}
	}
	return out, nil
}

// covers reports whether x is about r: the rule matches and, when x lists
// paths, r names a file matching one of them.
func (x *exception) covers(r *result) bool {
	if !x.rule.match(r.Rule) {
		return false
	}
	return len(x.paths) == 0 || (r.File != "" && anyGlob(x.paths, r.File))
}

// applyExceptions waives each result a live exception covers (it stays in
// the decision with Exception set and no longer counts). An exception that
// has expired no longer applies: the result counts, notes the expiry, and
// one warning per expired exception says so. Expired exceptions that cover
// nothing in this evaluation stay silent.
func (e *Engine) applyExceptions(rs []result, now time.Time) []result {
	if len(e.exceptions) == 0 {
		return rs
	}
	expired := make([]bool, len(e.exceptions))
	for i := range rs {
		r := &rs[i]
		if x := e.liveException(r, now); x != nil {
			r.waived = true
			r.Exception = fmt.Sprintf("waived until %s by %s: %s", x.Expires, x.ApprovedBy, x.Reason)
			continue
		}
		for j := range e.exceptions {
			if x := &e.exceptions[j]; x.covers(r) {
				expired[j] = true
				r.Exception = fmt.Sprintf("exception expired on %s", x.Expires)
			}
		}
	}
	for j, hit := range expired {
		if hit {
			x := e.exceptions[j]
			rs = append(rs, result{Violation: Violation{
				Rule: expiredRule, Action: ActionWarn, Severity: "low",
				Message: fmt.Sprintf("exception for %s expired on %s", x.Rule, x.Expires),
			}})
		}
	}
	return rs
}

// liveException returns the first unexpired exception covering r, or nil.
func (e *Engine) liveException(r *result, now time.Time) *exception {
	for j := range e.exceptions {
		if x := &e.exceptions[j]; now.Before(x.until) && x.covers(r) {
			return x
		}
	}
	return nil
}

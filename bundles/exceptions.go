package bundles

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/gobwas/glob"
	"github.com/open-policy-agent/opa/v1/ast"
)

// defaultExceptionMaxDays bounds an exception's life when gov.cue sets no
// exception_max_days: its expiry at most this many days after it was added.
const defaultExceptionMaxDays = 90

// addedDates tells when a line (by its text) of a bundle file was added:
// the date of the commit that added it, or false when unknown (a directory
// outside Git, an uncommitted line), which counts as today.
type addedDates func(file, line string) (time.Time, bool)

// checkExceptions checks exceptions.cue against the rules the bundle is
// evaluated with (so it runs after the policies are read): an exception
// must name a known rule, a glob must be narrowed by paths, and the expiry
// stays within exception_max_days of when it was added. An expired
// exception is a warning: it no longer waives anything.
func checkExceptions(b *Bundle, ef configFile, src []byte, added addedDates, now time.Time) error {
	if len(b.Exceptions) == 0 {
		return nil
	}
	known, err := knownRuleIDs(b)
	if err != nil {
		return err
	}
	maxDays := b.Config.ExceptionMaxDays
	if maxDays == 0 {
		maxDays = defaultExceptionMaxDays
	}
	today := now.UTC().Truncate(24 * time.Hour)
	lines := strings.Split(string(src), "\n")
	for i, x := range b.Exceptions {
		at := []string{"exceptions", strconv.Itoa(i)}
		isGlob := strings.ContainsAny(x.Rule, "*?[{")
		if isGlob && len(x.Paths) == 0 {
			return locError(ef, append(at, "rule"), fmt.Sprintf("%q is a pattern: an exception for several rules must list the paths it covers", x.Rule))
		}
		if !matchesKnown(x.Rule, isGlob, known) {
			return locError(ef, append(at, "rule"), fmt.Sprintf("no rule %q in this bundle (gov bundle check lists the rule ids)", x.Rule))
		}
		expires, _ := time.Parse(time.DateOnly, x.Expires) // checked by checkBundle
		from, how := today, "today (not committed)"
		if added != nil {
			if n := ef.lookup(at).Pos().Line(); n >= 1 && n <= len(lines) {
				if d, ok := added(ef.name, lines[n-1]); ok {
					from, how = d.UTC().Truncate(24*time.Hour), "when it was committed, "+d.UTC().Format(time.DateOnly)
				}
			}
		}
		if days := int(expires.Sub(from).Hours() / 24); days > maxDays {
			return locError(ef, append(at, "expires"), fmt.Sprintf("%s is %d days after %s; gov.cue allows at most %d (exception_max_days)", x.Expires, days, how, maxDays))
		}
		if !expires.AddDate(0, 0, 1).After(now) {
			b.Warnings = append(b.Warnings, fmt.Sprintf("%s: exception for %s expired on %s: it waives nothing", ef.pos(at), x.Rule, x.Expires))
		}
	}
	return nil
}

// knownRuleIDs are the ids rules of b can report: every rule it is
// evaluated with (the catalog, library and built-ins) and the ids written
// as an element's "id" in its Rego.
func knownRuleIDs(b *Bundle) ([]string, error) {
	rules, err := b.EvaluatedRules()
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range rules {
		ids = append(ids, r.ID)
	}
	embedded, err := ParsedEmbedded()
	if err != nil {
		return nil, err
	}
	for _, set := range []map[string]*ast.Module{b.Parsed, embedded} {
		for _, m := range set {
			ast.WalkTerms(m, func(t *ast.Term) bool {
				if obj, ok := t.Value.(ast.Object); ok {
					if v := obj.Get(ast.StringTerm("id")); v != nil {
						if s, ok := v.Value.(ast.String); ok {
							ids = append(ids, string(s))
						}
					}
				}
				return false
			})
		}
	}
	return ids, nil
}

func matchesKnown(rule string, isGlob bool, known []string) bool {
	var g *glob.Pattern
	if isGlob {
		var err error
		if g, err = glob.Compile(rule); err != nil {
			return false
		}
	}
	for _, id := range known {
		if id == rule || (g != nil && g.Match(id)) {
			return true
		}
	}
	return false
}

// blameDates returns the added dates of the lines of the bundle in sub at
// commit c (go-git's blame: each line's commit date). Lines are matched by
// text, so that a work tree whose file differs from c still finds the
// lines it shares with c; a line not in c counts as today.
func blameDates(c *object.Commit, sub string) addedDates {
	cache := map[string]map[string]time.Time{}
	return func(file, line string) (time.Time, bool) {
		dates, ok := cache[file]
		if !ok {
			dates = map[string]time.Time{}
			cache[file] = dates
			if res, err := git.Blame(c, path.Join(sub, file)); err == nil {
				for _, l := range res.Lines {
					if d, seen := dates[l.Text]; !seen || l.Date.Before(d) {
						dates[l.Text] = l.Date
					}
				}
			}
		}
		d, ok := dates[line]
		return d, ok
	}
}

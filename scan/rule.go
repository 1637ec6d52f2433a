package scan

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// RuleInfo describes a rule for documentation and SARIF.
type RuleInfo struct {
	ID          string   `json:"id"`
	Description string   `json:"description"`
	Keywords    []string `json:"keywords"`
}

// ruleSpec is a rule as written: builtin rules in rules_*.go, extra rules
// decoded from a gitleaks-format TOML file.
type ruleSpec struct {
	id, description string
	// keywords are lowercase; a rule runs only on lines where one occurs
	// (case-insensitively, or exactly as written in caseKeywords when
	// caseSensitive is set). A rule without keywords runs on every line.
	keywords      []string
	caseSensitive bool
	regex         string
	// secretGroup is the capture group holding the secret; 0 means the first
	// non-empty group, or the whole match when the regex has none.
	secretGroup int
	// entropy is the minimum Shannon entropy (bits per byte) of the secret.
	entropy float64
	// multiline rules (private key blocks) match from the keyword's line
	// over the following text instead of within one line.
	multiline bool
	// generic rules lose to any specific rule that matched an overlapping
	// span of the same line.
	generic bool
	// anchored rules' regexes start with one of the keywords and are matched
	// only at each keyword occurrence (with a leading ^), which is far
	// cheaper than searching the whole line.
	anchored bool
	// wordStart anchored rules match only where the keyword starts a word
	// (the byte before it is not a letter, digit or underscore).
	wordStart bool
	// keyBlock rules capture a long key body, where a run such as "xxXx"
	// is chance, not a placeholder: only a body of one or two repeated
	// characters (and the rule's check) marks a stand-in.
	keyBlock bool
	// allowRegexes drop a finding whose secret matches; allowPaths (regexes
	// over the slash path) drop every finding of the rule in that file;
	// stopwords drop a secret containing one (case-insensitively).
	allowRegexes []string
	allowPaths   []string
	stopwords    []string
	// pathRegex, when set, limits the rule to matching paths.
	pathRegex string
	// check is an extra validation of the secret (false drops it).
	check func(secret string) bool
}

// rule is a compiled ruleSpec.
type rule struct {
	ruleSpec
	caseKeywords []string // keywords as written, for caseSensitive rules
	once         sync.Once
	// re, allowRe, allowPathRe and pathRe are set by build: at New for
	// extra rules, on the rule's first keyword hit for built-in ones.
	re          *regexp.Regexp
	allowRe     []*regexp.Regexp
	allowPathRe []*regexp.Regexp
	pathRe      *regexp.Regexp
	priority    int // lower wins overlaps; generic rules are last
}

// compileRule checks and prepares a rule. The regexes of a built-in rule
// are compiled on its first keyword hit (a patch touching few rules then
// compiles few of them: most of `gov scan --patch` on a small patch was
// compiling); extra rules from a file (eager) are compiled here so a bad
// regex fails New.
func compileRule(spec ruleSpec, priority int, eager bool) (*rule, error) {
	if spec.id == "" {
		return nil, fmt.Errorf("rule without id")
	}
	r := &rule{ruleSpec: spec, priority: priority}
	if eager {
		var err error
		r.once.Do(func() { err = r.build() })
		if err != nil {
			return nil, err
		}
		if spec.secretGroup < 0 || spec.secretGroup > r.re.NumSubexp() {
			return nil, fmt.Errorf("rule %q: secretGroup %d out of range (regex has %d groups)", spec.id, spec.secretGroup, r.re.NumSubexp())
		}
	}
	if spec.generic {
		r.priority += 1 << 20
	}
	lower := make([]string, 0, len(spec.keywords))
	for _, k := range spec.keywords {
		if k == "" {
			return nil, fmt.Errorf("rule %q: empty keyword", spec.id)
		}
		if spec.caseSensitive {
			r.caseKeywords = append(r.caseKeywords, k)
			lower = append(lower, string(asciiLower(nil, []byte(k))))
			continue
		}
		lower = append(lower, keywordForms(k)...)
	}
	r.keywords = lower
	stop := make([]string, len(spec.stopwords))
	for i, s := range spec.stopwords {
		stop[i] = strings.ToLower(s)
	}
	r.stopwords = stop
	return r, nil
}

// build compiles the rule's regexes.
func (r *rule) build() error {
	var err error
	if r.re, err = regexp.Compile(r.ruleSpec.regex); err != nil {
		return fmt.Errorf("rule %q: regex: %w", r.id, err)
	}
	for _, a := range r.allowRegexes {
		are, err := regexp.Compile(a)
		if err != nil {
			return fmt.Errorf("rule %q: allowlist regex: %w", r.id, err)
		}
		r.allowRe = append(r.allowRe, are)
	}
	for _, a := range r.allowPaths {
		are, err := regexp.Compile(a)
		if err != nil {
			return fmt.Errorf("rule %q: allowlist path: %w", r.id, err)
		}
		r.allowPathRe = append(r.allowPathRe, are)
	}
	if r.pathRegex != "" {
		if r.pathRe, err = regexp.Compile(r.pathRegex); err != nil {
			return fmt.Errorf("rule %q: path: %w", r.id, err)
		}
	}
	return nil
}

// built compiles the rule's regexes on first use. Built-in regexes are
// fixed text that TestBuiltinRegexesCompile compiles, so this cannot fail
// at run time.
func (r *rule) built() *rule {
	r.once.Do(func() {
		if err := r.build(); err != nil {
			panic(err)
		}
	})
	return r
}

// regex returns the rule's compiled regex.
func (r *rule) regex() *regexp.Regexp { return r.built().re }

// appliesTo reports whether the rule scans the file at path at all.
func (r *rule) appliesTo(path string) bool {
	r.built()
	if r.pathRe != nil && !r.pathRe.MatchString(path) {
		return false
	}
	for _, re := range r.allowPathRe {
		if re.MatchString(path) {
			return false
		}
	}
	return true
}

// secretSpan picks the secret out of a submatch index slice.
func (r *rule) secretSpan(m []int) (int, int) {
	if r.secretGroup > 0 {
		return m[2*r.secretGroup], m[2*r.secretGroup+1]
	}
	for g := 1; 2*g+1 < len(m); g++ {
		if m[2*g] >= 0 && m[2*g+1] > m[2*g] {
			return m[2*g], m[2*g+1]
		}
	}
	return m[0], m[1]
}

// accepts applies the rule's own entropy, allowlist, stopwords and check.
func (r *rule) accepts(secret string) bool {
	if secret == "" {
		return false
	}
	if r.entropy > 0 && shannon(secret) < r.entropy {
		return false
	}
	for _, re := range r.built().allowRe {
		if re.MatchString(secret) {
			return false
		}
	}
	if len(r.stopwords) > 0 {
		ls := strings.ToLower(secret)
		for _, w := range r.stopwords {
			if strings.Contains(ls, w) {
				return false
			}
		}
	}
	if r.check != nil && !r.check(secret) {
		return false
	}
	return true
}

// keywordForms are the forms of keyword k the prefilter looks for in text
// whose ASCII letters only are lowered (asciiLower): lowered, and for a
// keyword with non-ASCII letters (an extra rule's ÄPI_KEY) also as written
// and upper-cased, ASCII-lowered, so that the keyword written in upper or
// lower case still runs its rule.
func keywordForms(k string) []string {
	forms := []string{strings.ToLower(k)}
	for _, f := range []string{k, strings.ToUpper(k)} {
		if f = string(asciiLower(nil, []byte(f))); !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	return forms
}

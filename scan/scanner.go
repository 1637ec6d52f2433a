// Package scan finds secrets (cloud keys, tokens, private keys, passwords in
// URLs and assignments) in patches, directories and Git history, and reports
// them masked and fingerprinted, never in clear.
//
// A Scanner runs a keyword prefilter over each file (a direct search over
// its first 64 KB, then an Aho-Corasick trie) and runs a rule's regular
// expression, compiled on the rule's first hit, only on the lines where one
// of its keywords occurs; entropy thresholds, allowlists, placeholder detection and inline
// `gov:allow <rule-id> -- <reason>` suppressions then decide what is reported.
package scan

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/gobwas/glob"
)

// Finding is one secret found. It never holds the secret itself.
type Finding struct {
	Rule           string  `json:"rule"`
	Description    string  `json:"description"`
	File           string  `json:"file"`
	Line           int     `json:"line"`
	Column         int     `json:"column"`
	Commit         string  `json:"commit,omitempty"`
	Fingerprint    string  `json:"fingerprint"`
	Masked         string  `json:"masked"`
	Suppressed     bool    `json:"suppressed"`
	SuppressReason string  `json:"suppress_reason,omitempty"`
	Entropy        float64 `json:"entropy,omitempty"`
}

// Config tunes a Scanner.
type Config struct {
	// Exclude lists globs over slash paths relative to the scan root
	// ("testdata/**", "*.md"); a pattern without a slash also matches a
	// file's base name. Matching files are not scanned.
	Exclude []string
	// ExtraRulesFile is a gitleaks-format TOML file of additional rules.
	ExtraRulesFile string
}

// Scanner scans with a fixed rule set. It is immutable after New and safe
// for concurrent use.
type Scanner struct {
	rules    []*rule
	keywords *keywordIndex
	byKw     [][]kwRule // keyword pattern index -> rules it triggers
	always   []int      // rules without keywords: run on everything
	exclude  []excludeGlob
	lowerBuf sync.Pool
}

// kwRule is a rule triggered by a keyword; exact, when set, is the keyword
// as it must appear (case-sensitive rules).
type kwRule struct {
	rule  int
	exact string
}

type excludeGlob struct {
	g        *glob.Pattern
	baseOnly bool
}

// multilineWindow bounds how far a multi-line rule (a key block) reaches
// past its first line.
const multilineWindow = 64 << 10

// New compiles the built-in rules, the extra rules file if any, and the
// exclude globs.
func New(cfg Config) (*Scanner, error) {
	specs := builtinRules()
	builtin := len(specs)
	if cfg.ExtraRulesFile != "" {
		extra, err := loadRulesFile(cfg.ExtraRulesFile)
		if err != nil {
			return nil, err
		}
		specs = append(specs, extra...)
	}
	s := &Scanner{}
	seen := map[string]bool{}
	kwIndex := map[string]int{}
	var kws []string
	for i, spec := range specs {
		if seen[spec.id] {
			return nil, fmt.Errorf("rule %q: duplicate rule id", spec.id)
		}
		seen[spec.id] = true
		r, err := compileRule(spec, i, i >= builtin)
		if err != nil {
			return nil, err
		}
		s.rules = append(s.rules, r)
		if len(r.keywords) == 0 {
			s.always = append(s.always, i)
		}
		for j, k := range r.keywords {
			idx, ok := kwIndex[k]
			if !ok {
				idx = len(kws)
				kwIndex[k] = idx
				kws = append(kws, k)
				s.byKw = append(s.byKw, nil)
			}
			ref := kwRule{rule: i}
			if r.caseSensitive {
				ref.exact = r.caseKeywords[j]
			}
			s.byKw[idx] = append(s.byKw[idx], ref)
		}
	}
	s.keywords = newKeywordIndex(kws)
	for _, p := range cfg.Exclude {
		g, err := glob.Compile(p, '/')
		if err != nil {
			return nil, fmt.Errorf("exclude pattern %q: %w", p, err)
		}
		s.exclude = append(s.exclude, excludeGlob{g: g, baseOnly: !strings.Contains(p, "/")})
	}
	s.lowerBuf.New = func() any { b := make([]byte, 0, 64<<10); return &b }
	return s, nil
}

// Rules describes the scanner's built-in rules.
func Rules() []RuleInfo {
	specs := builtinRules()
	out := make([]RuleInfo, len(specs))
	for i, r := range specs {
		out[i] = RuleInfo{ID: r.id, Description: r.description, Keywords: lowerAll(r.keywords)}
	}
	return append(out, fileRuleInfos()...)
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

// Excluded reports whether a slash path relative to the scan root is
// excluded by the Config globs or is a lock file or vendored tree the
// scanner always skips.
func (s *Scanner) Excluded(path string) bool {
	if skippedPath(path) {
		return true
	}
	base := path[strings.LastIndexByte(path, '/')+1:]
	for _, e := range s.exclude {
		if e.g.Match(path) || (e.baseOnly && e.g.Match(base)) {
			return true
		}
	}
	return false
}

// excludedDir reports whether every file under the slash directory path is
// excluded, so a walk can skip it.
func (s *Scanner) excludedDir(dir string) bool {
	if skippedPath(dir + "/") {
		return true
	}
	for _, e := range s.exclude {
		if !e.baseOnly && (e.g.Match(dir+"/") || e.g.Match(dir)) {
			return true
		}
	}
	return false
}

// Summary totals findings.
type Summary struct {
	Total        int            `json:"total"`
	Suppressed   int            `json:"suppressed"`
	Unsuppressed int            `json:"unsuppressed"`
	ByRule       map[string]int `json:"by_rule"`
}

// Summarize counts findings, suppressed and not, and per rule.
func Summarize(fs []Finding) Summary {
	sum := Summary{Total: len(fs), ByRule: map[string]int{}}
	for _, f := range fs {
		if f.Suppressed {
			sum.Suppressed++
		} else {
			sum.Unsuppressed++
		}
		sum.ByRule[f.Rule]++
	}
	return sum
}

// sortFindings orders findings by commit order kept by the caller, then
// file, line and column.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Rule < b.Rule
	})
}

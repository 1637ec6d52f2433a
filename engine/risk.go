package engine

import (
	"slices"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/patch"
)

// defaultRiskPaths are the paths whose change is high risk in every bundle;
// gov.cue's risk.high_risk_paths adds to them.
var defaultRiskPaths = []string{"auth/**", "infra/**", ".github/workflows/**", "**/migrations/**"}

// Default patch-size thresholds (changed lines) of risk.medium_lines and
// risk.high_lines.
const (
	defaultMediumLines = 50
	defaultHighLines   = 300
)

// riskScorer computes the risk level of a change from the bundle's risk
// configuration:
//
//	level = levels[min(3, max(size, paths) + production + critical_service)]
//
// with levels low, medium, high, critical and
//
//	size             2 when additions+deletions >= high_lines, 1 when >= medium_lines, else 0
//	paths            2 when a changed path (or its old path) matches a high-risk path, else 0
//	production       1 when the environment is "production"
//	critical_service 1 when service_name is one of critical_services
//
// It runs in Go rather than Rego (it was a third of a small evaluation);
// policies read the result as input.risk_level and may override the final
// level by defining risk_level in their package.
type riskScorer struct {
	mediumLines, highLines int
	paths                  []pathGlob
	critical               []string
}

func newRiskScorer(c bundles.RiskConfig) (*riskScorer, error) {
	s := &riskScorer{mediumLines: defaultMediumLines, highLines: defaultHighLines, critical: c.CriticalServices}
	if c.MediumLines > 0 {
		s.mediumLines = c.MediumLines
	}
	if c.HighLines > 0 {
		s.highLines = c.HighLines
	}
	var err error
	if s.paths, err = compilePathGlobs(append(slices.Clone(defaultRiskPaths), c.HighRiskPaths...)); err != nil {
		return nil, err
	}
	return s, nil
}

// level is the risk level of a request and its patch (nil is empty).
func (s *riskScorer) level(r Request, p *patch.Patch) string {
	score := 0
	if p != nil {
		switch changed := p.Stats.Additions + p.Stats.Deletions; {
		case changed >= s.highLines:
			score = 2
		case changed >= s.mediumLines:
			score = 1
		}
		if score < 2 && patchMatches(s.paths, p) {
			score = 2
		}
	}
	if r.Environment == "production" {
		score++
	}
	if slices.Contains(s.critical, r.ServiceName) {
		score++
	}
	return riskLevels[min(score, len(riskLevels)-1)]
}

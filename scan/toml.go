package scan

import (
	"errors"
	"fmt"
	"os"

	"github.com/BurntSushi/toml"
)

// tomlConfig is the part of a gitleaks configuration file gov understands.
type tomlConfig struct {
	Title     string         `toml:"title"`
	Extend    map[string]any `toml:"extend"` // accepted and ignored: the built-in rules are always on
	Rules     []tomlRule     `toml:"rules"`
	Allowlist *tomlAllowlist `toml:"allowlist"`
}

type tomlRule struct {
	ID          string          `toml:"id"`
	Description string          `toml:"description"`
	Regex       string          `toml:"regex"`
	SecretGroup int             `toml:"secretGroup"`
	Entropy     float64         `toml:"entropy"`
	Keywords    []string        `toml:"keywords"`
	Path        string          `toml:"path"`
	Tags        []string        `toml:"tags"`
	Allowlist   *tomlAllowlist  `toml:"allowlist"`
	Allowlists  []tomlAllowlist `toml:"allowlists"`
}

type tomlAllowlist struct {
	Description string   `toml:"description"`
	Regexes     []string `toml:"regexes"`
	RegexTarget string   `toml:"regexTarget"`
	Paths       []string `toml:"paths"`
	Stopwords   []string `toml:"stopwords"`
	Commits     []string `toml:"commits"`
	Condition   string   `toml:"condition"`
}

// loadRulesFile reads extra rules from a gitleaks-format TOML file. Errors
// name the file and the line, key or rule at fault.
func loadRulesFile(path string) ([]ruleSpec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rules file: %w", err)
	}
	return parseRules(path, data)
}

func parseRules(path string, data []byte) ([]ruleSpec, error) {
	var cfg tomlConfig
	md, err := toml.Decode(string(data), &cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%d: %s", path, pe.Position.Line, pe.Message)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("%s: unknown key %q", path, und[0].String())
	}
	var global tomlAllowlist
	if cfg.Allowlist != nil {
		global = *cfg.Allowlist
	}
	specs := make([]ruleSpec, 0, len(cfg.Rules))
	for i, tr := range cfg.Rules {
		if tr.ID == "" {
			return nil, fmt.Errorf("%s: rules[%d]: id is required", path, i)
		}
		if tr.Regex == "" {
			return nil, fmt.Errorf("%s: rule %q: regex is required (path-only rules are not supported)", path, tr.ID)
		}
		spec := ruleSpec{
			id: tr.ID, description: tr.Description, regex: tr.Regex, secretGroup: tr.SecretGroup,
			entropy: tr.Entropy, keywords: tr.Keywords, pathRegex: tr.Path,
		}
		if spec.description == "" {
			spec.description = tr.ID
		}
		lists := append([]tomlAllowlist{global}, tr.Allowlists...)
		if tr.Allowlist != nil {
			lists = append(lists, *tr.Allowlist)
		}
		for _, al := range lists {
			spec.allowRegexes = append(spec.allowRegexes, al.Regexes...)
			spec.allowPaths = append(spec.allowPaths, al.Paths...)
			spec.stopwords = append(spec.stopwords, al.Stopwords...)
		}
		// Validate here so the error names the file as well as the rule.
		if _, err := compileRule(spec, 0, true); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

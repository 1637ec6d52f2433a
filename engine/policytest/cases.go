package policytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/patch"
)

// Case is one example under cases/ (YAML or JSON): a request and a patch
// with the decision the bundle must reach.
type Case struct {
	Name        string         `json:"name"`
	Request     engine.Request `json:"request"`
	PatchFile   string         `json:"patch_file,omitempty"` // relative to the case file
	Patch       string         `json:"patch,omitempty"`      // inline diff
	Enforcement string         `json:"enforcement,omitempty"`
	Now         string         `json:"now,omitempty"` // RFC 3339 or YYYY-MM-DD, for exception expiry
	Expect      Expect         `json:"expect"`
}

// Expect is what a case requires. Rules must all appear among the
// violations; NotRules must not. Empty fields are not checked.
type Expect struct {
	Decision  string   `json:"decision"`
	Rules     []string `json:"rules,omitempty"`
	NotRules  []string `json:"not_rules,omitempty"`
	RiskLevel string   `json:"risk_level,omitempty"`
	Workflow  string   `json:"workflow,omitempty"`
}

// CaseResult is the outcome of one case.
type CaseResult struct {
	Name     string   `json:"name"`
	File     string   `json:"file"`
	Pass     bool     `json:"pass"`
	Want     string   `json:"want"`
	Got      string   `json:"got"`
	Problems []string `json:"problems,omitempty"`
}

func runCases(ctx context.Context, b *bundles.Bundle, filter *regexp.Regexp) ([]CaseResult, error) {
	var files []string
	for name := range b.Files {
		if strings.HasPrefix(name, "cases/") && isCaseFile(name) {
			files = append(files, name)
		}
	}
	if len(files) == 0 {
		return []CaseResult{}, nil
	}
	sort.Strings(files)
	eng, err := engine.New(ctx, b)
	if err != nil {
		return nil, err
	}
	results := []CaseResult{}
	for _, file := range files {
		c, err := decodeCase(file, b.Files[file])
		if err != nil {
			return nil, err
		}
		if filter != nil && !filter.MatchString(c.Name) {
			continue
		}
		results = append(results, runCase(ctx, eng, b, file, c))
	}
	return results, nil
}

func isCaseFile(name string) bool {
	switch path.Ext(name) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

func decodeCase(file string, data []byte) (Case, error) {
	var c Case
	if err := checkKeys(file, data, reflect.TypeFor[Case]()); err != nil {
		return c, err
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return c, fmt.Errorf("%s: %s", file, strings.Join(strings.Fields(err.Error()), " "))
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%s: %s", file, strings.TrimPrefix(err.Error(), "json: "))
	}
	if c.Name == "" {
		c.Name = strings.TrimSuffix(path.Base(file), path.Ext(file))
	}
	switch engine.Outcome(c.Expect.Decision) {
	case engine.Allow, engine.Deny, engine.RequireApproval:
	default:
		return c, fmt.Errorf("%s: expect.decision must be allow, deny or require_approval, not %q", file, c.Expect.Decision)
	}
	if (c.PatchFile == "") == (c.Patch == "") {
		return c, fmt.Errorf("%s: give exactly one of patch_file and patch", file)
	}
	return c, nil
}

func runCase(ctx context.Context, eng *engine.Engine, b *bundles.Bundle, file string, c Case) CaseResult {
	res := CaseResult{Name: c.Name, File: file, Want: c.Expect.Decision}
	fail := func(format string, args ...any) CaseResult {
		res.Problems = append(res.Problems, fmt.Sprintf(format, args...))
		return res
	}
	diff := c.Patch
	if c.PatchFile != "" {
		data, ok := b.Files[path.Join(path.Dir(file), c.PatchFile)]
		if !ok {
			return fail("patch_file %s not found in the bundle", c.PatchFile)
		}
		diff = string(data)
	}
	p, err := patch.Parse([]byte(diff))
	if err != nil {
		return fail("patch: %v", err)
	}
	in := engine.Input{Request: c.Request, Patch: p, Enforcement: c.Enforcement}
	in.Request.PatchContent = diff
	if c.Now != "" {
		if in.Now, err = parseNow(c.Now); err != nil {
			return fail("now: %v", err)
		}
	}
	d, err := eng.Evaluate(ctx, in)
	if err != nil {
		return fail("evaluation error: %v", err)
	}
	res.Got = string(d.Decision)
	if res.Got != c.Expect.Decision {
		res.Problems = append(res.Problems, fmt.Sprintf("decision %s, want %s (%s)", d.Decision, c.Expect.Decision, d.Reason))
	}
	var rules []string
	for _, v := range d.Violations {
		rules = append(rules, v.Rule)
	}
	for _, r := range c.Expect.Rules {
		if !slices.Contains(rules, r) {
			res.Problems = append(res.Problems, fmt.Sprintf("rule %s did not fire (fired: %s)", r, strings.Join(rules, ", ")))
		}
	}
	for _, r := range c.Expect.NotRules {
		if slices.Contains(rules, r) {
			res.Problems = append(res.Problems, fmt.Sprintf("rule %s fired but must not", r))
		}
	}
	if c.Expect.RiskLevel != "" && d.RiskLevel != c.Expect.RiskLevel {
		res.Problems = append(res.Problems, fmt.Sprintf("risk_level %s, want %s", d.RiskLevel, c.Expect.RiskLevel))
	}
	if c.Expect.Workflow != "" && (d.Workflow == nil || d.Workflow.Name != c.Expect.Workflow) {
		got := "none"
		if d.Workflow != nil {
			got = d.Workflow.Name
		}
		res.Problems = append(res.Problems, fmt.Sprintf("workflow %s, want %s", got, c.Expect.Workflow))
	}
	res.Pass = len(res.Problems) == 0
	return res
}

func parseNow(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}

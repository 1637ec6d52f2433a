package simulate

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
)

// Report is the result of a simulation. Its JSON form is what
// `gov simulate --format json` prints; field names are the contract.
type Report struct {
	// Source names what was re-evaluated ("audit:DIR" or "corpus:DIR"); set by the caller.
	Source    string            `json:"source,omitempty"`
	Candidate engine.BundleInfo `json:"candidate"`
	Baseline  engine.BundleInfo `json:"baseline"`
	// Total counts the requests re-evaluated (skipped inputs are not among them).
	Total int `json:"total"`
	// Changed counts the requests whose outcome differs between the bundles.
	Changed int `json:"changed"`
	// Errors counts the requests that failed to evaluate under either bundle.
	Errors int `json:"errors"`
	// Reevaluated counts the requests evaluated in full under both
	// bundles; Unaffected those the bundles decide alike, found without
	// evaluating either in full (their sum is Total): no package that
	// differs between the bundles applies to their patch, or (Compared,
	// counted in Unaffected) the packages that differ were evaluated
	// under both and gave the same results. An unaffected request's
	// outcome is not named: it is counted in the transition
	// unchanged -> unchanged. Only what every evaluation checks before
	// the policies (environment, enforcement, the input) is checked on
	// it, and its failure is an error; a policy that fails under both
	// bundles alike on it is not seen. --evaluate-all evaluates every
	// request in full.
	Reevaluated int `json:"reevaluated"`
	Unaffected  int `json:"unaffected"`
	Compared    int `json:"compared"`
	// Reused counts the evaluations whose policy results were those of an
	// earlier request alike in every part of the input a policy reads
	// (see engine.Memo); 0 with --evaluate-all.
	Reused int `json:"reused"`
	// Delta is what differs between the bundles' policies.
	Delta Delta `json:"delta"`
	// Skipped names each input that could not be read; it is not counted anywhere else.
	Skipped []string `json:"skipped"`
	// Transitions counts every baseline -> candidate outcome pair seen,
	// changed ones first, then by count; the unaffected requests, whose
	// outcome is not named, as Unchanged -> Unchanged.
	Transitions []Transition `json:"transitions"`
	// Rules lists the rules that newly fire or stop firing on some request.
	Rules []RuleCount `json:"rules"`
	// Changes lists the requests whose outcome changed or that failed, in
	// the source's order (audit records oldest first).
	Changes []Change `json:"changes"`
}

// Delta is what differs between the bundles' policies: Everything says
// why every request was evaluated under both (the data, gov.cue, rules,
// roles, workflows or exceptions, differ); else Packages are the Rego
// packages that differ or may read one that does (or, in a bundle with
// more than 64 gated packages, one evaluated outside its gate under one
// bundle only), and only requests that one of them applies to were
// evaluated under both.
type Delta struct {
	Everything string   `json:"everything,omitempty"`
	Packages   []string `json:"packages"`
}

// Transition is how many requests went from one outcome to another.
// Outcomes are allow, deny, require_approval or error, and Unchanged for
// the requests not evaluated in full (see Report.Unaffected).
type Transition struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Count   int    `json:"count"`
	Changed bool   `json:"changed"`
}

// RuleCount counts, for one rule id, the requests on which it fires under
// the candidate but not the baseline (newly firing) and the reverse.
type RuleCount struct {
	Rule          string `json:"rule"`
	NewlyFiring   int    `json:"newly_firing"`
	StoppedFiring int    `json:"stopped_firing"`
}

// Change is one affected request.
type Change struct {
	Name        string `json:"name"`
	RequestID   string `json:"request_id,omitempty"`
	Service     string `json:"service,omitempty"`
	Environment string `json:"environment,omitempty"`
	// Recorded is the decision recorded at the time (audit records only).
	Recorded string `json:"recorded,omitempty"`
	From     string `json:"from"`
	To       string `json:"to"`
	// NewRules fire under the candidate only; GoneRules under the baseline only.
	NewRules  []string `json:"new_rules"`
	GoneRules []string `json:"gone_rules"`
	// RuleChanges are the rules whose result differs (newly firing,
	// stopped, action or waiver changed): what the change is due to.
	RuleChanges []RuleChange `json:"rule_changes"`
	// Cause says what changed the outcome when no rule's result did (the
	// enforcement, or the workflow and approvals).
	Cause string `json:"cause,omitempty"`
	// Error says why an outcome is error (candidate first).
	Error string `json:"error,omitempty"`
}

// RuleChange is one rule whose result differs between the bundles. A
// result is an action (deny, require_approval, warn, with " (not
// enforced)" under enforcement warn), "waived" by an exception, or "none".
type RuleChange struct {
	Rule string `json:"rule"`
	From string `json:"from"`
	To   string `json:"to"`
}

// HasChanges reports whether any outcome changed or any request failed to
// evaluate: what `--fail-on-change` fails on (errors fail closed).
func (r *Report) HasChanges() bool { return r.Changed > 0 || r.Errors > 0 }

type aggregate struct {
	r           Report
	transitions map[[2]string]int
	rules       map[string]*RuleCount
	changes     map[int]change
}

// change is a Change with where it goes in the report's list.
type change struct {
	Change
	unordered bool
	at        time.Time
}

func newAggregate(candidate, baseline *bundles.Bundle, delta Delta) *aggregate {
	info := func(b *bundles.Bundle) engine.BundleInfo {
		return engine.BundleInfo{Source: b.Source, Ref: b.Ref, Revision: b.Revision}
	}
	return &aggregate{
		r:           Report{Candidate: info(candidate), Baseline: info(baseline), Delta: delta},
		transitions: map[[2]string]int{},
		rules:       map[string]*RuleCount{},
		changes:     map[int]change{},
	}
}

func (a *aggregate) add(o outcome) {
	a.r.Total++
	if o.unaffected {
		a.r.Unaffected++
		if o.compared {
			a.r.Compared++
		}
		a.transitions[[2]string{Unchanged, Unchanged}]++
		return
	}
	a.r.Reevaluated++
	from, to := o.baseline.decision, o.proposed.decision
	a.transitions[[2]string{from, to}]++
	newRules, goneRules := difference(o.proposed.rules, o.baseline.rules), difference(o.baseline.rules, o.proposed.rules)
	for _, id := range newRules {
		a.rule(id).NewlyFiring++
	}
	for _, id := range goneRules {
		a.rule(id).StoppedFiring++
	}
	failed := from == Error || to == Error
	if from != to {
		a.r.Changed++
	}
	if failed {
		a.r.Errors++
	}
	if from == to && !failed {
		return
	}
	c := Change{
		Name: o.item.Name, RequestID: o.item.Request.RequestID, Service: o.item.Request.ServiceName,
		Environment: o.item.Request.Environment, Recorded: o.item.Recorded, From: from, To: to,
		NewRules: nonNil(newRules), GoneRules: nonNil(goneRules),
		RuleChanges: ruleChanges(o.baseline.results, o.proposed.results),
	}
	if len(c.RuleChanges) == 0 && from != to && !failed {
		c.Cause = "no rule's result changed: the workflow or approvals decided it"
		if eb, ep := o.baseline.enforcement, o.proposed.enforcement; eb != ep {
			c.Cause = fmt.Sprintf("no rule's result changed: enforcement %s -> %s", eb, ep)
		}
	}
	if err := o.proposed.err; err != nil {
		c.Error = err.Error()
	} else if err := o.baseline.err; err != nil {
		c.Error = err.Error()
	}
	a.changes[o.seq] = change{Change: c, unordered: o.item.Unordered, at: o.item.Now}
}

func (a *aggregate) rule(id string) *RuleCount {
	rc := a.rules[id]
	if rc == nil {
		rc = &RuleCount{Rule: id}
		a.rules[id] = rc
	}
	return rc
}

func (a *aggregate) report(skipped []error) *Report {
	r := a.r
	r.Skipped = []string{}
	for _, err := range skipped {
		r.Skipped = append(r.Skipped, err.Error())
	}
	r.Transitions = []Transition{}
	for k, n := range a.transitions {
		r.Transitions = append(r.Transitions, Transition{From: k[0], To: k[1], Count: n, Changed: k[0] != k[1]})
	}
	sort.Slice(r.Transitions, func(i, j int) bool {
		x, y := r.Transitions[i], r.Transitions[j]
		switch {
		case x.Changed != y.Changed:
			return x.Changed
		case x.Count != y.Count:
			return x.Count > y.Count
		case x.From != y.From:
			return x.From < y.From
		}
		return x.To < y.To
	})
	r.Rules = []RuleCount{}
	for _, rc := range a.rules {
		r.Rules = append(r.Rules, *rc)
	}
	sort.Slice(r.Rules, func(i, j int) bool {
		x, y := r.Rules[i], r.Rules[j]
		if nx, ny := x.NewlyFiring+x.StoppedFiring, y.NewlyFiring+y.StoppedFiring; nx != ny {
			return nx > ny
		}
		return x.Rule < y.Rule
	})
	seqs := make([]int, 0, len(a.changes))
	for s := range a.changes {
		seqs = append(seqs, s)
	}
	slices.SortFunc(seqs, func(i, j int) int {
		x, y := a.changes[i], a.changes[j]
		if x.unordered && y.unordered {
			if c := x.at.Compare(y.at); c != 0 {
				return c
			}
			if c := strings.Compare(x.Name, y.Name); c != 0 {
				return c
			}
		}
		return i - j
	})
	r.Changes = make([]Change, 0, len(seqs))
	for _, s := range seqs {
		r.Changes = append(r.Changes, a.changes[s].Change)
	}
	return &r
}

// difference is the sorted elements of a not in b (both sorted).
func difference(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
		}
	}
	return out
}

// ruleChanges lists, by rule id, every rule whose result differs.
func ruleChanges(baseline, proposed map[string]string) []RuleChange {
	out := []RuleChange{}
	ids := slices.Sorted(maps.Keys(baseline))
	for id := range proposed {
		if _, ok := baseline[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		from, to := orNone(baseline[id]), orNone(proposed[id])
		if from != to {
			out = append(out, RuleChange{Rule: id, From: from, To: to})
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

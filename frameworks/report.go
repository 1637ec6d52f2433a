package frameworks

import (
	"errors"
	"sort"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
)

// Options say what a report covers.
type Options struct {
	Framework *Framework
	// Rules are the rules of the bundle the report maps (BundleRules).
	Rules []bundles.RuleInfo
	// Bundle names that bundle in the report.
	Bundle engine.BundleInfo
	// Store is the audit store: a directory or a PostgreSQL database.
	Store evidence.AuditStore
	// Since starts the period (zero: every record); Now ends it (zero: time.Now()).
	Since, Now time.Time
}

// Report is a framework's controls with the evidence the audit directory
// holds for them over a period. Its JSON form is `gov report --format json`;
// field names are the contract.
type Report struct {
	Framework   FrameworkInfo     `json:"framework"`
	GeneratedAt time.Time         `json:"generated_at"`
	Period      Period            `json:"period"`
	AuditDir    string            `json:"audit_dir"`
	Bundle      engine.BundleInfo `json:"bundle"`
	// Empty is true when the period holds no readable record.
	Empty  bool   `json:"empty"`
	Totals Totals `json:"totals"`
	// Weeks are the decisions per week (Monday, UTC) across the period.
	Weeks    []Week          `json:"weeks"`
	Controls []ControlReport `json:"controls"`
	// UnknownControls are rule METADATA references with this framework's
	// prefix that name no control of it ("rule: SOC2:CC9.9").
	UnknownControls []string `json:"unknown_controls"`
	// Skipped names each record that could not be read (never counted).
	Skipped []string `json:"skipped_records"`
}

// FrameworkInfo names the framework a report is for.
type FrameworkInfo struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	Prefix  string `json:"prefix"`
}

// Period is the time a report covers; Since is absent for "every record".
type Period struct {
	Since *time.Time `json:"since,omitempty"`
	Until time.Time  `json:"until"`
}

// Totals count the whole period.
type Totals struct {
	Records         int `json:"records"`
	Allow           int `json:"allow"`
	Deny            int `json:"deny"`
	RequireApproval int `json:"require_approval"`
	Violations      int `json:"violations"`
	Approvals       int `json:"approvals"`
	Exceptions      int `json:"exceptions"`
	SignedEvidence  int `json:"signed_evidence"`
	Findings        int `json:"findings"`
	Skipped         int `json:"skipped_records"`
	Controls        int `json:"controls"`
	Covered         int `json:"controls_covered"`
	Gaps            int `json:"controls_gaps"`
}

// Week counts the decisions of one week.
type Week struct {
	Start           string `json:"week"` // the Monday, YYYY-MM-DD (UTC)
	Allow           int    `json:"allow"`
	Deny            int    `json:"deny"`
	RequireApproval int    `json:"require_approval"`
}

// Total is the week's decisions.
func (w Week) Total() int { return w.Allow + w.Deny + w.RequireApproval }

// Control statuses.
const (
	StatusCovered = "covered" // at least one rule maps to the control
	StatusGap     = "gap"     // no rule maps to it
)

// ControlReport is one control and its evidence.
type ControlReport struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Evidence    []string `json:"evidence"`
	Status      string   `json:"status"`
	// Policies are the rules mapped to the control; MissingPolicies the
	// rules its catalog entry names that the bundle does not have.
	Policies        []string `json:"policies"`
	MissingPolicies []string `json:"missing_policies,omitempty"`
	// Decisions counts the records whose violations touch the control, or
	// every record when the control is evidenced by decisions.
	Decisions int `json:"decisions"`
	// Violations counts the violations that touch the control (waived
	// ones included), by rule in ViolationsByRule.
	Violations       int            `json:"violations"`
	ViolationsByRule map[string]int `json:"violations_by_rule"`
	// Approvals counts approved_by entries of the workflow stages of the
	// records counted in Decisions, or of every record when the control is
	// evidenced by approvals.
	Approvals int `json:"approvals"`
	// Exceptions counts the touching violations an exception was applied to.
	Exceptions int `json:"exceptions"`
	// SignedEvidence counts the records (as for Approvals, with signatures)
	// that have a <digest>.sigstore.json beside them.
	SignedEvidence int `json:"signed_evidence"`
}

// Build reads the audit directory and builds the report. Records that
// cannot be read are skipped and returned in bad (each naming its file)
// and listed in Report.Skipped; err is an I/O error.
func Build(opts Options) (r *Report, bad []error, err error) {
	f := opts.Framework
	if f == nil {
		return nil, nil, errors.New("report: no framework")
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	r = &Report{
		Framework:   FrameworkInfo{ID: f.ID, Name: f.Name, Version: f.Version, Prefix: f.Prefix},
		GeneratedAt: now.UTC(),
		Period:      Period{Until: now.UTC()},
		AuditDir:    opts.Store.String(),
		Bundle:      opts.Bundle,
		Skipped:     []string{},
	}
	if !opts.Since.IsZero() {
		since := opts.Since.UTC()
		r.Period.Since = &since
	}
	m := Map(f, opts.Rules)
	r.UnknownControls = append([]string{}, m.Unknown...)
	acc := newAccumulator(f, m)
	if sum, ok := opts.Store.(evidence.Summarizer); ok {
		// Aggregated by the store (PostgreSQL: in SQL), group by group.
		err = sum.Summaries(opts.Since, func(g evidence.SummaryGroup) error {
			acc.addGroup(g)
			return nil
		})
	} else {
		bad, err = opts.Store.Walk(opts.Since, func(e evidence.Entry, rec evidence.Record) error {
			acc.add(rec, e.Signed)
			return nil
		})
	}
	if err != nil {
		return nil, bad, err
	}
	for _, b := range bad {
		r.Skipped = append(r.Skipped, b.Error())
	}
	r.Controls = acc.controls
	r.Totals = acc.totals
	r.Totals.Skipped = len(bad)
	r.Empty = acc.totals.Records == 0
	for _, c := range r.Controls {
		r.Totals.Controls++
		if c.Status == StatusCovered {
			r.Totals.Covered++
		} else {
			r.Totals.Gaps++
		}
	}
	r.Weeks = weeks(acc.byWeek, opts.Since, acc.first, acc.last, now)
	return r, bad, nil
}

// weekStart is the Monday (UTC) of t's week.
func weekStart(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// weeks lists every week from the start of the period (since, else the
// first record) to its end (now, or a later record), zeros included.
func weeks(counts map[time.Time]*Week, since, first, last, now time.Time) []Week {
	out := []Week{}
	from := since
	if from.IsZero() {
		from = first
	}
	if from.IsZero() {
		return out
	}
	to := now
	if last.After(to) {
		to = last
	}
	for w := weekStart(from); !w.After(weekStart(to)); w = w.AddDate(0, 0, 7) {
		if c, ok := counts[w]; ok {
			out = append(out, *c)
		} else {
			out = append(out, Week{Start: w.Format("2006-01-02")})
		}
	}
	return out
}

// SortedRules returns the rules of a by-rule count, most violations first.
func SortedRules(byRule map[string]int) []string {
	out := make([]string, 0, len(byRule))
	for k := range byRule {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if byRule[out[i]] != byRule[out[j]] {
			return byRule[out[i]] > byRule[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

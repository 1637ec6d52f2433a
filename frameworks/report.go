package frameworks

import (
	"errors"
	"sort"
	"strings"
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
	// Since starts the period (zero: every record); Until ends it (zero:
	// Now). Now is when the report is made (zero: time.Now()).
	Since, Until, Now time.Time
	// Filter keeps only the decisions it matches.
	Filter Filter
	// Verify, when set, verifies each record's signed evidence with these
	// options (the same check as `gov audit verify`); nil reports the
	// evidence as present but not verified.
	Verify *evidence.VerifyOptions
	// Changes, when set, describes the policy changes between two bundle
	// revisions in force during the period (from the bundle's Git history).
	Changes func(from, to string) ([]string, error)
}

// Filter narrows a report to one repository, service or environment ("" = any).
type Filter struct {
	Repository  string `json:"repository,omitempty"`
	Service     string `json:"service,omitempty"`
	Environment string `json:"environment,omitempty"`
}

func (f Filter) match(r DecisionRow) bool { return f.matches(r.Repository, r.Service, r.Environment) }

func (f Filter) matchSummary(s evidence.RecordSummary) bool {
	return f.matches(s.Repository, s.Service, s.Environment)
}

func (f Filter) matches(repository, service, environment string) bool {
	return (f.Repository == "" || strings.EqualFold(f.Repository, repository)) &&
		(f.Service == "" || f.Service == service) &&
		(f.Environment == "" || f.Environment == environment)
}

// Report is a framework's controls with the evidence the audit store holds
// for them over a period, and the population of decisions behind it. Its
// JSON form is `gov report --format json`; field names are the contract.
type Report struct {
	Framework   FrameworkInfo     `json:"framework"`
	GeneratedAt time.Time         `json:"generated_at"`
	Period      Period            `json:"period"`
	Filter      Filter            `json:"filter"`
	AuditDir    string            `json:"audit_dir"`
	Bundle      engine.BundleInfo `json:"bundle"`
	// Empty is true when the period holds no readable record.
	Empty  bool   `json:"empty"`
	Totals Totals `json:"totals"`
	// Evidence is the state of the decisions' signed evidence.
	Evidence EvidenceSummary `json:"evidence"`
	// Duties sums the segregation-of-duties checks of the population.
	Duties DutiesSummary `json:"segregation_of_duties"`
	// Revisions are the bundle revisions decisions were made under, oldest first.
	Revisions []Revision `json:"bundle_revisions"`
	// Weeks are the decisions per week (Monday, UTC) across the period.
	Weeks    []Week          `json:"weeks"`
	Controls []ControlReport `json:"controls"`
	// Groups are the group references of rule METADATA ("SOX:ITGC-CM"),
	// reported once each rather than against each control of the group.
	Groups []GroupReport `json:"groups"`
	// UnknownControls are rule METADATA references with this framework's
	// prefix that name no control of it ("rule: SOC2:CC9.9").
	UnknownControls []string `json:"unknown_controls"`
	// Population is every decision of the period (after the filter),
	// oldest first. Build does not hold it (a year of decisions does not
	// fit in memory): the writers stream it from the store (EachRow); it is
	// set when a report is read back from its JSON.
	Population []DecisionRow `json:"population"`
	// Sample is the auditor's random sample of the population, when drawn.
	Sample *Sample `json:"sample,omitempty"`
	// Skipped names each record that could not be read (never counted).
	Skipped []string `json:"skipped_records"`

	// src reads the population again from the store.
	src *rowSource
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
	// Violations counts every policy finding (blocked, sent to approval or
	// warned; waived ones included).
	Violations int `json:"violations"`
	// Blocked and SentToApproval count the findings gov enforced as deny
	// and as require_approval: the controls operating.
	Blocked        int `json:"changes_blocked"`
	SentToApproval int `json:"sent_to_approval"`
	Approvals      int `json:"approvals"`
	BreakGlass     int `json:"break_glass"`
	Exceptions     int `json:"exceptions"`
	Findings       int `json:"secret_findings"`
	Skipped        int `json:"skipped_records"`
	Controls       int `json:"controls"`
	// Evidenced controls have evidence in the period; NoEvidence ones are
	// mapped (rules or evidence gov produces) but have none in the period;
	// Gaps have nothing in gov that evidences them.
	Evidenced  int `json:"controls_evidenced"`
	NoEvidence int `json:"controls_no_evidence"`
	Gaps       int `json:"controls_gaps"`
}

// EvidenceSummary counts the decisions' signed evidence. Verified is false
// when the report was built without a key or identity: then only Present
// and Unsigned are known and nothing was checked.
type EvidenceSummary struct {
	Verified   bool              `json:"verified"`
	Valid      int               `json:"valid"`
	Failed     int               `json:"failed"`
	Unsigned   int               `json:"unsigned"`
	Present    int               `json:"present_not_verified"`
	Failures   []EvidenceFailure `json:"failures"`
	VerifiedBy string            `json:"verified_with,omitempty"`
}

// EvidenceFailure is one record whose evidence did not verify.
type EvidenceFailure struct {
	Record    string `json:"record"`
	RequestID string `json:"request_id"`
	Reason    string `json:"reason"`
}

// DutiesSummary sums the segregation-of-duties checks.
type DutiesSummary struct {
	// Checked counts decisions with approvals or break-glass.
	Checked    int      `json:"checked"`
	Passed     int      `json:"passed"`
	Failed     int      `json:"failed"`
	Failures   []string `json:"failures"`
	BreakGlass []string `json:"break_glass"`
}

// Revision is one bundle revision decisions were made under in the period.
type Revision struct {
	Revision  string    `json:"revision"`
	First     time.Time `json:"first"`
	Last      time.Time `json:"last"`
	Decisions int       `json:"decisions"`
	// Changes are the policy changes from the previous revision, when the
	// bundle's history is known; ChangesError says why they are not.
	Changes      []string `json:"changes,omitempty"`
	ChangesError string   `json:"changes_error,omitempty"`
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
	// StatusEvidenced: the period holds evidence for the control.
	StatusEvidenced = "evidenced"
	// StatusNoEvidence: rules or gov's evidence map to the control, but the
	// period holds none.
	StatusNoEvidence = "no_evidence"
	// StatusGap: nothing in gov evidences the control.
	StatusGap = "gap"
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
	// Violations counts the findings that touch the control (waived ones
	// included), by rule in ViolationsByRule; Blocked and SentToApproval
	// those gov enforced as deny and as require_approval.
	Violations       int            `json:"violations"`
	Blocked          int            `json:"changes_blocked"`
	SentToApproval   int            `json:"sent_to_approval"`
	ViolationsByRule map[string]int `json:"violations_by_rule"`
	// Approvals counts the approvals of the records counted in Decisions,
	// or of every record when the control is evidenced by approvals;
	// DutiesChecked and DutiesFailed their segregation-of-duties checks,
	// BreakGlass the break-glass uses among them.
	Approvals     int `json:"approvals"`
	DutiesChecked int `json:"duties_checked"`
	DutiesFailed  int `json:"duties_failed"`
	BreakGlass    int `json:"break_glass"`
	// Exceptions counts the touching violations an exception was applied to.
	Exceptions int `json:"exceptions"`
	// EvidenceValid, EvidenceFailed and EvidencePresent count the signed
	// evidence of the records counted (as for Approvals, with signatures):
	// verified, failing verification, and present but not verified.
	EvidenceValid   int `json:"evidence_valid"`
	EvidenceFailed  int `json:"evidence_failed"`
	EvidencePresent int `json:"evidence_present_not_verified"`
}

// GroupReport is one group reference and the findings of its rules.
type GroupReport struct {
	ID         string         `json:"id"`
	Controls   []string       `json:"controls"`
	Policies   []string       `json:"policies"`
	Violations int            `json:"violations"`
	ByRule     map[string]int `json:"violations_by_rule"`
}

// Build reads the audit store and builds the report. Records that cannot
// be read are skipped and returned in bad (each naming its file) and
// listed in Report.Skipped; err is an I/O error or an error of the
// verification options.
func Build(opts Options) (r *Report, bad []error, err error) {
	f := opts.Framework
	if f == nil {
		return nil, nil, errors.New("report: no framework")
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	until := opts.Until
	if until.IsZero() {
		until = now
	}
	r = &Report{
		Framework:   FrameworkInfo{ID: f.ID, Name: f.Name, Version: f.Version, Prefix: f.Prefix},
		GeneratedAt: now.UTC(),
		Period:      Period{Until: until.UTC()},
		Filter:      opts.Filter,
		AuditDir:    opts.Store.String(),
		Bundle:      opts.Bundle,
		Skipped:     []string{},
		Revisions:   []Revision{},
		Groups:      []GroupReport{},
	}
	r.Evidence.Verified = opts.Verify != nil
	r.Evidence.Failures = []EvidenceFailure{}
	r.Duties.Failures, r.Duties.BreakGlass = []string{}, []string{}
	if !opts.Since.IsZero() {
		since := opts.Since.UTC()
		r.Period.Since = &since
	}
	m := Map(f, opts.Rules)
	r.UnknownControls = append([]string{}, m.Unknown...)
	r.src = &rowSource{store: opts.Store, since: opts.Since, until: until, filter: opts.Filter, verify: opts.Verify}
	acc, bad, err := r.aggregate(f, m)
	if err != nil {
		return nil, bad, err
	}
	for _, b := range bad {
		r.Skipped = append(r.Skipped, b.Error())
	}
	r.Controls = acc.finish()
	r.Groups = acc.groups()
	r.Totals = acc.totals
	r.Totals.Skipped = len(bad)
	r.Empty = acc.totals.Records == 0
	r.Duties = acc.dutySum
	r.Evidence.Valid, r.Evidence.Failed, r.Evidence.Unsigned, r.Evidence.Present = acc.evSum.Valid, acc.evSum.Failed, acc.evSum.Unsigned, acc.evSum.Present
	for _, c := range r.Controls {
		r.Totals.Controls++
		switch c.Status {
		case StatusEvidenced:
			r.Totals.Evidenced++
		case StatusNoEvidence:
			r.Totals.NoEvidence++
		default:
			r.Totals.Gaps++
		}
	}
	r.Weeks = weeks(acc.byWeek, opts.Since, acc.first, acc.last, until)
	r.Revisions = acc.revisions()
	addChanges(r.Revisions, opts.Changes)
	return r, bad, nil
}

// aggregate counts the period: in the store when it aggregates itself (the
// PostgreSQL one, in SQL, unless evidence is to be verified, which needs
// each record's bytes), else record by record. Both count the same
// summaries (evidence.Summarize), so they give the same report.
func (r *Report) aggregate(f *Framework, m Mapping) (*accumulator, []error, error) {
	src := r.src
	if sum, ok := src.store.(evidence.Summarizer); ok && src.verify == nil {
		acc := newAccumulator(f, m)
		err := sum.Summaries(src.since, src.until, func(g evidence.SummaryGroup) error {
			if src.filter.matchSummary(g.Summary) {
				acc.add(g, signedState(g.Signed).State)
			}
			return nil
		})
		if !errors.Is(err, evidence.ErrSummaryOutdated) {
			return acc, nil, err
		}
		// Records written by an older gov: read them whole.
	}
	acc := newAccumulator(f, m)
	bad, err := src.each(func(rec evidence.Record, row DecisionRow) error {
		t := row.Time
		acc.add(evidence.SummaryGroup{Summary: evidence.Summarize(rec), Count: 1, First: t, Last: t}, row.Evidence)
		if row.Evidence == EvidenceFailed {
			r.Evidence.Failures = append(r.Evidence.Failures, EvidenceFailure{Record: row.Record, RequestID: row.RequestID, Reason: row.EvidenceReason})
		}
		return nil
	})
	return acc, bad, err
}

// evidenceOf is the state of a record's signed evidence (bundle, nil when
// unsigned): verified with o against the record's bytes, or, without o,
// signed (present) or unsigned.
func evidenceOf(record, bundle []byte, o *evidence.VerifyOptions) (evidence.RecordEvidence, error) {
	switch {
	case bundle == nil:
		return evidence.RecordEvidence{State: EvidenceUnsigned}, nil
	case o != nil:
		return evidence.VerifyRaw(record, bundle, *o)
	}
	return evidence.RecordEvidence{State: EvidenceSigned}, nil
}

// addChanges sets the policy changes between consecutive revisions when
// changes is set.
func addChanges(out []Revision, changes func(from, to string) ([]string, error)) {
	if changes == nil {
		return
	}
	for i := 1; i < len(out); i++ {
		cs, err := changes(out[i-1].Revision, out[i].Revision)
		if err != nil {
			out[i].ChangesError = err.Error()
			continue
		}
		out[i].Changes = cs
	}
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

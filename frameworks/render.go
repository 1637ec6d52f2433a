package frameworks

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// CSVHeader is the header row of the CSV report, one row per control:
//
//	framework            framework id (soc2)
//	control              control id as the framework writes it (CC8.1)
//	title                control title
//	status               evidenced, no_evidence (mapped, nothing in the period) or gap
//	evidence             evidence kinds that satisfy it, ";"-separated
//	policies             rule ids mapped to it, ";"-separated
//	missing_policies     rule ids the catalog names that the bundle lacks
//	decisions            records whose findings touch it (all records when evidenced by decisions)
//	findings             policy findings touching it, waived ones included
//	changes_blocked      of those, enforced as deny
//	sent_to_approval     of those, enforced as require_approval
//	findings_by_rule     rule=count pairs, ";"-separated, most first
//	approvals            approvals given (workflow stages' reviews)
//	duties_checked       decisions whose segregation of duties was checked
//	duties_failed        of those, failing a check
//	break_glass          break-glass uses
//	exceptions           touching findings an exception waived
//	evidence_valid       signed evidence verified
//	evidence_failed      signed evidence failing verification
//	evidence_present     signed evidence present, not verified (no --key or identity)
//	period_since         start of the period (RFC 3339; empty: every record)
//	period_until         end of the period (RFC 3339)
func CSVHeader() []string {
	return []string{
		"framework", "control", "title", "status", "evidence", "policies", "missing_policies",
		"decisions", "findings", "changes_blocked", "sent_to_approval", "findings_by_rule",
		"approvals", "duties_checked", "duties_failed", "break_glass", "exceptions",
		"evidence_valid", "evidence_failed", "evidence_present", "period_since", "period_until",
	}
}

// WriteCSV writes one row per control under CSVHeader.
func WriteCSV(w io.Writer, r *Report) error {
	since, until := periodStrings(r)
	return writeCSV(w, CSVHeader(), func(row func(...string)) error {
		for _, c := range r.Controls {
			byRule := make([]string, 0, len(c.ViolationsByRule))
			for _, rule := range SortedRules(c.ViolationsByRule) {
				byRule = append(byRule, rule+"="+strconv.Itoa(c.ViolationsByRule[rule]))
			}
			row(r.Framework.ID, c.ID, c.Title, c.Status,
				strings.Join(c.Evidence, ";"), strings.Join(c.Policies, ";"), strings.Join(c.MissingPolicies, ";"),
				itoa(c.Decisions), itoa(c.Violations), itoa(c.Blocked), itoa(c.SentToApproval), strings.Join(byRule, ";"),
				itoa(c.Approvals), itoa(c.DutiesChecked), itoa(c.DutiesFailed), itoa(c.BreakGlass), itoa(c.Exceptions),
				itoa(c.EvidenceValid), itoa(c.EvidenceFailed), itoa(c.EvidencePresent), since, until)
		}
		return nil
	})
}

// PopulationCSVHeader is the header row of the population CSV, one row per
// decision:
//
//	request_id, time, record (the audit record's digest), repository, pr,
//	head_sha, service, environment, requester, decision, rules (";"),
//	approvals ("login [stage; roles; review id; time]", ";"-separated),
//	break_glass (who, when, sha), exceptions (";"), evidence (verified,
//	FAILED, unsigned or "signed (not verified)"), evidence_reason,
//	segregation_of_duties (pass, FAIL: problems, or empty without
//	approvals), bundle_revision
func PopulationCSVHeader() []string {
	return []string{
		"request_id", "time", "record", "repository", "pr", "head_sha", "service", "environment", "requester",
		"decision", "rules", "approvals", "break_glass", "exceptions", "evidence", "evidence_reason",
		"segregation_of_duties", "bundle_revision",
	}
}

// WritePopulationCSV writes the sample when one was drawn, else the whole
// population, one row per decision under PopulationCSVHeader.
// The population is written as it is read from the store.
func WritePopulationCSV(w io.Writer, r *Report) error {
	each := r.EachRow
	if r.Sample != nil {
		each = func(fn func(DecisionRow) error) error {
			for _, d := range r.Sample.Rows {
				if err := fn(d); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return writeCSV(w, PopulationCSVHeader(), func(row func(...string)) error {
		return each(func(d DecisionRow) error {
			pr := ""
			if d.PR != 0 {
				pr = itoa(d.PR)
			}
			row(d.RequestID, d.Time.Format(time.RFC3339), d.Record, d.Repository, pr, d.HeadSHA, d.Service,
				d.Environment, d.Requester, string(d.Decision), strings.Join(d.Rules, ";"), approvalsText(d.Approvals),
				breakGlassText(d.BreakGlass), strings.Join(d.Exceptions, ";"), d.Evidence, d.EvidenceReason,
				dutiesText(d.Duties), d.Bundle)
			return nil
		})
	})
}

func writeCSV(w io.Writer, header []string, rows func(func(...string)) error) error {
	cw := csv.NewWriter(w)
	// Write errors surface at Flush.
	_ = cw.Write(header)
	if err := rows(func(fields ...string) { _ = cw.Write(fields) }); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

func periodStrings(r *Report) (since, until string) {
	if r.Period.Since != nil {
		since = r.Period.Since.Format(time.RFC3339)
	}
	return since, r.Period.Until.Format(time.RFC3339)
}

func itoa(n int) string { return strconv.Itoa(n) }

// approvalsText is one line per approval: "login [stage; roles; review id; time]".
func approvalsText(as []ApprovalRow) string {
	parts := make([]string, len(as))
	for i, a := range as {
		fields := []string{a.Stage, "roles " + strings.Join(a.Roles, "/")}
		if a.ReviewID != 0 {
			fields = append(fields, "review "+strconv.FormatInt(a.ReviewID, 10))
		}
		if !a.At.IsZero() {
			fields = append(fields, a.At.Format(time.RFC3339))
		}
		parts[i] = a.Approver + " [" + strings.Join(fields, ", ") + "]"
	}
	return strings.Join(parts, "; ")
}

func breakGlassText(bg *BreakGlass) string {
	if bg == nil {
		return ""
	}
	s := "by " + firstNonEmpty(bg.By, "unknown")
	if !bg.At.IsZero() {
		s += " at " + bg.At.Format(time.RFC3339)
	}
	if bg.SHA != "" {
		s += " on " + bg.SHA
	}
	return s
}

func dutiesText(c *DutiesCheck) string {
	switch {
	case c == nil:
		return ""
	case c.OK():
		return "pass"
	}
	return "FAIL: " + strings.Join(c.Problems, "; ")
}

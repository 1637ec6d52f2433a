package frameworks

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// WriteJSON writes the report as indented JSON (the Report type documents
// every field).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// CSVHeader is the header row of the CSV report, one row per control:
//
//	framework          framework id (soc2)
//	control            control id as the framework writes it (CC8.1)
//	title              control title
//	status             covered (a rule maps to it) or gap
//	evidence           evidence kinds that satisfy it, ";"-separated
//	policies           rule ids mapped to it, ";"-separated
//	missing_policies   rule ids the catalog names that the bundle lacks
//	decisions          records whose violations touch it (all records when evidenced by decisions)
//	violations         violations touching it, waived ones included
//	violations_by_rule rule=count pairs, ";"-separated, most first
//	approvals          approvals given (workflow stages' approved_by)
//	exceptions         touching violations an exception was applied to
//	signed_evidence    records with a <digest>.sigstore.json beside them
//	period_since       start of the period (RFC 3339; empty: every record)
//	period_until       end of the period (RFC 3339)
func CSVHeader() []string {
	return []string{
		"framework", "control", "title", "status", "evidence", "policies", "missing_policies",
		"decisions", "violations", "violations_by_rule", "approvals", "exceptions", "signed_evidence",
		"period_since", "period_until",
	}
}

// WriteCSV writes one row per control under CSVHeader.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	since := ""
	if r.Period.Since != nil {
		since = r.Period.Since.Format(time.RFC3339)
	}
	until := r.Period.Until.Format(time.RFC3339)
	// Write errors surface at Flush.
	_ = cw.Write(CSVHeader())
	for _, c := range r.Controls {
		byRule := make([]string, 0, len(c.ViolationsByRule))
		for _, rule := range SortedRules(c.ViolationsByRule) {
			byRule = append(byRule, rule+"="+strconv.Itoa(c.ViolationsByRule[rule]))
		}
		_ = cw.Write([]string{
			r.Framework.ID, c.ID, c.Title, c.Status,
			strings.Join(c.Evidence, ";"), strings.Join(c.Policies, ";"), strings.Join(c.MissingPolicies, ";"),
			strconv.Itoa(c.Decisions), strconv.Itoa(c.Violations), strings.Join(byRule, ";"),
			strconv.Itoa(c.Approvals), strconv.Itoa(c.Exceptions), strconv.Itoa(c.SignedEvidence),
			since, until,
		})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

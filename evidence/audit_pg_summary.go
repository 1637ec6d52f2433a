package evidence

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// weekNs is a week in nanoseconds; mondayNs moves the Unix epoch (a
// Thursday) to the Monday before it, so that weeks start on Mondays (UTC).
const (
	weekNs   = int64(7 * 24 * time.Hour)
	mondayNs = int64(3 * 24 * time.Hour)
)

// Summaries aggregates the records made at or after since and not after
// until in SQL: one group per week, summary and signature state, with its
// count and its first and last time (the period index of migration 2
// bounds the scan). Memory stays flat however many records there are.
func (s *PGStore) Summaries(since, until time.Time, fn func(SummaryGroup) error) error {
	untilNs := int64(math.MaxInt64)
	if !until.IsZero() {
		untilNs = until.UnixNano()
	}
	// The week is floor((at_ns + mondayNs) / weekNs) in bigint arithmetic
	// (division truncates toward zero: before 1970 it is moved down).
	rows, err := s.pool.Query(s.ctx, `SELECT r.summary, e.digest IS NOT NULL,
			count(*), min(r.at_ns), max(r.at_ns)
		FROM gov_audit r
		LEFT JOIN (SELECT digest FROM gov_audit WHERE kind = 'evidence') e ON e.digest = r.digest
		CROSS JOIN LATERAL (SELECT CASE WHEN r.at_ns + $2 >= 0 THEN (r.at_ns + $2) / $3
			ELSE (r.at_ns + $2 - $3 + 1) / $3 END AS weekOf) w
		WHERE r.kind = 'record' AND r.at_ns >= $1 AND r.at_ns <= $4
		GROUP BY w.weekOf, r.summary, e.digest IS NOT NULL
		ORDER BY min(r.at_ns), r.summary, e.digest IS NOT NULL`, sinceNs(since), mondayNs, weekNs, untilNs)
	if err != nil {
		return s.fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		var summary *string
		var g SummaryGroup
		var first, last int64
		if err := rows.Scan(&summary, &g.Signed, &g.Count, &first, &last); err != nil {
			return s.fail(err)
		}
		if summary == nil {
			return fmt.Errorf("audit store %s: a record has no summary (edited after it was written)", s.name)
		}
		if err := json.Unmarshal([]byte(*summary), &g.Summary); err != nil {
			return fmt.Errorf("audit store %s: a record's summary: %w", s.name, err)
		}
		if g.Summary.Version != SummaryVersion {
			return ErrSummaryOutdated
		}
		g.First, g.Last = time.Unix(0, first).UTC(), time.Unix(0, last).UTC()
		if err := fn(g); err != nil {
			return err
		}
	}
	return s.failIf(rows.Err())
}

// WalkSummaries calls fn for each record made at or after since and not
// after until, in list order (time, then digest), with its digest (hex)
// and, when withSummary, its summary (else a zero one); the records
// themselves are not read. A report uses it to find its sampled records
// among a million without decoding them all.
func (s *PGStore) WalkSummaries(since, until time.Time, withSummary bool, fn func(digest string, at time.Time, sum RecordSummary) error) error {
	untilNs := int64(math.MaxInt64)
	if !until.IsZero() {
		untilNs = until.UnixNano()
	}
	col := "NULL::text"
	if withSummary {
		col = "summary"
	}
	rows, err := s.pool.Query(s.ctx, `SELECT digest, at_ns, `+col+` FROM gov_audit
		WHERE kind = 'record' AND at_ns >= $1 AND at_ns <= $2 ORDER BY at_ns, digest`, sinceNs(since), untilNs)
	if err != nil {
		return s.fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		var digest string
		var atNs int64
		var summary *string
		if err := rows.Scan(&digest, &atNs, &summary); err != nil {
			return s.fail(err)
		}
		var sum RecordSummary
		if withSummary && (summary == nil || json.Unmarshal([]byte(*summary), &sum) != nil || sum.Version != SummaryVersion) {
			return ErrSummaryOutdated
		}
		if err := fn(digest, time.Unix(0, atNs).UTC(), sum); err != nil {
			return err
		}
	}
	return s.failIf(rows.Err())
}

// WalkDigests is Walk over the records named by digests (hex) only.
func (s *PGStore) WalkDigests(digests []string, fn func(Entry, Record) error) ([]error, error) {
	return s.scanWhere("r.digest = ANY($1)", digests, false, func(e Entry, rec Record, _, _ []byte) error { return fn(e, rec) })
}

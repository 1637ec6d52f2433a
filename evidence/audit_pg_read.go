package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// sinceNs is the at_ns a period starts at (zero: the beginning).
func sinceNs(since time.Time) int64 {
	if since.IsZero() {
		return math.MinInt64
	}
	return since.UnixNano()
}

// scanRecords streams the records made at or after since in list order
// (time, then digest; the index of migration 2), with their evidence when
// withBundle, else whether they have any. A row that is not a valid record
// (its bytes edited, its time column moved) goes to bad, never to fn.
func (s *PGStore) scanRecords(since time.Time, withBundle bool, fn func(Entry, Record, []byte, []byte) error) (bad []error, err error) {
	return s.scanWhere("r.at_ns >= $1", sinceNs(since), withBundle, fn)
}

// scanWhere is scanRecords over the records cond (on r, with arg as $1) keeps.
func (s *PGStore) scanWhere(cond string, arg any, withBundle bool, fn func(Entry, Record, []byte, []byte) error) (bad []error, err error) {
	ev := "(SELECT NULL::bytea)"
	if withBundle {
		ev = "(SELECT e.body FROM gov_audit e WHERE e.kind = 'evidence' AND e.digest = r.digest)"
	}
	rows, err := s.pool.Query(s.ctx, `SELECT r.digest, r.at_ns, r.body, `+ev+`,
		EXISTS (SELECT 1 FROM gov_audit e WHERE e.kind = 'evidence' AND e.digest = r.digest)
		FROM gov_audit r WHERE r.kind = 'record' AND `+cond+` ORDER BY r.at_ns, r.digest`, arg)
	if err != nil {
		return nil, s.fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		var digest string
		var atNs int64
		var body, bundle []byte
		var signed bool
		if err := rows.Scan(&digest, &atNs, &body, &bundle, &signed); err != nil {
			return bad, s.fail(err)
		}
		path := s.path(time.Unix(0, atNs), digest)
		rec, derr := decodeRecord(path, body)
		if derr == nil && rec.Time.UnixNano() != atNs {
			derr = fmt.Errorf("%s: listed at %s, not at the record's time (moved after it was written)", path, time.Unix(0, atNs).UTC().Format(time.RFC3339Nano))
		}
		if derr != nil {
			bad = append(bad, derr)
			continue
		}
		e := entryOf(path, rec)
		e.Signed = signed
		if err := fn(e, rec, body, bundle); err != nil {
			return bad, err
		}
	}
	if err := rows.Err(); err != nil {
		return bad, s.fail(err)
	}
	return bad, nil
}

// Walk calls fn for each valid record made at or after since, in list order.
func (s *PGStore) Walk(since time.Time, fn func(Entry, Record) error) ([]error, error) {
	return s.scanRecords(since, false, func(e Entry, rec Record, _, _ []byte) error { return fn(e, rec) })
}

// WalkRaw is Walk with each record's exact bytes and its evidence.
func (s *PGStore) WalkRaw(since time.Time, fn func(e Entry, record, bundle []byte) error) ([]error, error) {
	return s.scanRecords(since, true, func(e Entry, _ Record, body, bundle []byte) error { return fn(e, body, bundle) })
}

// List lists the valid records made at or after since, oldest first; the
// errors name each invalid one.
func (s *PGStore) List(since time.Time) ([]Entry, []error) { return listWith(s.Walk, since) }

// Expired lists the records made before olderThan, as Prune would remove them.
func (s *PGStore) Expired(olderThan time.Time) ([]Entry, []error) {
	return expiredWith(s.Walk, olderThan)
}

// pruneMark is the body of a prune row: the rows it removed, by sequence
// number and hash, so that the chain still verifies across them.
type pruneMark struct {
	Cutoff time.Time  `json:"cutoff"`
	Rows   []prunedAt `json:"rows"`
}

type prunedAt struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// Prune removes the valid records made before olderThan with their
// evidence, and appends to the chain a prune row naming what it removed.
// Only this transaction may delete (it sets gov.prune for itself); invalid
// records are kept and named in err.
func (s *PGStore) Prune(olderThan time.Time) (removed []string, err error) {
	expired, bad := s.Expired(olderThan)
	if len(expired) == 0 {
		return nil, errors.Join(bad...)
	}
	digests := make([]string, 0, len(expired))
	for _, e := range expired {
		digests = append(digests, e.Digest[len("sha256:"):])
	}
	tx, err := s.pool.Begin(s.ctx)
	if err != nil {
		return nil, s.fail(err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(s.ctx)) }()
	var seq int64
	var prev []byte
	if err := tx.QueryRow(s.ctx, "SELECT seq, hash FROM gov_audit_head FOR UPDATE").Scan(&seq, &prev); err != nil {
		return nil, s.fail(err)
	}
	// Its commit is durable as a record write's is, also behind a pooler
	// (durableCommit; TestAttackA14DurPoolerPaths).
	if _, err := tx.Exec(s.ctx, "SELECT set_config('gov.prune', 'on', true), "+durableCommit); err != nil {
		return nil, s.fail(err)
	}
	rows, err := tx.Query(s.ctx, `DELETE FROM gov_audit WHERE kind IN ('record', 'evidence') AND digest = ANY($1)
		RETURNING seq, hash, kind, digest`, digests)
	if err != nil {
		return nil, s.fail(err)
	}
	mark := pruneMark{Cutoff: olderThan.UTC(), Rows: []prunedAt{}}
	signed := map[string]bool{}
	for rows.Next() {
		var p prunedAt
		var hash []byte
		var kind, digest string
		if err := rows.Scan(&p.Seq, &hash, &kind, &digest); err != nil {
			rows.Close()
			return nil, s.fail(err)
		}
		p.Hash = hex.EncodeToString(hash)
		mark.Rows = append(mark.Rows, p)
		if kind == "evidence" {
			signed[digest] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(err)
	}
	body, err := json.Marshal(mark)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	digest, now := hex.EncodeToString(sum[:]), time.Now().UnixNano()
	hash := chainHash(prev, seq+1, "prune", digest, now, sum[:], "")
	if _, err := tx.Exec(s.ctx, `INSERT INTO gov_audit (seq, kind, digest, at_ns, body, prev_hash, hash)
		VALUES ($1, 'prune', $2, $3, $4, $5, $6)`, seq+1, digest, now, body, prev, hash); err != nil {
		return nil, s.fail(err)
	}
	if _, err := tx.Exec(s.ctx, "UPDATE gov_audit_head SET seq = $1, hash = $2", seq+1, hash); err != nil {
		return nil, s.fail(err)
	}
	if err := tx.Commit(s.ctx); err != nil {
		return nil, s.fail(err)
	}
	for _, e := range expired {
		removed = append(removed, e.Path)
		if signed[e.Digest[len("sha256:"):]] {
			removed = append(removed, BundlePath(e.Path))
		}
	}
	return removed, errors.Join(bad...)
}

package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// chainHash is a row's hash: SHA-256 over the previous row's hash and the
// row's sequence number, kind, digest, time, the SHA-256 of its body and
// its summary. Editing any of them, or removing a row, breaks the chain
// from there on.
func chainHash(prev []byte, seq int64, kind, digest string, atNs int64, bodySum []byte, summary string) []byte {
	h := sha256.New()
	h.Write([]byte("gov-audit-chain-v1\x00"))
	h.Write(prev)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(seq)) //nolint:gosec // the int64's bits, hashed: no overflow matters
	h.Write(n[:])
	h.Write([]byte(kind + "\x00" + digest + "\x00"))
	binary.BigEndian.PutUint64(n[:], uint64(atNs)) //nolint:gosec // as above
	h.Write(n[:])
	h.Write(bodySum)
	h.Write([]byte(summary))
	return h.Sum(nil)
}

// ChainReport is the result of VerifyChain.
type ChainReport struct {
	// Rows counts the rows read; Pruned the rows gov audit prune removed
	// (their hashes kept in its prune rows).
	Rows, Pruned int
	// Head is the hash of the last row (hex): note it elsewhere to detect
	// a later rewrite of the whole chain.
	Head string
	// Problems name each row deleted, edited or out of place; none means
	// the chain verifies.
	Problems []string
}

// VerifyChain reads every row in sequence order and checks that each
// follows the one before it (a gap is allowed only where a prune row
// accounts for it), that its hash is that of its content, that a record's
// digest is that of its bytes, and that the last row is the head.
func (s *PGStore) VerifyChain() (*ChainReport, error) {
	pruned, err := s.prunedRows()
	if err != nil {
		return nil, err
	}
	r := &ChainReport{}
	rows, err := s.pool.Query(s.ctx, `SELECT seq, kind, digest, at_ns, sha256(body), coalesce(summary, ''), prev_hash, hash
		FROM gov_audit ORDER BY seq`)
	if err != nil {
		return nil, s.fail(err)
	}
	defer rows.Close()
	expect, prev := int64(1), make([]byte, sha256.Size)
	// skipPruned moves past the rows a prune accounts for.
	skipPruned := func(upTo int64) {
		for expect < upTo {
			h, ok := pruned[expect]
			if !ok {
				return
			}
			prev, expect = h, expect+1
			r.Pruned++
		}
	}
	for rows.Next() {
		var seq, atNs int64
		var kind, digest, summary string
		var sum, prevHash, hash []byte
		if err := rows.Scan(&seq, &kind, &digest, &atNs, &sum, &summary, &prevHash, &hash); err != nil {
			return nil, s.fail(err)
		}
		r.Rows++
		skipPruned(seq)
		name := fmt.Sprintf("row %d (%s sha256:%s)", seq, kind, digest)
		if _, ok := pruned[seq]; ok {
			// A prune removed the row at seq; none is written there again
			// (TestAttackA14S8RowInPrunedGapVerifies).
			r.Problems = append(r.Problems, name+": added where gov audit prune removed a row")
		}
		if seq != expect {
			r.Problems = append(r.Problems, fmt.Sprintf("rows %d..%d are missing (deleted outside gov audit prune)", expect, seq-1))
		} else if !bytes.Equal(prevHash, prev) {
			r.Problems = append(r.Problems, name+": does not follow the row before it (that row was edited or replaced)")
		}
		if !bytes.Equal(chainHash(prevHash, seq, kind, digest, atNs, sum, summary), hash) {
			r.Problems = append(r.Problems, name+": edited (its hash does not match its content)")
		} else if kind == "record" && hex.EncodeToString(sum) != digest {
			r.Problems = append(r.Problems, name+": edited (its bytes do not match its digest)")
		}
		prev, expect = hash, seq+1
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(err)
	}
	var headSeq int64
	var headHash []byte
	if err := s.pool.QueryRow(s.ctx, "SELECT seq, hash FROM gov_audit_head").Scan(&headSeq, &headHash); err != nil {
		return nil, s.fail(err)
	}
	skipPruned(headSeq + 1)
	switch {
	case headSeq >= expect:
		r.Problems = append(r.Problems, fmt.Sprintf("rows %d..%d are missing (the newest rows were deleted)", expect, headSeq))
	case headSeq < expect-1:
		r.Problems = append(r.Problems, fmt.Sprintf("rows %d..%d were added without moving the chain's head", headSeq+1, expect-1))
	case !bytes.Equal(headHash, prev):
		r.Problems = append(r.Problems, fmt.Sprintf("row %d: is not the chain's head (edited or replaced)", headSeq))
	}
	r.Head = hex.EncodeToString(headHash)
	return r, nil
}

// prunedRows maps each row a prune removed to its hash.
func (s *PGStore) prunedRows() (map[int64][]byte, error) {
	rows, err := s.pool.Query(s.ctx, "SELECT seq, body FROM gov_audit WHERE kind = 'prune' ORDER BY seq")
	if err != nil {
		return nil, s.fail(err)
	}
	defer rows.Close()
	out := map[int64][]byte{}
	for rows.Next() {
		var seq int64
		var body []byte
		if err := rows.Scan(&seq, &body); err != nil {
			return nil, s.fail(err)
		}
		var m pruneMark
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, fmt.Errorf("audit store %s: prune row %d: %w", s.name, seq, err)
		}
		for _, p := range m.Rows {
			h, err := hex.DecodeString(p.Hash)
			if err != nil || p.Seq >= seq {
				return nil, fmt.Errorf("audit store %s: prune row %d: bad entry for row %d", s.name, seq, p.Seq)
			}
			out[p.Seq] = h
		}
	}
	return out, s.failIf(rows.Err())
}

func (s *PGStore) failIf(err error) error {
	if err == nil {
		return nil
	}
	return s.fail(err)
}

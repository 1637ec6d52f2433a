package evidence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
)

// insertRows appends a batch's rows to gov_audit, one array per column.
const insertRows = `INSERT INTO gov_audit (seq, kind, digest, at_ns, body, summary, prev_hash, hash)
	SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bytea[], $6::text[], $7::bytea[], $8::bytea[])`

// appendRows appends a batch's rows in one statement (one round trip, no
// lock held across it) if and only if the chain's head is still ($11,
// $12): the head moves to ($9, $10) and the rows go in together, or
// neither happens. A writer that moved the head first (a replica, a
// prune) makes it append nothing; a row held already makes it fail; so
// does a batch whose arrays do not hold one row for each step the head
// moves. Its parameters are encoded by appendParams.
const appendRows = `WITH head AS (
		UPDATE gov_audit_head SET seq = $9, hash = $10
		WHERE seq = $11 AND hash = $12 AND $9 = $11 + cardinality($1::bigint[]) RETURNING 1),
	added AS (
		INSERT INTO gov_audit (seq, kind, digest, at_ns, body, summary, prev_hash, hash)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bytea[], $6::text[], $7::bytea[], $8::bytea[])
		WHERE EXISTS (SELECT FROM head)
		RETURNING 1)
	SELECT count(*) FROM added`

// chainRows are the columns of the rows a batch appends.
type chainRows struct {
	seq, atNs            []int64
	kind, digest         []string
	body, prevHash, hash [][]byte
	summary              []*string
}

// chain links rows after the head (seq, prev), leaving out those held (by
// kind/digest: the SHA-256 of their body, pgRow.sum) and repeats within
// rows; added counts the records linked. A held row with other content is
// an error.
func chain(rows []pgRow, seq int64, prev []byte, held map[string][]byte) (out chainRows, added int, err error) {
	n := len(rows)
	out = chainRows{seq: make([]int64, 0, n), atNs: make([]int64, 0, n), kind: make([]string, 0, n), digest: make([]string, 0, n),
		body: make([][]byte, 0, n), prevHash: make([][]byte, 0, n), hash: make([][]byte, 0, n), summary: make([]*string, 0, n)}
	for i := range rows {
		r := &rows[i]
		sum := r.sum[:]
		if have, ok := held[r.kind+"/"+r.digest]; ok {
			if !bytes.Equal(have, sum) {
				return out, 0, fmt.Errorf("%s of sha256:%s exists with other content", r.kind, r.digest)
			}
			continue
		}
		held[r.kind+"/"+r.digest] = sum
		seq++
		hash := chainHash(prev, seq, r.kind, r.digest, r.atNs, sum, r.summary)
		var summary *string
		if r.kind == "record" {
			summary = &r.summary
			added++
		}
		out.seq, out.kind, out.digest, out.atNs = append(out.seq, seq), append(out.kind, r.kind), append(out.digest, r.digest), append(out.atNs, r.atNs)
		out.body, out.summary, out.prevHash, out.hash = append(out.body, r.body), append(out.summary, summary), append(out.prevHash, prev), append(out.hash, hash)
		prev = hash
	}
	return out, added, nil
}

// headCache is the chain's head as this store last left it, so that a
// batch of new records can be appended in one statement (appendRows)
// instead of locking the head first (insert). contended says another
// writer moved the head between two of this store's writes: replicas
// writing at once; then insert's lock, which waits instead of failing, is
// used until the head is found where this store left it again.
type headCache struct {
	mu        sync.Mutex
	known     bool
	contended bool
	seq       int64
	hash      []byte
}

// seen notes that this store found the head at (seq, hash) under its lock
// and left it at (toSeq, toHash).
func (h *headCache) seen(seq int64, hash []byte, toSeq int64, toHash []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.contended = h.known && (seq != h.seq || !bytes.Equal(hash, h.hash))
	h.known, h.seq, h.hash = true, toSeq, toHash
}

// forget drops the head after a failed write: the next write locks it.
func (h *headCache) forget() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.known = false
}

// appendNew writes a batch of Writes: in one statement from the head this
// store left (appendRows) when no other writer is moving it, else, or when
// that statement appends nothing or fails (the head moved, a record is
// held already, the database refused), through insert, whose lock and
// reading of the held rows decide.
func (s *PGStore) appendNew(rows []pgRow) (int, error) {
	// One write timeout bounds both paths together (unless the append's
	// outcome is unknown, below); the server's lock timeout (a third of
	// it) ends each one's wait for the head first.
	ctx, cancel := s.writeCtx()
	defer func() { cancel() }()
	s.head.mu.Lock()
	seq, prev, fast := s.head.seq, s.head.hash, s.head.known && !s.head.contended
	s.head.mu.Unlock()
	if !fast {
		return s.insertCtx(ctx, rows)
	}
	out, added, err := chain(rows, seq, prev, map[string][]byte{})
	if err != nil || len(out.seq) == 0 {
		return s.insertCtx(ctx, rows)
	}
	last := len(out.seq) - 1
	n, pid, err := s.execAppend(ctx, out, seq, prev)
	if pid != 0 {
		// The append's outcome is unknown (the connection failed or the
		// write timeout ended it while it committed: a commit stalled
		// at a synchronous standby stands once cancelled): the fallback,
		// which finds the rows if they were committed, gets a write
		// timeout of its own instead of the rest of the one used up
		// (TestAttackA14PipeStalledCommitNotReportedFailed), and first
		// ends the append's backend, which a cancel request may not
		// have reached, so that its transaction is over, committed or
		// not, when the fallback looks
		// (TestAttackA14PipeLostCancelStalledCommitNotReportedFailed).
		cancel()
		ctx, cancel = s.resolving(pid)
	}
	if err != nil || n != int64(len(out.seq)) {
		return s.insertCtx(ctx, rows)
	}
	s.head.mu.Lock()
	s.head.known, s.head.contended, s.head.seq, s.head.hash = true, false, out.seq[last], out.hash[last]
	s.head.mu.Unlock()
	return added, nil
}

// endBackend ends the backend pid, waiting a lock timeout at most for it
// to exit, if it still runs a statement on this database as this role
// (not idle: a backend that reused the number after the append's exited
// is most likely idle, or another store's writer, whose write is then
// resolved as this one is). Its errors are not the write's: the
// fallback's lock, with its lock timeout, decides.
func (s *PGStore) endBackend(ctx context.Context, pid uint32) {
	_, _ = s.pool.Exec(ctx, `SELECT pg_terminate_backend(pid, $2) FROM pg_stat_activity
		WHERE pid = $1 AND pid <> pg_backend_pid() AND datname = current_database() AND usename = current_user
			AND state <> 'idle'`, int64(pid), s.lockTimeout())
}

// refused says that the server answered err on a connection that stays
// open (an ERROR, not FATAL or PANIC): the statement's transaction did
// not commit.
func refused(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Severity == "ERROR"
}

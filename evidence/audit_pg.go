package evidence

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PGStore is an audit store in PostgreSQL: the records and evidence of the
// directory store, byte for byte, in one insert-only table whose rows are
// chained by hash (VerifyChain). Open it with OpenPostgres.
type PGStore struct {
	ctx  context.Context
	pool *pgxpool.Pool
	// name is the URL without credentials; secret is the password, kept
	// only to scrub it from errors.
	name, secret string
	// batch groups concurrent Writes into one transaction.
	batch writeBatcher
	// head is the chain's head as this store last left it.
	head headCache
	// params is the buffer a batch's parameters are encoded into.
	params paramBuf
	// writeTimeout bounds one write (0: defaultWriteTimeout).
	writeTimeout time.Duration
}

// OpenPostgres connects to the database rawURL names (credentials from the
// URL or the PG* variables) and creates or migrates gov's schema. ctx bounds
// every operation of the store, but for a write whose commit's outcome is
// unknown when ctx ends: that is resolved (its rows found or not) within a
// write timeout. No error contains the password.
func OpenPostgres(ctx context.Context, rawURL string) (*PGStore, error) {
	return openPostgres(ctx, rawURL, 0)
}

func openPostgres(ctx context.Context, rawURL string, schema int) (*PGStore, error) {
	return openPostgresConfig(ctx, rawURL, schema, nil)
}

// openPostgresConfig is openPostgres with the pool's configuration changed
// by tweak (tests: a dialer that fails).
func openPostgresConfig(ctx context.Context, rawURL string, schema int, tweak func(*pgxpool.Config)) (*PGStore, error) {
	secret := urlPassword(rawURL)
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, scrub(fmt.Errorf("audit store: %w", err), secret)
	}
	cfg.AfterConnect = durableSession
	if tweak != nil {
		tweak(cfg)
	}
	if cfg.ConnConfig.Password != "" {
		secret = cfg.ConnConfig.Password
	}
	s := &PGStore{ctx: ctx, secret: secret, name: displayName(cfg)}
	if s.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, s.fail(err)
	}
	if err := twoSessions(ctx, s.pool); err != nil {
		s.pool.Close()
		return nil, s.fail(err)
	}
	if err := migrate(ctx, s.pool, schema); err != nil {
		s.pool.Close()
		return nil, s.fail(err)
	}
	return s, nil
}

// urlPassword is the password of a URL, even one pgx cannot parse.
func urlPassword(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil && u.User != nil {
		pw, _ := u.User.Password()
		return pw
	}
	// userinfo up to the last @ before the path: user:password@host
	rest, ok := strings.CutPrefix(rawURL, "postgres://")
	if !ok {
		rest = strings.TrimPrefix(rawURL, "postgresql://")
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
			return pw
		}
	}
	return ""
}

// displayName is postgres://user@host:port/database: what messages and
// listings name the store by, never with the password or query parameters.
func displayName(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	u := url.URL{Scheme: "postgres", Host: net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port))), Path: "/" + c.Database}
	if c.User != "" {
		u.User = url.User(c.User)
	}
	return u.String()
}

// scrub removes secret from err's text (pgx already redacts URLs; this is
// the second lock).
func scrub(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), secret, "xxxxx"))
}

// fail names the store in err and scrubs the password from it.
func (s *PGStore) fail(err error) error {
	return scrub(fmt.Errorf("audit store %s: %w", s.name, err), s.secret)
}

// String is the URL without credentials.
func (s *PGStore) String() string { return s.name }

// Close closes the store's connections.
func (s *PGStore) Close() error {
	s.pool.Close()
	return nil
}

// defaultWriteTimeout bounds one write of records to the chain: a
// database that does not answer, or a session holding the chain's head,
// fails the write (closed) instead of holding it, and every write queued
// behind it, without end. It is below gov serve's HTTP write timeout.
const defaultWriteTimeout = 15 * time.Second

// writeCtx is the context of one write: the store's, bounded by its
// write timeout.
func (s *PGStore) writeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.ctx, cmp.Or(s.writeTimeout, defaultWriteTimeout))
}

// resolving ends backend pid, whose write's commit has an unknown
// outcome (see endBackend), and returns the context in which that outcome
// is then resolved: a write timeout of its own, also once the store's
// context has ended (gov serve's ends at SIGTERM, while the commit it cut
// off may stand: TestAttackA14PipeStoreContextEndsDuringCommit).
func (s *PGStore) resolving(pid uint32) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), cmp.Or(s.writeTimeout, defaultWriteTimeout))
	s.endBackend(ctx, pid)
	return ctx, cancel
}

// lockTimeout is the lock_timeout of a write's transaction, in
// milliseconds: a third of the write timeout. The server itself then
// abandons a write waiting for the chain's head (another session holding
// it) and answers with an error before the client gives up on it: the
// one-statement append and its locked fallback, which share one write
// timeout, each wait a third of it at most. A write the client gave up on
// is cancelled by a request that may come too late or not at all (the
// database unreachable for a new connection), and would commit once the
// head is free, after its writers were told it failed
// (TestAttackA14LostCancelCommitsNoFailedWrite).
func (s *PGStore) lockTimeout() int64 {
	return max(1, cmp.Or(s.writeTimeout, defaultWriteTimeout).Milliseconds()/3)
}

// setWriteSettings sets lockTimeout for the rest of the transaction, and
// makes its commit durable on the server when the session's default is
// not (synchronous_commit = off: the commit is acknowledged before its WAL
// is written, and a crash of the database loses it after gov reported the
// record written; TestAttackA14DurableAsyncDefault): the commit then
// waits for its WAL to be flushed locally (local), not for standbys, which
// the DBA chose not to wait for. A durable default (local, remote_write,
// on, remote_apply) is kept. Every session gets the same at connect
// (durableSession); this is the record writes' own, which holds behind a
// pooler that hands each transaction another session. Its functions and
// operator are pg_catalog's by name: a search_path that names a schema
// before pg_catalog, where a role may create a current_setting, set_config
// or = of its own, does not turn it off (TestAttackA14DurSearchPath).
const setWriteSettings = `SELECT pg_catalog.set_config('lock_timeout', $1, true), ` + durableCommit

// durableCommit is the expression that makes the rest of a transaction's
// commit durable (local) when the session's synchronous_commit is off:
// setWriteSettings' for record writes, and gov audit prune's.
const durableCommit = `CASE WHEN pg_catalog.current_setting('synchronous_commit') OPERATOR(pg_catalog.=) 'off'
	THEN pg_catalog.set_config('synchronous_commit', 'local', true) END`

// durableSession runs on every new connection of the store's pools (the
// job queue's too): on a server whose default is synchronous_commit = off
// the session's commits wait for their local WAL flush (local), so that
// webhook deliveries claimed, jobs queued and pending approvals written
// survive a crash of the database as records do. SHOW and SET are
// commands, not functions: a server where EXECUTE on set_config is revoked
// from PUBLIC still lets gov connect (and read its chain), and no
// search_path changes what they do (TestAttackA14DurSetConfigRevoked).
func durableSession(ctx context.Context, c *pgx.Conn) error {
	pid, err := freshSession(ctx, c)
	if err != nil {
		return err
	}
	if err := startupTaken(ctx, c); err != nil {
		return err
	}
	var sc string
	if err := c.QueryRow(ctx, "SHOW synchronous_commit").Scan(&sc); err != nil {
		return err
	}
	set := "SET gov.session = 'on'"
	if sc == "off" {
		set += "; SET synchronous_commit = local"
	}
	if _, err := c.Exec(ctx, set); err != nil {
		return err
	}
	// A pooler that hands its idle server sessions out oldest first
	// (PgBouncer's server_round_robin) in transaction mode gives the
	// statements above other sessions: the one freshSession checked
	// is not this one (TestAttackA14S10TransactionPoolRefused).
	var now uint32
	if err := c.QueryRow(ctx, "SELECT pg_catalog.pg_backend_pid()").Scan(&now); err != nil {
		return err
	}
	if now != pid {
		return errors.New(pooledSession("another server session for each statement"))
	}
	return nil
}

// pooledSession is the refusal of a server session that a pooler handed
// over with what, or hands over to others.
func pooledSession(what string) string {
	return "the server session was used before this connection and not reset (" + what + "): gov needs PgBouncer or another pooler in session mode with server_reset_query = DISCARD ALL, not transaction or statement mode"
}

// poolerSettings are the settings a pooler sets itself for each client it
// hands a server session to (PgBouncer's), lower case: neither
// sessionUsed nor startupTaken holds them against a session.
var poolerSettings = []string{"application_name", "client_encoding", "datestyle", "timezone", "standard_conforming_strings"}

// sessionUsed lists what a server session has from an earlier client:
// settings SET in it (but poolerSettings), advisory locks it
// holds, channels it listens on, temporary tables (pg_temp comes before
// the search_path: TestAttackA14S10ResetlessPoolTempTable), and gov's
// mark of its own sessions (gov.session, set by durableSession).
// Functions and operators are pg_catalog's by name, as setWriteSettings'.
var sessionUsed = `SELECT pg_catalog.concat_ws(', ',
	(SELECT pg_catalog.string_agg(name, ', ' ORDER BY name) FROM pg_catalog.pg_settings
		WHERE source OPERATOR(pg_catalog.=) 'session' AND pg_catalog.lower(name) OPERATOR(pg_catalog.<>) ALL
		('{` + strings.Join(poolerSettings, ",") + `}'::text[])),
	(SELECT 'advisory locks held' WHERE EXISTS (SELECT FROM pg_catalog.pg_locks
		WHERE locktype OPERATOR(pg_catalog.=) 'advisory' AND pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid())),
	(SELECT 'LISTEN' WHERE EXISTS (SELECT FROM pg_catalog.pg_listening_channels())),
	(SELECT 'temporary tables' WHERE EXISTS (SELECT FROM pg_catalog.pg_class
		WHERE relnamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema())),
	(SELECT 'another gov connection''s session' WHERE pg_catalog.current_setting('gov.session', true) OPERATOR(pg_catalog.=) 'on')),
	pg_catalog.pg_backend_pid()`

// freshSession refuses a server session that an earlier client left
// behind: a pooler that hands one server session to several client
// connections (PgBouncer in transaction or statement mode, or in session
// mode with server_reset_query emptied) takes away what gov's sessions
// hold (the migration lock, LISTEN, synchronous_commit = local) and gives
// gov another client's settings or temporary tables (a search_path or a
// pg_temp naming other tables: TestAttackA14S10ResetlessPoolSearchPath). openPostgresConfig's two
// connections at once make such a pooler show itself at start
// (TestAttackA14S10TransactionPoolRefused). pid is the session's
// backend.
func freshSession(ctx context.Context, c *pgx.Conn) (pid uint32, err error) {
	var used string
	if err := c.QueryRow(ctx, sessionUsed).Scan(&used, &pid); err != nil {
		return 0, err
	}
	if used != "" {
		return 0, errors.New(pooledSession(used))
	}
	return pid, nil
}

// startupTaken refuses a session that lacks a setting the connection
// asked for at startup (the URL's options, -c name=value, or a run-time
// parameter): a pooler may drop them without a word (PgBouncer's
// ignore_startup_parameters), and a search_path dropped so made gov
// create and write a second chain in the default schema, while the one
// the URL names stopped growing (TestAttackA14S10IgnoredOptionsSplitChain).
// The server marks a setting it took at startup with source client;
// poolerSettings and names pg_settings does not list (custom ones) are
// not checked.
func startupTaken(ctx context.Context, c *pgx.Conn) error {
	names := startupSettings(c.Config().RuntimeParams)
	if len(names) == 0 {
		return nil
	}
	var dropped *string
	if err := c.QueryRow(ctx, `SELECT pg_catalog.string_agg(name, ', ' ORDER BY name) FROM pg_catalog.pg_settings
		WHERE pg_catalog.lower(name) OPERATOR(pg_catalog.=) ANY ($1::text[]) AND source OPERATOR(pg_catalog.<>) 'client'`, names).Scan(&dropped); err != nil {
		return err
	}
	if dropped != nil {
		return fmt.Errorf("the server did not take the connection's startup settings (%s): a pooler that drops them (PgBouncer's ignore_startup_parameters)? set them on gov's role instead (ALTER ROLE ... SET)", *dropped)
	}
	return nil
}

// startupSettings is the names of the settings params (a connection's
// run-time parameters) ask for, lower case: each parameter but options
// and those a pooler sets itself, and each -c name=value, -cname=value
// or --name=value of options (PostgreSQL's command-line form).
func startupSettings(params map[string]string) []string {
	var names []string
	for k := range params {
		if k := strings.ToLower(k); k != "options" && !slices.Contains(poolerSettings, k) {
			names = append(names, k)
		}
	}
	var words []string
	var w strings.Builder
	escaped := false
	for _, r := range params["options"] + " " {
		switch {
		case escaped:
			w.WriteRune(r)
			escaped = false
		case r == '\\':
			escaped = true
		case r == ' ' || r == '\t' || r == '\n':
			if w.Len() > 0 {
				words = append(words, w.String())
				w.Reset()
			}
		default:
			w.WriteRune(r)
		}
	}
	for i, word := range words {
		var kv string
		switch {
		case word == "-c" && i+1 < len(words):
			kv = words[i+1]
		case strings.HasPrefix(word, "--"):
			kv = word[2:]
		case strings.HasPrefix(word, "-c"):
			kv = word[2:]
		default:
			continue
		}
		if name, _, ok := strings.Cut(kv, "="); ok && name != "" {
			names = append(names, strings.ReplaceAll(strings.ToLower(name), "-", "_"))
		}
	}
	return names
}

// twoSessions opens two connections of pool at once: behind a pooler
// that hands a server session from one client connection to another,
// the second gets the session whose connect the first just ran, and
// freshSession refuses it. The second is closed, not kept: the pool
// holds what it held before (one connection), and a write resolved
// past gov serve's shutdown bound does not find an idle one to wait on
// (TestAttackA14S9BShutdownBoundEndsStoreWrites).
func twoSessions(ctx context.Context, pool *pgxpool.Pool) error {
	a, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer a.Release()
	b, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	return b.Hijack().Close(ctx)
}

// path names a record in listings as the directory store would place it,
// under the store's name: <name>/<yyyy>/<mm>/<digest>.json.
func (s *PGStore) path(t time.Time, digest string) string {
	t = t.UTC()
	y, m, _ := t.Date()
	if y < 1000 || y > 9999 {
		return s.name + "/" + t.Format("2006") + "/" + t.Format("01") + "/" + digest + ".json"
	}
	// What the line above writes, without two layouts parsed per record.
	b := make([]byte, 0, len(s.name)+len("/2006/01/")+len(digest)+len(".json"))
	b = append(b, s.name...)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(y), 10)
	b = append(b, '/', "0123456789"[m/10], "0123456789"[m%10], '/')
	b = append(b, digest...)
	b = append(b, ".json"...)
	return string(b)
}

// pgRow is a row to insert into the chain.
type pgRow struct {
	kind, digest string
	atNs         int64
	body         []byte
	// sum is the SHA-256 of body: a record's digest, the chain's hash of
	// the body; computed once, where the row is made.
	sum [sha256.Size]byte
	// summary is a record's RecordSummary (JSON); "" for other rows.
	summary string
}

// Write records rec (a zero Time is now) and returns its name.
func (s *PGStore) Write(rec Record) (string, error) {
	rec, data, err := stamped(rec)
	if err != nil {
		return "", err
	}
	row, err := recordRow(data, rec)
	if err != nil {
		return "", err
	}
	if err := s.batch.write(s, row); err != nil {
		return "", err
	}
	return s.path(rec.Time, row.digest), nil
}

// recordRow is the row of rec, given as its exact bytes.
func recordRow(data []byte, rec Record) (pgRow, error) {
	ns := rec.Time.UnixNano()
	if !time.Unix(0, ns).Equal(rec.Time) {
		return pgRow{}, fmt.Errorf("audit: record time %s out of range", rec.Time)
	}
	summary, err := summaryJSON(rec)
	if err != nil {
		return pgRow{}, err
	}
	sum := sha256.Sum256(data)
	return pgRow{kind: "record", digest: hex.EncodeToString(sum[:]), atNs: ns, body: data, sum: sum, summary: summary}, nil
}

// Import adds records as their exact bytes (each checked as a record file
// is) with their evidence; what the store already holds is kept.
func (s *PGStore) Import(items []RawRecord) (int, error) {
	var rows []pgRow
	for _, it := range items {
		rec, err := decodeRecord("imported record", it.Record)
		if err != nil {
			return 0, err
		}
		row, err := recordRow(it.Record, rec)
		if err != nil {
			return 0, err
		}
		rows = append(rows, row)
		if it.Bundle != nil {
			rows = append(rows, pgRow{kind: "evidence", digest: row.digest, atNs: row.atNs, body: it.Bundle, sum: sha256.Sum256(it.Bundle)})
		}
	}
	return s.insert(rows)
}

// heldQuery finds which of a batch's rows the store holds, through the
// (kind, digest) index: a condition on kind it cannot use would read the
// whole table for every batch.
const heldQuery = `SELECT kind, digest, sha256(body) FROM gov_audit
	WHERE kind = ANY('{record,evidence}') AND digest = ANY($1)`

// insert appends the rows it does not hold yet to the chain, in one
// transaction that holds the chain's head, and returns how many records
// were new. A held row with other content is an error (a record's digest
// is its content's, so only evidence can differ). Two round trips, each
// a pipeline of statements: the transaction opened with the head locked
// and the held rows read, then the rows inserted, the head moved and the
// transaction committed; the head is locked for one round trip only.
func (s *PGStore) insert(rows []pgRow) (added int, err error) {
	ctx, cancel := s.writeCtx()
	defer cancel()
	return s.insertCtx(ctx, rows)
}

// insertCtx is insert within ctx. A transaction whose COMMIT went out
// and was not answered (the connection failed, or the write timeout ended
// it: a commit stalled at a synchronous standby stands once cancelled) is
// resolved before the write is reported failed: its backend ended (a
// cancel request may not have reached it), insert runs again with a write
// timeout of its own, and finds the rows if they were committed
// (TestAttackA14PipeLockedStalledCommitNotReportedFailed). Then added
// counts the records that run added.
func (s *PGStore) insertCtx(ctx context.Context, rows []pgRow) (added int, err error) {
	added, pid, err := s.insertOnce(ctx, rows)
	if err == nil || pid == 0 {
		return added, err
	}
	ctx, cancel := s.resolving(pid)
	defer cancel()
	added, _, err = s.insertOnce(ctx, rows)
	return added, err
}

// insertOnce is one run of insertCtx; pid is the backend of a transaction
// whose COMMIT went out and got no answer (0: none).
func (s *PGStore) insertOnce(ctx context.Context, rows []pgRow) (added int, pid uint32, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, 0, s.fail(err)
	}
	// A connection released inside a transaction is closed by the pool;
	// rolling back first keeps it.
	open := false
	defer func() {
		if open {
			_, _ = conn.Exec(context.WithoutCancel(s.ctx), "ROLLBACK")
		}
		conn.Release()
		if err != nil {
			s.head.forget()
		}
	}()
	digests := make([]string, 0, len(rows))
	for _, r := range rows {
		digests = append(digests, r.digest)
	}
	var seq int64
	var prev []byte
	held := map[string][]byte{}
	b := &pgx.Batch{}
	b.Queue("BEGIN").Exec(func(pgconn.CommandTag) error { open = true; return nil })
	b.Queue(setWriteSettings, strconv.FormatInt(s.lockTimeout(), 10))
	b.Queue("SELECT seq, hash FROM gov_audit_head FOR UPDATE").QueryRow(func(r pgx.Row) error { return r.Scan(&seq, &prev) })
	b.Queue(heldQuery, digests).Query(func(q pgx.Rows) error {
		for q.Next() {
			var kind, digest string
			var sum []byte
			if err := q.Scan(&kind, &digest, &sum); err != nil {
				return err
			}
			held[kind+"/"+digest] = sum
		}
		return q.Err()
	})
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return 0, 0, s.fail(err)
	}
	out, added, err := chain(rows, seq, prev, held)
	if err != nil {
		return 0, 0, s.fail(err)
	}
	if len(out.seq) == 0 {
		s.head.seen(seq, prev, seq, prev)
		return 0, 0, nil
	}
	last := len(out.seq) - 1
	b = &pgx.Batch{}
	b.Queue(insertRows, out.seq, out.kind, out.digest, out.atNs, out.body, out.summary, out.prevHash, out.hash)
	b.Queue("UPDATE gov_audit_head SET seq = $1, hash = $2", out.seq[last], out.hash[last])
	b.Queue("COMMIT").Exec(func(tag pgconn.CommandTag) error {
		open = false
		if tag.String() != "COMMIT" {
			return fmt.Errorf("commit: %s", tag) // the transaction failed: ROLLBACK
		}
		return nil
	})
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		if !refused(err) {
			pid = conn.Conn().PgConn().PID()
		}
		return 0, pid, s.fail(err)
	}
	s.head.seen(seq, prev, out.seq[last], out.hash[last])
	return added, 0, nil
}

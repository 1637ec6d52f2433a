package evidence

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gov-policy/gov/internal/pgtest"
)

// commitSettings makes every commit that adds a row to gov_audit or
// gov_webhook_deliveries log the synchronous_commit it commits with (a
// deferred constraint trigger runs at the commit, in its transaction, read
// with pg_catalog's own functions), and returns a reader of that log.
func commitSettings(t *testing.T, u string) func() []string {
	t.Helper()
	stmts := []string{
		"CREATE TABLE public.a14dur_commits (n serial, tbl text, sc text)",
		`CREATE FUNCTION public.a14dur_log() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			INSERT INTO public.a14dur_commits (tbl, sc) VALUES (TG_TABLE_NAME, pg_catalog.current_setting('synchronous_commit'));
			RETURN NULL;
		END $$`,
	}
	for _, tbl := range []string{"gov_audit", "gov_webhook_deliveries"} {
		stmts = append(stmts, fmt.Sprintf(`CREATE CONSTRAINT TRIGGER a14dur_%s AFTER INSERT ON public.%s
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.a14dur_log()`, tbl, tbl))
	}
	if err := sql(t, u, stmts...); err != nil {
		t.Fatal(err)
	}
	return func() []string {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = conn.Close(ctx) }()
		rows, _ := conn.Query(ctx, "SELECT tbl || ': ' || sc FROM public.a14dur_commits ORDER BY n")
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
}

// TestAttackA14DurSearchPath: a role that may create objects in a schema
// the search_path names before pg_catalog (here: search_path = evil,
// pg_catalog, public, set for the database) shadows current_setting,
// set_config or text's = with its own. gov's settings must still make the
// commits of record writes (both paths: the first write locks the head,
// the next ones append in one statement) and of delivery claims durable
// where the server's default is synchronous_commit = off (the shared test
// server's is), through the sessions' setting and through each record
// write's own (a store without the sessions'): no commit runs with off.
func TestAttackA14DurSearchPath(t *testing.T) {
	for name, shadow := range map[string][]string{
		"current_setting": {`CREATE FUNCTION evil.current_setting(text) RETURNS text LANGUAGE sql AS $$ SELECT 'local'::text $$`},
		"set_config":      {`CREATE FUNCTION evil.set_config(text, text, boolean) RETURNS text LANGUAGE sql AS $$ SELECT $2 $$`},
		"operator": {`CREATE FUNCTION evil.never(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT false $$`,
			`CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.never)`},
	} {
		t.Run(name, func(t *testing.T) {
			s, u := openPG(t)
			log := commitSettings(t, u)
			// A store whose sessions keep the default (a pooler handing each
			// transaction another session): the transactions' own setting.
			bare, err := openPostgresConfig(context.Background(), u, 0, func(cfg *pgxpool.Config) { cfg.AfterConnect = nil })
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = bare.Close() }()
			stmts := append([]string{"CREATE SCHEMA evil"}, shadow...)
			stmts = append(stmts, `DO $$ BEGIN
				EXECUTE format('ALTER DATABASE %I SET search_path = evil, pg_catalog, public', current_database());
			END $$`)
			if err := sql(t, u, stmts...); err != nil {
				t.Fatal(err)
			}
			s.pool.Reset() // new sessions, with the database's search_path
			bare.pool.Reset()
			at := time.Now()
			for i := range 3 {
				for j, st := range []*PGStore{s, bare} {
					if _, err := st.Write(record(fmt.Sprintf("shadowed-%d-%d", i, j), at)); err != nil {
						t.Fatal(err)
					}
				}
			}
			if _, err := s.ClaimDeliveryAs("delivery-1", "", time.Hour); err != nil {
				t.Fatal(err)
			}
			var sp string
			if err := s.pool.QueryRow(context.Background(), "SHOW search_path").Scan(&sp); err != nil || sp != "evil, pg_catalog, public" {
				t.Fatalf("the store's sessions have search_path %q (%v): the attack did not apply", sp, err)
			}
			got := log()
			if len(got) != 7 {
				t.Fatalf("commits logged: %q, want 6 records and 1 delivery", got)
			}
			for _, c := range got {
				if c == "gov_audit: off" || c == "gov_webhook_deliveries: off" {
					t.Fatalf("with %s shadowed a commit ran with synchronous_commit = off (lost in a crash after gov reported it written): %q", name, got)
				}
			}
		})
	}
}

// TestAttackA14DurPoolerPaths: behind a pooler that hands each
// transaction another session (here: a store whose sessions keep the
// server's default, synchronous_commit = off), every write to the chain
// gov reports done commits durably: gov audit copy's Import (the locked
// insert) and gov audit prune's prune row and deletions, not only Write.
func TestAttackA14DurPoolerPaths(t *testing.T) {
	u := pgtest.NewDatabase(t)
	s, err := openPostgresConfig(context.Background(), u, 0, func(cfg *pgxpool.Config) { cfg.AfterConnect = nil })
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	log := commitSettings(t, u)
	var items []RawRecord
	for i := range 2 {
		data, err := Encode(record(fmt.Sprintf("copied-%d", i), t0.Add(time.Duration(i)*48*time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, RawRecord{Record: data})
	}
	if n, err := s.Import(items); err != nil || n != 2 {
		t.Fatalf("Import: %d %v", n, err)
	}
	if removed, err := s.Prune(t0.Add(24 * time.Hour)); err != nil || len(removed) != 1 {
		t.Fatalf("Prune: %q %v", removed, err)
	}
	got := log()
	if len(got) != 3 {
		t.Fatalf("commits logged: %q, want 2 imported records and 1 prune row", got)
	}
	for i, c := range got {
		if c == "gov_audit: off" {
			t.Fatalf("%s committed with synchronous_commit = off (lost in a crash after gov reported it done): %q",
				[]string{"Import", "Import", "Prune"}[i], got)
		}
	}
}

// TestAttackA14DurSetConfigRevoked: on a server where the DBA revoked
// EXECUTE on set_config from PUBLIC (gov's role not a superuser), the
// sessions' durable setting does not stop gov from connecting: its chain
// can still be opened and read (gov audit verify, list), the sessions
// commit durably, and a record write is reported as it is stored (today
// it fails closed: its transaction's lock_timeout needs set_config).
func TestAttackA14DurSetConfigRevoked(t *testing.T) {
	c := pgtest.NewCluster(t) // its default: synchronous_commit = off
	ctx := context.Background()
	if err := sql(t, c.URL(), "CREATE ROLE a14dur_app LOGIN PASSWORD 'a14dur-app'", "CREATE DATABASE a14dur OWNER a14dur_app"); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(c.URL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/a14dur"
	if err := sql(t, u.String(), "REVOKE EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) FROM PUBLIC"); err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("a14dur_app", "a14dur-app")
	s, err := OpenPostgres(ctx, u.String())
	if err != nil {
		t.Fatalf("with set_config revoked gov cannot open its store: %v", err)
	}
	defer func() { _ = s.Close() }()
	var got string
	if err := s.pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&got); err != nil || got != "local" {
		t.Fatalf("session: synchronous_commit %q %v, want local", got, err)
	}
	if r, err := s.VerifyChain(); err != nil || len(r.Problems) > 0 {
		t.Fatalf("reading the chain: %+v %v", r, err)
	}
	_, werr := s.Write(record("revoked", t0))
	want := 1
	if werr != nil {
		want = 0
	}
	if entries, errs := s.List(time.Time{}); len(entries) != want || len(errs) != 0 {
		t.Fatalf("write: %v; the store holds %d records (%v), want %d", werr, len(entries), errs, want)
	}
}

// TestAttackA14DurSettingSources: synchronous_commit = off from every
// place a session's setting comes from (the connection URL's options,
// PGOPTIONS, the role's setting in the database), over a durable default
// of the database, does not reach a commit of gov's: record writes and
// delivery claims commit with local. A durable setting of the role's
// (remote_apply) is kept, not replaced by local.
func TestAttackA14DurSettingSources(t *testing.T) {
	const dbDefault = `DO $$ BEGIN
		EXECUTE format('ALTER DATABASE %I SET synchronous_commit = remote_write', current_database()); END $$`
	roleSetting := func(v string) string {
		return fmt.Sprintf(`DO $$ BEGIN
			EXECUTE format('ALTER ROLE %%I IN DATABASE %%I SET synchronous_commit = %s', current_user, current_database()); END $$`, v)
	}
	for _, tc := range []struct {
		name, options, env, role, want string
	}{
		{name: "url options", options: "-c synchronous_commit=off", want: "local"},
		{name: "PGOPTIONS", env: "-c synchronous_commit=false", want: "local"},
		{name: "role in database", role: roleSetting("off"), want: "local"},
		{name: "durable role setting", role: roleSetting("remote_apply"), want: "remote_apply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := pgtest.NewDatabase(t)
			s, err := OpenPostgres(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			log := commitSettings(t, u)
			stmts := []string{dbDefault}
			if tc.role != "" {
				stmts = append(stmts, tc.role)
			}
			if err := sql(t, u, stmts...); err != nil {
				t.Fatal(err)
			}
			if tc.options != "" {
				p, err := url.Parse(u)
				if err != nil {
					t.Fatal(err)
				}
				p.RawQuery += "&options=" + strings.ReplaceAll(url.PathEscape(tc.options), "=", "%3D")
				u = p.String()
			}
			if tc.env != "" {
				t.Setenv("PGOPTIONS", tc.env)
			}
			s, err = OpenPostgres(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = s.Close() }()
			var session string
			if err := s.pool.QueryRow(context.Background(), "SHOW synchronous_commit").Scan(&session); err != nil || session != tc.want {
				t.Fatalf("session: synchronous_commit %q %v, want %s", session, err, tc.want)
			}
			for i := range 2 {
				if _, err := s.Write(record(fmt.Sprintf("source-%d", i), t0)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.ClaimDeliveryAs("delivery-1", "", time.Hour); err != nil {
				t.Fatal(err)
			}
			want := []string{"gov_audit: " + tc.want, "gov_audit: " + tc.want, "gov_webhook_deliveries: " + tc.want}
			if got := log(); !slices.Equal(got, want) {
				t.Fatalf("commits: %q, want %q", got, want)
			}
		})
	}
}

// TestAttackA14DurStandbyNeverAnswers: a server whose default is
// synchronous_commit = off and that names a synchronous standby that
// never connects: gov's durable commits wait for the local flush only
// (the DBA chose not to wait for standbys), so record writes, delivery
// claims and pending approvals still succeed instead of waiting for the
// standby until their timeouts fail them.
func TestAttackA14DurStandbyNeverAnswers(t *testing.T) {
	c := pgtest.NewCluster(t)
	ctx := context.Background()
	s, err := OpenPostgres(ctx, c.URL()) // migrated before the standby is named: bounded below
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if err := sql(t, c.URL(), "ALTER SYSTEM SET synchronous_standby_names = 'a14dur_never'", "SELECT pg_reload_conf()"); err != nil {
		t.Fatal(err)
	}
	s.pool.Reset()
	s.writeTimeout = time.Second
	for i := range 2 {
		if _, err := s.Write(record(fmt.Sprintf("standby-%d", i), t0)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.ClaimDeliveryAs("delivery-1", "", time.Hour); err != nil {
		t.Fatalf("delivery claim: %v", err)
	}
	if err := s.PutPending(ctx, PendingEntry{Repo: "o/r", Number: 1, HeadSHA: strings.Repeat("a", 40), BaseRef: "main", Due: t0}); err != nil {
		t.Fatalf("pending approval: %v", err)
	}
	var sync string
	if err := s.pool.QueryRow(ctx, "SHOW synchronous_standby_names").Scan(&sync); err != nil || sync != "a14dur_never" {
		t.Fatalf("synchronous_standby_names %q %v: the standby is not waited for by the server", sync, err)
	}
}

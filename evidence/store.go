package evidence

import (
	"context"
	"errors"
	"strings"
	"time"
)

// AuditStore keeps decision records and their signed evidence: an audit
// directory (Store) or a PostgreSQL database (PGStore). Both hold the same
// records, byte for byte, and list them in the same order, so every command
// gives the same output from either.
type AuditStore interface {
	// String names the store in messages: the directory, or the database
	// URL without its credentials.
	String() string
	// Write records rec (a zero Time is now) and returns where: a record
	// already held is kept, and writing it again is not an error.
	Write(rec Record) (string, error)
	// Walk calls fn for every record made at or after since (zero: all), in
	// time order, then by digest. Records that are not valid (corrupt,
	// truncated, modified) are skipped and returned in bad, never passed to fn.
	Walk(since time.Time, fn func(Entry, Record) error) (bad []error, err error)
	// WalkRaw is Walk with each valid record's exact bytes and its signed
	// evidence (nil when unsigned) instead of the decoded record.
	WalkRaw(since time.Time, fn func(e Entry, record, bundle []byte) error) (bad []error, err error)
	// List lists the records made at or after since, oldest first.
	List(since time.Time) ([]Entry, []error)
	// Expired lists the records made before olderThan, as Prune would remove them.
	Expired(olderThan time.Time) ([]Entry, []error)
	// Prune removes the records made before olderThan with their evidence;
	// invalid records are never removed.
	Prune(olderThan time.Time) (removed []string, err error)
	// Import adds records given as their exact bytes, with their evidence,
	// keeping those it already holds; it returns how many records were new.
	Import(items []RawRecord) (added int, err error)
	// Close releases the store's connections.
	Close() error
}

// RawRecord is one record as its exact bytes, with its signed evidence
// (nil when unsigned): what gov audit copy moves.
type RawRecord struct {
	Record, Bundle []byte
}

// IsDatabaseURL reports whether an audit store reference names a PostgreSQL
// database rather than a directory.
func IsDatabaseURL(ref string) bool {
	return strings.HasPrefix(ref, "postgres://") || strings.HasPrefix(ref, "postgresql://")
}

// OpenStore opens the audit store ref names: a postgres:// or postgresql://
// URL (credentials from the URL or the PG* variables; the schema created or
// migrated first), else a directory. ctx bounds every database operation
// of the store. Errors never contain the URL's password.
func OpenStore(ctx context.Context, ref string) (AuditStore, error) {
	if ref == "" {
		return nil, errors.New("audit: no audit store")
	}
	if IsDatabaseURL(ref) {
		return OpenPostgres(ctx, ref)
	}
	return Store{Dir: ref}, nil
}

// String is the directory.
func (s Store) String() string { return s.Dir }

// Close does nothing: a directory holds no connection.
func (s Store) Close() error { return nil }

package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gov-policy/gov/engine"
)

// Entry summarises one record for listings.
type Entry struct {
	Path        string         `json:"path"`
	Digest      string         `json:"digest"`
	Time        time.Time      `json:"time"`
	RequestID   string         `json:"request_id,omitempty"`
	Decision    engine.Outcome `json:"decision"`
	Service     string         `json:"service,omitempty"`
	Environment string         `json:"environment,omitempty"`
	Revision    string         `json:"revision"`
	// Signed is whether the record has signed evidence (not listed: the
	// log shows it only when verified).
	Signed bool `json:"-"`
}

func entryOf(path string, rec Record) Entry {
	e := Entry{
		Path: path, Digest: "sha256:" + strings.TrimSuffix(filepath.Base(path), ".json"), Time: rec.Time,
		RequestID: rec.Request.RequestID, Decision: rec.Decision.Decision,
		Service: rec.Request.ServiceName, Environment: rec.Request.Environment, Revision: rec.Bundle.Revision,
	}
	if e.RequestID == "" {
		e.RequestID = rec.Decision.RequestID
	}
	if e.Revision == "" {
		e.Revision = rec.Decision.Bundle.Revision
	}
	return e
}

// Walk calls fn for every record made at or after since (zero: all), in
// time order. A file that is not a valid record (corrupt, truncated,
// modified, misnamed) is skipped and returned in bad, each error naming the
// file; it is never passed to fn. err is an I/O error or fn's. A missing
// directory holds no records.
func (s Store) Walk(since time.Time, fn func(Entry, Record) error) (bad []error, err error) {
	all, bad, err := s.scan(since, true)
	if err != nil {
		return bad, err
	}
	for _, f := range all {
		if err := fn(f.e, f.rec); err != nil {
			return bad, err
		}
	}
	return bad, nil
}

// WalkRaw is Walk with each record's exact bytes and its evidence.
func (s Store) WalkRaw(since time.Time, fn func(e Entry, record, bundle []byte) error) (bad []error, err error) {
	all, bad, err := s.scan(since, false)
	if err != nil {
		return bad, err
	}
	for _, f := range all {
		// Read again rather than held from the scan, so memory stays small;
		// the digest in its name says these are the bytes the scan checked.
		data, err := os.ReadFile(f.e.Path)
		if err != nil {
			return bad, fmt.Errorf("audit: %w", err)
		}
		if sum := sha256.Sum256(data); "sha256:"+hex.EncodeToString(sum[:]) != f.e.Digest {
			bad = append(bad, fmt.Errorf("%s: content does not match its digest (modified after it was written)", f.e.Path))
			continue
		}
		var bundle []byte
		if f.e.Signed {
			if bundle, err = os.ReadFile(BundlePath(f.e.Path)); err != nil {
				return bad, fmt.Errorf("audit: %w", err)
			}
		}
		if err := fn(f.e, data, bundle); err != nil {
			return bad, err
		}
	}
	return bad, nil
}

// found is one valid record of a scan, decoded when the scan keeps records.
type found struct {
	e   Entry
	rec Record
}

// scan reads and checks the records made at or after since, sorted by time
// then path; it keeps the decoded records only when keep is true.
func (s Store) scan(since time.Time, keep bool) (all []found, bad []error, err error) {
	paths, signed, bad, err := s.recordFiles(since)
	if err != nil {
		return nil, bad, err
	}
	for _, path := range paths {
		_, rec, rerr := readRecord(path)
		if rerr != nil {
			bad = append(bad, rerr)
			continue
		}
		if !rec.Time.Before(since) {
			f := found{e: entryOf(path, rec)}
			if keep {
				f.rec = rec
			}
			all = append(all, f)
		}
	}
	for i := range all {
		all[i].e.Signed = signed[all[i].e.Path]
	}
	sort.SliceStable(all, func(i, j int) bool {
		if !all[i].e.Time.Equal(all[j].e.Time) {
			return all[i].e.Time.Before(all[j].e.Time)
		}
		return all[i].e.Path < all[j].e.Path
	})
	return all, bad, nil
}

// recordFiles lists the files named like records in the months at or
// after since, in walk order, and which have signed evidence; bad names
// each file in the store that is not named like a record.
func (s Store) recordFiles(since time.Time) (paths []string, signed map[string]bool, bad []error, err error) {
	signed = map[string]bool{}
	err = filepath.WalkDir(s.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == s.Dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		rel, _ := filepath.Rel(s.Dir, path)
		if d.IsDir() {
			if !since.IsZero() && monthBefore(rel, since) {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		if strings.HasSuffix(name, SignatureSuffix) {
			signed[strings.TrimSuffix(path, SignatureSuffix)+".json"] = true
			return nil
		}
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".json") {
			return nil
		}
		if !recordName(rel) {
			bad = append(bad, fmt.Errorf("%s: not an audit record name (want <yyyy>/<mm>/<sha256>.json)", path))
			return nil
		}
		paths = append(paths, path)
		return nil
	})
	if err != nil {
		return nil, nil, bad, fmt.Errorf("audit: %w", err)
	}
	return paths, signed, bad, nil
}

// List lists the records made at or after since (zero: all), oldest first.
// The errors name each corrupt, truncated, modified or misnamed file,
// which is skipped; an I/O error reading the directory is among them.
func (s Store) List(since time.Time) ([]Entry, []error) { return listWith(s.Walk, since) }

// Expired lists the records made before olderThan, as Prune would remove them.
func (s Store) Expired(olderThan time.Time) ([]Entry, []error) {
	return expiredWith(s.Walk, olderThan)
}

// walker is a store's Walk.
type walker func(since time.Time, fn func(Entry, Record) error) ([]error, error)

// listWith is List of any store: what its walk finds, oldest first, with
// the walk's own error among the errors.
func listWith(walk walker, since time.Time) ([]Entry, []error) {
	var out []Entry
	bad, err := walk(since, func(e Entry, _ Record) error {
		out = append(out, e)
		return nil
	})
	if err != nil {
		bad = append(bad, err)
	}
	return out, bad
}

// expiredWith is Expired of any store: the records made before olderThan.
func expiredWith(walk walker, olderThan time.Time) ([]Entry, []error) {
	all, bad := listWith(walk, time.Time{})
	var out []Entry
	for _, e := range all {
		if e.Time.Before(olderThan) {
			out = append(out, e)
		}
	}
	return out, bad
}

// Prune removes the records made before olderThan, each with its
// <digest>.sigstore.json, and the month and year directories it empties.
// Files that are not valid records are never removed: err joins their
// errors and any removal failure; removed lists what was removed even then.
func (s Store) Prune(olderThan time.Time) (removed []string, err error) {
	expired, bad := s.Expired(olderThan)
	for _, e := range expired {
		if rerr := os.Remove(e.Path); rerr != nil {
			bad = append(bad, fmt.Errorf("audit: %w", rerr))
			continue
		}
		removed = append(removed, e.Path)
		sig := strings.TrimSuffix(e.Path, ".json") + SignatureSuffix
		if rerr := os.Remove(sig); rerr == nil {
			removed = append(removed, sig)
		} else if !errors.Is(rerr, fs.ErrNotExist) {
			bad = append(bad, fmt.Errorf("audit: %w", rerr))
		}
		month := filepath.Dir(e.Path)
		// Remove fails on a directory that is not empty, which is fine.
		if os.Remove(month) == nil {
			_ = os.Remove(filepath.Dir(month))
		}
	}
	return removed, errors.Join(bad...)
}

// readRecord reads and checks one record file (see Read), returning its bytes too.
func readRecord(path string) ([]byte, Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Record{}, fmt.Errorf("audit: %w", err)
	}
	rec, err := decodeRecord(path, data)
	return data, rec, err
}

// recordName reports whether rel is <yyyy>/<mm>/<sha256>.json.
func recordName(rel string) bool {
	parts := strings.Split(filepath.ToSlash(rel), "/")
	return len(parts) == 3 && len(parts[0]) == 4 && len(parts[1]) == 2 &&
		isNumber(parts[0]) && isNumber(parts[1]) && isDigest(strings.TrimSuffix(parts[2], ".json"))
}

// monthBefore reports whether rel is a <yyyy> or <yyyy>/<mm> directory
// whose records are all older than since.
func monthBefore(rel string, since time.Time) bool {
	parts := strings.Split(filepath.ToSlash(rel), "/")
	y, err := strconv.Atoi(parts[0])
	if err != nil || len(parts) > 2 {
		return false
	}
	end := time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC)
	if len(parts) == 2 {
		m, err := strconv.Atoi(parts[1])
		if err != nil {
			return false
		}
		end = time.Date(y, time.Month(m)+1, 1, 0, 0, 0, 0, time.UTC)
	}
	return !end.After(since)
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

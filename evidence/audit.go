package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gov-policy/gov/engine"
)

// Record is one decision as the audit directory keeps it. Its JSON form is
// the record file; field names are the contract.
type Record struct {
	// Request is the request evaluated, its patch_content included with each
	// secret the scanner found replaced by its masked form (see MaskText).
	Request engine.Request `json:"request"`
	// PatchDigest is "sha256:<hex>" of the raw (unmasked) patch bytes.
	PatchDigest string            `json:"patch_digest"`
	Findings    []engine.Finding  `json:"findings"`
	Decision    *engine.Decision  `json:"decision"`
	Bundle      engine.BundleInfo `json:"bundle"`
	// Time is when the decision was made (UTC); it picks the yyyy/mm directory.
	Time       time.Time `json:"time"`
	GovVersion string    `json:"gov_version,omitempty"`
	// DecisionJSON, when set, is Decision's JSON (Decision.MarshalJSON) as
	// the caller made it already (gov serve answers with it): Encode
	// writes it in place of encoding Decision again. Not a field of the
	// record's JSON form.
	DecisionJSON json.RawMessage `json:"-"`
}

// Store is an audit directory: <Dir>/<yyyy>/<mm>/<digest>.json per record,
// <digest>.sigstore.json beside it for its signed evidence.
type Store struct{ Dir string }

const (
	dirPerm  = 0o750
	filePerm = 0o640
	// SignatureSuffix names a record's signed evidence: <digest>.sigstore.json.
	SignatureSuffix = ".sigstore.json"
)

// PatchDigest is the "sha256:<hex>" digest of raw patch bytes.
func PatchDigest(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// PatchDigestString is PatchDigest of a patch held as a string (a
// request's patch_content), hashed in pieces rather than from a copy of it.
func PatchDigestString(patch string) string {
	h := sha256.New()
	buf := make([]byte, min(len(patch), 64<<10))
	for len(patch) > 0 {
		n := copy(buf, patch)
		h.Write(buf[:n])
		patch = patch[n:]
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Encode is a record's canonical form, the exact bytes of its file:
// compact JSON (HTML characters unescaped) and a newline, with Time in UTC
// and absent findings as []. Its SHA-256 names the file, so `sha256sum`
// checks a record.
//
// The bytes are those of encoding/json's Encoder (SetEscapeHTML(false))
// over Record, built field by field so that the decision's own JSON
// (Decision.MarshalJSON, compact already) goes in as it is instead of
// being scanned and compacted again: TestEncodeIsEncoderForm holds the two
// equal.
func Encode(rec Record) ([]byte, error) {
	if rec.Decision == nil {
		return nil, errors.New("audit record without a decision")
	}
	decision := rec.DecisionJSON
	if decision == nil {
		var err error
		if decision, err = rec.Decision.MarshalJSON(); err != nil {
			return nil, fmt.Errorf("audit record: %w", err)
		}
	}
	rec.Time = rec.Time.UTC()
	if rec.Findings == nil {
		rec.Findings = []engine.Finding{}
	}
	var b bytes.Buffer
	b.Grow(len(rec.Request.PatchContent) + len(decision) + 1024)
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	field := func(name string, v any) error {
		b.WriteString(name)
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("audit record: %w", err)
		}
		b.Truncate(b.Len() - 1) // Encode's newline
		return nil
	}
	if err := field(`{"request":`, rec.Request); err != nil {
		return nil, err
	}
	if err := field(`,"patch_digest":`, rec.PatchDigest); err != nil {
		return nil, err
	}
	if err := field(`,"findings":`, rec.Findings); err != nil {
		return nil, err
	}
	b.WriteString(`,"decision":`)
	b.Write(decision)
	if err := field(`,"bundle":`, rec.Bundle); err != nil {
		return nil, err
	}
	if err := field(`,"time":`, rec.Time); err != nil {
		return nil, err
	}
	if rec.GovVersion != "" {
		if err := field(`,"gov_version":`, rec.GovVersion); err != nil {
			return nil, err
		}
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// stamped is rec as every store writes it: its time now when unset, in
// UTC, and its encoding.
func stamped(rec Record) (Record, []byte, error) {
	if rec.Time.IsZero() {
		rec.Time = time.Now()
	}
	rec.Time = rec.Time.UTC()
	data, err := Encode(rec)
	return rec, data, err
}

// Write records rec (a zero Time is now) and returns the record's path. The
// file is written to a temporary file, synced and published with a hard
// link, so readers never see a partial record and an existing record is
// never overwritten; writing an identical record again returns its path.
// Concurrent writers, in one process or several, lose nothing.
func (s Store) Write(rec Record) (string, error) {
	if s.Dir == "" {
		return "", errors.New("audit: no audit directory")
	}
	rec, data, err := stamped(rec)
	if err != nil {
		return "", err
	}
	path, _, err := s.publish(data, rec.Time)
	return path, err
}

// publish writes a record's exact bytes as <yyyy>/<mm>/<digest>.json of t's
// month; added is false when the record was already there.
func (s Store) publish(data []byte, t time.Time) (path string, added bool, err error) {
	t = t.UTC()
	sum := sha256.Sum256(data)
	dir := filepath.Join(s.Dir, t.Format("2006"), t.Format("01"))
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return "", false, fmt.Errorf("audit: %w", err)
	}
	final := filepath.Join(dir, hex.EncodeToString(sum[:])+".json")
	tmp, err := writeTemp(dir, data)
	if err != nil {
		return "", false, err
	}
	defer func() { _ = os.Remove(tmp) }()
	switch err := os.Link(tmp, final); {
	case errors.Is(err, fs.ErrExist):
		have, rerr := os.ReadFile(final) //nolint:gosec // final is <audit dir>/<yyyy>/<mm>/<hex sha256>.json, built here
		if rerr != nil {
			return "", false, fmt.Errorf("audit: %w", rerr)
		}
		if !bytes.Equal(have, data) {
			return "", false, fmt.Errorf("audit: %s: exists with other content (modified after it was written)", final)
		}
		return final, false, nil
	case err != nil:
		return "", false, fmt.Errorf("audit: publish %s: %w", final, err)
	}
	syncDir(dir)
	return final, true, nil
}

// Import adds records as their exact bytes, each checked as Read checks a
// record file, with their evidence beside them. A record or evidence already
// there is kept (other content under the same name is an error).
func (s Store) Import(items []RawRecord) (added int, err error) {
	if s.Dir == "" {
		return 0, errors.New("audit: no audit directory")
	}
	for _, it := range items {
		rec, err := decodeRecord("imported record", it.Record)
		if err != nil {
			return added, err
		}
		path, isNew, err := s.publish(it.Record, rec.Time)
		if err != nil {
			return added, err
		}
		if isNew {
			added++
		}
		if it.Bundle == nil {
			continue
		}
		bundlePath := BundlePath(path)
		have, rerr := os.ReadFile(bundlePath)
		switch {
		case rerr == nil && !bytes.Equal(have, it.Bundle):
			return added, fmt.Errorf("audit: %s: exists with other evidence", bundlePath)
		case rerr == nil:
		case errors.Is(rerr, fs.ErrNotExist):
			if err := writeEvidence(bundlePath, it.Bundle); err != nil {
				return added, err
			}
		default:
			return added, fmt.Errorf("audit: %w", rerr)
		}
	}
	return added, nil
}

// writeTemp writes data to a new hidden file in dir and syncs it.
func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, tempPrefix+"*.json")
	if err != nil {
		return "", fmt.Errorf("audit: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(filePerm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("audit: write %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}

// syncDir makes a new directory entry durable; not every system can.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// Read reads one record file, strictly: a truncated or corrupt file, an
// unknown field, or content that does not match the digest the file is
// named by is an error naming the file.
func (s Store) Read(path string) (Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Record{}, fmt.Errorf("audit: %w", err)
	}
	return decodeRecord(path, data)
}

func decodeRecord(path string, data []byte) (Record, error) {
	var rec Record
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		var syn *json.SyntaxError
		// A record that stops early: at end of input, or at an error found
		// only in the trailing whitespace (a cut line ending in a newline).
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
			(errors.As(err, &syn) && syn.Offset >= int64(len(bytes.TrimRight(data, " \t\r\n")))) {
			return Record{}, fmt.Errorf("%s: truncated audit record", path)
		}
		return Record{}, fmt.Errorf("%s: corrupt audit record: %w", path, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Record{}, fmt.Errorf("%s: corrupt audit record: data after the record", path)
	}
	if rec.Decision == nil {
		return Record{}, fmt.Errorf("%s: corrupt audit record: no decision", path)
	}
	if name := strings.TrimSuffix(filepath.Base(path), ".json"); isDigest(name) {
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != name {
			return Record{}, fmt.Errorf("%s: content does not match its digest (modified after it was written)", path)
		}
	}
	return rec, nil
}

// isDigest reports whether s is a lower-case hex SHA-256.
func isDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

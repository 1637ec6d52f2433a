package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// deliveriesDir is where a server with an audit directory remembers the
// webhook deliveries it accepted, so that a replay is refused after a
// restart too (and by another server sharing the directory). A database
// audit store keeps them in its database (pgSeen).
const deliveriesDir = ".deliveries"

// diskSeen remembers a delivery key as a file named by its SHA-256:
// creating it exclusively is the claim, so two processes cannot both
// accept one delivery. A file older than ttl is a delivery forgotten.
type diskSeen struct {
	dir string
	ttl time.Duration
	now func() time.Time
}

func (d *diskSeen) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(d.dir, hex.EncodeToString(sum[:]))
}

// add claims key and reports whether it is new. An error (an unwritable
// directory) is not a claim: the delivery is answered 503 and GitHub may
// redeliver it later.
func (d *diskSeen) add(key string) (bool, error) {
	// The file name is a hex SHA-256, never the key: no path from a webhook.
	if err := os.MkdirAll(d.dir, 0o750); err != nil { //nolint:gosec // d.dir is the audit directory's
		return false, err
	}
	p := d.path(key)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600) //nolint:gosec // p is d.dir/<hex SHA-256>
	if err == nil {
		return true, f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return false, err
	}
	st, serr := os.Stat(p) //nolint:gosec // as above
	if serr != nil || d.now().Sub(st.ModTime()) <= d.ttl {
		return false, serr
	}
	// Expired: claim it again.
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) { //nolint:gosec // as above
		return false, err
	}
	return d.add(key)
}

func (d *diskSeen) forget(key string) {
	_ = os.Remove(d.path(key)) //nolint:gosec // d.dir/<hex SHA-256>
}

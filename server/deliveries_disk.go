package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
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
	// pruned is when expired claims were last removed (at most once per
	// ttl, so the directory holds about one ttl's deliveries, not all).
	mu     sync.Mutex
	pruned time.Time
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
	d.pruneDue()
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

// pruneDue removes the claims older than ttl when the last removal is a
// ttl ago: a forgotten delivery's file serves nothing (an expired claim is
// claimed again anyway), and without this every delivery ever accepted
// would stay on disk.
func (d *diskSeen) pruneDue() {
	now := d.now()
	d.mu.Lock()
	due := now.Sub(d.pruned) >= d.ttl
	if due {
		d.pruned = now
	}
	d.mu.Unlock()
	if !due {
		return
	}
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || now.Sub(info.ModTime()) <= d.ttl {
			continue
		}
		// Another process may claim the same key again meanwhile; removing
		// a claim that is a ttl old at most forgets it early by a moment.
		if st, err := os.Stat(filepath.Join(d.dir, e.Name())); err == nil && now.Sub(st.ModTime()) > d.ttl { //nolint:gosec // d.dir/<entry>
			_ = os.Remove(filepath.Join(d.dir, e.Name())) //nolint:gosec // d.dir/<entry>
		}
	}
}

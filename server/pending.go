package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gov-policy/gov/evidence"
)

// A PR that waits for approval in silence gets no webhook, so its overdue
// stage would never escalate. gov serve keeps the PRs its own jobs left
// waiting on a stage with a timeout (not a poll of every repository) and
// looks at each again when that timeout passes (sweep.go).

// PendingPR is a pull request gov decided require_approval on a stage that
// escalates at Due.
type PendingPR struct {
	Repo    string `json:"repo"`
	Number  int    `json:"number"`
	HeadSHA string `json:"head_sha"`
	BaseRef string `json:"base_ref"`
	// Due is when the first stage not satisfied passes its timeout.
	Due time.Time `json:"due"`
	// Installation is the GitHub App installation whose token reads the PR
	// (0 with a personal token).
	Installation int64 `json:"installation,omitempty"`
}

// pendingFile is an entry as diskPending writes it: the PR and a MAC over
// it under a key of the server's (pendingKey), so that an entry written
// into the shared directory by anyone else is never swept.
type pendingFile struct {
	PendingPR
	MAC string `json:"mac"`
}

// pendingKey is the MAC key of the entries: one derived from the webhook
// secret, which every replica sharing the directory has.
func pendingKey(webhookSecret string) []byte {
	m := hmac.New(sha256.New, []byte(webhookSecret))
	m.Write([]byte("gov serve pending approvals entry v1"))
	return m.Sum(nil)
}

// mac is the hex HMAC-SHA256 of every field of p under key.
func (p PendingPR) mac(key []byte) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s\x00%d\x00%s\x00%s\x00%d\x00%d", p.Repo, p.Number, p.HeadSHA, p.BaseRef, p.Due.UnixNano(), p.Installation)
	return hex.EncodeToString(m.Sum(nil))
}

func (p PendingPR) key() string { return strings.ToLower(p.Repo) + "#" + fmt.Sprint(p.Number) }

// PendingStore keeps the pending PRs. Put replaces the entry of the same
// repository and number; Remove of an unknown PR is no error. A store
// shared by replicas (PostgreSQL, issue 14) implements the same methods.
type PendingStore interface {
	Put(ctx context.Context, p PendingPR) error
	Remove(ctx context.Context, repo string, number int) error
	List(ctx context.Context) ([]PendingPR, error)
}

// memPending is a PendingStore in memory, forgotten on restart.
type memPending struct {
	mu sync.Mutex
	m  map[string]PendingPR
}

func newMemPending() *memPending { return &memPending{m: map[string]PendingPR{}} }

func (s *memPending) Put(_ context.Context, p PendingPR) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[p.key()] = p
	return nil
}

func (s *memPending) Remove(_ context.Context, repo string, number int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, PendingPR{Repo: repo, Number: number}.key())
	return nil
}

func (s *memPending) List(context.Context) ([]PendingPR, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]PendingPR, 0, len(s.m))
	for _, p := range s.m {
		out = append(out, p)
	}
	sortPending(out)
	return out, nil
}

func sortPending(ps []PendingPR) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].Due.Before(ps[j].Due) })
}

// pendingDir is where a server with an audit directory keeps the pending
// PRs, so that a restart does not forget them.
const (
	pendingDir    = ".pending"
	pendingSuffix = ".pending"
)

// diskPending keeps one JSON file per PR, named by the SHA-256 of its key
// and written atomically (temp file, then rename), so that servers sharing
// the directory never see half an entry nor lose another PR's. The files
// are not named *.json: the audit directory's readers take those for
// decision records.
type diskPending struct {
	dir string
	// key authenticates the entries (pendingKey).
	key []byte
}

func (d diskPending) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(d.dir, hex.EncodeToString(sum[:])+pendingSuffix)
}

func (d diskPending) Put(_ context.Context, p PendingPR) error {
	if err := os.MkdirAll(d.dir, 0o750); err != nil {
		return err
	}
	data, err := json.Marshal(pendingFile{PendingPR: p, MAC: p.mac(d.key)})
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(d.dir, ".tmp-*")
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	if err := errors.Join(werr, f.Close()); err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), d.path(p.key())); err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	return nil
}

func (d diskPending) Remove(_ context.Context, repo string, number int) error {
	err := os.Remove(d.path(PendingPR{Repo: repo, Number: number}.key()))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// List reads every entry; one that cannot be read is named in the error
// and the others are still returned (the sweep logs it and goes on).
func (d diskPending) List(context.Context) ([]PendingPR, error) {
	ents, err := os.ReadDir(d.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []PendingPR
	var errs []error
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), pendingSuffix) {
			continue
		}
		path := filepath.Join(d.dir, e.Name())
		data, err := readEntry(path)
		var f pendingFile
		if err == nil {
			err = json.Unmarshal(data, &f)
		}
		p := f.PendingPR
		switch {
		case err != nil:
		case !hmac.Equal([]byte(f.MAC), []byte(p.mac(d.key))):
			err = errors.New("not written by this server (its MAC does not verify)")
		case p.Repo == "" || p.Number <= 0 || d.path(p.key()) != path:
			err = errors.New("not an entry of this directory (repo, number or file name wrong)")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			continue
		}
		out = append(out, p)
	}
	sortPending(out)
	return out, errors.Join(errs...)
}

// maxPendingEntry bounds an entry file (one is a few hundred bytes).
const maxPendingEntry = 16 << 10

// readEntry reads an entry file that is a regular file of at most
// maxPendingEntry bytes, not following a link: the directory may be shared,
// and a link to a device or a huge file is not an entry to read whole.
func readEntry(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxPendingEntry {
		return nil, fmt.Errorf("not an entry (a regular file of at most %d bytes)", maxPendingEntry)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	if now, err := f.Stat(); err != nil || !os.SameFile(fi, now) {
		return nil, errors.New("replaced while it was read")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxPendingEntry+1))
	if err == nil && len(data) > maxPendingEntry {
		err = fmt.Errorf("not an entry (a regular file of at most %d bytes)", maxPendingEntry)
	}
	return data, err
}

// pendingStore is cfg.Pending, else one in the audit database db (a
// PostgreSQL audit store), else one under the audit directory, else one in
// memory.
func pendingStore(cfg Config, db any) PendingStore {
	pdb, isDB := db.(pendingDB)
	switch {
	case cfg.Pending != nil:
		return cfg.Pending
	case isDB:
		return pgPending{db: pdb}
	case cfg.AuditDir != "" && !evidence.IsDatabaseURL(cfg.AuditDir):
		return diskPending{dir: filepath.Join(cfg.AuditDir, pendingDir), key: pendingKey(cfg.WebhookSecret)}
	}
	return newMemPending()
}

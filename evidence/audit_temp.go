package evidence

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// StaleTempAge is how old a temporary file of the audit directory must be
// to be taken for one left by a writer that was killed: a live writer
// publishes (or removes) its temp file within one write and fsync.
const StaleTempAge = 10 * time.Minute

// tempPrefix starts the name of every temporary file Write and SignRecord
// create (".tmp-*.json"); records and evidence never start with a dot.
const tempPrefix = ".tmp-"

// PruneTemp removes the temporary files under the audit directory last
// modified before before: what a writer killed between writing and
// publishing left. They are never valid records; a masked record's temp
// holds the same masked bytes, but nothing is left to be mistaken for one.
func (s Store) PruneTemp(before time.Time) (removed []string, err error) {
	root, err := os.OpenRoot(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer func() { _ = root.Close() }()
	var bad []error
	// Within the root: a symlink planted in the directory cannot lead
	// the removal outside it.
	werr := fs.WalkDir(root.FS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasPrefix(d.Name(), tempPrefix) {
			return nil
		}
		info, err := d.Info()
		if err != nil || !info.ModTime().Before(before) {
			return nil //nolint:nilerr // gone meanwhile, or still being written
		}
		if rerr := root.Remove(path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			bad = append(bad, fmt.Errorf("audit: %w", rerr))
			return nil
		}
		removed = append(removed, filepath.Join(s.Dir, filepath.FromSlash(path)))
		return nil
	})
	if werr != nil {
		bad = append(bad, fmt.Errorf("audit: %w", werr))
	}
	return removed, errors.Join(bad...)
}

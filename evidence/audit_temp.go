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
	var bad []error
	werr := filepath.WalkDir(s.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == s.Dir {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() || !strings.HasPrefix(d.Name(), tempPrefix) {
			return nil
		}
		info, err := d.Info()
		if err != nil || !info.ModTime().Before(before) {
			return nil //nolint:nilerr // gone meanwhile, or still being written
		}
		if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			bad = append(bad, fmt.Errorf("audit: %w", rerr))
			return nil
		}
		removed = append(removed, path)
		return nil
	})
	if werr != nil {
		bad = append(bad, fmt.Errorf("audit: %w", werr))
	}
	return removed, errors.Join(bad...)
}

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// storeExists refuses an audit store that does not exist for the commands
// that read one (report, simulate, audit log): reading a missing directory
// gives an empty report or "0 of 0 decisions change", and a CI gate would
// pass on a typo. A database URL is left to its client.
func storeExists(dir string) error {
	if strings.Contains(dir, "://") {
		return nil
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return usageError{fmt.Errorf("audit store %s does not exist (give --audit-dir, or audit.dir in gov.cue)", dir)}
	case err != nil:
		return fmt.Errorf("audit store %s: %w", dir, err)
	case !st.IsDir():
		return usageError{fmt.Errorf("audit store %s is not a directory", dir)}
	}
	return nil
}

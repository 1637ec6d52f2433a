package scan

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// MaxFileSize is the largest file or blob scanned; larger ones are skipped
// and counted in Stats.SkippedLarge.
const MaxFileSize = 10 << 20

// Stats tells what a directory or history scan covered.
type Stats struct {
	Files         int   `json:"files"`          // files or blobs scanned
	Bytes         int64 `json:"bytes"`          // bytes scanned
	SkippedLarge  int   `json:"skipped_large"`  // files or blobs over MaxFileSize
	SkippedBinary int   `json:"skipped_binary"` // binary files or blobs
	Commits       int   `json:"commits,omitempty"`
}

// ScanDir scans the regular files under root, skipping .git, binary files,
// files over MaxFileSize and excluded paths; findings name files by their
// slash path relative to root.
func (s *Scanner) ScanDir(ctx context.Context, root string) ([]Finding, error) {
	fs, _, err := s.ScanDirStats(ctx, root)
	return fs, err
}

// ScanDirStats is ScanDir that also reports what was scanned.
func (s *Scanner) ScanDirStats(ctx context.Context, root string) ([]Finding, Stats, error) {
	type result struct {
		findings []Finding
		bytes    int64
		large    bool
		binary   bool
		err      error
	}
	if info, err := os.Stat(root); err != nil {
		return nil, Stats{}, fmt.Errorf("scan: %w", err)
	} else if !info.IsDir() {
		return s.scanOne(root)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	paths := make(chan string, 64)
	results := make(chan result, 64)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rel := range paths {
				fs, n, large, binary, err := s.scanFile(root, rel)
				results <- result{fs, n, large, binary, err}
			}
		}()
	}
	walkErr := make(chan error, 1)
	go func() {
		walkErr <- s.walk(ctx, root, paths)
		close(paths)
		wg.Wait()
		close(results)
	}()
	var out []Finding
	var st Stats
	var firstErr error
	for r := range results {
		switch {
		case r.err != nil:
			if firstErr == nil {
				firstErr = r.err
				cancel()
			}
		case r.large:
			st.SkippedLarge++
		case r.binary:
			st.SkippedBinary++
			out = append(out, r.findings...) // file rules (a key store by name)
		default:
			st.Files++
			st.Bytes += r.bytes
			out = append(out, r.findings...)
		}
	}
	if err := <-walkErr; err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		return nil, st, firstErr
	}
	sortFindings(out)
	return out, st, nil
}

// scanOne scans a single file given as the scan root, named by its base name.
func (s *Scanner) scanOne(path string) ([]Finding, Stats, error) {
	var st Stats
	dir, base := filepath.Split(path)
	fs, n, large, binary, err := s.scanFile(dir, base)
	switch {
	case err != nil:
		return nil, st, err
	case large:
		st.SkippedLarge++
	case binary:
		st.SkippedBinary++ // fs holds file rules' findings
	default:
		st.Files, st.Bytes = 1, n
	}
	return fs, st, nil
}

// walk sends the slash paths (relative to root) of the files to scan.
func (s *Scanner) walk(ctx context.Context, root string, paths chan<- string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("scan %s: %w", p, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return fmt.Errorf("scan %s: %w", p, err)
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (d.Name() == ".git" || s.excludedDir(rel)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || s.Excluded(rel) {
			return nil
		}
		select {
		case paths <- rel:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
}

// scanFile reads and scans one file, unless it is too large or binary.
func (s *Scanner) scanFile(root, rel string) (fs []Finding, n int64, large, binary bool, err error) {
	f, err := os.Open(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, 0, false, false, fmt.Errorf("scan: %w", err)
	}
	defer func() { _ = f.Close() }()
	info, err := f.Stat()
	if err != nil {
		return nil, 0, false, false, fmt.Errorf("scan: %w", err)
	}
	if info.Size() > MaxFileSize {
		return nil, 0, true, false, nil
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, 0, false, false, fmt.Errorf("scan %s: %w", rel, err)
	}
	if len(data) > MaxFileSize {
		return nil, 0, true, false, nil
	}
	fs = fileFindings(rel)
	if isBinary(data) {
		return fs, 0, false, true, nil
	}
	return append(fs, s.scanFragment(rel, data, nil)...), int64(len(data)), false, false, nil
}

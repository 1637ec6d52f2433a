package simulate

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/gov-policy/gov/engine/policytest"
	"github.com/gov-policy/gov/evidence"
)

// FromAudit re-evaluates the records of an audit store made at or
// after since (zero: all), listed oldest first in the report. Each is evaluated at its recorded
// time (so exceptions expire as they did) with its recorded findings and
// the bundles' own enforcement. Corrupt, truncated or modified records are
// skipped and returned by name, never evaluated or counted.
func FromAudit(s evidence.AuditStore, since time.Time) Source {
	return func(fn func(Item) error) ([]error, error) {
		item := func(e evidence.Entry, rec evidence.Record) Item {
			return Item{
				Name: e.Path, Request: rec.Request, Findings: rec.Findings,
				Now: rec.Time, Recorded: string(rec.Decision.Decision),
			}
		}
		// A directory is read by several goroutines and not held whole
		// (Walk sorts it in memory first); the report sorts the changes.
		if dir, ok := s.(evidence.Store); ok {
			return dir.Stream(since, 0, func(e evidence.Entry, rec evidence.Record) error {
				it := item(e, rec)
				it.Unordered = true
				return fn(it)
			})
		}
		return s.Walk(since, func(e evidence.Entry, rec evidence.Record) error { return fn(item(e, rec)) })
	}
}

// FromCorpus re-evaluates the cases under dir, in the format of `gov test`
// cases (engine/policytest.Case, YAML or JSON, any depth, in path order):
// the request, the patch inline or as patch_file relative to the case, and
// the case's enforcement and now when set (now: the current time). Its
// expect is not consulted. Case files are evaluated like `gov test`
// evaluates them: without scanner findings. A case that cannot be read or
// decoded, or whose patch_file is missing, is skipped and returned by name.
func FromCorpus(dir string) Source {
	return func(fn func(Item) error) ([]error, error) {
		files, err := caseFiles(dir)
		if err != nil {
			return nil, err
		}
		var skipped []error
		for _, file := range files {
			it, err := readCase(file)
			if err != nil {
				skipped = append(skipped, err)
				continue
			}
			if err := fn(it); err != nil {
				return skipped, err
			}
		}
		return skipped, nil
	}
}

// caseFiles lists the .yaml, .yml and .json files under dir, sorted.
func caseFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch filepath.Ext(path) {
		case ".yaml", ".yml", ".json":
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	sort.Strings(files)
	return files, nil
}

func readCase(file string) (Item, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return Item{}, fmt.Errorf("corpus: %w", err)
	}
	c, err := policytest.DecodeCase(file, data)
	if err != nil {
		return Item{}, err
	}
	diff := c.Patch
	if c.PatchFile != "" {
		raw, err := os.ReadFile(filepath.Join(filepath.Dir(file), filepath.FromSlash(c.PatchFile)))
		if err != nil {
			return Item{}, fmt.Errorf("%s: patch_file: %w", file, err)
		}
		diff = string(raw)
	}
	it := Item{Name: file, Request: c.Request, Enforcement: c.Enforcement}
	it.Request.PatchContent = diff
	if it.Request.RequestID == "" {
		it.Request.RequestID = c.Name
	}
	if c.Now != "" {
		if it.Now, err = policytest.ParseNow(c.Now); err != nil {
			return Item{}, fmt.Errorf("%s: now: %w", file, err)
		}
	}
	return it, nil
}

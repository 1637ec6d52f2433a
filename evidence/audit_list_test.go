package evidence

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// writeAll writes records and fails the test on any error.
func writeAll(t *testing.T, s Store, recs ...Record) []string {
	t.Helper()
	var paths []string
	for _, r := range recs {
		p, err := s.Write(r)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func TestListBadRecords(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	paths := writeAll(t, s, record("good-1", t0), record("good-2", t0.Add(time.Hour)), record("victim", t0.AddDate(0, 1, 0)))
	data, err := os.ReadFile(paths[2])
	if err != nil {
		t.Fatal(err)
	}
	month := filepath.Dir(paths[0])
	digestName := func(s string) string { return filepath.Join(month, strings.Repeat(s, 64)+".json") }
	tests := []struct {
		name, path, content, want string
	}{
		{"truncated", paths[2], string(data[:len(data)/2]), "truncated audit record"},
		{"cut line ending in a newline", digestName("9"), string(data[:len(data)/3]) + "\n", "truncated audit record"},
		{"modified", digestName("a"), string(data), "does not match its digest"},
		{"unknown field", digestName("b"), `{"request":{},"decision":{"decision":"allow"},"extra":1}` + "\n", `unknown field "extra"`},
		{"no decision", digestName("c"), `{"request":{}}` + "\n", "no decision"},
		{"data after the record", digestName("d"), `{"decision":{"decision":"allow"}} {}` + "\n", "data after the record"},
		{"misnamed", filepath.Join(month, "record.json"), string(data), "not an audit record name"},
		{"outside the month layout", filepath.Join(s.Dir, strings.Repeat("e", 64)+".json"), string(data), "not an audit record name"},
	}
	for _, tt := range tests {
		if err := os.WriteFile(tt.path, []byte(tt.content), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	// Files that are not records are not looked at.
	for _, name := range []string{".tmp-123.json", strings.Repeat("f", 64) + SignatureSuffix, "notes.txt"} {
		if err := os.WriteFile(filepath.Join(month, name), []byte("x"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	entries, bad := s.List(time.Time{})
	if len(entries) != 2 || entries[0].RequestID != "good-1" || entries[1].RequestID != "good-2" {
		t.Errorf("entries %+v, want good-1 and good-2 in time order", entries)
	}
	if len(bad) != len(tests) {
		t.Errorf("%d errors, want %d: %v", len(bad), len(tests), bad)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, err := range bad {
				if strings.HasPrefix(err.Error(), tt.path+": ") {
					if !strings.Contains(err.Error(), tt.want) {
						t.Errorf("error %q, want %q", err, tt.want)
					}
					return
				}
			}
			t.Errorf("no error names %s", tt.path)
		})
	}
}

func TestListSince(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	base := time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC)
	writeAll(t, s, record("jan", base), record("feb", base.Add(2*time.Hour)), record("mar", base.AddDate(0, 1, 5)), record("next-year", base.AddDate(1, 0, 0)))
	tests := []struct {
		name  string
		since time.Time
		want  []string
	}{
		{"all", time.Time{}, []string{"jan", "feb", "mar", "next-year"}},
		{"at the first record", base, []string{"jan", "feb", "mar", "next-year"}},
		{"a minute later", base.Add(time.Minute), []string{"feb", "mar", "next-year"}},
		{"from March", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), []string{"mar", "next-year"}},
		{"after all", base.AddDate(2, 0, 0), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, bad := s.List(tt.since)
			if len(bad) > 0 {
				t.Fatal(bad)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.RequestID)
				if e.Decision != "deny" || e.Environment != "production" || e.Service != "users" || e.Revision != "embedded:test" || !strings.HasPrefix(e.Digest, "sha256:") {
					t.Errorf("entry %+v", e)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if entries, bad := (Store{Dir: filepath.Join(s.Dir, "none")}).List(time.Time{}); len(entries) != 0 || len(bad) != 0 {
		t.Errorf("missing directory: %v %v", entries, bad)
	}
}

func TestPrune(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	old := writeAll(t, s, record("old-1", t0.AddDate(-2, 0, 0)), record("old-2", t0.AddDate(-2, 0, 1)))
	keep := writeAll(t, s, record("new", t0))
	sig := strings.TrimSuffix(old[0], ".json") + SignatureSuffix
	if err := os.WriteFile(sig, []byte("{}"), 0o640); err != nil {
		t.Fatal(err)
	}
	corrupt := filepath.Join(filepath.Dir(keep[0]), strings.Repeat("0", 64)+".json")
	if err := os.WriteFile(corrupt, []byte(`{"request":`), 0o640); err != nil {
		t.Fatal(err)
	}
	expired, _ := s.Expired(t0.AddDate(-1, 0, 0))
	if len(expired) != 2 {
		t.Errorf("Expired: %d entries, want 2", len(expired))
	}
	removed, err := s.Prune(t0.AddDate(-1, 0, 0))
	if err == nil || !strings.Contains(err.Error(), corrupt) {
		t.Errorf("Prune error %v, want one naming %s", err, corrupt)
	}
	if want := []string{old[0], sig, old[1]}; fmt.Sprint(removed) != fmt.Sprint(want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	for _, p := range append(old, sig, filepath.Dir(old[0]), filepath.Dir(filepath.Dir(old[0]))) {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s still there", p)
		}
	}
	for _, p := range append(keep, corrupt) {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func TestConcurrentWriters(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	const writers, each = 50, 4
	var wg sync.WaitGroup
	errs := make(chan error, writers*(each+1))
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := s.Write(record(fmt.Sprintf("w%d-%d", w, i), t0.Add(time.Duration(i)*time.Second))); err != nil {
					errs <- err
				}
			}
			// Every writer also writes one shared record: it is kept once.
			if _, err := s.Write(record("shared", t0)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	entries, bad := s.List(time.Time{})
	if len(bad) > 0 || len(entries) != writers*each+1 {
		t.Errorf("%d records (%v), want %d", len(entries), bad, writers*each+1)
	}
}

// TestConcurrentProcesses runs two processes writing into one directory.
func TestConcurrentProcesses(t *testing.T) {
	if dir := os.Getenv("GOV_TEST_AUDIT_WRITER"); dir != "" {
		s := Store{Dir: dir}
		for i := 0; i < 100; i++ {
			if _, err := s.Write(record(fmt.Sprintf("%s-%d", os.Getenv("GOV_TEST_AUDIT_NAME"), i), t0)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Write(record(fmt.Sprintf("shared-%d", i%10), t0)); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	dir := t.TempDir()
	var cmds []*exec.Cmd
	for _, name := range []string{"p1", "p2"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrentProcesses$")
		cmd.Env = append(os.Environ(), "GOV_TEST_AUDIT_WRITER="+dir, "GOV_TEST_AUDIT_NAME="+name)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("writer process: %v", err)
		}
	}
	entries, bad := (Store{Dir: dir}).List(time.Time{})
	if len(bad) > 0 || len(entries) != 2*100+10 {
		t.Errorf("%d records (%v), want %d", len(entries), bad, 2*100+10)
	}
}

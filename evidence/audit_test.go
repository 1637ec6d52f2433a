package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/engine"
)

func record(id string, at time.Time) Record {
	raw := "diff --git a/a.py b/a.py\n+password = \"hunter2hunter2\"\n"
	return Record{
		Request: engine.Request{
			RequestID: id, ActionType: "code_fix", Environment: "production", ServiceName: "users",
			PatchContent: MaskText(raw, []string{"hunter2hunter2"}, nil),
			ErrorContext: map[string]any{"error": "<nil> & friends"},
		},
		PatchDigest: PatchDigest([]byte(raw)),
		Findings:    []engine.Finding{{Rule: "secrets/password", File: "a.py", Line: 1, Fingerprint: "fp"}},
		Decision: &engine.Decision{
			Decision: engine.Deny, Reason: "denied", RiskLevel: "high", RequestID: id, Enforcement: "strict",
			Bundle: engine.BundleInfo{Source: "embedded", Revision: "embedded:test"},
		},
		Bundle: engine.BundleInfo{Source: "embedded", Revision: "embedded:test"},
		Time:   at, GovVersion: "test",
	}
}

var t0 = time.Date(2026, 3, 14, 15, 9, 26, 0, time.FixedZone("CET", 3600))

func TestWriteRead(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	rec := record("req-1", t0)
	path, err := s.Write(rec)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	want := filepath.Join(s.Dir, "2026", "03", hex.EncodeToString(sum[:])+".json")
	if path != want {
		t.Errorf("path %s, want %s (named by the SHA-256 of its content, month in UTC)", path, want)
	}
	if bytes.Contains(data, []byte("hunter2")) {
		t.Errorf("record holds the secret: %s", data)
	}
	if !bytes.Contains(data, []byte(`"<nil> & friends"`)) {
		t.Errorf("record escapes HTML characters: %s", data)
	}
	perms := []struct {
		path string
		want os.FileMode
	}{{path, 0o640}, {filepath.Dir(path), 0o750 | os.ModeDir}, {filepath.Dir(filepath.Dir(path)), 0o750 | os.ModeDir}}
	for _, p := range perms {
		if fi, err := os.Stat(p.path); err != nil || fi.Mode() != p.want {
			t.Errorf("%s: mode %v (%v), want %v", p.path, fi.Mode(), err, p.want)
		}
	}
	got, err := s.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Time.Equal(t0) || got.Request.RequestID != "req-1" || got.Decision.Decision != engine.Deny || len(got.Findings) != 1 {
		t.Errorf("read back %+v", got)
	}
	again, err := Encode(got)
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("re-encoding a read record changes it (%v):\n%s\n%s", err, again, data)
	}
	if p2, err := s.Write(rec); err != nil || p2 != path {
		t.Errorf("writing the same record again: %s, %v; want %s, nil", p2, err, path)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("month directory holds %d files, want 1 (temporary files left?)", len(entries))
	}
}

func TestWriteNeverOverwrites(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	rec := record("req-1", t0)
	path, err := s.Write(rec)
	if err != nil {
		t.Fatal(err)
	}
	tampered := []byte(`{"tampered":true}` + "\n")
	if err := os.WriteFile(path, tampered, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(rec); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Write over a modified record: %v, want an error naming %s", err, path)
	}
	if data, _ := os.ReadFile(path); !bytes.Equal(data, tampered) {
		t.Error("the existing file was overwritten")
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name string
		s    Store
		rec  Record
		want string
	}{
		{"no directory", Store{}, record("x", t0), "no audit directory"},
		{"no decision", Store{Dir: t.TempDir()}, Record{Time: t0}, "without a decision"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.s.Write(tt.rec); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
}

func TestMaskText(t *testing.T) {
	tests := []struct {
		name, text string
		secrets    []string
		want       string
	}{
		{"every occurrence", "a=SECRETSECRET1 b=SECRETSECRET1", []string{"SECRETSECRET1"}, "a=SECR********* b=SECR*********"},
		{"short secret starred", "pw=abc123;", []string{"abc123"}, "pw=******;"},
		{"overlapping secrets masked as one span", "k=zzabcXYZxyz0", []string{"abcXYZxyz0", "zzabc"}, "k=************"},
		{"overlapping occurrences of one secret", "aaaa", []string{"aaa"}, "****"},
		{"touching occurrences", "abcabc", []string{"abc"}, "******"},
		{"empty and absent secrets", "nothing here", []string{"", "absent"}, "nothing here"},
		{"multibyte", "s=ключ-секрет-123", []string{"ключ-секрет-123"}, "s=ключ***********"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MaskText(tt.text, tt.secrets, nil)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			for _, s := range tt.secrets {
				if s != "" && strings.Contains(got, s) {
					t.Errorf("%q still holds %q", got, s)
				}
			}
		})
	}
	custom := MaskText("x=AKIAIOSFODNN7EXAMPLE", []string{"AKIAIOSFODNN7EXAMPLE"}, func(s string) string { return "[" + fmt.Sprint(len(s)) + "]" })
	if custom != "x=[20]" {
		t.Errorf("custom mask: %q", custom)
	}
}

// TestRecordUnknownOutcomeRefused: a record whose decision is outside
// allow, deny and require_approval (written by another tool or an older
// gov, or edited and renamed to its new digest) is refused by Read and
// reported by Walk, never listed with an outcome gov does not know.
func TestRecordUnknownOutcomeRefused(t *testing.T) {
	for _, outcome := range []engine.Outcome{"allowed", "Allow", "warn", ""} {
		s := Store{Dir: t.TempDir()}
		rec := record("req-1", t0)
		rec.Decision.Decision = outcome
		path, err := s.Write(rec)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Read(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("decision %q: read as %q, error %v", outcome, got.Decision.Decision, err)
		}
		bad, err := s.Walk(time.Time{}, func(Entry, Record) error { return nil })
		if err != nil || len(bad) != 1 {
			t.Errorf("decision %q: walk reported %v, %v; want this record", outcome, bad, err)
		}
	}
}

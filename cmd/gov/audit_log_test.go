package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
)

// TestAuditLogEscapesRequestFields: a request id with a newline, a tab and
// an escape sequence cannot forge a row or a column of gov audit log.
func TestAuditLogEscapesRequestFields(t *testing.T) {
	dir := t.TempDir()
	forged := "r-1\n2026-01-01T00:00:00Z  allow  production  svc  r-2\t\x1b[2J"
	_, err := evidence.Store{Dir: dir}.Write(evidence.Record{
		Request:  engine.Request{RequestID: forged, ServiceName: "svc\rx", Environment: "production"},
		Decision: &engine.Decision{Decision: engine.Deny}, Time: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := runWith([]string{"audit", "log", "--audit-dir", dir}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || strings.ContainsAny(out.String(), "\t\r\x1b") {
		t.Fatalf("audit log printed %d lines (want header + 1) or a raw control character:\n%q", len(lines), out.String())
	}
	if !strings.Contains(lines[1], `"r-1\n2026-01-01T00:00:00Z  allow  production  svc  r-2\t\x1b[2J"`) {
		t.Errorf("request id not shown escaped: %q", lines[1])
	}
}

package github

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// webhooks holds copies of GitHub's example payloads (octokit/webhooks).
const webhooks = "../testdata/github/webhooks"

func TestDecodeEventReferencePayloads(t *testing.T) {
	for _, f := range []struct{ file, action string }{
		{"pull_request_opened.json", "opened"},
		{"pull_request_synchronize.json", "synchronize"},
		{"pull_request_labeled.json", "labeled"},
		{"pull_request_review_submitted.json", "submitted"},
		{"pull_request_review_dismissed.json", "dismissed"},
	} {
		t.Run(f.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(webhooks, f.file))
			if err != nil {
				t.Fatal(err)
			}
			ev, err := DecodeEvent(f.file, data)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Repo != (Repo{"Codertocat", "Hello-World"}) || ev.Number != 2 || len(ev.HeadSHA) != 40 || ev.Action != f.action || ev.BaseRef != "master" {
				t.Errorf("event = %+v", ev)
			}
		})
	}
}

func TestDecodeEventMalformed(t *testing.T) {
	tests := []struct{ name, payload, err string }{
		{"push event", readRef(t, "push.json"), "e.json: field pull_request is missing"},
		{"no number", `{"pull_request": {"head": {"sha": "abc"}}, "repository": {"full_name": "a/b"}}`, "field pull_request.number is missing"},
		{"no head sha", `{"pull_request": {"number": 3, "head": {}}, "repository": {"full_name": "a/b"}}`, "field pull_request.head.sha is missing"},
		{"no repository", `{"pull_request": {"number": 3, "head": {"sha": "abc"}}}`, "field repository.full_name is missing"},
		{"bad repository", `{"pull_request": {"number": 3, "head": {"sha": "abc"}}, "repository": {"full_name": "nope"}}`, "field repository.full_name: repository \"nope\": want OWNER/NAME"},
		{"number of the wrong type", `{"pull_request": {"number": "3"}}`, "field pull_request.number: want int, got string"},
		{"not JSON", `{`, "not a JSON event payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeEvent("e.json", []byte(tt.payload))
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("err = %v, want %q", err, tt.err)
			}
		})
	}
}

func readRef(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(webhooks, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestDecodeEventLabelAndRetarget: a labeled event names the label and who
// added it (the break-glass binding); an edited event that retargeted the
// PR names the previous base (the PR is decided again for the new one).
func TestDecodeEventLabelAndRetarget(t *testing.T) {
	ev, err := DecodeEvent("labeled", []byte(readRef(t, "pull_request_labeled.json")))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Action != "labeled" || ev.Label == "" || ev.SenderLogin != "Codertocat" || ev.SenderID != 21031067 {
		t.Errorf("labeled event = %+v", ev)
	}
	edited := `{"action": "edited", "changes": {"base": {"ref": {"from": "develop"}, "sha": {"from": "` + headSHA + `"}}},
		"pull_request": {"number": 3, "head": {"sha": "` + headSHA + `"}, "base": {"ref": "main"}},
		"repository": {"full_name": "acme/app"}, "sender": {"login": "alice", "id": 1}}`
	ev, err = DecodeEvent("edited", []byte(edited))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Action != "edited" || ev.PreviousBase != "develop" || ev.BaseRef != "main" || ev.Number != 3 {
		t.Errorf("edited event = %+v", ev)
	}
}

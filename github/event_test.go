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

func TestDecodeMergeGroup(t *testing.T) {
	ok := `{"action": "checks_requested", "merge_group": {"head_sha": "` + headSHA + `", "base_ref": "refs/heads/main"}, "repository": {"full_name": "acme/app"}}`
	g, isGroup, err := DecodeMergeGroup("e.json", []byte(ok))
	if err != nil || !isGroup || g != (MergeGroup{Repo: repo, HeadSHA: headSHA, BaseRef: "main"}) {
		t.Errorf("DecodeMergeGroup = %+v, %v, %v", g, isGroup, err)
	}
	if _, isGroup, err := DecodeMergeGroup("e.json", []byte(readRef(t, "pull_request_opened.json"))); isGroup || err != nil {
		t.Errorf("a pull_request payload: %v, %v", isGroup, err)
	}
	for _, tt := range []struct{ payload, err string }{
		{`{"action": "destroyed", "merge_group": {}}`, `merge_group action "destroyed": gov decides checks_requested only`},
		{`{"action": "checks_requested", "merge_group": {"base_ref": "refs/heads/main"}}`, "field merge_group.head_sha is missing"},
		{`{"action": "checks_requested", "merge_group": {"head_sha": "` + headSHA + `", "base_ref": "main"}}`, `merge_group.base_ref "main" is not a branch`},
		{`{"action": "checks_requested", "merge_group": {"head_sha": "` + headSHA + `", "base_ref": "refs/heads/main"}}`, "field repository.full_name is missing"},
	} {
		if _, isGroup, err := DecodeMergeGroup("e.json", []byte(tt.payload)); !isGroup || err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: %v, %v; want %q", tt.payload, isGroup, err, tt.err)
		}
	}
}

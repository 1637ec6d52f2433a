package bundles

import (
	"strings"
	"testing"
)

// TestUnpinnedUserMemberWarns: a bare user:LOGIN counts as nobody at run
// time (the login can change hands), so loading warns with the fix; a
// pinned user:LOGIN#ID does not.
func TestUnpinnedUserMemberWarns(t *testing.T) {
	roles := "roles: {\n\tsre: {members: [\"team:acme/sre\", \"user:carol\", \"user:bob#2\"], permissions: [\"approve\"]}\n}\n"
	b, err := LoadFS(mapFS(map[string]string{"roles.cue": roles}), "t", "", "r")
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(b.Warnings, "\n")
	want := `roles.sre.members.1: "user:carol" is not pinned to a user id: it approves nothing and blocks as unverifiable; write "user:carol#<id>" (the id from GET /users/carol)`
	if !strings.Contains(all, want) || !strings.HasPrefix(all, "roles.cue:") {
		t.Errorf("warnings:\n%s\nwant one with %s", all, want)
	}
	if strings.Contains(all, "user:bob#2") {
		t.Errorf("a pinned member warned: %s", all)
	}
}

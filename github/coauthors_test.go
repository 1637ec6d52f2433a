package github

import (
	"reflect"
	"strings"
	"testing"

	"github.com/gov-policy/gov/approvals"
)

// TestCoAuthorTrailers: a noreply trailer names its account by id; any
// other is unresolved and noted; duplicates count once; text that is not
// a trailer line is ignored.
func TestCoAuthorTrailers(t *testing.T) {
	commits := []Commit{
		{Message: "fix\n\nCo-authored-by: bob <2+bob@users.noreply.github.com>\nco-authored-by: Dana D <dana@example.com>\n"},
		{Message: "more\n\nCo-Authored-By: bob <2+bob@users.noreply.github.com>\nsee Co-authored-by: x <9+x@users.noreply.github.com> inline\n"},
	}
	ids, logins, unresolved := coAuthors(commits)
	if !reflect.DeepEqual(ids, []int64{2}) || !reflect.DeepEqual(logins, []string{"bob"}) {
		t.Errorf("ids %v logins %v", ids, logins)
	}
	want := []approvals.CoAuthor{{Name: "Dana D", Email: "dana@example.com"}}
	if !reflect.DeepEqual(unresolved, want) {
		t.Errorf("unresolved %+v", unresolved)
	}
	if n := coAuthorNotes(approvals.PR{CoAuthorsUnresolved: want}); len(n) != 1 || !strings.Contains(n[0], "Dana D <dana@example.com> names no GitHub account") {
		t.Errorf("notes %v", n)
	}
	if !want[0].Matches("dana") || !want[0].Matches("DANA D") || want[0].Matches("bob") {
		t.Error("Matches")
	}
}

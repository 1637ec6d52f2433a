package github

import (
	"strings"
	"testing"
)

// TestParseRepoRefusesPathTricks: names from payloads cannot steer an API
// path ("../x" would become GET /x/pulls/2).
func TestParseRepoRefusesPathTricks(t *testing.T) {
	for in, ok := range map[string]bool{
		"acme/app": true, "Code-r/Hello.World_2": true, "a/.github": true,
		"../x": false, "acme/..": false, "acme/.": false, "acme/a%2Fb": false, "acme/a?b": false,
		"acme/a#b": false, "-acme/app": false, "acme-/app": false, "ac me/app": false, "acme/app\n": false,
		strings.Repeat("a", 40) + "/x": false, "acme/" + strings.Repeat("a", 101): false, "acme/ü": false,
	} {
		if _, err := ParseRepo(in); (err == nil) != ok {
			t.Errorf("ParseRepo(%q) err = %v, want ok=%v", in, err, ok)
		}
	}
}

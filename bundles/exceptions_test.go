package bundles

import (
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/internal/gittest"
)

// exceptionsFile is an exceptions.cue holding one exception.
func exceptionsFile(rule, paths, expires string) string {
	return "exceptions: [{\n\trule: \"" + rule + "\"\n" + paths + "\texpires: \"" + expires + "\"\n\treason: \"r\"\n\tapproved_by: \"user:carol\"\n}]\n"
}

func inDays(n int) string { return time.Now().UTC().AddDate(0, 0, n).Format(time.DateOnly) }

// Attack: exceptions that waive more than they say, or nothing at all.
func TestExceptionsRefused(t *testing.T) {
	tests := []struct {
		name, exceptions, gov, want string
	}{
		// `rule: "*"` used to waive every deny, secrets included.
		{"star without paths", exceptionsFile("*", "", inDays(10)), "",
			`exceptions.cue:2:2: exceptions.0.rule: "*" is a pattern: an exception for several rules must list the paths it covers`},
		{"family glob without paths", exceptionsFile("secrets/*", "", inDays(10)), "",
			`exceptions.cue:2:2: exceptions.0.rule: "secrets/*" is a pattern: an exception for several rules must list the paths it covers`},
		{"unknown rule", exceptionsFile("secrets/findng", "", inDays(10)), "",
			`exceptions.cue:2:2: exceptions.0.rule: no rule "secrets/findng" in this bundle (gov bundle check lists the rule ids)`},
		{"glob matching nothing", exceptionsFile("nope/*", "\tpaths: [\"a/**\"]\n", inDays(10)), "",
			`exceptions.cue:2:2: exceptions.0.rule: no rule "nope/*" in this bundle (gov bundle check lists the rule ids)`},
		{"past the default ceiling", exceptionsFile("secrets/finding", "", inDays(91)), "",
			`exceptions.cue:3:2: exceptions.0.expires: ` + inDays(91) + ` is 91 days after today (not committed); gov.cue allows at most 90 (exception_max_days)`},
		{"past the bundle's ceiling", exceptionsFile("secrets/finding", "", inDays(31)), "exception_max_days: 30\n",
			`exceptions.cue:3:2: exceptions.0.expires: ` + inDays(31) + ` is 31 days after today (not committed); gov.cue allows at most 30 (exception_max_days)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"exceptions.cue": tt.exceptions}
			if tt.gov != "" {
				files["gov.cue"] = tt.gov
			}
			_, err := LoadFS(mapFS(files), "t", "", "r")
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got: %v\nwant: %s", err, tt.want)
			}
		})
	}
	for name, x := range map[string]string{
		"known rule":             exceptionsFile("secrets/finding", "", inDays(90)),
		"glob with paths":        exceptionsFile("code/*", "\tpaths: [\"tools/**\"]\n", inDays(30)),
		"element id of a policy": exceptionsFile("acme/x", "", inDays(30)),
	} {
		files := map[string]string{"exceptions.cue": x, "policies/x.rego": "package gov.x\n\nwarn contains {\"msg\": \"m\", \"id\": \"acme/x\"}\n"}
		if _, err := LoadFS(mapFS(files), "t", "", "r"); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// An expired exception is a warning naming the date; it waives nothing.
func TestExpiredExceptionWarns(t *testing.T) {
	b, err := LoadFS(mapFS(map[string]string{"exceptions.cue": exceptionsFile("secrets/finding", "", "2026-01-31")}), "t", "", "r")
	if err != nil {
		t.Fatal(err)
	}
	if want := "exceptions.cue:1:14: exception for secrets/finding expired on 2026-01-31: it waives nothing"; !strings.Contains(strings.Join(b.Warnings, "\n"), want) {
		t.Errorf("warnings %q, want %q", b.Warnings, want)
	}
}

// In Git the ceiling counts from the commit that added the exception (not
// from today, which would let an old exception be renewed by the clock).
func TestExceptionCeilingFromCommit(t *testing.T) {
	r := gittest.New(t)
	// Committed 2026-01-01 (gittest's clock): 120 days later is past 90.
	x := exceptionsFile("secrets/finding", "", "2026-05-01")
	r.Commit("add exception", map[string]string{"policy/exceptions.cue": x})
	for _, ref := range []string{"policy", "policy@HEAD"} {
		_, err := Load(t.Context(), ref, LoadOptions{WorkDir: r.Dir})
		want := "exceptions.0.expires: 2026-05-01 is 120 days after when it was committed, 2026-01-01; gov.cue allows at most 90 (exception_max_days)"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", ref, err, want)
		}
	}
}

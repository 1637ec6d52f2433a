package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/github/githubtest"
)

// bigTeam returns n member logins.
func bigTeam(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("member%03d", i)
	}
	return out
}

// teamFailures are the ways listing team acme/oncall can fail. None of them
// may be read as "not a member".
func teamFailures() []struct {
	name  string
	fault githubtest.Fault
	err   string
} {
	const path = "/orgs/acme/teams/oncall/members"
	return []struct {
		name  string
		fault githubtest.Fault
		err   string
	}{
		{"server error", githubtest.Fault{Path: path, Status: 500}, "members of team acme/oncall: GitHub answered 500: Internal Server Error"},
		{"forbidden", githubtest.Fault{Path: path, Status: 403}, "members of team acme/oncall: forbidden (403): the credentials lack the permission members:read (classic token scope: read:org)"},
		{"not found (secret team or wrong slug)", githubtest.Fault{Path: path, Status: 404}, "members of team acme/oncall: not found (404): a wrong slug, or a secret team the credentials cannot see"},
		{"primary rate limit", githubtest.Fault{Path: path, Status: 403, Reset: t0.Add(40 * time.Minute)}, "members of team acme/oncall: GitHub primary rate limit exhausted"},
		{"secondary rate limit", githubtest.Fault{Path: path, Status: 429, RetryAfter: 600}, "members of team acme/oncall: GitHub secondary rate limit"},
		{"timeout", githubtest.Fault{Path: path, Delay: githubtest.Duration(5 * time.Second)}, "members of team acme/oncall: Get"},
		{"garbage body", githubtest.Fault{Path: path, Body: "<html>unicorn</html>"}, "members of team acme/oncall: GitHub's answer is not the JSON expected"},
		{"null body", githubtest.Fault{Path: path, Body: "null"}, "members of team acme/oncall: GitHub answered 200 with an empty body"},
		{"an object instead of a list", githubtest.Fault{Path: path, Body: `{"message": "ok"}`}, "members of team acme/oncall: GitHub's answer is not the JSON expected"},
		{"entries without ids", githubtest.Fault{Path: path, Body: `[{"login": "gina"}]`}, "members of team acme/oncall: page 1 entry 1 is not an account with an id"},
		{"the second page fails (cut-off list)", githubtest.Fault{Path: path, Query: "page=2", Status: 502}, "members of team acme/oncall: GitHub answered 502"},
	}
}

// clientTimeout gives the test client a short HTTP timeout (the "timeout" fault).
func clientTimeout(srv *githubtest.Server) func(*Options) {
	return func(o *Options) {
		o.HTTPClient = &http.Client{Transport: srv.Client().Transport, Timeout: 300 * time.Millisecond}
	}
}

func TestTeamMembersFailClosed(t *testing.T) {
	for _, tt := range teamFailures() {
		t.Run(tt.name, func(t *testing.T) {
			fx := fixture()
			fx.Teams["acme/oncall"] = bigTeam(150)
			srv := serve(t, fx)
			srv.AddFault(tt.fault)
			c, _ := newTestClient(t, srv, clientTimeout(srv))
			ids, err := c.TeamMembers(context.Background(), "acme", "oncall")
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("TeamMembers = %d ids, %v; want error %q", len(ids), err, tt.err)
			}
			if ids != nil {
				t.Errorf("a failed listing returned %d ids", len(ids))
			}
			if strings.Contains(tt.err, "(404)") != errors.Is(err, ErrNotFound) {
				t.Errorf("ErrNotFound wrapped: %v, for %v", errors.Is(err, ErrNotFound), err)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

func TestTeamMembers(t *testing.T) {
	fx := fixture()
	fx.Teams["acme/big"] = bigTeam(250)
	fx.Teams["acme/sre"] = []string{"bob", "alice"}
	fx.TeamPending = map[string][]string{"acme/sre": {"eve"}}
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	ctx := context.Background()

	ids, err := c.TeamMembers(ctx, "acme", "sre")
	if err != nil || !reflect.DeepEqual(ids, []int64{bob.ID, alice.ID}) {
		t.Errorf("acme/sre = %v, %v; want bob and alice by id, not eve (pending)", ids, err)
	}
	ids, err = c.TeamMembers(ctx, "acme", "big")
	if err != nil || len(ids) != 250 || ids[249] != githubtest.UserID("member249") {
		t.Errorf("acme/big = %d ids, %v; want all 250 (3 pages)", len(ids), err)
	}
	if got := c.Stats().Endpoints["GET /api/v3/orgs/acme/teams/big/members"]; got != 3 {
		t.Errorf("acme/big listed in %d calls, want 3 pages", got)
	}
	// Asked again by the same client: no call.
	before := c.Stats().Calls
	if _, err := c.TeamMembers(ctx, "ACME", "Big"); err != nil || c.Stats().Calls != before {
		t.Errorf("second listing: %v, %d calls", err, c.Stats().Calls-before)
	}
}

// TestTeamMembersRevalidated: past the memo's minute a client lists again
// with If-None-Match; a second client sharing the cache does the same, and
// GitHub's 304s are served from the cache.
func TestTeamMembersRevalidated(t *testing.T) {
	fx := fixture()
	fx.Teams["acme/big"] = bigTeam(150)
	srv := serve(t, fx)
	now := t0
	cache := NewCache()
	clock := func(o *Options) { o.Now = func() time.Time { return now }; o.Cache = cache }
	c, _ := newTestClient(t, srv, clock)
	ctx := context.Background()
	if _, err := c.TeamMembers(ctx, "acme", "big"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(memoTTL)
	ids, err := c.TeamMembers(ctx, "acme", "big")
	if st := c.Stats(); err != nil || len(ids) != 150 || st.Calls != 4 || st.NotModified != 2 {
		t.Errorf("after the memo expired: %d ids, %v; %s; want 2 more calls, both 304", len(ids), err, st)
	}
	c2, _ := newTestClient(t, srv, clock)
	ids, err = c2.TeamMembers(ctx, "acme", "big")
	if st := c2.Stats(); err != nil || len(ids) != 150 || st.Calls != 2 || st.NotModified != 2 {
		t.Errorf("second client: %d ids, %v; %s; want 2 calls, both 304", len(ids), err, st)
	}
	// A member removed meanwhile is seen at once: the ETag changes.
	srv.Update(func(f *githubtest.Fixture) { f.Teams["acme/big"] = f.Teams["acme/big"][1:] })
	c3, _ := newTestClient(t, srv, clock)
	if ids, err := c3.TeamMembers(ctx, "acme", "big"); err != nil || len(ids) != 149 {
		t.Errorf("after a removal: %d ids, %v", len(ids), err)
	}
}

func TestUserID(t *testing.T) {
	tests := []struct {
		name, login string
		fault       *githubtest.Fault
		id          int64
		err         string
	}{
		{name: "known login", login: "bob", id: bob.ID},
		{name: "case does not matter", login: "BOB", id: bob.ID},
		{name: "nobody holds the login", login: "gone", err: "user gone: no such account (404): the login was renamed or deleted"},
		{name: "server error", login: "bob", fault: &githubtest.Fault{Path: "/users/bob", Status: 503}, err: "user bob: GitHub answered 503"},
		{name: "answer for another login", login: "bob", fault: &githubtest.Fault{Path: "/users/bob", Body: `{"login": "eve", "id": 66}`}, err: `user bob: GitHub answered for "eve" (id 66): malformed answer`},
		{name: "answer without id", login: "bob", fault: &githubtest.Fault{Path: "/users/bob", Body: `{"login": "bob"}`}, err: "malformed answer"},
		{name: "garbage", login: "bob", fault: &githubtest.Fault{Path: "/users/bob", Body: `]`}, err: "not the JSON expected"},
		{name: "secondary rate limit", login: "bob", fault: &githubtest.Fault{Path: "/users/bob", Status: 403, RetryAfter: 120}, err: "GitHub secondary rate limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, fixture())
			if tt.fault != nil {
				srv.AddFault(*tt.fault)
			}
			c, _ := newTestClient(t, srv, nil)
			id, err := c.UserID(context.Background(), tt.login)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("UserID = %d, %v; want error %q", id, err, tt.err)
				}
				if strings.Contains(tt.err, "404") && !errors.Is(err, ErrNotFound) {
					t.Errorf("err does not wrap ErrNotFound: %v", err)
				}
				return
			}
			if err != nil || id != tt.id {
				t.Fatalf("UserID = %d, %v; want %d", id, err, tt.id)
			}
			if _, err := c.UserID(context.Background(), tt.login); err != nil || c.Stats().Calls != 1 {
				t.Errorf("asked again: %v after %d calls, want 1", err, c.Stats().Calls)
			}
		})
	}
}

package github

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gov-policy/gov/approvals"
)

// Membership is what counting approvals asks of GitHub: the member ids of
// a team and the id behind a login (approvals.Membership).
type Membership = approvals.Membership

var _ Membership = (*Client)(nil)

// memoTTL is how long a Client reuses a team's member list or a login's
// id: long enough for one evaluation to ask each once, short enough that a
// Client kept by a server sees a removal soon (later lists are revalidated
// with the ETag cache, and a 304 costs no rate limit).
const memoTTL = time.Minute

// maxTeamPages bounds a team listing (100 members a page). A larger team is
// an error, never a partial list: a member missing from a cut-off list
// would be a request for changes that does not block.
const maxTeamPages = 100

const permMembersRead = "members:read (classic token scope: read:org)"

// member is one entry of a team's member list or a user answer.
type member struct {
	ID    int64  `json:"id"`
	Login string `json:"login"`
}

type memo struct {
	ids []int64
	at  time.Time
}

// TeamMembers lists GET /orgs/{org}/teams/{slug}/members, every page, and
// returns the member ids. GitHub lists active members only (a pending
// invitation is not a membership) and includes child teams' members. Any
// failure is an error, never a shorter list: an error answer on any page
// (a 403 names the missing permission; a 404 is a wrong slug or a secret
// team the credentials cannot see), a body that is not a list of accounts
// with ids, a next-page link that does not go to the next page, or more
// than maxTeamPages pages.
func (c *Client) TeamMembers(ctx context.Context, org, slug string) ([]int64, error) {
	key := "team " + strings.ToLower(org+"/"+slug)
	if ids, ok := c.recall(key); ok {
		return ids, nil
	}
	op := fmt.Sprintf("members of team %s/%s", org, slug)
	var ids []int64
	for page := 1; ; page++ {
		if page > maxTeamPages {
			return nil, fmt.Errorf("%s: more than %d members; gov does not count a partial list", op, maxTeamPages*100)
		}
		u := fmt.Sprintf("orgs/%s/teams/%s/members?per_page=100", url.PathEscape(org), url.PathEscape(slug))
		if page > 1 {
			u += "&page=" + strconv.Itoa(page)
		}
		var list []member
		next, err := c.getJSON(ctx, u, &list)
		if errors.Is(err, ErrNotFound) {
			return nil, &opError{msg: op + ": not found (404): a wrong slug, or a secret team the credentials cannot see", err: err}
		}
		if err != nil {
			return nil, apiError(op, permMembersRead, err)
		}
		for i, m := range list {
			if m.ID <= 0 || m.Login == "" {
				return nil, fmt.Errorf("%s: page %d entry %d is not an account with an id (GitHub's answer is malformed)", op, page, i+1)
			}
			ids = append(ids, m.ID)
		}
		if next == 0 {
			break
		}
		if next != page+1 {
			return nil, fmt.Errorf("%s: page %d links to page %d as the next one; the list cannot be read completely", op, page, next)
		}
	}
	c.keep(key, ids)
	return ids, nil
}

// UserID resolves GET /users/{login} to the id of the account that holds
// the login now. A login nobody holds (renamed or deleted) is an error.
func (c *Client) UserID(ctx context.Context, login string) (int64, error) {
	key := "user " + strings.ToLower(login)
	if ids, ok := c.recall(key); ok {
		return ids[0], nil
	}
	op := "user " + login
	var u member
	_, err := c.getJSON(ctx, "users/"+url.PathEscape(login), &u)
	if errors.Is(err, ErrNotFound) {
		return 0, &opError{msg: op + ": no such account (404): the login was renamed or deleted", err: err}
	}
	if err != nil {
		return 0, apiError(op, "none (public profile)", err)
	}
	if u.ID <= 0 || !strings.EqualFold(u.Login, login) {
		return 0, fmt.Errorf("%s: GitHub answered for %q (id %d): malformed answer", op, u.Login, u.ID)
	}
	c.keep(key, []int64{u.ID})
	return u.ID, nil
}

// getJSON GETs an API path and decodes its body strictly into v (a JSON
// null or an empty body is malformed, not an empty answer). It returns the
// next page GitHub links to (0 for none). A 404 wraps ErrNotFound.
func (c *Client) getJSON(ctx context.Context, path string, v any) (int, error) {
	req, err := c.gh.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return 0, err
	}
	var raw json.RawMessage
	resp, err := c.gh.Do(ctx, req, &raw)
	if err != nil {
		var syntax *json.SyntaxError
		switch {
		case statusOf(err) == http.StatusNotFound:
			return 0, fmt.Errorf("%w: %w", ErrNotFound, err)
		case errors.As(err, &syntax):
			return 0, fmt.Errorf("GitHub's answer is not the JSON expected: %w", err)
		}
		return 0, err
	}
	body := bytes.TrimSpace(raw)
	if len(body) == 0 || bytes.Equal(body, []byte("null")) {
		return 0, fmt.Errorf("GitHub answered %d with an empty body", resp.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return 0, fmt.Errorf("GitHub's answer is not the JSON expected: %w", err)
	}
	return resp.NextPage, nil
}

func (c *Client) recall(key string) ([]int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.memo[key]
	if !ok || c.tr.now().Sub(m.at) >= memoTTL {
		return nil, false
	}
	return m.ids, true
}

func (c *Client) keep(key string, ids []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.memo[key] = memo{ids: ids, at: c.tr.now()}
}

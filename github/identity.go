package github

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Identity is the account gov's comments are written as. Only comments by
// this account are gov's own: a marker in anyone else's comment (another
// bot's included) neither steers gov nor gets edited by it.
type Identity struct {
	Login string
	// ID is 0 when only the login is known (GOV_COMMENT_AUTHOR, an App's bot).
	ID int64
}

// actionsBot is the account the Actions GITHUB_TOKEN writes as.
var actionsBot = Identity{Login: "github-actions[bot]", ID: 41898282}

// Identity resolves who gov writes as, once per client: CommentAuthor when
// set; a GitHub App's bot user "<slug>[bot]" (GET /app, as the App); the
// token's user (GET /user); github-actions[bot] for a token GET /user
// refuses inside Actions. Anything else is an error: gov does not guess.
func (c *Client) Identity(ctx context.Context) (Identity, error) {
	c.mu.Lock()
	id := c.identity
	c.mu.Unlock()
	if id != nil {
		return *id, nil
	}
	got, err := c.resolveIdentity(ctx)
	if err != nil {
		return Identity{}, err
	}
	c.mu.Lock()
	c.identity = &got
	c.mu.Unlock()
	return got, nil
}

func (c *Client) resolveIdentity(ctx context.Context) (Identity, error) {
	if c.commentAuthor != "" {
		return Identity{Login: c.commentAuthor}, nil
	}
	if c.app != nil {
		app, _, err := c.app.Apps.Get(ctx, "")
		if err != nil {
			return Identity{}, apiError("the GitHub App (GET /app, to tell gov's own comments)", "the App's private key", err)
		}
		if app.GetSlug() == "" {
			return Identity{}, fmt.Errorf("GET /app: GitHub's answer lacks the App's slug")
		}
		return Identity{Login: app.GetSlug() + "[bot]"}, nil
	}
	u, _, err := c.gh.Users.Get(ctx, "")
	if err == nil {
		if u.GetLogin() == "" || u.GetID() == 0 {
			return Identity{}, fmt.Errorf("GET /user: GitHub's answer lacks login or id")
		}
		return Identity{Login: u.GetLogin(), ID: u.GetID()}, nil
	}
	if s := statusOf(err); c.actions && (s == http.StatusForbidden || s == http.StatusUnauthorized) {
		return actionsBot, nil
	}
	return Identity{}, fmt.Errorf("cannot tell gov's own comments from others' (set GOV_COMMENT_AUTHOR to the login gov comments as): %w",
		apiError("the token's user (GET /user)", "read access to the user", err))
}

// owns reports whether a comment author is gov itself.
func (id Identity) owns(login string, userID int64) bool {
	return strings.EqualFold(login, id.Login) && (id.ID == 0 || id.ID == userID)
}

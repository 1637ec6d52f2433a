package approvals

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gov-policy/gov/bundles"
)

// person is a reviewer or label actor, identified by user id.
type person struct {
	id    int64
	login string
	bot   bool
}

func isBot(login string, flagged bool) bool {
	return flagged || strings.HasSuffix(strings.ToLower(login), "[bot]")
}

// answer memoises one lookup: a team's member ids (or a pinned user id).
type answer struct {
	ids map[int64]bool
	err error
}

// checker decides role holding by numeric user id. Every team is listed at
// most once per evaluation, however many people
// are checked, so the API cost does not grow with the number of reviewers.
type checker struct {
	m         Membership
	roles     map[string]bundles.Role
	allowBots bool
	teams     map[string]answer
}

func newChecker(m Membership, roles map[string]bundles.Role, allowBots bool) *checker {
	return &checker{m: m, roles: roles, allowBots: allowBots, teams: map[string]answer{}}
}

// holds reports whether p holds role. When it does not and a member entry
// could not be checked (a team not listed, a login not resolved),
// unverified says why; err is only the context's error.
func (c *checker) holds(ctx context.Context, p person, role string) (ok bool, unverified []string, err error) {
	r, defined := c.roles[role]
	if !defined {
		return false, nil, nil
	}
	for _, m := range r.Members {
		kind, name, _ := strings.Cut(m, ":")
		var a answer
		switch kind {
		case "user":
			if p.bot {
				continue
			}
			a = c.user(p, name)
		case "app":
			// allow_bots gates approvals (eligibility) and break-glass, not
			// holding: a bot in the role that requests changes blocks.
			if p.bot && strings.EqualFold(name+"[bot]", p.login) {
				return true, nil, nil
			}
			continue
		case "team":
			if p.bot {
				continue
			}
			a = c.team(ctx, name)
		default:
			continue
		}
		if cerr := ctx.Err(); cerr != nil {
			return false, nil, cerr
		}
		if a.err != nil {
			unverified = append(unverified, fmt.Sprintf("%s %s unverifiable: %v", kind, name, a.err))
			continue
		}
		if a.ids[p.id] {
			return true, nil, nil
		}
	}
	return false, unverified, nil
}

// user resolves a user: member, "LOGIN#ID": the pinned id is taken as it
// is. A bare "LOGIN" counts as nobody: the login could have been given up
// and re-registered by someone else, so holding it proves nothing. It is
// unverifiable for whoever has that login now (their approval does not
// count, their request for changes blocks); gov bundle check warns.
func (c *checker) user(p person, name string) answer {
	login, pinned, hasID := strings.Cut(name, "#")
	if hasID {
		id, err := strconv.ParseInt(pinned, 10, 64)
		if err != nil || id <= 0 {
			return answer{err: fmt.Errorf("%q is not a numeric user id", pinned)}
		}
		return answer{ids: map[int64]bool{id: true}}
	}
	if strings.EqualFold(login, p.login) {
		return answer{err: fmt.Errorf("not pinned to a user id (write user:%s#ID): a login can change hands", login)}
	}
	return answer{}
}

// team lists a team: member, "ORG/SLUG".
func (c *checker) team(ctx context.Context, name string) answer {
	k := strings.ToLower(name)
	if a, ok := c.teams[k]; ok {
		return a
	}
	org, slug, found := strings.Cut(name, "/")
	a := answer{err: errNoSource}
	switch {
	case !found || org == "" || slug == "":
		a = answer{err: fmt.Errorf("want ORG/SLUG")}
	case c.m != nil:
		ids, err := c.m.TeamMembers(ctx, org, slug)
		a = answer{err: err}
		if err == nil {
			a.ids = make(map[int64]bool, len(ids))
			for _, id := range ids {
				a.ids[id] = true
			}
		}
	}
	c.teams[k] = a
	return a
}

var errNoSource = errors.New("no membership source")

// holdsAny reports the first of roles that p holds.
func (c *checker) holdsAny(ctx context.Context, p person, roles []string) (string, []string, error) {
	var why []string
	for _, role := range roles {
		ok, unverified, err := c.holds(ctx, p, role)
		if err != nil || ok {
			return role, nil, err
		}
		why = append(why, unverified...)
	}
	return "", why, nil
}

// rolesWith lists, sorted, the roles granting a permission.
func rolesWith(roles map[string]bundles.Role, permission string) []string {
	var out []string
	for name, r := range roles {
		for _, p := range r.Permissions {
			if p == permission {
				out = append(out, name)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// mentions renders a role's users and teams as @-mentions.
func mentions(r bundles.Role) string {
	var out []string
	for _, m := range r.Members {
		kind, name, _ := strings.Cut(m, ":")
		if kind == "user" || kind == "team" {
			login, _, _ := strings.Cut(name, "#")
			out = append(out, "@"+login)
		}
	}
	return strings.Join(out, " ")
}

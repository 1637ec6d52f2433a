package approvals

import (
	"context"
	"fmt"
	"sort"
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

type teamKey struct {
	org, slug string
	id        int64
}

type teamAnswer struct {
	in  bool
	err error
}

// checker decides role holding. Team answers are memoised so that no
// membership is asked twice within one evaluation.
type checker struct {
	m         Membership
	roles     map[string]bundles.Role
	allowBots bool
	memo      map[teamKey]teamAnswer
}

func newChecker(m Membership, roles map[string]bundles.Role, allowBots bool) *checker {
	return &checker{m: m, roles: roles, allowBots: allowBots, memo: map[teamKey]teamAnswer{}}
}

// holds reports whether p holds role. When it does not and a team
// membership could not be confirmed, unverified says why; err is only the
// context's error.
func (c *checker) holds(ctx context.Context, p person, role string) (ok bool, unverified []string, err error) {
	r, defined := c.roles[role]
	if !defined {
		return false, nil, nil
	}
	for _, m := range r.Members {
		kind, name, _ := strings.Cut(m, ":")
		switch kind {
		case "user":
			if !p.bot && strings.EqualFold(name, p.login) {
				return true, nil, nil
			}
		case "app":
			if p.bot && c.allowBots && strings.EqualFold(name+"[bot]", p.login) {
				return true, nil, nil
			}
		case "team":
			if p.bot {
				continue
			}
			org, slug, found := strings.Cut(name, "/")
			if !found || c.m == nil {
				unverified = append(unverified, fmt.Sprintf("team %s unverifiable: no membership source", name))
				continue
			}
			in, terr := c.inTeam(ctx, org, slug, p)
			if cerr := ctx.Err(); cerr != nil {
				return false, nil, cerr
			}
			if terr != nil {
				unverified = append(unverified, fmt.Sprintf("team %s unverifiable: %v", name, terr))
				continue
			}
			if in {
				return true, nil, nil
			}
		}
	}
	return false, unverified, nil
}

func (c *checker) inTeam(ctx context.Context, org, slug string, p person) (bool, error) {
	k := teamKey{strings.ToLower(org), strings.ToLower(slug), p.id}
	if a, ok := c.memo[k]; ok {
		return a.in, a.err
	}
	in, err := c.m.InTeam(ctx, org, slug, p.id, p.login)
	c.memo[k] = teamAnswer{in, err}
	return in, err
}

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
			out = append(out, "@"+name)
		}
	}
	return strings.Join(out, " ")
}

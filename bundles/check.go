package bundles

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// checkBundle checks what the schema cannot: references between files,
// regular expressions and dates. The first problem found is returned.
func checkBundle(b *Bundle, cs configs) error {
	gov, wf, rf, ef := cs.files["gov"], cs.files["workflows"], cs.files["rules"], cs.files["exceptions"]
	for _, name := range slices.Sorted(maps.Keys(b.Workflows)) {
		w := b.Workflows[name]
		for i, s := range w.Stages {
			for j, role := range s.ApproverRoles {
				if _, ok := b.Roles[role]; !ok {
					return refError(wf, []string{"workflows", name, "stages", strconv.Itoa(i), "approver_roles", strconv.Itoa(j)}, "role", role)
				}
			}
		}
		if w.EscalateTo != "" {
			if _, ok := b.Roles[w.EscalateTo]; !ok {
				return refError(wf, []string{"workflows", name, "escalate_to"}, "role", w.EscalateTo)
			}
		}
	}
	if d := b.Config.DefaultWorkflow; d != "" {
		if _, ok := b.Workflows[d]; !ok {
			return refError(gov, []string{"default_workflow"}, "workflow", d)
		}
	}
	if err := checkEnvironments(b, gov, wf); err != nil {
		return err
	}
	seen := map[string]int{}
	for i, r := range b.Rules {
		at := []string{"rules", strconv.Itoa(i)}
		if j, dup := seen[r.ID]; dup {
			return locError(rf, append(at, "id"), fmt.Sprintf("duplicate rule id %q (also rules.%d)", r.ID, j))
		}
		seen[r.ID] = i
		if r.Workflow != "" {
			if _, ok := b.Workflows[r.Workflow]; !ok {
				return refError(rf, append(at, "workflow"), "workflow", r.Workflow)
			}
		}
		for j, c := range r.Conditions {
			if key, err := checkCondition(c); err != nil {
				return locError(rf, append(at, "conditions", strconv.Itoa(j), key), err.Error())
			}
		}
	}
	rl := cs.files["roles"]
	for _, name := range slices.Sorted(maps.Keys(b.Roles)) {
		for i, m := range b.Roles[name].Members {
			login, found := strings.CutPrefix(m, "user:")
			if found && !strings.Contains(login, "#") {
				// A bare login counts as nobody: it could be re-registered
				// by someone else (approvals never resolves it).
				b.Warnings = append(b.Warnings, fmt.Sprintf("%s: roles.%s.members.%d: %q is not pinned to a user id: it approves nothing and blocks as unverifiable; write \"user:%s#<id>\" (the id from GET /users/%s)",
					rl.pos([]string{"roles", name, "members", strconv.Itoa(i)}), name, i, m, login, login))
			}
		}
	}
	for i, e := range b.Exceptions {
		if _, err := time.Parse(time.DateOnly, e.Expires); err != nil {
			return locError(ef, []string{"exceptions", strconv.Itoa(i), "expires"}, fmt.Sprintf("invalid date %q", e.Expires))
		}
	}
	return nil
}

func refError(cf configFile, elems []string, kind, name string) error {
	return locError(cf, elems, fmt.Sprintf("unknown %s %q", kind, name))
}

// locError formats "file:line:col: path: msg".
func locError(cf configFile, elems []string, msg string) error {
	where := cf.pos(elems)
	if cf.name == "" {
		where = "(defaults)"
	}
	return fmt.Errorf("%s: %s: %s", where, joinPath(elems), msg)
}

func joinPath(elems []string) string { return strings.Join(elems, ".") }

// checkEnvironments checks that every name standing for an environment
// (default_environment, branches values, workflow and stage conditions) is
// a declared one: the set is closed, and a name outside it would match
// nothing and quietly turn its setting off.
func checkEnvironments(b *Bundle, gov, wf configFile) error {
	c := b.Config
	unknown := func(cf configFile, elems []string, name string) error {
		return locError(cf, elems, (&EnvironmentError{Name: name, Declared: c.DeclaredEnvironments()}).Error())
	}
	if d := c.DefaultEnvironment; d != "" {
		if _, ok := c.Environments[d]; !ok {
			return unknown(gov, []string{"default_environment"}, d)
		}
	}
	for _, branch := range slices.Sorted(maps.Keys(c.Branches)) {
		if _, ok := c.Environments[c.Branches[branch]]; !ok {
			return unknown(gov, []string{"branches", branch}, c.Branches[branch])
		}
	}
	for _, name := range slices.Sorted(maps.Keys(b.Workflows)) {
		w := b.Workflows[name]
		for i, env := range w.When.Environments {
			if _, ok := c.Environments[env]; !ok {
				return unknown(wf, []string{"workflows", name, "when", "environments", strconv.Itoa(i)}, env)
			}
		}
		for j, s := range w.Stages {
			if s.When == nil {
				continue
			}
			for i, env := range s.When.Environments {
				if _, ok := c.Environments[env]; !ok {
					return unknown(wf, []string{"workflows", name, "stages", strconv.Itoa(j), "when", "environments", strconv.Itoa(i)}, env)
				}
			}
		}
	}
	return nil
}

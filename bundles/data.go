package bundles

// Data returns what policies see as data.gov: config, roles, workflows,
// rules and exceptions, every key present (defaults filled, empty lists
// rather than absent ones), built directly from the typed fields with the
// keys of their json tags (no JSON round trip: the engine builds it once
// per revision, gov test once per run). Each call builds a fresh copy.
func (b *Bundle) Data() map[string]any {
	roles := make(map[string]any, len(b.Roles))
	for name, r := range b.Roles {
		roles[name] = map[string]any{"members": anyList(r.Members), "permissions": anyList(r.Permissions)}
	}
	workflows := make(map[string]any, len(b.Workflows))
	for name, w := range b.Workflows {
		stages := make([]any, len(w.Stages))
		for i, s := range w.Stages {
			st := map[string]any{
				"name": s.Name, "approver_roles": anyList(s.ApproverRoles),
				"min_approvals": s.MinApprovals, "timeout_hours": s.TimeoutHours,
			}
			if s.When != nil {
				st["when"] = conditionsData(*s.When)
			}
			stages[i] = st
		}
		workflows[name] = map[string]any{
			"when": conditionsData(w.When), "stages": stages, "escalate_to": w.EscalateTo,
			"allow_bots": w.AllowBots, "allow_same_approver": w.AllowSameApprover, "priority": w.Priority,
		}
	}
	rules := make([]any, len(b.Rules))
	for i, r := range b.Rules {
		conds := make([]any, len(r.Conditions))
		for j, c := range r.Conditions {
			conds[j] = map[string]any{"field": c.Field, "operator": c.Operator, "value": c.Value}
		}
		rules[i] = map[string]any{
			"id": r.ID, "message": r.Message, "description": r.Description, "action": r.Action,
			"severity": r.Severity, "conditions": conds, "controls": anyList(r.Controls), "workflow": r.Workflow,
		}
	}
	exceptions := make([]any, len(b.Exceptions))
	for i, x := range b.Exceptions {
		exceptions[i] = map[string]any{
			"rule": x.Rule, "paths": anyList(x.Paths), "expires": x.Expires,
			"reason": x.Reason, "approved_by": x.ApprovedBy,
		}
	}
	return map[string]any{
		"config": configData(b.Config), "roles": roles, "workflows": workflows,
		"rules": rules, "exceptions": exceptions,
	}
}

func configData(c Config) map[string]any {
	envs := make(map[string]any, len(c.Environments))
	for name, e := range c.Environments {
		envs[name] = map[string]any{"enforcement": e.Enforcement, "require_approval": e.RequireApproval}
	}
	branches := make(map[string]any, len(c.Branches))
	for k, v := range c.Branches {
		branches[k] = v
	}
	families := make(map[string]any, len(c.Library.Families))
	for k, v := range c.Library.Families {
		families[k] = v
	}
	return map[string]any{
		"enforcement":       c.Enforcement,
		"environments":      envs,
		"branches":          branches,
		"audit":             map[string]any{"dir": c.Audit.Dir, "retention_days": c.Audit.RetentionDays},
		"library":           map[string]any{"enabled": c.Library.Enabled, "families": families},
		"scanner":           map[string]any{"exclude": anyList(c.Scanner.Exclude)},
		"break_glass_label": c.BreakGlassLabel,
		"default_workflow":  c.DefaultWorkflow,
		// default_environment is what an empty input.request.environment
		// resolves to; the engine fills it in before policies run.
		"default_environment": c.DefaultEnvironment,
		"risk": map[string]any{
			"high_risk_paths": anyList(c.Risk.HighRiskPaths), "medium_lines": c.Risk.MediumLines,
			"high_lines": c.Risk.HighLines, "critical_services": anyList(c.Risk.CriticalServices),
		},
	}
}

func conditionsData(c Conditions) map[string]any {
	return map[string]any{
		"environments": anyList(c.Environments), "risk_levels": anyList(c.RiskLevels),
		"rules": anyList(c.Rules), "paths": anyList(c.Paths),
	}
}

// anyList copies a string list into a Rego-ready list (never nil).
func anyList(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

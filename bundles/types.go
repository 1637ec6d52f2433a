// Package bundles loads a gov policy bundle (config, roles, workflows,
// declarative rules, exceptions and Rego) from a directory, a Git repository
// at a ref, a remote URL at a ref or the embedded default, and validates it.
package bundles

import "github.com/open-policy-agent/opa/v1/ast"

// Bundle is one loaded, validated policy version.
type Bundle struct {
	// Source is what the user named (a dir, DIR@REF, URL@REF, "embedded").
	Source string
	// Ref is the ref asked for ("" for a plain directory or the embedded bundle).
	Ref string
	// Revision identifies the content: a commit SHA (with "+dirty" when the
	// work tree has uncommitted bundle changes), "sha256:<hex>" for a
	// directory outside Git, "embedded:<gov version>" for the built-in bundle.
	Revision string
	// Digest is "sha256:<hex>" over the files the bundle was loaded from
	// (config, policies, cases, frameworks): equal digests, equal bundles,
	// whatever their revisions (two directories of one commit have the same
	// revision and different digests).
	Digest string

	Config     Config
	Roles      map[string]Role
	Workflows  map[string]Workflow
	Rules      []Rule
	Exceptions []Exception

	// Modules maps a bundle-relative path (policies/x.rego) to Rego source,
	// excluding tests; Tests holds the *_test.rego files the same way.
	Modules map[string]string
	Tests   map[string]string
	// Parsed holds the parsed (rego.v1) AST of every module in Modules and
	// Tests, by the same path. Consumers that modify a module copy it first.
	Parsed map[string]*ast.Module
	// Files holds every other bundle file by relative path that later stages
	// may need (cases/**, frameworks/**); config files are decoded above.
	Files map[string][]byte
	// Warnings are non-fatal findings of loading (a policy without a test).
	Warnings []string

	ruleSource
}

// Config is gov.cue.
type Config struct {
	Enforcement     string                       `json:"enforcement"`
	Environments    map[string]EnvironmentConfig `json:"environments,omitempty"`
	Branches        map[string]string            `json:"branches,omitempty"`
	Audit           AuditConfig                  `json:"audit"`
	Library         LibraryConfig                `json:"library"`
	Scanner         ScannerConfig                `json:"scanner"`
	BreakGlassLabel string                       `json:"break_glass_label"`
	DefaultWorkflow string                       `json:"default_workflow,omitempty"`
	// StatusContext is "gov/policy" when the bundle opts in to one commit
	// status for every base branch; empty means "gov/policy: <base>".
	StatusContext string `json:"status_context,omitempty"`
	// ExceptionMaxDays bounds an exception's expiry: at most this many days
	// after the commit that added it (0: defaultExceptionMaxDays).
	ExceptionMaxDays int `json:"exception_max_days,omitempty"`
	// DefaultEnvironment is the environment of a request that names none
	// (see Config.Environment).
	DefaultEnvironment string `json:"default_environment,omitempty"`
	// Risk tunes risk_level computation.
	Risk RiskConfig `json:"risk"`
}

// EnvironmentConfig overrides config per environment.
type EnvironmentConfig struct {
	Enforcement     string `json:"enforcement,omitempty"`
	RequireApproval bool   `json:"require_approval,omitempty"`
}

// AuditConfig is where decisions are recorded.
type AuditConfig struct {
	Dir           string `json:"dir,omitempty"`
	RetentionDays int    `json:"retention_days,omitempty"`
}

// LibraryConfig turns the built-in policy library and its families on or off
// and tunes their parameters (free-form per family, passed to Rego as data).
type LibraryConfig struct {
	Enabled  bool                      `json:"enabled"`
	Families map[string]map[string]any `json:"families,omitempty"`
}

// ScannerConfig tunes the secret scanner.
type ScannerConfig struct {
	Exclude []string `json:"exclude,omitempty"`
}

// RiskConfig tunes risk levels: paths whose change raises risk, and patch-size
// thresholds (changed lines) for medium and high.
type RiskConfig struct {
	HighRiskPaths    []string `json:"high_risk_paths,omitempty"`
	MediumLines      int      `json:"medium_lines,omitempty"`
	HighLines        int      `json:"high_lines,omitempty"`
	CriticalServices []string `json:"critical_services,omitempty"`
}

// Role is roles.cue: who holds it and what it may do.
// Members are "user:login#id" (the numeric id pinned; a bare "user:login" counts as nobody), "team:org/slug" or "app:slug".
type Role struct {
	Members     []string `json:"members"`
	Permissions []string `json:"permissions,omitempty"`
}

// Conditions select a workflow or stage. Empty lists match anything; all
// non-empty lists must match.
type Conditions struct {
	Environments []string `json:"environments,omitempty"`
	RiskLevels   []string `json:"risk_levels,omitempty"`
	Rules        []string `json:"rules,omitempty"`
	Paths        []string `json:"paths,omitempty"`
}

// Workflow is one approval workflow of workflows.cue.
type Workflow struct {
	When       Conditions `json:"when"`
	Stages     []Stage    `json:"stages"`
	EscalateTo string     `json:"escalate_to,omitempty"`
	AllowBots  bool       `json:"allow_bots,omitempty"`
	// AllowSameApprover lets one person satisfy more than one stage.
	AllowSameApprover bool `json:"allow_same_approver,omitempty"`
	// Priority orders workflows when several match (higher first; then by name).
	Priority int `json:"priority,omitempty"`
}

// Stage is one approval stage.
type Stage struct {
	Name          string      `json:"name"`
	ApproverRoles []string    `json:"approver_roles"`
	MinApprovals  int         `json:"min_approvals"`
	TimeoutHours  int         `json:"timeout_hours,omitempty"`
	When          *Conditions `json:"when,omitempty"`
}

// Rule is one declarative rule of rules.cue (the seed's format).
type Rule struct {
	ID          string      `json:"id"`
	Message     string      `json:"message,omitempty"`
	Description string      `json:"description,omitempty"`
	Action      string      `json:"action"`
	Severity    string      `json:"severity,omitempty"`
	Conditions  []Condition `json:"conditions"`
	Controls    []string    `json:"controls,omitempty"`
	Workflow    string      `json:"workflow,omitempty"`
}

// Condition is {field, operator, value}. Operators: equals, not_equals, in,
// not_in, contains, regex, glob, gt, lt.
type Condition struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

// Exception waives one rule on some paths until it expires (YYYY-MM-DD, end of day UTC).
type Exception struct {
	Rule       string   `json:"rule"`
	Paths      []string `json:"paths,omitempty"`
	Expires    string   `json:"expires"`
	Reason     string   `json:"reason"`
	ApprovedBy string   `json:"approved_by"`
}

// Unexported locations of declarative rules, set by the loaders so that
// RuleCatalog can name rules.cue:line; a Bundle built by hand leaves them empty.
type ruleSource struct {
	rulesFile string
	ruleLines []int
}

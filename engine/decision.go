package engine

import "time"

// Outcome is what a decision decides: the closed set Allow, Deny and
// RequireApproval. Anything else is an error where an outcome is read
// (a record, a policy result), never a fourth way to pass.
type Outcome string

// Outcomes.
const (
	Allow           Outcome = "allow"
	Deny            Outcome = "deny"
	RequireApproval Outcome = "require_approval"
)

// Violation actions: what one policy result asks for. Deny and
// require_approval become the outcome of the same name; warn never blocks.
const (
	ActionDeny            = string(Deny)
	ActionRequireApproval = string(RequireApproval)
	ActionWarn            = "warn"
	// Warn is ActionWarn.
	Warn = ActionWarn
)

// Enforcement levels.
const (
	EnforcementOff    = "off"
	EnforcementWarn   = "warn"
	EnforcementStrict = "strict"
)

// Decision is the result of one evaluation. Its JSON form is the contract of
// DESIGN.md ("The decision") and is what `gov eval --format json` prints.
// Decision (allow, deny or require_approval) is the one outcome: allowed and
// approval_required are derived from it (Allowed, ApprovalRequired and the
// JSON form), never held beside it, so they cannot disagree.
type Decision struct {
	Decision      Outcome         `json:"decision"`
	Reason        string          `json:"reason"`
	RiskLevel     string          `json:"risk_level"`
	RequestID     string          `json:"request_id,omitempty"`
	Environment   string          `json:"environment,omitempty"`
	Bundle        BundleInfo      `json:"bundle"`
	Enforcement   string          `json:"enforcement"`
	Violations    []Violation     `json:"violations"`
	Workflow      *WorkflowResult `json:"workflow,omitempty"`
	PendingReason string          `json:"pending_reason,omitempty"`
	Summary       Summary         `json:"summary"`
	// Unenforced is, under enforcement warn, the decision strict
	// enforcement would have reached (deny or require_approval); "" when
	// it would have allowed too. summary.passed is derived from it.
	Unenforced Outcome `json:"-"`
	// EvaluatedAt is when the decision was made, UTC, to the second (its
	// JSON is RFC 3339).
	EvaluatedAt time.Time `json:"evaluated_at"`
	DurationMS  float64   `json:"duration_ms"`

	// BreakGlass is set when the break-glass label allowed the change.
	BreakGlass *BreakGlass `json:"break_glass,omitempty"`
}

// BundleInfo names the policy version a decision was made under.
type BundleInfo struct {
	Source   string `json:"source"`
	Ref      string `json:"ref,omitempty"`
	Revision string `json:"revision"`
}

// Violation is one policy result. File and Line point into the patch (the
// new file's line numbers) when the policy names them.
type Violation struct {
	Rule     string   `json:"rule"`
	Action   string   `json:"action"`
	Message  string   `json:"message"`
	File     string   `json:"file,omitempty"`
	Line     int      `json:"line,omitempty"`
	Severity string   `json:"severity,omitempty"`
	Controls []string `json:"controls,omitempty"`
	// Enforced is false when enforcement "warn" downgraded the action.
	Enforced *bool `json:"enforced,omitempty"`
	// Exception is set when an exception covers this violation (it then
	// no longer counts) or when an expired exception no longer does.
	Exception string `json:"exception,omitempty"`
}

// WorkflowResult is the approval workflow selected for a decision that needs approval.
type WorkflowResult struct {
	Name       string        `json:"name"`
	EscalateTo string        `json:"escalate_to,omitempty"`
	Stages     []StageResult `json:"stages"`
	// Ignored are the pull-request reviews and break-glass labels that did
	// not count, each with why; Blocking the requests for changes that hold
	// a stage back (gov pr, gov serve). gov explain reads them from the record.
	Ignored  []ReviewNote `json:"ignored,omitempty"`
	Blocking []ReviewNote `json:"blocking,omitempty"`
}

// ReviewNote is a review (or label event, ReviewID 0) that did not count
// as an approval, and why.
type ReviewNote struct {
	Login    string `json:"login,omitempty"`
	UserID   int64  `json:"user_id,omitempty"`
	ReviewID int64  `json:"review_id,omitempty"`
	Stage    string `json:"stage,omitempty"`
	Reason   string `json:"reason"`
}

// StageResult is one approval stage and, once approvals are counted, who approved it.
type StageResult struct {
	Name          string   `json:"name"`
	ApproverRoles []string `json:"approver_roles"`
	MinApprovals  int      `json:"min_approvals"`
	TimeoutHours  int      `json:"timeout_hours,omitempty"`
	ApprovedBy    []string `json:"approved_by"`
	Satisfied     bool     `json:"satisfied"`
	// Reviews are the pull-request reviews behind ApprovedBy, when the
	// approvals came from one (gov pr, gov serve).
	Reviews []StageReview `json:"reviews,omitempty"`
}

// StageReview is one approving review counted for a stage.
type StageReview struct {
	Login       string    `json:"login"`
	UserID      int64     `json:"user_id"`
	ReviewID    int64     `json:"review_id"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// BreakGlass records who broke glass, when, and the head commit it was
// given for: the only commit it allows.
type BreakGlass struct {
	Label   string    `json:"label"`
	By      string    `json:"by"`
	ByID    int64     `json:"by_id"`
	At      time.Time `json:"at"`
	HeadSHA string    `json:"head_sha"`
}

// Summary counts the evaluation. Its JSON also says whether the decision
// passed (Decision.Passed), derived when the decision is encoded.
type Summary struct {
	passed             bool
	ErrorCount         int      `json:"error_count"`
	WarningCount       int      `json:"warning_count"`
	PolicyTypesChecked []string `json:"policy_types_checked"`
}

// Package engine evaluates a healing request and its patch against a policy
// bundle and combines the policy results into one fail-closed Decision.
package engine

// Request is the seed's HealingActionRequest: what a healing system asks to do.
// Field names are the wire contract (JSON and YAML request files, POST /v1/eval).
type Request struct {
	RequestID    string         `json:"request_id,omitempty"`
	ActionType   string         `json:"action_type,omitempty"`
	Environment  string         `json:"environment,omitempty"`
	ServiceName  string         `json:"service_name,omitempty"`
	Language     string         `json:"language,omitempty"`
	RequestedBy  string         `json:"requested_by,omitempty"`
	ErrorContext map[string]any `json:"error_context,omitempty"`
	PatchContent string         `json:"patch_content,omitempty"`
	Metadata     map[string]any `json:"metadata,omitempty"`
}

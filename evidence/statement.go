package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/gov-policy/gov/engine"
)

const (
	// PredicateType names gov's decision predicate; derived from the module
	// path and documented by predicate.schema.json.
	PredicateType = "https://github.com/gov-policy/gov/attestation/decision/v1"
	// PayloadType is the DSSE payload type of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"
	// DefaultSubjectName names the patch in a statement's subject.
	DefaultSubjectName = "patch.diff"
)

// Predicate is what gov signs about a decision: the decision itself, the
// policy version it was made under, the approvals behind it, and the audit
// record it was taken from. Field names are the contract (see
// predicate.schema.json).
type Predicate struct {
	Decision  *engine.Decision  `json:"decision"`
	Bundle    engine.BundleInfo `json:"bundle"`
	Approvals []Approval        `json:"approvals"`
	// BreakGlass repeats decision.break_glass (who, when, which head) so
	// that an auditor sees it first.
	BreakGlass *engine.BreakGlass `json:"break_glass,omitempty"`
	Requester  string             `json:"requester,omitempty"`
	RequestID  string             `json:"request_id,omitempty"`
	// Time is when the decision was made (UTC, RFC 3339).
	Time       time.Time `json:"time"`
	GovVersion string    `json:"gov_version,omitempty"`
	// RecordDigest is "sha256:<hex>" of the audit record file's bytes.
	RecordDigest string `json:"record_digest"`
}

// Approval is one reviewer's approval of one workflow stage. ReviewID and
// HeadSHA are known only when the approvals came from a pull request.
type Approval struct {
	Reviewer string `json:"reviewer"`
	ReviewID string `json:"review_id,omitempty"`
	HeadSHA  string `json:"head_sha,omitempty"`
	Stage    string `json:"stage"`
	// ApprovedAt is when the review was submitted, when known.
	ApprovedAt *time.Time `json:"approved_at,omitempty"`
}

// Statement is a parsed gov statement: its one subject (the patch) and its
// predicate.
type Statement struct {
	SubjectName string
	// SubjectDigest is "sha256:<hex>" of the raw patch bytes.
	SubjectDigest string
	Predicate     Predicate
}

// NewPredicate builds the predicate of a record whose file bytes are
// recordFile.
func NewPredicate(rec Record, recordFile []byte) Predicate {
	sum := sha256.Sum256(recordFile)
	p := Predicate{
		Decision: rec.Decision, Bundle: rec.Bundle, Approvals: []Approval{},
		Requester: rec.Request.RequestedBy, RequestID: rec.Request.RequestID,
		Time: rec.Time.UTC(), GovVersion: rec.GovVersion,
		RecordDigest: "sha256:" + hex.EncodeToString(sum[:]),
	}
	if p.Bundle == (engine.BundleInfo{}) && rec.Decision != nil {
		p.Bundle = rec.Decision.Bundle
	}
	if p.RequestID == "" && rec.Decision != nil {
		p.RequestID = rec.Decision.RequestID
	}
	if rec.Decision != nil {
		p.BreakGlass = rec.Decision.BreakGlass
	}
	head := headSHA(rec.Request.Metadata)
	if !isCommitSHA(head) {
		head = ""
	}
	if rec.Decision != nil && rec.Decision.Workflow != nil {
		for _, s := range rec.Decision.Workflow.Stages {
			if len(s.Reviews) > 0 {
				for _, r := range s.Reviews {
					at := r.SubmittedAt.UTC()
					p.Approvals = append(p.Approvals, Approval{Reviewer: r.Login, ReviewID: strconv.FormatInt(r.ReviewID, 10),
						HeadSHA: head, Stage: s.Name, ApprovedAt: &at})
				}
				continue
			}
			for _, by := range s.ApprovedBy {
				p.Approvals = append(p.Approvals, Approval{Reviewer: by, HeadSHA: head, Stage: s.Name})
			}
		}
	}
	return p
}

// headSHA is the pull request head a request's approvals were counted on:
// metadata.pr.head_sha or metadata.head_sha (gov pr counts only approvals
// of the head commit).
func headSHA(meta map[string]any) string {
	if pr, ok := meta["pr"].(map[string]any); ok {
		if s, ok := pr["head_sha"].(string); ok {
			return s
		}
	}
	s, _ := meta["head_sha"].(string)
	return s
}

// isCommitSHA reports whether s is a full SHA-1 or SHA-256 commit id.
func isCommitSHA(s string) bool {
	return (len(s) == 40 || len(s) == 64) && strings.Trim(s, "0123456789abcdef") == ""
}

// NewStatement is the in-toto v1 statement (JSON) about the patch whose
// digest is patchDigest ("sha256:<hex>"), named subjectName ("" is
// DefaultSubjectName).
func NewStatement(subjectName, patchDigest string, p Predicate) ([]byte, error) {
	return newStatement(subjectName, patchDigest, PredicateType, p)
}

func newStatement(subjectName, patchDigest, predicateType string, p Predicate) ([]byte, error) {
	hexDigest, ok := strings.CutPrefix(patchDigest, "sha256:")
	if !ok || !isDigest(hexDigest) {
		return nil, fmt.Errorf("statement: patch digest %q is not sha256:<hex>", patchDigest)
	}
	if subjectName == "" {
		subjectName = DefaultSubjectName
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("statement: predicate: %w", err)
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("statement: predicate: %w", err)
	}
	pred, err := structpb.NewStruct(fields)
	if err != nil {
		return nil, fmt.Errorf("statement: predicate: %w", err)
	}
	st := &intoto.Statement{
		Type:          intoto.StatementTypeUri,
		Subject:       []*intoto.ResourceDescriptor{{Name: subjectName, Digest: map[string]string{"sha256": hexDigest}}},
		PredicateType: predicateType,
		Predicate:     pred,
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	out, err := protojson.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	// protojson varies its whitespace on purpose; signed bytes should not.
	var b bytes.Buffer
	if err := json.Compact(&b, out); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	return b.Bytes(), nil
}

// ParseStatement reads a signed payload as a gov statement: an in-toto v1
// statement of PredicateType with one sha256 subject and a predicate that
// decodes strictly.
func ParseStatement(payload []byte) (Statement, error) {
	var st intoto.Statement
	if err := protojson.Unmarshal(payload, &st); err != nil {
		return Statement{}, fmt.Errorf("statement: not an in-toto statement: %w", err)
	}
	if st.GetType() != intoto.StatementTypeUri {
		return Statement{}, fmt.Errorf("statement: _type %q, want %s", st.GetType(), intoto.StatementTypeUri)
	}
	if err := st.Validate(); err != nil {
		return Statement{}, fmt.Errorf("statement: %w", err)
	}
	if st.GetPredicateType() != PredicateType {
		return Statement{}, fmt.Errorf("statement: unknown predicate type %q (want %s)", st.GetPredicateType(), PredicateType)
	}
	if len(st.GetSubject()) != 1 {
		return Statement{}, fmt.Errorf("statement: %d subjects, want 1 (the patch)", len(st.GetSubject()))
	}
	subj := st.GetSubject()[0]
	hexDigest := subj.GetDigest()["sha256"]
	if !isDigest(hexDigest) {
		return Statement{}, fmt.Errorf("statement: subject %q has no sha256 digest", subj.GetName())
	}
	raw, err := protojson.Marshal(st.GetPredicate())
	if err != nil {
		return Statement{}, fmt.Errorf("statement: predicate: %w", err)
	}
	var p Predicate
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Statement{}, fmt.Errorf("statement: predicate: %w", err)
	}
	if p.Decision == nil {
		return Statement{}, fmt.Errorf("statement: predicate: no decision")
	}
	return Statement{SubjectName: subj.GetName(), SubjectDigest: "sha256:" + hexDigest, Predicate: p}, nil
}

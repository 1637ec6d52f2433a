// Package decide is the one path from a request to a recorded decision,
// shared by gov eval, gov pr and gov serve: scan the patch and every request
// field for secrets -> evaluate -> (count approvals) -> redact -> record ->
// sign. Nothing it returns holds a secret the scanner found.
package decide

import (
	"context"
	"errors"
	"fmt"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/scan"
)

// Pipeline decides under one bundle. It is immutable and safe for
// concurrent use once built.
type Pipeline struct {
	Bundle  *bundles.Bundle
	Engine  *engine.Engine
	Scanner *scan.Scanner
	// Enforcement is "" or the off|warn|strict override.
	Enforcement string
	// AuditDir, when set, records every decision there: a directory or a
	// postgres:// URL.
	AuditDir string
	// Store, when set, is the open audit store AuditDir names (a
	// long-running caller opens a database once); nil opens it per record.
	Store evidence.AuditStore
	// Signer, when set, signs every record (it needs AuditDir).
	Signer *evidence.Signer
}

// Input is one request to decide.
type Input struct {
	Request engine.Request
	// Patch is Request.PatchContent parsed; nil is an empty patch.
	Patch *patch.Patch
	// PR is input.pr for policies (gov pr, PR jobs); it is scanned too.
	PR map[string]any
	// RecordMetadata is merged into the recorded request's metadata (the
	// pull request a decision was about), not shown to policies.
	RecordMetadata map[string]any
	// Approvals, when set, runs between evaluation and redaction: it counts
	// the reviews of a pull request into the decision.
	Approvals func(context.Context, *engine.Decision) error
}

// Result is a decided request. Decision is redacted.
type Result struct {
	Decision *engine.Decision
	Findings []engine.Finding
	// Record and Evidence are the paths written ("" when not recorded or
	// not signed); EvidenceBundle is the Sigstore bundle's JSON.
	Record, Evidence string
	EvidenceBundle   []byte
	// Redactor masks the request's secrets in anything else the caller
	// prints about this request.
	Redactor *Redactor
	// DecisionJSON is Decision's JSON form (engine.Decision.MarshalJSON,
	// what json.Marshal writes of it) when it was recorded: the record's
	// own encoding of it, for an answer that sends the decision (gov
	// serve); nil when not recorded.
	DecisionJSON []byte
}

// New prepares a pipeline for b: its engine and its scanner.
func New(ctx context.Context, b *bundles.Bundle) (*Pipeline, error) {
	eng, err := engine.New(ctx, b)
	if err != nil {
		return nil, err
	}
	sc, err := NewScanner(b)
	if err != nil {
		return nil, err
	}
	return &Pipeline{Bundle: b, Engine: eng, Scanner: sc}, nil
}

// NewScanner is the secret scanner with b's settings (scanner.exclude).
func NewScanner(b *bundles.Bundle) (*scan.Scanner, error) {
	sc, err := scan.New(scan.Config{Exclude: b.Config.Scanner.Exclude})
	if err != nil {
		return nil, fmt.Errorf("scanner: %w", err)
	}
	return sc, nil
}

// Run decides in: scan, evaluate, approvals, redact, record, sign. An
// evaluation error fails closed (no decision); its message is redacted,
// and the Result returned with it holds only the Redactor (for logging
// other facts of the request).
func (p *Pipeline) Run(ctx context.Context, in Input) (*Result, error) {
	if p.Signer != nil && (p.AuditDir == "" || evidence.IsDatabaseURL(p.AuditDir)) {
		return nil, errors.New("signing needs an audit directory: evidence is kept beside the record file")
	}
	findings, red := p.Scan(in)
	failed := &Result{Redactor: red}
	d, err := p.Engine.Evaluate(ctx, engine.Input{Request: in.Request, Patch: in.Patch, Findings: findings, PR: in.PR, Enforcement: p.Enforcement})
	if err == nil && d == nil {
		err = errors.New("no decision")
	}
	var envErr *bundles.EnvironmentError
	if errors.As(err, &envErr) {
		return failed, red.Error(err) // the caller's input, not a failed evaluation
	}
	if err != nil {
		return failed, red.Error(fmt.Errorf("evaluation failed (failing closed): %w", err))
	}
	if in.Approvals != nil {
		if err := in.Approvals(ctx, d); err != nil {
			return failed, red.Error(err)
		}
	}
	res := &Result{Decision: Redact(red, d), Findings: findings, Redactor: red}
	if p.AuditDir == "" {
		return res, nil
	}
	if res.Record, err = p.record(ctx, in, res); err != nil {
		return failed, red.Error(err)
	}
	if p.Signer != nil {
		if res.Evidence, res.EvidenceBundle, err = evidence.SignRecord(ctx, res.Record, p.Signer); err != nil {
			return failed, red.Error(fmt.Errorf("%s recorded, but signing failed: %w", res.Record, err))
		}
	}
	return res, nil
}

// Scan returns input.findings (the patch's unsuppressed findings) and the
// redactor of every secret found in the patch (all of its lines), in the
// new content of its files when it was loaded (--repo), in each request
// field and in input.pr.
func (p *Pipeline) Scan(in Input) ([]engine.Finding, *Redactor) {
	findings := scan.PolicyFindings(p.Scanner.ScanPatch(in.Patch))
	secrets := p.Scanner.DiffSecretsString(in.Request.PatchContent)
	req := in.Request
	req.PatchContent = ""
	visitStrings(req, func(s string) { secrets = addAll(secrets, p.Scanner.Secrets([]byte(s))) })
	visitPairs(req, func(s string) { secrets = addAll(secrets, p.Scanner.Secrets([]byte(s))) })
	visitStrings(in.PR, func(s string) { secrets = addAll(secrets, p.Scanner.Secrets([]byte(s))) })
	visitStrings(in.RecordMetadata, func(s string) { secrets = addAll(secrets, p.Scanner.Secrets([]byte(s))) })
	if in.Patch != nil {
		// --repo: a changed file's whole new content is in the input (and
		// what rules read of it in gov explain), its unchanged lines too.
		for _, f := range in.Patch.Files {
			if f.NewContent != nil {
				secrets = addAll(secrets, p.Scanner.Secrets([]byte(*f.NewContent)))
			}
		}
	}
	return findings, &Redactor{scanner: p.Scanner, secrets: withDecoded(secrets)}
}

package explain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/decide"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/patch"
)

// ForRequest decides a request through the decide pipeline (nothing
// recorded) and explains that decision. enforcement is the --enforcement
// override ("" for none).
func ForRequest(ctx context.Context, b *bundles.Bundle, req engine.Request, p *patch.Patch, enforcement string) (*Explanation, error) {
	pipe, err := decide.New(ctx, b)
	if err != nil {
		return nil, err
	}
	pipe.Enforcement = enforcement
	res, err := pipe.Run(ctx, decide.Input{Request: req, Patch: p})
	if err != nil {
		return nil, err
	}
	findings, _ := pipe.Scan(decide.Input{Request: req, Patch: p})
	return Explain(ctx, Input{
		Decision: res.Decision,
		Eval:     engine.Input{Request: req, Patch: p, Findings: findings, Enforcement: enforcement, Now: res.Decision.EvaluatedAt},
		Bundle:   b, Engine: pipe.Engine, Redactor: res.Redactor,
	})
}

// ForRecord explains a recorded decision. Its rules are traced again on
// the recorded request (secrets already masked in it) only when b is the
// bundle revision the decision was made under; otherwise the explanation
// says how to get that bundle, and lists the rules without their reads.
func ForRecord(ctx context.Context, rec evidence.Record, digest string, b *bundles.Bundle) (*Explanation, error) {
	p, err := patch.Parse([]byte(rec.Request.PatchContent))
	if err != nil {
		return nil, fmt.Errorf("record %s: patch_content: %w", digest, err)
	}
	sc, err := decide.NewScanner(b)
	if err != nil {
		return nil, err
	}
	pipe := &decide.Pipeline{Bundle: b, Scanner: sc}
	_, red := pipe.Scan(decide.Input{Request: rec.Request, Patch: p})
	in := Input{
		Decision: rec.Decision, Record: digest, Redactor: red,
		Eval: engine.Input{Request: rec.Request, Patch: p, Findings: rec.Findings, Now: rec.Decision.EvaluatedAt},
	}
	want := rec.Decision.Bundle.Revision
	if b.Revision == want {
		in.Bundle = b
		if in.Engine, err = engine.New(ctx, b); err != nil {
			return nil, red.Error(err)
		}
		in.Notes = append(in.Notes, "rules traced again on the recorded request, whose secrets are masked")
		if _, isPR := rec.Request.Metadata["pr"]; isPR {
			in.Notes = append(in.Notes, "input.pr is not recorded: a rule that reads it may not be traced")
		}
	} else {
		in.Notes = append(in.Notes, fmt.Sprintf("rules not traced: the bundle at hand is revision %s, the decision's %s (give --bundle DIR@%s)", b.Revision, want, strings.TrimSuffix(want, "+dirty")))
	}
	return Explain(ctx, in)
}

// ErrNoRecord is returned when no record of the store has the digest asked for.
var ErrNoRecord = errors.New("no such record")

// FindRecord reads the record of store whose digest is digest ("sha256:<hex>"
// or the hex alone, at least 12 digits of it). More than one match is an
// error naming how many.
func FindRecord(store evidence.AuditStore, digest string) (evidence.Record, string, error) {
	hex := strings.ToLower(strings.TrimPrefix(digest, "sha256:"))
	if len(hex) < 12 || strings.Trim(hex, "0123456789abcdef") != "" {
		return evidence.Record{}, "", fmt.Errorf("record %q: want a digest sha256:<hex> (12 hex digits at least) or a record file", digest)
	}
	var found []evidence.Record
	var names []string
	_, err := store.Walk(time.Time{}, func(e evidence.Entry, rec evidence.Record) error {
		if strings.HasPrefix(strings.TrimPrefix(e.Digest, "sha256:"), hex) {
			found = append(found, rec)
			names = append(names, e.Digest)
		}
		return nil
	})
	switch {
	case err != nil:
		return evidence.Record{}, "", err
	case len(found) == 0:
		return evidence.Record{}, "", fmt.Errorf("record %s in %s: %w", digest, store, ErrNoRecord)
	case len(found) > 1:
		return evidence.Record{}, "", fmt.Errorf("record %s in %s: %d records match, give more digits", digest, store, len(found))
	}
	return found[0], names[0], nil
}

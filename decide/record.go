package decide

import (
	"context"
	"fmt"
	"maps"

	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/internal/version"
)

// record writes the decision record: the request with every secret masked
// (patch_content line by line), the findings, the redacted decision. The
// patch digest is of the raw patch, so evidence ties to the real change.
func (p *Pipeline) record(ctx context.Context, in Input, res *Result) (string, error) {
	red := res.Redactor
	req := in.Request
	digest := evidence.PatchDigestString(req.PatchContent)
	if len(in.RecordMetadata) > 0 {
		meta := make(map[string]any, len(req.Metadata)+len(in.RecordMetadata))
		maps.Copy(meta, req.Metadata)
		maps.Copy(meta, in.RecordMetadata)
		req.Metadata = meta
	}
	// With no secret found anywhere in the request, the scan of the patch
	// (Scan's DiffSecretsString) found none either, and red.Patch would
	// return a copy equal to it: the record keeps the patch itself.
	patchContent := req.PatchContent
	if red.Count() > 0 {
		patchContent = red.Patch(req.PatchContent)
	}
	req.PatchContent = ""
	req = Redact(red, req)
	req.PatchContent = patchContent
	d := res.Decision
	store := p.Store
	if store == nil {
		opened, err := evidence.OpenStore(ctx, p.AuditDir)
		if err != nil {
			return "", fmt.Errorf("audit record: %w", err)
		}
		defer func() { _ = opened.Close() }()
		store = opened
	}
	// The decision is encoded once: for the record and for the caller's
	// answer (Result.DecisionJSON).
	dj, err := d.MarshalJSON()
	if err != nil {
		return "", fmt.Errorf("audit record: %w", err)
	}
	path, err := store.Write(evidence.Record{
		Request:     req,
		PatchDigest: digest,
		Findings:    Redact(red, res.Findings), // a file path may hold a secret
		Decision:    d,
		Bundle:      d.Bundle,
		Time:        TimeOf(d),
		GovVersion:  version.Version,
		// d itself, encoded: Encode writes it instead of encoding d again.
		DecisionJSON: dj,
	})
	if err != nil {
		return "", fmt.Errorf("audit record: %w", err)
	}
	res.DecisionJSON = dj
	return path, nil
}

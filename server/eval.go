package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/decide"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/patch"
)

// handleEval is POST /v1/eval: a HealingActionRequest in, the decision out
// with 200 whatever it is. An evaluation error answers 500, never a decision.
func (s *Server) handleEval(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	subject, herr := s.auth.authenticate(r)
	if herr != nil {
		writeError(w, herr.status, herr.msg)
		return
	}
	if herr := jsonContentType(r); herr != nil {
		writeError(w, herr.status, herr.msg)
		return
	}
	req, herr := s.decodeRequest(w, r)
	if herr != nil {
		writeError(w, herr.status, herr.msg)
		return
	}
	if subject != "" {
		if req.RequestedBy != "" && req.RequestedBy != subject {
			writeError(w, http.StatusForbidden, fmt.Sprintf("requested_by is not the authenticated subject %q", subject))
			return
		}
		req.RequestedBy = subject
	}
	// An empty patch is refused, as gov eval refuses it: a request that
	// names no change must not come back allowed.
	if strings.TrimSpace(req.PatchContent) == "" {
		writeError(w, http.StatusBadRequest, "patch_content: empty (a request must carry the patch to decide)")
		return
	}
	p, err := patch.ParseString(req.PatchContent)
	if err != nil {
		writeError(w, http.StatusBadRequest, "patch_content: "+oneLine(err.Error()))
		return
	}
	d, dj, red, err := s.decide(r.Context(), req, p)
	s.m.decisionDuration.Observe(time.Since(start).Seconds())
	var envErr *bundles.EnvironmentError
	if errors.As(err, &envErr) {
		// The caller named an environment the bundle does not declare:
		// bad input (with the declared list), not a failed evaluation.
		s.m.decisions.WithLabelValues("error").Inc()
		// err, not envErr: errors.As unwraps the mask and envErr quotes
		// the caller's text raw.
		writeError(w, http.StatusBadRequest, oneLine(red.Error(err).Error()))
		return
	}
	if err != nil {
		s.m.decisions.WithLabelValues("error").Inc()
		s.m.evalErrors.Inc()
		s.log.Error("evaluation failed (failing closed)", "request_id", red.String(req.RequestID), "error", oneLine(err.Error()))
		writeError(w, http.StatusInternalServerError, "evaluation failed (failing closed): "+oneLine(err.Error()))
		return
	}
	s.m.decisions.WithLabelValues(string(d.Decision)).Inc()
	s.log.Debug("decided", "request_id", d.RequestID, "decision", d.Decision, "revision", d.Bundle.Revision,
		"service", red.String(req.ServiceName), "environment", red.String(req.Environment))
	if dj != nil {
		// The record's encoding of d: what writeJSON would write of it.
		writeJSONBytes(w, http.StatusOK, dj)
		return
	}
	body, err := decisionJSON(d)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the answer failed")
		return
	}
	writeJSONBytes(w, http.StatusOK, body)
}

// decisionJSON is json.Marshal(d) without json.Marshal's second pass, which
// only copies Decision.MarshalJSON's output again: that output is
// json.Marshal's already (compact, HTML characters escaped).
// TestEvalAnswerEncodedAsMarshal holds the two equal.
func decisionJSON(d *engine.Decision) ([]byte, error) { return d.MarshalJSON() }

// decide runs the decision pipeline under the version being served: scan,
// evaluate, redact, record and sign. The answer is sent only after the
// record is written, so every 200 has its record; its signature is added
// by the sign queue. It returns the decision's JSON too when its record
// encoded it (nil otherwise).
func (s *Server) decide(ctx context.Context, req engine.Request, p *patch.Patch) (*engine.Decision, []byte, *decide.Redactor, error) {
	cur := s.pol.current()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.EvalTimeout)
	defer cancel()
	pipe := cur.pipe
	if s.signq != nil && pipe.Signer != nil && pipe.AuditDir != "" && !evidence.IsDatabaseURL(pipe.AuditDir) {
		// Record now, sign in the background (see signQueue).
		unsigned := *pipe
		unsigned.Signer = nil
		pipe = &unsigned
	}
	res, err := pipe.Run(ctx, decide.Input{Request: req, Patch: p})
	if err != nil {
		return nil, nil, res.Redactor, err
	}
	if pipe != cur.pipe && res.Record != "" {
		if err := s.signq.add(ctx, res.Record); err != nil {
			return nil, nil, res.Redactor, res.Redactor.Error(fmt.Errorf("%s recorded, but signing failed: %w", res.Record, err))
		}
	}
	return res.Decision, res.DecisionJSON, res.Redactor, nil
}

// jsonContentType refuses a body that does not say it is JSON
// (application/json or a +json type): 415.
func jsonContentType(r *http.Request) *httpError {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return &httpError{http.StatusUnsupportedMediaType, "Content-Type must be application/json"}
	}
	return nil
}

// decodeRequest reads the body within the size limit and decodes it
// strictly (an unknown field is an error naming it).
func (s *Server) decodeRequest(w http.ResponseWriter, r *http.Request) (engine.Request, *httpError) {
	data, herr := readBody(w, r, s.cfg.MaxBodyBytes)
	if herr != nil {
		return engine.Request{}, herr
	}
	req, err := engine.DecodeRequest("request body", data)
	if err != nil {
		return req, &httpError{http.StatusBadRequest, oneLine(err.Error())}
	}
	return req, nil
}

// readBody reads at most limit bytes (413 beyond), into a buffer of the
// declared length when known, so that a body takes its size in memory and
// not up to twice that.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, *httpError) {
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength <= limit {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	data := buf.Bytes()
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", limit)}
	}
	if err != nil {
		return nil, &httpError{http.StatusBadRequest, "reading the request body: " + oneLine(err.Error())}
	}
	return data, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	writeJSONBytes(w, status, body)
}

// writeJSONBytes answers with body, JSON already encoded.
func writeJSONBytes(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n')) //nolint:gosec // JSON (json.Marshal: HTML characters escaped), sent as application/json with nosniff
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

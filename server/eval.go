package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/scan"
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
	req, herr := s.decodeRequest(w, r)
	if herr != nil {
		writeError(w, herr.status, herr.msg)
		return
	}
	if subject != "" {
		if req.RequestedBy != "" && req.RequestedBy != subject {
			writeError(w, http.StatusForbidden, fmt.Sprintf("requested_by %q is not the authenticated subject %q", req.RequestedBy, subject))
			return
		}
		req.RequestedBy = subject
	}
	var p *patch.Patch // an empty patch_content is an empty patch (nil)
	if strings.TrimSpace(req.PatchContent) != "" {
		var err error
		if p, err = patch.Parse([]byte(req.PatchContent)); err != nil {
			writeError(w, http.StatusBadRequest, "patch_content: "+oneLine(err.Error()))
			return
		}
	}
	d, err := s.decide(r.Context(), req, p)
	s.m.decisionDuration.Observe(time.Since(start).Seconds())
	var envErr *bundles.EnvironmentError
	if errors.As(err, &envErr) {
		// The caller named an environment the bundle does not declare:
		// bad input (with the declared list), not a failed evaluation.
		s.m.decisions.WithLabelValues("error").Inc()
		writeError(w, http.StatusBadRequest, envErr.Error())
		return
	}
	if err != nil {
		s.m.decisions.WithLabelValues("error").Inc()
		s.m.evalErrors.Inc()
		s.log.Error("evaluation failed (failing closed)", "request_id", req.RequestID, "error", oneLine(err.Error()))
		writeError(w, http.StatusInternalServerError, "evaluation failed (failing closed): "+oneLine(err.Error()))
		return
	}
	s.m.decisions.WithLabelValues(d.Decision).Inc()
	s.log.Debug("decided", "request_id", req.RequestID, "decision", d.Decision, "revision", d.Bundle.Revision,
		"service", req.ServiceName, "environment", req.Environment)
	writeJSON(w, http.StatusOK, d)
}

// decide runs eval's steps under the version being served: scan the patch
// for secrets into input.findings, then evaluate.
func (s *Server) decide(ctx context.Context, req engine.Request, p *patch.Patch) (*engine.Decision, error) {
	cur := s.pol.current()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.EvalTimeout)
	defer cancel()
	in := engine.Input{Request: req, Patch: p, Enforcement: s.cfg.Enforcement, Findings: scan.PolicyFindings(cur.scanner.ScanPatch(p))}
	d, err := cur.engine.Evaluate(ctx, in)
	if err == nil && d == nil {
		err = errors.New("no decision")
	}
	return d, err
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

// readBody reads at most limit bytes: 413 beyond.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, *httpError) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
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
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

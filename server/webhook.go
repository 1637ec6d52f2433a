package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gov-policy/gov/github"
)

// Webhook results, the `result` label of gov_webhook_deliveries_total and
// the answer body.
const (
	resultQueued       = "queued"
	resultDuplicate    = "duplicate"
	resultIgnored      = "ignored"
	resultBadSignature = "bad_signature"
	resultBadPayload   = "bad_payload"
	resultQueueFull    = "queue_full"
	resultPong         = "pong"
	resultBusy         = "busy"
)

// prActions lists the actions of an event that trigger a PR evaluation;
// known is false for events that never do.
func prActions(event string) (actions []string, known bool) {
	switch event {
	case "pull_request":
		return []string{"opened", "synchronize", "reopened", "labeled", "unlabeled"}, true
	case "pull_request_review":
		return []string{"submitted", "edited", "dismissed"}, true
	case "check_run":
		return []string{"rerequested"}, true
	}
	return nil, false
}

// handleWebhook is POST /webhook: verify, drop replays, route, and answer
// at once; the work itself runs in the queue.
func (s *Server) handleWebhook(w http.ResponseWriter, r *http.Request) {
	event := r.Header.Get("X-GitHub-Event")
	answer := func(status int, result, detail string) {
		s.m.deliveries.WithLabelValues(metricEvent(event), result).Inc()
		body := map[string]string{"result": result}
		if detail != "" {
			body["detail"] = detail
		}
		writeJSON(w, status, body)
	}
	body, result, herr := s.verifiedBody(w, r)
	if herr != nil {
		answer(herr.status, result, herr.msg)
		return
	}
	id := r.Header.Get("X-GitHub-Delivery")
	if id == "" || event == "" {
		answer(http.StatusBadRequest, resultBadPayload, "X-GitHub-Delivery and X-GitHub-Event are required")
		return
	}
	if len(id) > maxDeliveryID {
		answer(http.StatusBadRequest, resultBadPayload, "X-GitHub-Delivery is too long")
		return
	}
	// The delivery id is not signed: the same signed body under a fresh id
	// is a replay too, so deliveries are also remembered by content.
	sum := sha256.Sum256(append([]byte(event+"\x00"), body...))
	content := "sha256:" + hex.EncodeToString(sum[:])
	routed := func() (*job, string, *httpError) { return s.route(event, body, id) }
	if s.jobs != nil {
		// A job of the durable queue is stored with its delivery's claims
		// in one transaction (storeJob).
		j, detail, herr := s.route(event, body, id)
		if herr == nil && j != nil && j.durable != nil {
			s.storeJob(r.Context(), answer, j, event, id, content, detail)
			return
		}
		routed = func() (*job, string, *httpError) { return j, detail, herr }
	}
	if isNew, err := s.seen.claim(id); err != nil || !isNew {
		s.answerSeen(answer, err, "delivery "+id+" was already received")
		return
	}
	if isNew, err := s.seen.claim(content); err != nil || !isNew {
		if err != nil {
			s.seen.forget(id)
		}
		s.answerSeen(answer, err, "the same delivery was already received under another id")
		return
	}
	forget := func() { s.seen.forget(id); s.seen.forget(content) }
	j, detail, herr := routed()
	switch {
	case herr != nil:
		forget()
		answer(herr.status, resultBadPayload, herr.msg)
	case event == "ping":
		answer(http.StatusOK, resultPong, "")
	case j == nil:
		answer(http.StatusAccepted, resultIgnored, detail)
	case !s.queue.push(*j):
		forget()
		s.log.Warn("webhook refused: work queue full", "event", event, "delivery", id)
		answer(http.StatusServiceUnavailable, resultQueueFull, "work queue full: redeliver later")
	default:
		s.log.Info("webhook queued", "event", event, "delivery", id, "job", detail)
		if j.kind == "reload" && s.jobs != nil {
			s.jobs.announceReload(r.Context(), id)
		}
		answer(http.StatusAccepted, resultQueued, detail)
	}
}

// verifiedBody reads the body of a delivery and checks its signature before
// anything parses it. A missing or malformed signature, or no secret
// configured, is refused before a byte is read; a declared length over
// MaxBodyBytes is 413 at once; the bytes read before verification are
// reserved in the UnverifiedBytes budget (503 when they do not fit), so
// unauthenticated senders cannot make the server hold more than that.
func (s *Server) verifiedBody(w http.ResponseWriter, r *http.Request) ([]byte, string, *httpError) {
	sig, ok := s.signature(r.Header.Get("X-Hub-Signature-256"))
	if !ok {
		return nil, resultBadSignature, &httpError{http.StatusUnauthorized, "X-Hub-Signature-256 is missing or does not match"}
	}
	limit := s.cfg.MaxBodyBytes
	if r.ContentLength > limit {
		return nil, resultBadPayload, &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", limit)}
	}
	reserve := limit
	if r.ContentLength >= 0 {
		reserve = r.ContentLength
	}
	if !s.unverified.tryTake(reserve) {
		w.Header().Set("Retry-After", "1")
		return nil, resultBusy, &httpError{http.StatusServiceUnavailable, "too many unverified webhook bytes in flight: redeliver later"}
	}
	defer s.unverified.give(reserve)
	body, herr := s.readUnverified(w, r, min(reserve, limit))
	if herr != nil {
		return nil, resultBadPayload, herr
	}
	mac := hmac.New(sha256.New, []byte(s.cfg.WebhookSecret))
	mac.Write(body)
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return nil, resultBadSignature, &httpError{http.StatusUnauthorized, "X-Hub-Signature-256 is missing or does not match"}
	}
	return body, "", nil
}

// readUnverified reads an unverified body within UnverifiedBodyTimeout
// (408 beyond), so that a sender trickling bytes holds its reservation for
// seconds, not for the server's whole read timeout.
func (s *Server) readUnverified(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, *httpError) {
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(s.cfg.UnverifiedBodyTimeout)
	// Not supported only off a real connection (tests' recorders).
	deadlineSet := rc.SetReadDeadline(deadline) == nil
	body, herr := readBody(w, r, limit)
	if deadlineSet {
		// The body is read: the next request on the connection gets the
		// server's own deadlines.
		_ = rc.SetReadDeadline(time.Time{})
	}
	if herr != nil && deadlineSet && !time.Now().Before(deadline) {
		return nil, &httpError{http.StatusRequestTimeout, fmt.Sprintf("webhook body not received within %s", s.cfg.UnverifiedBodyTimeout)}
	}
	return body, herr
}

// metricEvent keeps the label set bounded: unknown events are "other".
func metricEvent(e string) string {
	if _, known := prActions(e); known || e == "push" || e == "ping" || e == "merge_group" {
		return e
	}
	return "other"
}

// signature decodes "sha256=<hex HMAC-SHA256>"; false when it is
// missing or malformed or no webhook secret is configured.
func (s *Server) signature(header string) ([]byte, bool) {
	if s.cfg.WebhookSecret == "" {
		return nil, false
	}
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(hexSig) != 2*sha256.Size {
		return nil, false
	}
	got, err := hex.DecodeString(hexSig)
	return got, err == nil
}

type webhookPayload struct {
	Action     string `json:"action"`
	Ref        string `json:"ref"`
	Repository *struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	Installation *struct {
		ID int64 `json:"id"`
	} `json:"installation"`
	CheckRun *struct {
		HeadSHA      string `json:"head_sha"`
		PullRequests []struct {
			Number int `json:"number"`
			Base   *struct {
				Repo *struct {
					URL string `json:"url"`
				} `json:"repo"`
			} `json:"base"`
		} `json:"pull_requests"`
	} `json:"check_run"`
}

// maxDeliveryID bounds the X-GitHub-Delivery header (GitHub sends a GUID):
// the ids are remembered, and a long one would be memory an attacker chooses.
const maxDeliveryID = 100

// commitSHA is a full SHA-1 or SHA-256 commit id.
var commitSHA = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:[0-9a-f]{40}|[0-9a-f]{64})$`) })

// route turns a delivery into a job (nil: ignored, with why).
func (s *Server) route(event string, body []byte, delivery string) (*job, string, *httpError) {
	if event == "ping" {
		return nil, "", nil
	}
	if herr := checkEventShape(event, body); herr != nil {
		return nil, "", herr
	}
	var p webhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, "", &httpError{http.StatusBadRequest, "payload: " + oneLine(err.Error())}
	}
	if event == "push" {
		if p.Repository == nil || s.cfg.PolicyRepo == "" || !strings.EqualFold(p.Repository.FullName, s.cfg.PolicyRepo) {
			return nil, "push to a repository other than the policy repository", nil
		}
		return &job{kind: "reload", run: s.reloadJob(delivery)}, "reload " + s.cfg.PolicyRepo + " " + p.Ref, nil
	}
	if event == "merge_group" {
		return s.routeMergeGroup(body, p.Action, delivery)
	}
	actions, known := prActions(event)
	switch {
	case !known:
		return nil, "event " + event + " is not handled", nil
	case !slices.Contains(actions, p.Action):
		return nil, fmt.Sprintf("%s action %q is not handled", event, p.Action), nil
	case s.cfg.GitHub == nil:
		return nil, "no GitHub credentials configured", nil
	}
	target, err := prTargetOf(event, body, p)
	if err != nil {
		return nil, "", &httpError{http.StatusBadRequest, oneLine(err.Error())}
	}
	if target.Number < 0 {
		return nil, "", &httpError{http.StatusBadRequest, "payload: pull request number must be positive"}
	}
	if target.Number == 0 {
		return nil, "check run without a pull request of " + target.Repo.String(), nil
	}
	if !commitSHA().MatchString(target.HeadSHA) {
		// The SHA goes into API paths: only a commit id may.
		return nil, "", &httpError{http.StatusBadRequest, "payload: head SHA is not a 40 or 64 digit hex commit id"}
	}
	if herr := s.checkInstallation(event, delivery, target.Installation); herr != nil {
		return nil, "", herr
	}
	return &job{kind: "pr", run: s.prJob(target, delivery), durable: s.prArgs(target, delivery)},
		fmt.Sprintf("evaluate %s#%d", target.Repo, target.Number), nil
}

// prTargetOf is the PR an event is about; Number 0 when it names none.
func prTargetOf(event string, body []byte, p webhookPayload) (github.Event, error) {
	if event != "check_run" {
		return github.DecodeEvent(event+" payload", body)
	}
	if p.Repository == nil || p.CheckRun == nil {
		return github.Event{}, fmt.Errorf("check_run payload: field repository or check_run is missing")
	}
	repo, err := github.ParseRepo(p.Repository.FullName)
	if err != nil {
		return github.Event{}, fmt.Errorf("check_run payload: field repository.full_name: %w", err)
	}
	ev := github.Event{Repo: repo, HeadSHA: p.CheckRun.HeadSHA, Action: p.Action}
	if p.Installation != nil {
		ev.Installation = p.Installation.ID
	}
	// pull_requests may name PRs of other repositories (a fork's, with the
	// same head): only one whose base is this repository is evaluated; a
	// negative number anywhere is refused, and the head checked, by route.
	for _, pr := range p.CheckRun.PullRequests {
		if pr.Number < 0 {
			ev.Number = pr.Number
			return ev, nil
		}
	}
	if len(p.CheckRun.PullRequests) > 0 && !commitSHA().MatchString(ev.HeadSHA) {
		return ev, fmt.Errorf("check_run payload: head SHA is not a 40 or 64 digit hex commit id")
	}
	for _, pr := range p.CheckRun.PullRequests {
		if pr.Base != nil && pr.Base.Repo != nil && strings.HasSuffix(strings.ToLower(pr.Base.Repo.URL), "/repos/"+strings.ToLower(repo.String())) {
			ev.Number = pr.Number
			break
		}
	}
	return ev, nil
}

package server

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// shapedEvents are the events gov acts on, whose payload must look like
// that event's: X-GitHub-Event is not covered by the signature, so a
// signed body replayed under another event name must not be routed as it.
var shapedEvents = map[string]bool{
	"pull_request": true, "pull_request_review": true, "check_run": true, "merge_group": true, "push": true,
}

// payloadEvent names the event a payload's top-level fields say it is (""
// when they match none gov knows). The fields checked are those only that
// event's payloads carry, most specific first.
func payloadEvent(top map[string]json.RawMessage) string {
	has := func(k string) bool { _, ok := top[k]; return ok }
	switch {
	case has("merge_group"):
		return "merge_group"
	case has("check_run"):
		return "check_run"
	case has("check_suite"):
		return "check_suite"
	case has("pull_request") && has("review"):
		return "pull_request_review"
	case has("pull_request") && has("comment"):
		return "pull_request_review_comment"
	case has("pull_request"):
		return "pull_request"
	case has("workflow") && has("ref") && !has("pusher"): // workflow_dispatch: ref, inputs and workflow, no pusher
		return "workflow_dispatch"
	case has("pusher") || (has("ref") && !has("ref_type")): // create and delete carry ref_type
		return "push"
	case has("zen") && has("hook_id"):
		return "ping"
	}
	return ""
}

// checkEventShape refuses a delivery of an event gov acts on whose payload
// is another event's.
func checkEventShape(event string, body []byte) *httpError {
	if !shapedEvents[event] {
		return nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return &httpError{http.StatusBadRequest, "payload: " + oneLine(err.Error())}
	}
	if got := payloadEvent(top); got != event {
		what := "a " + got + " payload"
		if got == "" {
			what = "a payload of no event gov knows"
		}
		return &httpError{http.StatusBadRequest, fmt.Sprintf("X-GitHub-Event %s does not match the payload (%s)", event, what)}
	}
	return nil
}

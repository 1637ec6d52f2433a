package github

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Event is what gov needs from a pull_request or pull_request_review
// webhook payload (GITHUB_EVENT_PATH in Actions). Every action re-evaluates
// the PR; "edited" matters when it changed the base (PreviousBase).
type Event struct {
	Repo    Repo
	Number  int
	HeadSHA string
	BaseRef string
	Action  string
	// Label is the label of a labeled/unlabeled action.
	Label string
	// SenderID and SenderLogin are who caused the event (who added a label).
	SenderID    int64
	SenderLogin string
	// PreviousBase is the base branch before an "edited" action retargeted the PR.
	PreviousBase string
	// Installation is the GitHub App installation the delivery came from
	// (installation.id); 0 when the payload names none.
	Installation int64
}

type eventPayload struct {
	Action *string `json:"action"`
	Label  *struct {
		Name string `json:"name"`
	} `json:"label"`
	Sender *struct {
		Login string `json:"login"`
		ID    int64  `json:"id"`
	} `json:"sender"`
	Changes *struct {
		Base *struct {
			Ref *struct {
				From string `json:"from"`
			} `json:"ref"`
		} `json:"base"`
	} `json:"changes"`
	PullRequest *struct {
		Number *int `json:"number"`
		Head   *struct {
			SHA *string `json:"sha"`
		} `json:"head"`
		Base *struct {
			Ref *string `json:"ref"`
		} `json:"base"`
	} `json:"pull_request"`
	Repository *struct {
		FullName *string `json:"full_name"`
	} `json:"repository"`
	Installation *struct {
		ID int64 `json:"id"`
	} `json:"installation"`
}

// DecodeEvent decodes a pull_request or pull_request_review payload. An
// error names the field that is missing or malformed.
func DecodeEvent(name string, data []byte) (Event, error) {
	var p eventPayload
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&p); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Event{}, fmt.Errorf("%s: field %s: want %s, got %s", name, te.Field, te.Type, te.Value)
		}
		return Event{}, fmt.Errorf("%s: not a JSON event payload: %w", name, err)
	}
	missing := func(field string) error {
		return fmt.Errorf("%s: field %s is missing (not a pull_request or pull_request_review event?)", name, field)
	}
	switch {
	case p.PullRequest == nil:
		return Event{}, missing("pull_request")
	case p.PullRequest.Number == nil || *p.PullRequest.Number <= 0:
		return Event{}, missing("pull_request.number")
	case p.PullRequest.Head == nil || p.PullRequest.Head.SHA == nil || *p.PullRequest.Head.SHA == "":
		return Event{}, missing("pull_request.head.sha")
	case p.Repository == nil || p.Repository.FullName == nil:
		return Event{}, missing("repository.full_name")
	}
	repo, err := ParseRepo(*p.Repository.FullName)
	if err != nil {
		return Event{}, fmt.Errorf("%s: field repository.full_name: %w", name, err)
	}
	ev := Event{Repo: repo, Number: *p.PullRequest.Number, HeadSHA: *p.PullRequest.Head.SHA}
	if p.Action != nil {
		ev.Action = *p.Action
	}
	if p.PullRequest.Base != nil && p.PullRequest.Base.Ref != nil {
		ev.BaseRef = *p.PullRequest.Base.Ref
	}
	if p.Label != nil {
		ev.Label = p.Label.Name
	}
	if p.Sender != nil {
		ev.SenderID, ev.SenderLogin = p.Sender.ID, p.Sender.Login
	}
	if c := p.Changes; c != nil && c.Base != nil && c.Base.Ref != nil {
		ev.PreviousBase = c.Base.Ref.From
	}
	if p.Installation != nil {
		ev.Installation = p.Installation.ID
	}
	return ev, nil
}

// DecodeMergeGroup decodes a merge_group payload; ok is false when the
// payload is not one (no merge_group field).
func DecodeMergeGroup(name string, data []byte) (g MergeGroup, ok bool, err error) {
	var p struct {
		Action     string `json:"action"`
		MergeGroup *struct {
			HeadSHA string `json:"head_sha"`
			BaseRef string `json:"base_ref"`
		} `json:"merge_group"`
		Repository *struct {
			FullName string `json:"full_name"`
		} `json:"repository"`
		Installation *struct {
			ID int64 `json:"id"`
		} `json:"installation"`
	}
	if err := json.Unmarshal(data, &p); err != nil || p.MergeGroup == nil {
		return g, false, nil // not a merge group; DecodeEvent says what is wrong
	}
	switch {
	case p.Action != "checks_requested":
		return g, true, fmt.Errorf("%s: merge_group action %q: gov decides checks_requested only", name, p.Action)
	case len(p.MergeGroup.HeadSHA) < 40:
		return g, true, fmt.Errorf("%s: field merge_group.head_sha is missing", name)
	case !strings.HasPrefix(p.MergeGroup.BaseRef, "refs/heads/"):
		return g, true, fmt.Errorf("%s: field merge_group.base_ref %q is not a branch", name, p.MergeGroup.BaseRef)
	case p.Repository == nil:
		return g, true, fmt.Errorf("%s: field repository.full_name is missing", name)
	}
	repo, err := ParseRepo(p.Repository.FullName)
	if err != nil {
		return g, true, fmt.Errorf("%s: field repository.full_name: %w", name, err)
	}
	g = MergeGroup{Repo: repo, HeadSHA: p.MergeGroup.HeadSHA, BaseRef: strings.TrimPrefix(p.MergeGroup.BaseRef, "refs/heads/")}
	if p.Installation != nil {
		g.Installation = p.Installation.ID
	}
	return g, true, nil
}

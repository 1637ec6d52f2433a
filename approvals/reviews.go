package approvals

import (
	"fmt"
	"sort"
	"strings"
)

// latestReviews reduces reviews to each person's latest state: an edited
// review (same id) keeps its latest version, COMMENTED does not change a
// person's state, and an APPROVED followed by another state-bearing review
// is superseded. Reviews are keyed by user id, never by login, so a renamed
// account is still one person.
func latestReviews(reviews []Review) (map[int64]Review, []Ignored) {
	byID := map[int64]Review{}
	var noID []Review
	for _, r := range reviews {
		if r.ID == 0 {
			noID = append(noID, r)
			continue
		}
		if old, ok := byID[r.ID]; !ok || !r.SubmittedAt.Before(old.SubmittedAt) {
			byID[r.ID] = r
		}
	}
	all := noID
	for _, r := range byID {
		all = append(all, r)
	}
	sort.SliceStable(all, func(i, j int) bool {
		if !all[i].SubmittedAt.Equal(all[j].SubmittedAt) {
			return all[i].SubmittedAt.Before(all[j].SubmittedAt)
		}
		return all[i].ID < all[j].ID
	})
	latest := map[int64]Review{}
	var ignored []Ignored
	for _, r := range all {
		state := strings.ToUpper(r.State)
		r.State = state
		if r.UserID == 0 {
			if state == Approved {
				ignored = append(ignored, ignore(r, "the reviewer's account was deleted (GitHub shows no user)"))
			}
			continue
		}
		switch state {
		case Approved, ChangesRequested, Dismissed:
		default: // COMMENTED, PENDING: no change of state
			continue
		}
		if prev, ok := latest[r.UserID]; ok && prev.State == Approved {
			ignored = append(ignored, ignore(prev, fmt.Sprintf("superseded by a later review (%s)", reviewWord(state))))
		}
		latest[r.UserID] = r
	}
	for _, r := range latest {
		if r.State == Dismissed {
			ignored = append(ignored, ignore(r, "dismissed"))
		}
	}
	return latest, ignored
}

func reviewWord(state string) string {
	return strings.ToLower(strings.ReplaceAll(state, "_", " "))
}

func ignore(r Review, reason string) Ignored {
	return Ignored{Login: r.Login, UserID: r.UserID, ReviewID: r.ID, Reason: reason}
}

// eligibility rejects an APPROVED review for reasons that do not depend on
// roles: stale, self-approval, committer, bot not allowed. It returns "" when
// the review may count.
func eligibility(r Review, pr PR, allowBots bool) string {
	switch {
	case r.CommitID != pr.HeadSHA || pr.HeadSHA == "":
		return fmt.Sprintf("stale: approved commit %s, head is %s", short(r.CommitID), short(pr.HeadSHA))
	case r.UserID == pr.AuthorID:
		return "self-approval: the PR author cannot approve it"
	case containsID(pr.CommitAuthorIDs, r.UserID):
		return "committer: authored or committed a commit in this PR"
	case containsID(pr.CoAuthorIDs, r.UserID):
		return "co-author: named in a Co-authored-by trailer of a commit in this PR"
	case coAuthorNamed(pr.CoAuthorsUnresolved, r.Login) != "":
		return "may be a co-author: matches the Co-authored-by trailer " + coAuthorNamed(pr.CoAuthorsUnresolved, r.Login) + ", which names no account gov can check"
	case pr.CommitsIncomplete:
		return "committers unknown: GitHub did not list every commit of this PR"
	case isBot(r.Login, r.IsBot) && !allowBots:
		return "bot not allowed: the workflow does not set allow_bots"
	}
	return ""
}

// coAuthorNamed returns the first unresolved trailer login may be, as written.
func coAuthorNamed(cs []CoAuthor, login string) string {
	for _, c := range cs {
		if c.Matches(login) {
			return fmt.Sprintf("%q", c.Name+" <"+c.Email+">")
		}
	}
	return ""
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func short(sha string) string {
	if sha == "" {
		return "(none)"
	}
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// sortedByTime returns the reviews of latest ordered by submission time.
func sortedByTime(latest map[int64]Review) []Review {
	out := make([]Review, 0, len(latest))
	for _, r := range latest {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].SubmittedAt.Equal(out[j].SubmittedAt) {
			return out[i].SubmittedAt.Before(out[j].SubmittedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

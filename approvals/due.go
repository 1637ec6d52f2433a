package approvals

import (
	"time"

	"github.com/gov-policy/gov/engine"
)

// escalationDue finds the first stage not satisfied (k, 0-based; -1 when
// none) and when it escalates: its timeout counted from the PR's creation
// for the first stage and from the previous stage's satisfaction for the
// others. due is zero when that stage has no timeout or its start is unknown.
func escalationDue(in Input, stages []engine.StageResult, satisfiedAt []time.Time) (k int, start, due time.Time) {
	k = -1
	for i, s := range stages {
		if !s.Satisfied {
			k = i
			break
		}
	}
	if k < 0 || stages[k].TimeoutHours <= 0 {
		return k, time.Time{}, time.Time{}
	}
	start = in.PR.CreatedAt
	if k > 0 {
		start = satisfiedAt[k-1]
	}
	if start.IsZero() {
		return k, start, time.Time{}
	}
	return k, start, start.Add(time.Duration(stages[k].TimeoutHours) * time.Hour)
}

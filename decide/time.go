package decide

import (
	"time"

	"github.com/gov-policy/gov/engine"
)

// TimeOf is when the decision was made (its evaluated_at), else now.
func TimeOf(d *engine.Decision) time.Time {
	if !d.EvaluatedAt.IsZero() {
		return d.EvaluatedAt
	}
	return time.Now().UTC()
}

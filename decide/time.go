package decide

import (
	"time"

	"github.com/gov-policy/gov/engine"
)

// TimeOf is when the decision was made (its evaluated_at), else now.
func TimeOf(d *engine.Decision) time.Time {
	if t, err := time.Parse(time.RFC3339, d.EvaluatedAt); err == nil {
		return t
	}
	return time.Now().UTC()
}

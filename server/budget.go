package server

import "sync"

// byteBudget bounds the bytes held at once by requests that have not yet
// proven who sent them (webhook bodies before their signature is checked):
// a reservation that does not fit is refused at once, never queued, so
// unauthenticated clients cannot make the server buffer more than the
// budget however many connections they open.
type byteBudget struct {
	mu    sync.Mutex
	used  int64
	limit int64
}

// tryTake reserves n bytes, or returns false when they do not fit.
func (b *byteBudget) tryTake(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.limit-b.used {
		return false
	}
	b.used += n
	return true
}

// give returns n reserved bytes.
func (b *byteBudget) give(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
}

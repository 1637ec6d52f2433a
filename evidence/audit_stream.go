package evidence

import (
	"runtime"
	"sync"
	"time"
)

// Stream calls fn with every record made at or after since, as Walk does
// (the same records, the same files skipped and named in bad), but in no
// particular order and without holding them: workers goroutines (<= 0:
// GOMAXPROCS) read, check and decode records while fn, called from one
// goroutine at a time, works on earlier ones. gov simulate reads 100,000
// records this way in flat memory.
func (s Store) Stream(since time.Time, workers int, fn func(Entry, Record) error) (bad []error, err error) {
	paths, signed, bad, err := s.recordFiles(since)
	if err != nil {
		return bad, err
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type read struct {
		path string
		rec  Record
		err  error
	}
	todo := make(chan string)
	done := make(chan read, 2*workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for path := range todo {
				_, rec, err := readRecord(path)
				select {
				case done <- read{path, rec, err}:
				case <-stop:
					return
				}
			}
		})
	}
	go func() {
		defer func() {
			close(todo)
			wg.Wait()
			close(done)
		}()
		for _, path := range paths {
			select {
			case todo <- path:
			case <-stop:
				return
			}
		}
	}()
	defer func() {
		close(stop)
		for range done { // let the workers finish
		}
	}()
	for r := range done {
		switch {
		case r.err != nil:
			bad = append(bad, r.err)
		case !r.rec.Time.Before(since):
			e := entryOf(r.path, r.rec)
			e.Signed = signed[r.path]
			if err := fn(e, r.rec); err != nil {
				return bad, err
			}
		}
	}
	return bad, nil
}

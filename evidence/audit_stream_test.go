package evidence

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestStreamAsWalk: Stream gives the records Walk gives, each once with the
// same entry and record, and names the same bad files (a truncated,
// modified or misnamed one), whatever the order and the number of workers;
// an error from fn stops it.
func TestStreamAsWalk(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	var recs []Record
	for i := range 40 {
		recs = append(recs, record("req-"+strings.Repeat("x", i%3)+string(rune('a'+i%26)), t0.Add(time.Duration(i)*97*time.Hour)))
	}
	paths := writeAll(t, s, recs...)
	data, err := os.ReadFile(paths[5])
	if err != nil {
		t.Fatal(err)
	}
	month := filepath.Dir(paths[0])
	for path, content := range map[string]string{
		paths[7]: string(data[:len(data)/2]), // truncated
		filepath.Join(month, strings.Repeat("a", 64)+".json"):   string(data), // modified
		filepath.Join(month, "record.json"):                     string(data), // misnamed
		strings.TrimSuffix(paths[3], ".json") + SignatureSuffix: "{}",         // evidence beside a record
	} {
		if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	type got struct {
		e   Entry
		rec Record
	}
	errStrings := func(errs []error) []string {
		var out []string
		for _, err := range errs {
			out = append(out, err.Error())
		}
		slices.Sort(out)
		return out
	}
	for _, since := range []time.Time{{}, t0.Add(20 * 97 * time.Hour)} {
		var want []got
		wantBad, err := s.Walk(since, func(e Entry, rec Record) error { want = append(want, got{e, rec}); return nil })
		if err != nil || len(want) < 10 || len(wantBad) != 3 && since.IsZero() {
			t.Fatalf("walk: %d records, bad %v, %v", len(want), wantBad, err)
		}
		for _, workers := range []int{0, 1, 5} {
			var have []got
			bad, err := s.Stream(since, workers, func(e Entry, rec Record) error { have = append(have, got{e, rec}); return nil })
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(have, func(x, y got) int {
				if c := x.e.Time.Compare(y.e.Time); c != 0 {
					return c
				}
				return strings.Compare(x.e.Path, y.e.Path)
			})
			if !reflect.DeepEqual(have, want) {
				t.Errorf("since %v, %d workers: stream gave %d records, walk %d, or they differ", since, workers, len(have), len(want))
			}
			if b, w := errStrings(bad), errStrings(wantBad); !slices.Equal(b, w) {
				t.Errorf("since %v, %d workers: bad %q, want %q", since, workers, b, w)
			}
		}
	}
	stop := errors.New("stop")
	n := 0
	if _, err := s.Stream(time.Time{}, 2, func(Entry, Record) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("fn's error: got %v after %d call(s), want stop after 1", err, n)
	}
}

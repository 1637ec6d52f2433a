package evidence

import (
	"errors"
	"testing"
	"time"

	"github.com/gov-policy/gov/engine"
)

// TestPGSummaries: records with the same summary in one week are one group
// with their count and first and last time; until bounds the period; a
// record named by the report (break-glass) is a group of its own.
func TestPGSummaries(t *testing.T) {
	s, _ := openPG(t)
	mon := time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC) // a Monday
	bg := record("bg", mon.Add(time.Hour))
	bg.Decision.Reason = "BREAK-GLASS: label \"x\" added by carol"
	for _, rec := range []Record{record("a", mon), record("b", mon.Add(24*time.Hour)), bg,
		record("c", mon.Add(7*24*time.Hour)), record("late", mon.Add(30*24*time.Hour))} {
		if _, err := s.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	var got []SummaryGroup
	err := s.Summaries(time.Time{}, mon.Add(8*24*time.Hour), func(g SummaryGroup) error { got = append(got, g); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("groups = %+v, want a+b, bg, c", got)
	}
	ab, named, c := got[0], got[1], got[2]
	if ab.Count != 2 || !ab.First.Equal(mon) || !ab.Last.Equal(mon.Add(24*time.Hour)) || ab.Summary.Decision != engine.Deny ||
		ab.Summary.Findings != 1 || ab.Summary.Revision != "embedded:test" || ab.Summary.RequestID != "" {
		t.Errorf("group of a and b = %+v", ab)
	}
	if named.Count != 1 || named.Summary.RequestID != "bg" || named.Summary.BreakGlass == nil || !named.Summary.DutiesChecked {
		t.Errorf("break-glass group = %+v", named)
	}
	if c.Count != 1 || !c.First.Equal(mon.Add(7*24*time.Hour)) {
		t.Errorf("next week's group = %+v", c)
	}
}

// TestPGSummariesOutdated: a row summarized by an older gov (rows are never
// rewritten) makes Summaries fail with ErrSummaryOutdated, so that the
// report reads the records whole instead of miscounting them.
func TestPGSummariesOutdated(t *testing.T) {
	s, _ := openPG(t)
	if _, err := s.Write(record("new", t0)); err != nil {
		t.Fatal(err)
	}
	old := record("old", t0.Add(time.Minute))
	data, err := Encode(old)
	if err != nil {
		t.Fatal(err)
	}
	row, err := recordRow(data, old)
	if err != nil {
		t.Fatal(err)
	}
	row.summary = `{"d":"deny","f":1}` // version 1: no "s"
	if _, err := s.insert([]pgRow{row}); err != nil {
		t.Fatal(err)
	}
	err = s.Summaries(time.Time{}, time.Time{}, func(SummaryGroup) error { return nil })
	if !errors.Is(err, ErrSummaryOutdated) {
		t.Fatalf("Summaries over an old row: %v, want ErrSummaryOutdated", err)
	}
}

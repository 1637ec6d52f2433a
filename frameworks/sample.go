package frameworks

import (
	"errors"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/gov-policy/gov/evidence"
)

// Sample is a reproducible random sample of a report's population, drawn
// as auditors do: the same seed and population give the same rows.
type Sample struct {
	Seed           uint64 `json:"seed"`
	Size           int    `json:"size"`
	PopulationSize int    `json:"population_size"`
	// Rows are the sampled decisions, in population (time) order.
	Rows []DecisionRow `json:"rows"`
}

// DrawSample draws n decisions of the population without replacement,
// with a PCG generator seeded by seed (the whole population when n is at
// least its size). It reads the population once and keeps only the rows
// drawn.
func (r *Report) DrawSample(n int, seed uint64) error {
	if n <= 0 {
		return errors.New("sample size must be at least 1")
	}
	size := r.Totals.Records
	picked := sampleIndexes(size, n, seed)
	rows, err := r.sampleRows(picked)
	if errors.Is(err, evidence.ErrSummaryOutdated) {
		rows, err = pickRows(r.EachRow, picked)
	}
	if err != nil {
		return err
	}
	r.Sample = &Sample{Seed: seed, Size: len(rows), PopulationSize: size, Rows: rows}
	return nil
}

// sampleRows reads the rows at the picked positions of the population. A
// store that aggregates itself finds them by their summaries and reads
// only those records; other stores are read whole.
func (r *Report) sampleRows(picked []int) ([]DecisionRow, error) {
	src := r.src
	if src == nil || src.verify != nil {
		return pickRows(r.EachRow, picked)
	}
	sum, ok := src.store.(evidence.Summarizer)
	if !ok {
		return pickRows(r.EachRow, picked)
	}
	var digests []string
	i := 0
	// Without a filter every record is in the population: its summary is
	// not needed to place it.
	filtered := src.filter != (Filter{})
	err := sum.WalkSummaries(src.since, src.until, filtered, func(digest string, _ time.Time, s evidence.RecordSummary) error {
		if filtered && !src.filter.matchSummary(s) {
			return nil
		}
		if len(digests) < len(picked) && picked[len(digests)] == i {
			digests = append(digests, digest)
		}
		i++
		return nil
	})
	if err != nil {
		return nil, err
	}
	var rows []DecisionRow
	_, err = sum.WalkDigests(digests, func(e evidence.Entry, rec evidence.Record) error {
		if rec.Decision != nil {
			rows = append(rows, rowOf(e, rec, signedState(e.Signed)))
		}
		return nil
	})
	return rows, err
}

// pickRows keeps the rows at the picked positions of each's rows.
func pickRows(each func(func(DecisionRow) error) error, picked []int) ([]DecisionRow, error) {
	rows := make([]DecisionRow, 0, len(picked))
	i := 0
	err := each(func(d DecisionRow) error {
		if len(rows) < len(picked) && picked[len(rows)] == i {
			rows = append(rows, d)
		}
		i++
		return nil
	})
	return rows, err
}

// sampleIndexes draws min(n, size) of the indexes 0..size-1 by a partial
// Fisher-Yates shuffle (the first k positions are the sample), sorted. The
// positions moved are kept in a map, not an array of the population, so
// memory follows the sample, not the population.
func sampleIndexes(size, n int, seed uint64) []int {
	// Reproducible by design: an auditor redraws the same sample from the seed.
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) //nolint:gosec // a seeded sample, not a secret
	k := min(n, size)
	moved := map[int]int{}
	at := func(i int) int {
		if v, ok := moved[i]; ok {
			return v
		}
		return i
	}
	picked := make([]int, k)
	for i := range k {
		j := i + rng.IntN(size-i)
		vi, vj := at(i), at(j)
		moved[i], moved[j] = vj, vi
		picked[i] = vj
	}
	sort.Ints(picked)
	return picked
}

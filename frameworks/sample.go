package frameworks

import (
	"errors"
	"math/rand/v2"
	"sort"
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
// least its size).
func (r *Report) DrawSample(n int, seed uint64) error {
	if n <= 0 {
		return errors.New("sample size must be at least 1")
	}
	pop := r.Population
	// Reproducible by design: an auditor redraws the same sample from the seed.
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) //nolint:gosec // a seeded sample, not a secret
	idx := make([]int, len(pop))
	for i := range idx {
		idx[i] = i
	}
	k := min(n, len(pop))
	// Partial Fisher-Yates: the first k positions are the sample.
	for i := range k {
		j := i + rng.IntN(len(idx)-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	picked := idx[:k]
	sort.Ints(picked)
	s := &Sample{Seed: seed, Size: k, PopulationSize: len(pop), Rows: make([]DecisionRow, k)}
	for i, p := range picked {
		s.Rows[i] = pop[p]
	}
	r.Sample = s
	return nil
}

package frameworks

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/gov-policy/gov/evidence"
)

// rowSource reads a report's population from its audit store, oldest
// first, one record at a time: Build counts the period without holding
// the population, and the writers stream it.
type rowSource struct {
	store        evidence.AuditStore
	since, until time.Time
	filter       Filter
	verify       *evidence.VerifyOptions
}

// each calls fn with each record of the period that the filter keeps and
// its population row; the records that cannot be read are returned in bad.
func (s *rowSource) each(fn func(evidence.Record, DecisionRow) error) (bad []error, err error) {
	keep := func(e evidence.Entry, rec evidence.Record, ev evidence.RecordEvidence) error {
		if e.Time.After(s.until) {
			return nil
		}
		if rec.Decision == nil {
			return fmt.Errorf("report: record %s has no decision", e.Digest)
		}
		row := rowOf(e, rec, ev)
		if !s.filter.match(row) {
			return nil
		}
		return fn(rec, row)
	}
	if _, aggregates := s.store.(evidence.Summarizer); aggregates && s.verify == nil {
		// The database store decodes each record as it reads it (Walk):
		// decoding it again from its bytes would double the cost of a
		// population of a million. (The directory's Walk holds every record;
		// its WalkRaw reads them one at a time.)
		return s.store.Walk(s.since, func(e evidence.Entry, rec evidence.Record) error {
			return keep(e, rec, signedState(e.Signed))
		})
	}
	return s.store.WalkRaw(s.since, func(e evidence.Entry, record, bundle []byte) error {
		if e.Time.After(s.until) {
			return nil
		}
		var rec evidence.Record
		if err := json.Unmarshal(record, &rec); err != nil {
			return fmt.Errorf("report: record %s: %w", e.Digest, err)
		}
		ev, err := evidenceOf(record, bundle, s.verify)
		if err != nil {
			return err
		}
		return keep(e, rec, ev)
	})
}

// signedState is the evidence state of a record that was not verified.
func signedState(signed bool) evidence.RecordEvidence {
	if signed {
		return evidence.RecordEvidence{State: EvidenceSigned}
	}
	return evidence.RecordEvidence{State: EvidenceUnsigned}
}

// EachRow calls fn for each decision of the population, oldest first,
// reading it from the store again (a report read back from JSON lists its
// Population).
func (r *Report) EachRow(fn func(DecisionRow) error) error {
	if r.src == nil {
		for _, row := range r.Population {
			if err := fn(row); err != nil {
				return err
			}
		}
		return nil
	}
	_, err := r.src.each(func(_ evidence.Record, row DecisionRow) error { return fn(row) })
	return err
}

// WriteJSON writes the report as indented JSON (the Report type documents
// every field). The population goes last and is written as it is read.
func WriteJSON(w io.Writer, r *Report) error {
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return err
	}
	// The population is marked by a random string no report value can
	// hold, then the mark is replaced by the rows as they are read.
	mark := `"population-` + hex.EncodeToString(nonce[:]) + `"`
	doc := struct {
		*Report
		Population json.RawMessage `json:"population"`
	}{r, json.RawMessage(mark)}
	var head bytes.Buffer
	enc := json.NewEncoder(&head)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	before, after, ok := bytes.Cut(head.Bytes(), []byte(mark))
	if !ok {
		return fmt.Errorf("report: the population's place was not found")
	}
	if _, err := w.Write(before); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "["); err != nil {
		return err
	}
	n := 0
	var row bytes.Buffer
	renc := json.NewEncoder(&row)
	renc.SetIndent("    ", "  ")
	renc.SetEscapeHTML(false)
	err := r.EachRow(func(d DecisionRow) error {
		row.Reset()
		sep := ",\n    "
		if n == 0 {
			sep = "\n    "
		}
		n++
		if err := renc.Encode(d); err != nil {
			return err
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		_, err := w.Write(bytes.TrimSuffix(row.Bytes(), []byte("\n")))
		return err
	})
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	end := "]"
	if n > 0 {
		end = "\n  ]"
	}
	if _, err := io.WriteString(w, end); err != nil {
		return err
	}
	_, err = w.Write(after)
	return err
}

package evidence

import "time"

// copyBatch is how many records Copy hands to the target at once (one
// transaction in PostgreSQL).
const copyBatch = 500

// CopyResult says what Copy did.
type CopyResult struct {
	// Read counts the valid records of the source; Added those the target
	// did not hold yet (a second copy adds none).
	Read, Added int
}

// Copy adds every valid record of from made at or after since (zero: all),
// with its signed evidence, to to, as its exact bytes; records to already
// holds are kept, so copying again changes nothing. Invalid records of from
// are not copied and are returned in bad, each naming the record.
func Copy(from, to AuditStore, since time.Time) (res CopyResult, bad []error, err error) {
	batch := make([]RawRecord, 0, copyBatch)
	flush := func() error {
		n, err := to.Import(batch)
		res.Added += n
		batch = batch[:0]
		return err
	}
	bad, err = from.WalkRaw(since, func(_ Entry, record, bundle []byte) error {
		res.Read++
		batch = append(batch, RawRecord{Record: record, Bundle: bundle})
		if len(batch) == copyBatch {
			return flush()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	return res, bad, err
}

package evidence

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Evidence states of a record, as `gov audit log --verify` shows them.
const (
	StateVerified = "verified"
	StateUnsigned = "unsigned"
	StateFailed   = "FAILED"
)

// RecordEvidence is the verification state of one record's evidence.
type RecordEvidence struct {
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
	Signer string `json:"signer,omitempty"`
}

func (e RecordEvidence) String() string {
	if e.State == StateFailed {
		return StateFailed + ": " + e.Reason
	}
	return e.State
}

// VerifyRecord verifies the evidence beside the record at recordPath
// against that record (o.Record and o.Patch are ignored): unsigned when
// there is none, failed with the reason when it does not verify. err is an
// error of the options (no key or identity given), never of the evidence.
func VerifyRecord(recordPath string, o VerifyOptions) (RecordEvidence, error) {
	bundleJSON, err := os.ReadFile(BundlePath(recordPath))
	if errors.Is(err, fs.ErrNotExist) {
		return RecordEvidence{State: StateUnsigned}, nil
	}
	if err != nil {
		return RecordEvidence{State: StateFailed, Reason: err.Error()}, nil
	}
	record, err := os.ReadFile(recordPath)
	if err != nil {
		return RecordEvidence{State: StateFailed, Reason: err.Error()}, nil
	}
	ev, err := VerifyRaw(record, bundleJSON, o)
	if err != nil {
		return ev, fmt.Errorf("%s: %w", recordPath, err)
	}
	return ev, nil
}

// VerifyRaw verifies a record's evidence (nil: unsigned) against the
// record's exact bytes, as VerifyRecord does for files; it serves every
// audit store.
func VerifyRaw(record, bundleJSON []byte, o VerifyOptions) (RecordEvidence, error) {
	if bundleJSON == nil {
		return RecordEvidence{State: StateUnsigned}, nil
	}
	o.Record, o.Patch = record, nil
	v, err := Verify(bundleJSON, o)
	var nv *NotVerifiedError
	switch {
	case errors.As(err, &nv):
		return RecordEvidence{State: StateFailed, Reason: nv.Reason}, nil
	case err != nil:
		return RecordEvidence{}, err
	}
	return RecordEvidence{State: StateVerified, Signer: v.Signer}, nil
}

package policytest

import "time"

// DecodeCase decodes one case file (YAML or JSON) strictly, as gov test
// does: an unknown field, a missing expect.decision or not exactly one of
// patch_file and patch is an error naming file. A case without a name is
// named after its file.
func DecodeCase(file string, data []byte) (Case, error) { return decodeCase(file, data) }

// ParseNow parses a case's now: RFC 3339 or YYYY-MM-DD.
func ParseNow(s string) (time.Time, error) { return parseNow(s) }

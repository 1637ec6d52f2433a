// Package evidence keeps gov's audit evidence: the audit directory of
// decision records (audit*.go) and, beside each record, its signed statement.
package evidence

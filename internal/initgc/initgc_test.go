package initgc

import (
	"runtime/debug"
	"testing"
)

// TestStartDone: start raises the percentage only when $GOGC is unset,
// and Done puts back exactly what was there, once.
func TestStartDone(t *testing.T) {
	Done() // the test binary's own initialization
	before := debug.SetGCPercent(73)
	defer debug.SetGCPercent(before)

	start("200") // $GOGC set: left alone
	if got := debug.SetGCPercent(73); got != 73 {
		t.Errorf("with $GOGC set the percentage became %d, want 73 (the user's)", got)
	}
	Done()
	if got := debug.SetGCPercent(73); got != 73 {
		t.Errorf("Done with $GOGC set changed the percentage to %d", got)
	}

	start("")
	if got := debug.SetGCPercent(percent); got != percent {
		t.Errorf("during initialization the percentage is %d, want %d", got, percent)
	}
	Done()
	if got := debug.SetGCPercent(73); got != 73 {
		t.Errorf("after Done the percentage is %d, want 73 (restored)", got)
	}
	debug.SetGCPercent(11)
	Done()
	if got := debug.SetGCPercent(11); got != 11 {
		t.Errorf("a second Done changed the percentage to %d", got)
	}

	start("") // a command that keeps the raised percentage
	Keep()
	Done()
	if got := debug.SetGCPercent(73); got != percent {
		t.Errorf("Done after Keep changed the percentage to %d, want %d", got, percent)
	}
}

// Package initgc makes the garbage collector run less often while a gov
// process initializes its packages: OPA, CUE, sigstore and the others
// allocate about 4 MB of long-lived tables at start-up, and at Go's
// default (GOGC=100, a 4 MB first heap goal) one collection ran during
// initialization in every gov command, about 1.5-3 ms of CPU time of a
// short one (gov version, gov eval). It imports only os and runtime/debug,
// so it initializes early: in gov's GODEBUG=inittrace=1, after protobuf's
// descriptors and CUE's decimals (about 2 MB allocated), before govalidator,
// OPA, Prometheus and gRPC; TestStartupNoGCDuringInit (cmd/gov) checks that
// no collection runs. cmd/gov imports it and calls Done before running
// a command, which then sets its own collection (lessGC, gov serve's floor).
package initgc

import (
	"os"
	"runtime/debug"
)

// percent is the collection percentage during initialization: at 400 the
// first heap goal is 16 MB, above what initialization allocates.
const percent = 400

// restore is the percentage Done puts back; -1 when there is none ($GOGC
// set: the user's choice is left alone).
var restore = -1

func init() { start(os.Getenv("GOGC")) }

// start raises the collection percentage unless gogc ($GOGC) is set.
func start(gogc string) {
	if gogc != "" {
		return
	}
	restore = debug.SetGCPercent(percent)
}

// Done restores the collection percentage from before initialization (Go's
// default, 100); calling it again does nothing.
func Done() {
	if restore >= 0 {
		debug.SetGCPercent(restore)
		restore = -1
	}
}

// Keep leaves the percentage as it is: a command that sets its own
// (as rare as percent) before Done would restore Go's default.
func Keep() { restore = -1 }

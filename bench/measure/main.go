// Command measure runs commands N times and prints each one's median wall
// time, median CPU time (user + system: steadier than wall time on a busy
// machine) and peak resident set size, for side-by-side comparisons in
// bench/*.sh.
//
//	go run ./bench/measure -n 20 -name gov -- gov eval --patch p.diff
//
// Several commands separated by "::", each NAME OKCODES CMD ARGS..., are run
// in turn (run 1 of each, then run 2 of each, ...), so that a change in the
// machine's load falls on all of them alike:
//
//	measure -n 15 -- gov 0,1,3 gov eval --patch p.diff :: opa 0 opa eval ...
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// job is one command measured, with its samples.
type job struct {
	name, ok string
	argv     []string
	walls    []time.Duration
	cpus     []time.Duration // user + system
	peak     int64           // KB
}

func main() {
	n := flag.Int("n", 20, "runs")
	name := flag.String("name", "", "label for the output line")
	okCodes := flag.String("ok", "0", "exit codes that count as success, e.g. 0,1,3")
	flag.Parse()
	if flag.NArg() == 0 {
		fail("no command")
	}
	jobs := []*job{{name: *name, ok: *okCodes, argv: flag.Args()}}
	if slices.Contains(flag.Args(), "::") {
		jobs = parseJobs(flag.Args())
	}
	for range *n {
		for _, j := range jobs {
			j.run()
		}
	}
	for _, j := range jobs {
		slices.Sort(j.walls)
		slices.Sort(j.cpus)
		fmt.Printf("%-30s median %7.1f ms   min %7.1f ms   CPU %7.1f ms   peak RSS %6.1f MB   (%d runs)\n",
			j.name, ms(j.walls[len(j.walls)/2]), ms(j.walls[0]), ms(j.cpus[len(j.cpus)/2]), float64(j.peak)/1024, len(j.walls))
	}
}

// parseJobs splits NAME OK CMD... :: NAME OK CMD... into jobs.
func parseJobs(args []string) []*job {
	var jobs []*job
	for len(args) > 0 {
		i := slices.Index(args, "::")
		if i < 0 {
			i = len(args)
		}
		if i < 3 {
			fail(fmt.Sprintf("want NAME OKCODES CMD... between '::', got %q", args[:i]))
		}
		jobs = append(jobs, &job{name: args[0], ok: args[1], argv: args[2:i]})
		args = args[min(i+1, len(args)):]
	}
	return jobs
}

func (j *job) run() {
	cmd := exec.Command(j.argv[0], j.argv[1:]...)
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		fail(fmt.Sprintf("%s: %v", j.name, err))
	}
	if code := cmd.ProcessState.ExitCode(); !codeOK(code, j.ok) {
		fail(fmt.Sprintf("%s exited %d", j.name, code))
	}
	j.walls = append(j.walls, wall)
	j.cpus = append(j.cpus, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > j.peak {
		j.peak = ru.Maxrss
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "measure: "+msg)
	os.Exit(2)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func codeOK(code int, list string) bool {
	for _, c := range strings.Split(list, ",") {
		if fmt.Sprint(code) == c {
			return true
		}
	}
	return false
}

// Command measure runs a command N times and prints its median wall time and
// peak resident set size, for side-by-side comparisons in bench/*.sh.
//
//	go run ./bench/measure -n 20 -name gov -- gov eval --patch p.diff
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

func main() {
	n := flag.Int("n", 20, "runs")
	name := flag.String("name", "", "label for the output line")
	okCodes := flag.String("ok", "0", "exit codes that count as success, e.g. 0,1,3")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "measure: no command")
		os.Exit(2)
	}
	var walls []time.Duration
	var peak int64
	for range *n {
		cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
		start := time.Now()
		err := cmd.Run()
		wall := time.Since(start)
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			fmt.Fprintf(os.Stderr, "measure: %s: %v\n", *name, err)
			os.Exit(2)
		}
		if code := cmd.ProcessState.ExitCode(); !codeOK(code, *okCodes) {
			fmt.Fprintf(os.Stderr, "measure: %s exited %d\n", *name, code)
			os.Exit(2)
		}
		walls = append(walls, wall)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > peak {
			peak = ru.Maxrss
		}
	}
	slices.Sort(walls)
	median := walls[len(walls)/2]
	fmt.Printf("%-12s median %7.1f ms   min %7.1f ms   peak RSS %6.1f MB   (%d runs)\n",
		*name, ms(median), ms(walls[0]), float64(peak)/1024, len(walls))
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

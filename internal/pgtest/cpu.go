package pgtest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ServerCPU returns a function that reads the CPU time (user and system)
// the PostgreSQL server behind url has used so far: the server process,
// its running processes (backends among them) and those it reaped. For
// benchmarks on a shared machine, where the CPU a store takes is steadier
// than wall time. Linux only (/proc); the server must run on this machine.
func ServerCPU(tb testing.TB, url string) func() time.Duration {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	var backend int
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	f, err := procStat(backend)
	if err != nil {
		tb.Fatalf("pgtest: the server's CPU: %v", err)
	}
	server, _ := strconv.Atoi(f[1]) // a backend's parent is the server
	return func() time.Duration {
		var ticks int64
		add := func(f []string, fields ...int) {
			for _, i := range fields {
				v, _ := strconv.ParseInt(f[i], 10, 64)
				ticks += v
			}
		}
		// Fields after the command name, from 0: utime 11, stime 12,
		// cutime 13, cstime 14.
		if f, err := procStat(server); err == nil {
			add(f, 11, 12, 13, 14)
		}
		children, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", server, server))
		for _, c := range strings.Fields(string(children)) {
			if pid, err := strconv.Atoi(c); err == nil {
				if f, err := procStat(pid); err == nil {
					add(f, 11, 12)
				}
			}
		}
		return time.Duration(ticks) * time.Second / 100 // USER_HZ
	}
}

// procStat is /proc/PID/stat's fields after the command name.
func procStat(pid int) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	s := string(data)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:]), nil
}

// SelfCPU is the CPU time (user and system) this process has used so far,
// to set beside ServerCPU in a benchmark's per-operation figures.
func SelfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

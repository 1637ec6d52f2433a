package pgtest

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// MissingBouncer says what to do when PgBouncer is not installed.
const MissingBouncer = "no PgBouncer for the tests: install Debian's pgbouncer package (apt-get install pgbouncer)"

// bouncerBin finds pgbouncer: on PATH, else where Debian installs it.
func bouncerBin() (string, error) {
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p, nil
	}
	if isExecutable("/usr/sbin/pgbouncer") {
		return "/usr/sbin/pgbouncer", nil
	}
	return "", errors.New(MissingBouncer)
}

// Bouncer starts a PgBouncer in session pooling mode, with its default
// settings otherwise (it refuses a connection's run-time parameters other
// than the few it knows, and resets a server session with DISCARD ALL
// when its client leaves), in front of the server of dbURL, and returns
// dbURL through it. It stops when t ends. Like the cluster, it runs as
// the user nobody when the tests run as root (PgBouncer refuses root).
func Bouncer(t testing.TB, dbURL string) string {
	t.Helper()
	return BouncerWith(t, dbURL, nil)
}

// BouncerWith is Bouncer with settings of its [pgbouncer] section
// replaced or added (pool_mode, server_reset_query, ...): an operator's
// configuration, for tests of gov behind one configured so.
func BouncerWith(t testing.TB, dbURL string, settings map[string]string) string {
	t.Helper()
	return StartBouncer(t, dbURL, settings).URL
}

// Pooler is a PgBouncer that StartBouncer started.
type Pooler struct {
	// URL is dbURL through the PgBouncer.
	URL    string
	cmd    *exec.Cmd
	exited chan struct{}
	launch func() bool
	log    string
}

// Restart kills the PgBouncer (SIGKILL: every client's and server's
// connection ends) and starts it again on the same port and
// configuration.
func (p *Pooler) Restart(t testing.TB) {
	t.Helper()
	_ = p.cmd.Process.Kill()
	<-p.exited
	for attempt := 0; !p.launch(); attempt++ {
		if attempt == 2 {
			log, _ := os.ReadFile(p.log)
			t.Fatalf("pgtest: pgbouncer did not start again:\n%s", log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// StartBouncer is BouncerWith, returning the PgBouncer, which a test may
// restart.
func StartBouncer(t testing.TB, dbURL string, settings map[string]string) *Pooler {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("pgtest: bouncer: %v", err)
	}
	bin, err := bouncerBin()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	cred, err := unprivileged()
	if err != nil {
		t.Fatalf("pgtest: bouncer: %v", err)
	}
	parent := ""
	if cred != nil {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "gov-pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	pw, _ := u.User.Password()
	users := fmt.Sprintf("%q %q\n", u.User.Username(), pw)
	p := &Pooler{log: filepath.Join(dir, "log")}
	var port int
	for attempt := 0; ; attempt++ {
		if port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		conf := map[string]string{
			"listen_addr": "127.0.0.1", "listen_port": strconv.Itoa(port), "unix_socket_dir": "",
			"auth_type": "md5", "auth_file": filepath.Join(dir, "users.txt"), "pool_mode": "session",
			"max_client_conn": "500", "default_pool_size": "50", "logfile": filepath.Join(dir, "log"),
		}
		for k, v := range settings {
			conf[k] = v
		}
		ini := fmt.Sprintf("[databases]\n* = host=%s port=%s\n[pgbouncer]\n", u.Hostname(), u.Port())
		for _, k := range slices.Sorted(maps.Keys(conf)) {
			ini += k + " = " + conf[k] + "\n"
		}
		for name, data := range map[string]string{"users.txt": users, "pgbouncer.ini": ini} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if cred != nil {
			for _, p := range []string{dir, filepath.Join(dir, "users.txt"), filepath.Join(dir, "pgbouncer.ini")} {
				if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
					t.Fatal(err)
				}
			}
		}
		p.launch = func() bool {
			cmd := exec.Command(bin, filepath.Join(dir, "pgbouncer.ini")) //nolint:gosec // the installed pgbouncer, on a configuration written here
			cmd.Dir = dir
			if cred != nil {
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
			}
			if err := cmd.Start(); err != nil {
				t.Fatalf("pgtest: bouncer: %v", err)
			}
			exited := make(chan struct{})
			go func() {
				_ = cmd.Wait() //nolint:errcheck // killed when the test ends
				close(exited)
			}()
			p.cmd, p.exited = cmd, exited
			return listening(port, exited)
		}
		if p.launch() {
			break
		}
		_ = p.cmd.Process.Kill()
		<-p.exited
		if attempt == 2 {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Fatalf("pgtest: pgbouncer did not start:\n%s", log)
		}
	}
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	through := *u
	through.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p.URL = through.String()
	return p
}

// listening waits up to 10 s for a connection to port, false once exited
// is closed (the port was taken).
func listening(port int, exited <-chan struct{}) bool {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		select {
		case <-exited:
			return false
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

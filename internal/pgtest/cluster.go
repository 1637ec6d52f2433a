package pgtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// cluster is a throwaway PostgreSQL cluster in a temporary directory.
type cluster struct {
	bin, dir, url string
	// opts are the server options of pg_ctl start (its port among them).
	opts string
	cred *syscall.Credential
}

// Missing says what to do when no PostgreSQL server is installed.
const Missing = "no PostgreSQL server for the tests: install Debian's postgresql package " +
	"(apt-get install postgresql; its initdb and pg_ctl live in /usr/lib/postgresql/<version>/bin) " +
	"or set " + EnvURL + " to a server where the user may create databases"

// BinDir finds the directory of initdb and pg_ctl: on PATH, else the newest
// /usr/lib/postgresql/<version>/bin, where Debian keeps them.
func BinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	return "", errors.New(Missing)
}

// unprivileged is the credential of the user nobody when the tests run as
// root (PostgreSQL and PgBouncer refuse to run as root), else nil: run as
// this user.
func unprivileged() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("running as root, and no user nobody to run PostgreSQL and PgBouncer as: %w", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// startCluster runs initdb and pg_ctl start: loopback only, on a free port,
// no Unix socket, fsync off, password authentication over TCP. PostgreSQL
// refuses to run as root, so as root it runs as the user nobody.
func startCluster() (*cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	c := &cluster{bin: bin}
	if c.cred, err = unprivileged(); err != nil {
		return nil, err
	}
	parent := ""
	if c.cred != nil {
		// The cluster's directory must be reachable by nobody: not under root's TMPDIR.
		parent = "/tmp"
	}
	if c.dir, err = os.MkdirTemp(parent, "gov-pgtest-"); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(c.dir)
		}
	}()
	var pw [16]byte
	_, _ = rand.Read(pw[:])
	password := hex.EncodeToString(pw[:])
	pwFile := filepath.Join(c.dir, "pw")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		return nil, err
	}
	if c.cred != nil {
		for _, p := range []string{c.dir, pwFile} {
			if err := os.Chown(p, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
				return nil, err
			}
		}
	}
	data := filepath.Join(c.dir, "data")
	if err := c.run("initdb", "-D", data, "-U", "gov", "--pwfile", pwFile, "-E", "UTF8", "--locale", "C",
		"--auth-host", "scram-sha-256", "--auth-local", "trust", "--no-sync"); err != nil {
		return nil, err
	}
	// A port that was free can be taken before the server binds it: retry.
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -c unix_socket_directories='' "+
			"-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", port)
		c.opts = opts
		err = c.start()
		if err == nil {
			c.url = fmt.Sprintf("postgres://gov:%s@127.0.0.1:%d/postgres?sslmode=disable", password, port)
			ok = true
			return c, nil
		}
		if attempt == 2 {
			log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
			return nil, fmt.Errorf("%w\n%s", err, log)
		}
	}
}

// start starts the cluster's server (again) with its options.
func (c *cluster) start() error {
	return c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-l", filepath.Join(c.dir, "log"), "-w", "-t", "120", "-o", c.opts, "start")
}

// pause stops the server, keeping its data, so that start brings it back.
func (c *cluster) pause() error {
	return c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "fast", "-w", "stop")
}

// crash stops the server at once (immediate shutdown), keeping its data
// directory for start, which recovers it.
func (c *cluster) crash() error {
	return c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop")
}

// stop stops the server at once (nothing in it is kept) and removes it.
func (c *cluster) stop() {
	_ = c.crash()
	_ = os.RemoveAll(c.dir)
}

// run runs one of the server's programs as the cluster's user.
func (c *cluster) run(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(c.bin, name), args...) //nolint:gosec // initdb or pg_ctl of the installed server, arguments built here
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts a throwaway cluster outside tests (bench/): its URL (the
// postgres database, password included) and how to stop and remove it.
func Start() (url string, stop func(), err error) {
	c, err := startCluster()
	if err != nil {
		return "", nil, err
	}
	return c.url, c.stop, nil
}

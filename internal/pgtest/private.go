package pgtest

import "testing"

// Cluster is a private PostgreSQL server for one test, which the test may
// stop and start again: what an outage of the database looks like to gov.
// It is always a throwaway cluster (GOV_TEST_DATABASE_URL names a server a
// test cannot stop), so it needs the installed initdb and pg_ctl.
type Cluster struct {
	c *cluster
}

// NewCluster starts a private cluster, stopped and removed when t ends.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	c, err := startCluster()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(c.stop)
	return &Cluster{c}
}

// URL is the URL of the cluster's postgres database.
func (c *Cluster) URL() string { return c.c.url }

// Stop stops the server; its data stays for Start.
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	if err := c.c.pause(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// Start starts the stopped server again on the same port.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	if err := c.c.start(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// Crash stops the server at once, as a crash does: what it has not written
// out of its own memory is lost, what it wrote is recovered by Start.
func (c *Cluster) Crash(t testing.TB) {
	t.Helper()
	if err := c.c.crash(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

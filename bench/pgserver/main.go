// Command pgserver starts a throwaway PostgreSQL cluster for bench/pgstore.sh
// (internal/pgtest, as nobody when root), creates the databases named by
// -create, writes their URLs to -url-file (one a line, in order) and stops
// and removes the cluster on SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"

	"github.com/gov-policy/gov/internal/pgtest"
)

func main() {
	urlFile := flag.String("url-file", "", "write the databases' URLs here (mode 0600)")
	create := flag.String("create", "gov", "comma-separated databases to create")
	flag.Parse()
	if *urlFile == "" {
		fmt.Fprintln(os.Stderr, "pgserver: -url-file is required")
		os.Exit(2)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	base, stop, err := pgtest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgserver:", err)
		os.Exit(1)
	}
	defer stop()
	urls, err := databases(base, strings.Split(*create, ","))
	if err == nil {
		err = os.WriteFile(*urlFile, []byte(strings.Join(urls, "\n")+"\n"), 0o600)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgserver:", err)
		return
	}
	<-sig
}

// databases creates each database and returns its URL.
func databases(base string, names []string) ([]string, error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return nil, err
	}
	defer func() { _ = conn.Close(ctx) }()
	var out []string
	for _, name := range names {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return nil, err
		}
		u, err := url.Parse(base)
		if err != nil {
			return nil, err
		}
		u.Path = "/" + name
		out = append(out, u.String())
	}
	return out, nil
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/github"
	"github.com/gov-policy/gov/internal/gcfloor"
	"github.com/gov-policy/gov/server"
)

// gcFloor is the heap growth gov serve allows between garbage collections
// at least, unless $GOGC is set: on a 4 MB live heap, collections about 8
// times rarer for at most 32 MiB more memory.
const gcFloor = 32 << 20

type serveFlags struct {
	addr, bundle, enforcement     string
	githubURL, policyRepo, target string
	oidcIssuer, oidcAudience      string
	logLevel                      string
	poll, shutdownTimeout         time.Duration
	escalationSweep               time.Duration
	rateLimitWait                 time.Duration
	workers, queueSize            int
	installations                 int
	maxBody                       int64
	record                        recordFlags
}

func (f *serveFlags) AddFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8181", "listen address")
	fl.StringVar(&f.bundle, "bundle", "", "policy bundle: DIR, DIR@REF, URL@REF or embedded (default ./.gov, else embedded; env "+envBundle+")")
	fl.StringVar(&f.enforcement, "enforcement", "", "override enforcement: off, warn or strict")
	fl.DurationVar(&f.poll, "poll", 0, "reload the bundle this often (fetching URL@REF), e.g. 60s; 0 reloads only on push webhooks")
	fl.StringVar(&f.githubURL, "github-url", "", "GitHub API URL for PR webhooks (default $"+envGitHubAPIURL+" or api.github.com)")
	fl.StringVar(&f.policyRepo, "policy-repo", "", "OWNER/NAME of the policy repository: a push webhook from it reloads the bundle")
	fl.StringVar(&f.target, "target-url", "", "link of the gov/policy status set on PRs")
	fl.StringVar(&f.oidcIssuer, "oidc-issuer", "", "also accept OIDC ID tokens of this issuer on the decision API (their subject becomes requested_by)")
	fl.StringVar(&f.oidcAudience, "oidc-audience", "", "audience the OIDC ID tokens must carry")
	fl.IntVar(&f.workers, "workers", 4, "PR evaluation workers")
	fl.IntVar(&f.queueSize, "queue-size", 256, "queued webhook jobs before answering 503")
	fl.IntVar(&f.installations, "installations", 100, "GitHub App installations whose clients (token, ETag cache) are kept; the least recently used goes first")
	fl.Int64Var(&f.maxBody, "max-body", 10<<20, "largest request body in bytes (413 beyond)")
	fl.DurationVar(&f.shutdownTimeout, "shutdown-timeout", 30*time.Second, "on SIGTERM, how long in-flight requests and queued jobs may take")
	fl.DurationVar(&f.escalationSweep, "escalation-sweep", time.Minute, "how often the PRs waiting for approval are checked for a stage past its timeout_hours")
	fl.DurationVar(&f.rateLimitWait, "rate-limit-wait", github.DefaultMaxWait, "longest wait for a GitHub rate-limit reset before a job fails")
	f.record.AddFlags(cmd, "every decision")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error (JSON logs on stderr)")
}

func newServeCmd() *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the decision API and the GitHub App webhook receiver",
		Long: `Serve POST /v1/eval (a HealingActionRequest in, the decision out, 200 whatever it is),
GET /v1/bundle, POST /webhook (GitHub App: pull_request, pull_request_review, check_run
rerequested, merge_group checks_requested, push to --policy-repo), /healthz, /readyz and /metrics.
As a GitHub App each delivery is decided with the token of the installation it names.
The decision API needs $` + envAPIToken + ` (bearer token) or --oidc-issuer and --oidc-audience;
webhooks need $` + envWebhookSecret + ` and GitHub credentials ($` + envGitHubToken + ` or the GitHub App variables).
Every decision is recorded in --audit-dir (else the bundle's audit.dir) before it is
answered, and signed with --sign key|keyless.
The jobs of one PR run one at a time. With a postgres:// --audit-dir the webhook jobs are
queued in that database: any replica works them, and a killed replica's jobs are taken by another. A PR left waiting for approval on a stage with
timeout_hours is kept (under --audit-dir/.pending when given, else in memory) and
decided again when the timeout passes, escalating the stage once (--escalation-sweep).
SIGTERM or SIGINT stops accepting, finishes in-flight requests and queued jobs, and exits 0.
Unless $GOGC is set, the heap may grow by at least 32 MiB between garbage collections.`,
		Example: `  GOV_API_TOKEN=... gov serve --addr 127.0.0.1:8181 --bundle https://github.com/acme/policy@main --poll 60s
  GOV_WEBHOOK_SECRET=... GOV_GITHUB_APP_ID=1 ... gov serve --policy-repo acme/policy --bundle ./policy@main`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd, f) },
	}
	f.AddFlags(cmd)
	return cmd
}

func runServe(cmd *cobra.Command, f *serveFlags) error {
	if err := checkEnforcement(f.enforcement); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", f.logLevel)}
	}
	if (f.oidcIssuer == "") != (f.oidcAudience == "") {
		return usageError{fmt.Errorf("give --oidc-issuer and --oidc-audience together")}
	}
	if envOr(envGOGC, "") == "" {
		// A small live heap would be collected some 30 times a second
		// under load; a floor of growth between collections costs at most
		// that much memory (gcfloor).
		defer gcfloor.Start(gcFloor)()
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cfg := server.Config{
		Bundle: f.bundle, Load: bundles.LoadOptions{CacheDir: envOr(envCacheDir, "")}, Poll: f.poll,
		Enforcement: f.enforcement, APIToken: envOr(envAPIToken, ""), WebhookSecret: envOr(envWebhookSecret, ""),
		PolicyRepo: f.policyRepo, TargetURL: f.target, Workers: f.workers, QueueSize: f.queueSize, Installations: f.installations,
		MaxBodyBytes: f.maxBody, ShutdownTimeout: f.shutdownTimeout, AuditDir: f.record.auditDir,
		Logger: slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level})),
	}
	cfg.EscalationSweep = f.escalationSweep
	if cfg.Bundle == "" {
		cfg.Bundle = envOr(envBundle, "")
	}
	if f.oidcIssuer != "" {
		cfg.OIDC = &server.OIDCConfig{Issuer: f.oidcIssuer, Audience: f.oidcAudience}
	}
	if err := f.signer(ctx, &cfg); err != nil {
		return err
	}
	if envOr(envGitHubToken, "") != "" || envOr(envGitHubAppID, "") != "" {
		opts, err := githubOptionsFor(f.githubURL, f.rateLimitWait, false)
		if err != nil {
			return err
		}
		cfg.GitHub = &opts
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		return fmt.Errorf("gov serve: %w", err)
	}
	announceOff(cfg)
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	return srv.Serve(ctx, ln)
}

// signer loads the key of --sign key or prepares keyless signing.
func (f *serveFlags) signer(ctx context.Context, cfg *server.Config) error {
	if err := f.record.check(); err != nil || f.record.sign == signNone {
		return err
	}
	s, err := f.record.signing.signer(ctx)
	cfg.Signer = s
	return err
}

// announceOff says at start, once, which entry points are off for want of
// a credential, so that an operator does not learn it from 401s.
func announceOff(cfg server.Config) {
	if cfg.APIToken == "" && cfg.OIDC == nil {
		cfg.Logger.Warn("the decision API is off: POST /v1/eval answers 401 until $" + envAPIToken + " or --oidc-issuer and --oidc-audience are given")
	}
	if cfg.WebhookSecret == "" {
		cfg.Logger.Warn("webhooks are off: POST /webhook refuses every delivery until $" + envWebhookSecret + " is set")
	}
}

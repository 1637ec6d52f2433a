package main

import "os"

// Every environment variable gov reads is listed here.
const (
	// envBundle is the default bundle reference when --bundle is not given.
	envBundle = "GOV_BUNDLE"
	// envCacheDir overrides where URL@REF bundles are cloned.
	envCacheDir = "GOV_CACHE_DIR"
	// envAuditDir is the audit store when --audit-dir is not given, before
	// audit.dir of gov.cue: a directory or a postgres:// URL (its password
	// never printed).
	envAuditDir = "GOV_AUDIT_DIR"
)

// Read through pgx when the audit store is a postgres:// URL: the usual
// libpq variables PGHOST, PGPORT, PGUSER, PGPASSWORD (never printed),
// PGDATABASE, PGSSLMODE and the like fill what the URL leaves out.

func envOr(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return fallback
}

// Read by gov pr.
const (
	// envGitHubToken authenticates to the GitHub API (never printed).
	envGitHubToken = "GITHUB_TOKEN" //nolint:gosec // the variable's name, not a credential
	// envGitHubRepository is OWNER/NAME in GitHub Actions.
	envGitHubRepository = "GITHUB_REPOSITORY"
	// envGitHubEventPath is the webhook payload of the running Actions event.
	envGitHubEventPath = "GITHUB_EVENT_PATH"
	// envGitHubAPIURL is the REST API root in Actions (GHES included).
	envGitHubAPIURL = "GITHUB_API_URL"
	// envGitHubServerURL and envGitHubRunID make the status link to the run.
	envGitHubServerURL = "GITHUB_SERVER_URL"
	envGitHubRunID     = "GITHUB_RUN_ID"
	// envGitHubActions is "true" inside GitHub Actions (gov then comments as github-actions[bot]).
	envGitHubActions = "GITHUB_ACTIONS"
	// GitHub App authentication instead of a token (gov serve takes the
	// installation from each webhook payload, not from the variable).
	envGitHubAppID             = "GOV_GITHUB_APP_ID"
	envGitHubAppInstallationID = "GOV_GITHUB_APP_INSTALLATION_ID"
	envGitHubAppPrivateKey     = "GOV_GITHUB_APP_PRIVATE_KEY_FILE"
	// envCommentAuthor is the login gov's PR comments are written as.
	envCommentAuthor = "GOV_COMMENT_AUTHOR"
)

// Read by the SARIF writer (versionControlProvenance in GitHub Actions).
const (
	// envGitHubSHA is the commit the workflow runs on.
	envGitHubSHA = "GITHUB_SHA"
)

// Read by gov audit sign|keygen (and gov eval --sign).
const (
	// envCosignPassword decrypts the signing key (encrypts it, for keygen); never printed.
	envCosignPassword = "COSIGN_PASSWORD" //nolint:gosec // the variable's name, not a credential
	// envActionsIDTokenURL and envActionsIDTokenToken fetch the GitHub Actions
	// OIDC token for keyless signing (the token is never printed).
	envActionsIDTokenURL   = "ACTIONS_ID_TOKEN_REQUEST_URL"
	envActionsIDTokenToken = "ACTIONS_ID_TOKEN_REQUEST_TOKEN" //nolint:gosec // the variable's name
	// envSigstoreIDToken is an OIDC token for keyless signing outside Actions, as cosign reads it.
	envSigstoreIDToken = "SIGSTORE_ID_TOKEN" //nolint:gosec // the variable's name
)

// Read by gov serve.
const (
	// envAPIToken is the bearer token of the decision API (never printed nor logged).
	envAPIToken = "GOV_API_TOKEN" //nolint:gosec // the variable's name, not a credential
	// envWebhookSecret verifies GitHub webhook signatures (never printed nor logged).
	envWebhookSecret = "GOV_WEBHOOK_SECRET" //nolint:gosec // the variable's name
	// envGOGC is Go's own GC setting: when set, gov serve leaves the
	// collector to it instead of keeping a floor of heap growth (gcfloor).
	envGOGC = "GOGC"
)

// Read by gov pr inside GitHub Actions.
const (
	// envGitHubOutput is the file GitHub Actions reads step outputs from.
	envGitHubOutput = "GITHUB_OUTPUT"
)

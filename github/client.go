// Package github is the only code of gov that talks to the GitHub API
// (go-github): pull-request facts, team membership, statuses and comments,
// behind small interfaces, with ETag caching, rate-limit handling and call
// counting.
package github

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v60/github"
)

// DefaultMaxWait is how long a client waits for a rate-limit reset before failing.
const DefaultMaxWait = 60 * time.Second

// Options configure a Client. Exactly one of Token or App authenticates;
// neither is allowed (anonymous, public repositories only).
type Options struct {
	// Token is a personal access token or the Actions GITHUB_TOKEN. It is
	// never logged nor included in an error.
	Token string
	// App authenticates as a GitHub App installation.
	App *AppAuth
	// Installation authenticates as an App installation shared with other
	// Clients (gov serve keeps one per installation); it replaces App.
	Installation *AppInstallation
	// BaseURL is the REST API root; empty means https://api.github.com/.
	// GitHub Enterprise Server: https://ghe.example.com/api/v3 (the /api/v3
	// suffix is added when missing).
	BaseURL string
	// HTTPClient carries requests (tests); nil means a default client.
	HTTPClient *http.Client
	// Cache is shared ETag storage; nil gives the client its own.
	Cache *Cache
	// MaxWait bounds a rate-limit wait; 0 means DefaultMaxWait, negative never waits.
	MaxWait time.Duration
	// CommentAuthor is the login gov comments as (GOV_COMMENT_AUTHOR). When
	// empty, gov finds its own identity once per client (Identity): only
	// comments by that account are gov's own.
	CommentAuthor string
	// Actions says the token may be the Actions GITHUB_TOKEN, whose
	// comments are written by github-actions[bot] (GET /user refuses it).
	Actions bool
	// Sleep and Now replace the clock (tests).
	Sleep func(context.Context, time.Duration) error
	Now   func() time.Time
}

// AppAuth names a GitHub App installation and its private key file.
type AppAuth struct {
	AppID          int64
	InstallationID int64
	PrivateKeyFile string
}

// Client implements PRSource, Membership and Publisher. A Client is meant
// for one evaluation: it remembers what it fetched (no call is repeated)
// and counts its calls; share a Cache across clients for conditional requests.
type Client struct {
	gh *gh.Client
	// app answers as the GitHub App itself (JWT), nil under a token.
	app           *gh.Client
	tr            *transport
	commentAuthor string
	actions       bool

	mu       sync.Mutex
	comments map[string][]*gh.IssueComment
	memo     map[string]memo // team member lists and login ids (members.go)
	identity *Identity
}

// New builds a client. It reads the App private key file, if any, and
// makes no API call.
func New(opts Options) (*Client, error) {
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	tr := &transport{base: base, cache: opts.Cache, maxWait: opts.MaxWait, sleep: opts.Sleep, now: opts.Now}
	if tr.cache == nil {
		tr.cache = NewCache()
	}
	if tr.maxWait == 0 {
		tr.maxWait = DefaultMaxWait
	}
	if tr.sleep == nil {
		tr.sleep = sleepCtx
	}
	if tr.now == nil {
		tr.now = time.Now
	}
	apiRoot := strings.TrimRight(opts.BaseURL, "/")
	var rt http.RoundTripper = tr
	var appClient *gh.Client
	switch {
	case opts.Token != "" && (opts.App != nil || opts.Installation != nil):
		return nil, fmt.Errorf("github: give a token or a GitHub App, not both")
	case opts.Installation != nil:
		rt = &installationAuth{inst: opts.Installation, next: tr}
		appClient = opts.Installation.app
	case opts.App != nil:
		key, err := os.ReadFile(opts.App.PrivateKeyFile)
		if err != nil {
			return nil, fmt.Errorf("github app private key: %w", err)
		}
		atr, err := ghinstallation.NewAppsTransport(tr, opts.App.AppID, key)
		if err != nil {
			return nil, fmt.Errorf("github app private key %s: %w", opts.App.PrivateKeyFile, err)
		}
		itr := ghinstallation.NewFromAppsTransport(atr, opts.App.InstallationID)
		if apiRoot != "" {
			atr.BaseURL = enterpriseRoot(apiRoot)
			itr.BaseURL = atr.BaseURL
		}
		rt = itr
		ac := *hc
		ac.Transport = atr
		appClient = gh.NewClient(&ac)
	}
	client := *hc
	client.Transport = rt
	g := gh.NewClient(&client)
	if opts.Token != "" {
		g = g.WithAuthToken(opts.Token)
	}
	if apiRoot != "" && apiRoot != "https://api.github.com" {
		var err error
		if g, err = g.WithEnterpriseURLs(apiRoot, apiRoot); err != nil {
			return nil, fmt.Errorf("--github-url %s: %w", opts.BaseURL, err)
		}
		if appClient != nil && opts.Installation == nil {
			if appClient, err = appClient.WithEnterpriseURLs(apiRoot, apiRoot); err != nil {
				return nil, fmt.Errorf("--github-url %s: %w", opts.BaseURL, err)
			}
		}
	}
	return &Client{gh: g, app: appClient, tr: tr, commentAuthor: opts.CommentAuthor, actions: opts.Actions,
		comments: map[string][]*gh.IssueComment{}, memo: map[string]memo{}}, nil
}

// enterpriseRoot adds /api/v3 to a GHES host URL, as go-github does.
func enterpriseRoot(root string) string {
	if strings.HasSuffix(root, "/api/v3") || strings.HasPrefix(strings.TrimPrefix(strings.TrimPrefix(root, "https://"), "http://"), "api.") {
		return root
	}
	return root + "/api/v3"
}

// Stats returns the client's API call counts so far.
func (c *Client) Stats() Stats { return c.tr.snapshot() }

// Repo is an OWNER/NAME repository.
type Repo struct{ Owner, Name string }

func (r Repo) String() string { return r.Owner + "/" + r.Name }

// ParseRepo parses OWNER/NAME, each as GitHub allows it: an owner of
// letters, digits and inner hyphens (at most 39), a name of letters,
// digits, '.', '-' and '_' (at most 100, not "." or ".."). Names come from
// webhook payloads and event files; anything else could steer an API path
// ("../x" becomes GET /x/pulls/2).
func ParseRepo(s string) (Repo, error) {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || !validName(owner, 39, "-") || owner[0] == '-' || owner[len(owner)-1] == '-' ||
		!validName(name, 100, "-._") || name == "." || name == ".." {
		return Repo{}, fmt.Errorf("repository %q: want OWNER/NAME (letters, digits, '-'; and '.', '_' in the name)", s)
	}
	return Repo{owner, name}, nil
}

// validName: 1 to max ASCII letters, digits and the punctuation allowed.
func validName(s string, max int, punct string) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, c := range []byte(s) {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && strings.IndexByte(punct, c) < 0 {
			return false
		}
	}
	return true
}

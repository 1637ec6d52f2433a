package github

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v60/github"
)

// AppInstallation is one installation of a GitHub App as a long-running
// server keeps it: its token is fetched on first use and renewed a minute
// before it expires, and every Client made with it (Options.Installation)
// sends that same token, so their conditional requests hit one ETag cache
// entry. A Client still remembers only its own evaluation's data (team
// members, comments): membership is never older than one evaluation.
type AppInstallation struct {
	id     int64
	tokens *ghinstallation.Transport
	// app answers as the App itself (JWT), for its identity.
	app *gh.Client
}

// NewAppInstallation prepares installation id of the App opts.App names
// (its InstallationID is not used), reading the private key; it makes no
// API call. opts.HTTPClient carries the token requests.
func NewAppInstallation(opts Options, id int64) (*AppInstallation, error) {
	if opts.App == nil {
		return nil, errors.New("github: an App installation needs the App's id and private key")
	}
	if id <= 0 {
		return nil, fmt.Errorf("github: App installation id %d: want a positive number", id)
	}
	key, err := os.ReadFile(opts.App.PrivateKeyFile)
	if err != nil {
		return nil, fmt.Errorf("github app private key: %w", err)
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	atr, err := ghinstallation.NewAppsTransport(base, opts.App.AppID, key)
	if err != nil {
		return nil, fmt.Errorf("github app private key %s: %w", opts.App.PrivateKeyFile, err)
	}
	itr := ghinstallation.NewFromAppsTransport(atr, id)
	ac := *hc
	ac.Transport = atr
	app := gh.NewClient(&ac)
	if root := strings.TrimRight(opts.BaseURL, "/"); root != "" && root != "https://api.github.com" {
		atr.BaseURL = enterpriseRoot(root)
		itr.BaseURL = atr.BaseURL
		if app, err = app.WithEnterpriseURLs(root, root); err != nil {
			return nil, fmt.Errorf("--github-url %s: %w", opts.BaseURL, err)
		}
	}
	return &AppInstallation{id: id, tokens: itr, app: app}, nil
}

// ID is the installation id.
func (i *AppInstallation) ID() int64 { return i.id }

// installationAuth sends each request with the installation's current
// token; the token never leaves the Authorization header.
type installationAuth struct {
	inst *AppInstallation
	next http.RoundTripper
}

func (a *installationAuth) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := a.inst.tokens.Token(req.Context())
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, fmt.Errorf("GitHub App installation %d: %w", a.inst.id, err)
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "token "+tok)
	return a.next.RoundTrip(r)
}

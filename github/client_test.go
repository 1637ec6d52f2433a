package github

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGitHubAppAuth(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(keyFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := serve(t, fixture())
	c, _ := newTestClient(t, srv, func(o *Options) {
		o.Token = ""
		o.App = &AppAuth{AppID: 12, InstallationID: 34, PrivateKeyFile: keyFile}
	})
	if _, err := c.GetPR(context.Background(), repo, 7); err != nil {
		t.Fatal(err)
	}
	if srv.AppTokens() != 1 {
		t.Fatalf("installation tokens = %d, want 1", srv.AppTokens())
	}
	reqs := srv.Requests()
	if reqs[0].Path != "/api/v3/app/installations/34/access_tokens" || reqs[1].Authorization != "token "+testToken {
		t.Errorf("requests = %v", paths(reqs))
	}
}

func TestNewRejects(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.pem")
	bad := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(bad, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts Options
		err  string
	}{
		{"token and app", Options{Token: "x", App: &AppAuth{PrivateKeyFile: bad}}, "give a token or a GitHub App, not both"},
		{"missing key file", Options{App: &AppAuth{PrivateKeyFile: missing}}, "github app private key: open " + missing},
		{"malformed key", Options{App: &AppAuth{PrivateKeyFile: bad}}, "github app private key " + bad},
		{"bad URL", Options{BaseURL: "://nope"}, "--github-url ://nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("err = %v, want %q", err, tt.err)
			}
		})
	}
}

func TestEnterpriseURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://ghe.example.com":        "https://ghe.example.com/api/v3/",
		"https://ghe.example.com/api/v3": "https://ghe.example.com/api/v3/",
		"https://api.github.com":         "https://api.github.com/",
		"":                               "https://api.github.com/",
	} {
		c, err := New(Options{BaseURL: in})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.gh.BaseURL.String(); got != want {
			t.Errorf("BaseURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseRepo(t *testing.T) {
	for in, ok := range map[string]bool{"acme/app": true, "acme": false, "/app": false, "acme/": false, "a/b/c": false} {
		if _, err := ParseRepo(in); (err == nil) != ok {
			t.Errorf("ParseRepo(%q) err = %v", in, err)
		}
	}
}

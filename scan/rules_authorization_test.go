package scan_test

import (
	"encoding/base64"
	"testing"

	"github.com/gov-policy/gov/scan"
	"github.com/gov-policy/gov/scan/scantest"
)

// TestAuthorizationHeaderTokenFound: a bearer token hard-coded in an
// Authorization header outside a curl command (YAML, JSON, headers maps,
// Header.Set, env files) is found, masked, in every spelling a config or
// program uses; a token of a known format keeps its own rule.
func TestAuthorizationHeaderTokenFound(t *testing.T) {
	s := newScanner(t, scan.Config{})
	g := scantest.New(43)
	opaque := g.S(scantest.Alnum, 40)
	dotted := g.S(scantest.Alnum, 22) + "." + g.S(scantest.B64URL, 30)
	padded := g.S(scantest.B64, 42) + "=="
	cases := []struct{ name, text, secret, rule string }{
		{"yaml quoted", `  Authorization: "Bearer ` + opaque + `"`, opaque, "authorization-header-token"},
		{"yaml unquoted lower case", `  authorization: Bearer ` + dotted, dotted, "authorization-header-token"},
		{"yaml single quoted Token scheme", `authorization: 'Token ` + opaque + `'`, opaque, "authorization-header-token"},
		{"json", `{"headers": {"Authorization": "Bearer ` + padded + `"}}`, padded, "authorization-header-token"},
		{"python dict", `headers = {'Authorization': 'Bearer ` + dotted + `'}`, dotted, "authorization-header-token"},
		{"go Header.Set", `req.Header.Set("Authorization", "Bearer ` + opaque + `")`, opaque, "authorization-header-token"},
		{"ruby hash rocket", `"Authorization" => "Bearer ` + opaque + `"`, opaque, "authorization-header-token"},
		{"env", `AUTHORIZATION=Bearer ` + dotted, dotted, "authorization-header-token"},
		{"prefixed header name", `Proxy-Authorization: Bearer ` + opaque, opaque, "authorization-header-token"},
		{"raw http header", `Authorization: BEARER ` + opaque, opaque, "authorization-header-token"},
		{"basic user and password", `  Authorization: Basic ` + basic("deploy:"+opaque[:18]), basic("deploy:" + opaque[:18]), "authorization-header-basic"},
		{"basic token as the password, no user", `"Authorization": "Basic ` + basic(":"+opaque) + `"`, basic(":" + opaque), "authorization-header-basic"},
		{"basic key as the user, no password", `"Authorization": "Basic ` + basic(opaque+":") + `"`, basic(opaque + ":"), "authorization-header-basic"},
		{".NET AuthenticationHeaderValue", `client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "` + opaque + `");`, opaque, "authorization-header-token-dotnet"},
		{".NET verbatim strings", `new AuthenticationHeaderValue(@"Bearer", @"` + opaque + `")`, opaque, "authorization-header-token-dotnet"},
		{"github token keeps its rule", `  Authorization: "token ghp_` + g.S(scantest.Alnum, 36) + `"`, "", "github-pat"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := s.ScanBytes("config.yaml", []byte(tc.text+"\n"))
			if len(fs) != 1 || fs[0].Rule != tc.rule {
				t.Fatalf("findings %+v, want one of %s", fs, tc.rule)
			}
			if tc.secret != "" && fs[0].Fingerprint != wantFingerprint(tc.rule, "config.yaml", tc.secret) {
				t.Errorf("captured something other than the token")
			}
		})
	}
}

// TestAuthorizationHeaderLookAlikes: header values that hold no token (a
// reference, a template, a concatenation, a format verb, a placeholder,
// a challenge) are not reported.
func TestAuthorizationHeaderLookAlikes(t *testing.T) {
	s := newScanner(t, scan.Config{})
	for _, text := range []string{
		`  Authorization: "Bearer ${API_TOKEN}"`,
		`  Authorization: "Bearer {{ .Values.apiToken }}"`,
		`req.Header.Set("Authorization", "Bearer "+token)`,
		`headers = {"Authorization": f"Bearer {token}"}`,
		`fmt.Sprintf("Authorization: Bearer %s", tok)`,
		`"Authorization": "Bearer <access-token>"`,
		`"Authorization": "Bearer YOUR_ACCESS_TOKEN"`,
		`authorization: Bearer your_token_goes_here`,
		`authorization: Bearer xxxxxxxxxxxxxxxxxxxxxxxx`,
		`Authorization: Bearer $(gcloud auth print-access-token)`,
		`WWW-Authenticate: Bearer realm="api", error="invalid_token"`,
		`Set the Authorization: Bearer header to your personal access token.`,
		`authorization: Bearer abcdefghijklmnopqrstuvwx`,
		`authorization: Bearer EXAMPLE0123456789TOKEN`,
		`new AuthenticationHeaderValue("Bearer", token)`,
		`new AuthenticationHeaderValue("Bearer", "<access-token>")`,
		`new AuthenticationHeaderValue("Bearer", $"{accessToken}")`,
		`new AuthenticationHeaderValue("Bearer", "YOUR_ACCESS_TOKEN_HERE_12345")`,
		// Basic values that are not base64 of user:password: test data
		// and cut examples (Go's cmd/go auth tests), binary, no colon.
		`Authorization: Basic jpvcGVuc2VzYW1lYWxhZGRpb`,
		`Authorization: Basic 1lYWxhZGRplW1lYWxhZGRpbs`,
		`Authorization: Basic dGhpc2lzYWxvbmdzdHJpbmc=`,
		`Authorization: Basic ` + basic("user\x00\x01:"+"Kq8vWz3Lp9xTm2Rb7Yc4"),
		`Authorization: Basic ` + basic("deploy:password"),
	} {
		if fs := s.ScanBytes("config.yaml", []byte(text+"\n")); len(fs) != 0 {
			t.Errorf("%s: reported %+v", text, fs)
		}
	}
}

func basic(userPass string) string { return base64.StdEncoding.EncodeToString([]byte(userPass)) }

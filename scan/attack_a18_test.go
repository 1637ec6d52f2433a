package scan_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/gov-policy/gov/scan"
)

// a18Expect scans each line alone and wants one finding of rule (or none
// when rule is "").
func a18Expect(t *testing.T, cases []struct{ path, text, rule string }) {
	t.Helper()
	s := newScanner(t, scan.Config{})
	for _, tc := range cases {
		fs := s.ScanBytes(tc.path, []byte(tc.text+"\n"))
		switch {
		case tc.rule == "" && len(fs) != 0:
			t.Errorf("%s: %s: reported %+v", tc.path, tc.text, fs)
		case tc.rule != "" && (len(fs) != 1 || fs[0].Rule != tc.rule):
			t.Errorf("%s: %s: findings %+v, want one of %s", tc.path, tc.text, fs, tc.rule)
		}
	}
}

// TestAttackA18PageNamedService: "page" in a name marks a cursor only as a
// page token (pageToken, next_page_token); a service or product named with
// the word page (Statuspage's STATUS_PAGE_API_KEY, a Confluence page API
// token) holds a credential.
func TestAttackA18PageNamedService(t *testing.T) {
	a18Expect(t, []struct{ path, text, rule string }{
		{"app.env", "STATUS_PAGE_API_KEY=Kq8vWz3Lp9xTm2Rb7Yc4Hd", "generic-secret"},
		{"app.env", "CONFLUENCE_PAGE_API_TOKEN=Kq8vWz3Lp9xTm2Rb7Yc4Hd", "generic-secret"},
		{"ci.yml", "  PAGE_BUILDER_SECRET: Kq8vWz3Lp9xTm2Rb7Yc4Hd", "generic-secret"},
		// Cursors stay quiet.
		{"replay.json", `  "nextPageToken": "Kq8vWz3Lp9xTm2Rb7Yc4Hd",`, ""},
		{"fixture.yaml", "url: /v1/items?page_token=Kq8vWz3Lp9xTm2Rb7Yc4Hd", ""},
		{"resp.json", `{"next_page_token": "Kq8vWz3Lp9xTm2Rb7Yc4Hd"}`, ""},
	})
}

// TestAttackA18GitleaksIgnoreLines: a .gitleaksignore's fingerprint lines
// (commit:path:rule:line) are not secrets, but the file is not a place where
// the generic rules stop looking: a credential on any other line of it (a
// comment, text after a fingerprint) is reported.
func TestAttackA18GitleaksIgnoreLines(t *testing.T) {
	a18Expect(t, []struct{ path, text, rule string }{
		{".gitleaksignore", "# prod API_TOKEN=Kq8vWz3Lp9xTm2Rb7Yc4Hd", "generic-secret"},
		{".gitleaksignore", "93acc6e82adb46ef442fcb44bd9fd83489690ca3:app.env:generic-api-key:3 password=Kq8vWz3Lp9xTm2Rb", "generic-secret"},
		{"sub/.gitleaksignore", "DB_PASSWORD: Kq8vWz3Lp9xTm2Rb", "generic-secret"},
		{".gitleaksignore", "deploy_key: 'Kq8vWz3Lp9xTm2Rb7Yc4Hd'", "generic-key"},
		{".gitleaksignore", "maps_key: Kq8vWz3Lp9xTm2Rb7Yc4Hd", "generic-key-config"},
		// Fingerprints stay quiet.
		{".gitleaksignore", "93acc6e82adb46ef442fcb44bd9fd83489690ca3:cmd/generate/config/rules/1password.go:1password-service-account-token:25", ""},
		{".gitleaksignore", "93acc6e82adb46ef442fcb44bd9fd83489690ca3:config/secret.go:generic-api-key:12", ""},
		{".gitleaksignore", "config/secrets/token_store.go:generic-api-key:7", ""},
		{".gitleaksignore", "a1b2c3d:deploy/auth_key.yaml:generic-api-key:4", ""},
	})
}

// TestAttackA18TokenAfterADot: a token prefix after a word and a dot is a
// file name's part only when the token is followed by an extension
// (video_box.ico-<hex>.png); a token glued to a word by a dot (a value
// "prod.pplx-...", a sentence "token.nfp_...") is still a token.
func TestAttackA18TokenAfterADot(t *testing.T) {
	a18Expect(t, []struct{ path, text, rule string }{
		{"app.env", "PPLX=prod.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", "perplexity-api-key"},
		{"notes.md", "Deploys use the bot token.nfp_R4nd0mKq8vWz3Lp9xTm2Rb7Yc4Hd9Fs2Jn6Q", "netlify-pat"},
		// (GitHub's ghp_ rule is not anchored and held: a \b after the dot.)
		{"app.env", "GITHUB_TOKEN=foo.ghp_R4nd0mKq8vWz3Lp9xTm2Rb7Yc4Hd9Fs2Jn6Q", "github-pat"},
		{"ci.env", "INFRACOST=prod.ico-Kq8vWz3Lp9xTm2Rb7Yc4Hd9Fs2Jn6Qw1", "infracost-api-token"},
		// A file name stays quiet.
		{"page.html", `<img src="http://assets.example.com/media/video_box.ico-0123fedcba9876543210aabbccddeeff.png">`, ""},
	})
}

// TestAttackA18DottedPassword: a value with a dot is a reference
// (settings.SECRET_KEY, os.environ, self.oauth2Token) when its parts are
// names; a part that is random (mixed case and digits, not words) makes it a
// password or token with a dot in it.
func TestAttackA18DottedPassword(t *testing.T) {
	a18Expect(t, []struct{ path, text, rule string }{
		{"db.env", "DB_PASSWORD=Prod.Kq8vWz3Lp9xT", "generic-secret"},
		{"app.yaml", `password: "Prod.Kq8vWz3Lp9xT"`, "generic-secret"},
		{"app.env", "SECRET=Kq8vWz3Lp9xT.Rb7Yc4Hd", "generic-secret"},
		{"config.json", `{"clientSecret": "Ac.Kq8vWz3Lp9xTm2Rb7Yc4Hd"}`, "generic-secret"},
		{"settings.py", `API_KEY = "Kq8vWz3Lp9xT.Rb7Yc4Hd"`, "generic-secret"},
		// References stay quiet.
		{"settings.py", "SECRET_KEY = settings.SECRET_KEY", ""},
		{"app.py", "token = self.oauth2TokenV1", ""},
		{"app.js", "const password = process.env.DB_PASSWORD2;", ""},
		{"app.go", "	secret := cfg.Auth.ClientSecretV2", ""},
	})
}

// TestAttackA18SnapshotFieldInsideToken: a request snapshot's __Field__ is
// a placeholder when it stands alone; two double underscores inside a
// random token (url-safe base64 holds underscores) do not make it one.
func TestAttackA18SnapshotFieldInsideToken(t *testing.T) {
	a18Expect(t, []struct{ path, text, rule string }{
		{"app.env", "API_TOKEN=Kq8vWz3L__pT9xTm2Rb__x7Yc4Hd", "generic-secret"},
		{"app.env", "SESSION_SECRET=Rb7Yc4Hd__Kq8vWz3__Lp9xTm2", "generic-secret"},
		// Snapshot templates stay quiet.
		{"GetSessionToken.request.snap", "Action=GetSessionToken&DurationSeconds=1&TokenCode=__TokenCode__&Version=2011-06-15", ""},
		{"x.request.snap", "X-Amz-Security-Token: __SessionToken__", ""},
	})
}

// TestAttackA18RandomValueReadAsName: a value is an annotation (@name), a
// header's name (X-Name-Part) or a variable ($NAME, %NAME%) when what
// follows is a name; a random part after @, $, % or X- is a password or
// token that starts that way.
func TestAttackA18RandomValueReadAsName(t *testing.T) {
	a18Expect(t, []struct{ path, text, rule string }{
		{"db.env", "PASSWORD=@Kq8vWz3Lp9xT", "generic-secret"},
		{"app.yaml", `db_password: "$Kq8vWz3Lp9xT"`, "generic-secret"},
		{"app.json", `{"password": "%Kq8vWz3Lp9xT"}`, "generic-secret"},
		{"app.env", "API_TOKEN=X-Kq8vWz3Lp9xT-Rb7Yc4Hd", "generic-secret"},
		{"app.env", "API_TOKEN=x-Kq8vWz3L-p9xTm2Rb", "generic-secret"},
		// Names stay quiet.
		{"parser.go", `	secPasswordAttr         = "@securitydefinitions.oauth2.password"`, ""},
		{"aws.go", `	awsIMDSv2SessionTokenHeader = "X-aws-ec2-metadata-token"`, ""},
		{"v4/const.go", `	ContentSHAKey = "X-Amz-Content-Sha256"`, ""},
		{"deploy.sh", `TOKEN="$GITHUB_TOKEN2"`, ""},
		{"run.bat", `set PASSWORD=%DB_PASSWORD2%`, ""},
		{"htpasswd.yaml", `password: "$2b$12$Kq8vWz3Lp9xTm2Rb7Yc4HdKq8vWz3Lp9xTm2Rb7Yc4HdKq8vWz3L"`, ""},
	})
}

// TestAttackA18PKCS11QueryToken: only a PKCS#11 URI's path attribute
// token= (pkcs11:object=k;token=label) is the token's label. A token= in a
// query after a pkcs11: value (a webhook URL carrying one as a parameter,
// the URI's own query, another separator) is a credential and is found;
// the labels stay quiet.
func TestAttackA18PKCS11QueryToken(t *testing.T) {
	tok := "Kq8vWz3Lp9xTm2Rb4Yc7Hd1N"
	a18Expect(t, []struct{ path, text, rule string }{
		{"hook.yaml", `url: https://hooks.example.com/v1?signer=pkcs11:slot-id=0&token=` + tok, "generic-secret"},
		{"hook.yaml", `url: https://hooks.example.com/v1?key=pkcs11:token=hsm;object=k&token=` + tok, "generic-secret"},
		{"sign.env", `SIGNER=pkcs11:object=release?module-path=/usr/lib/p11.so&token=` + tok, "generic-secret"},
		{"run.sh", `x=pkcs11:token=hsm|token=` + tok, "generic-secret"},
		{"sign.env", `SIGNER=pkcs11:object=x;token=` + tok, ""},
		{"sign.env", `SIGNER=pkcs11:token=` + tok + `;object=x?module-path=/usr/lib/p11.so`, ""},
	})
}

// TestAttackA18NonASCIIKeyword: an extra rule's keyword with a non-ASCII
// letter (gitleaks lowers text and keywords with Unicode case folding)
// still lets the rule run on the text written in upper, lower or mixed
// case: the prefilter lowers only ASCII bytes of the text, so a keyword
// lowered with strings.ToLower alone never occurred in upper-case text and
// the rule silently never ran.
func TestAttackA18NonASCIIKeyword(t *testing.T) {
	p := filepath.Join(t.TempDir(), "rules.toml")
	if err := os.WriteFile(p, []byte(`[[rules]]
id = "umlaut-key"
regex = '''(?i)(?:ÄPI|ÖL)_KEY=([a-z0-9]{20,})'''
keywords = ["ÄPI_KEY", "öl_key"]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newScanner(t, scan.Config{ExtraRulesFile: p})
	for _, text := range []string{
		"ÄPI_KEY=kq8vwz3lp9xtm2rb4yc7hd", "äpi_key=kq8vwz3lp9xtm2rb4yc7hd", "Äpi_Key=kq8vwz3lp9xtm2rb4yc7hd",
		"ÖL_KEY=kq8vwz3lp9xtm2rb4yc7hd", "öl_key=kq8vwz3lp9xtm2rb4yc7hd",
	} {
		found := false
		for _, f := range s.ScanBytes("app.txt", []byte(text+"\n")) {
			found = found || f.Rule == "umlaut-key"
		}
		if !found {
			t.Errorf("%s: umlaut-key did not run", text)
		}
	}
}

// TestAttackA18AuthorizationHeaderIndexed: a bearer token hard-coded in an
// Authorization header set by indexing a headers map (Python, JS, Ruby,
// PHP) or written in a prefixed string literal (Python f"...", C# @"...")
// is found as in the other header forms; references stay quiet.
func TestAttackA18AuthorizationHeaderIndexed(t *testing.T) {
	tok := "Kq8vWz3Lp9xTm2Rb4Yc7Hd1N"
	a18Expect(t, []struct{ path, text, rule string }{
		{"client.py", `session.headers["Authorization"] = "Bearer ` + tok + `"`, "authorization-header-token"},
		{"client.js", `opts.headers['authorization'] = 'token ` + tok + `';`, "authorization-header-token"},
		{"client.rb", `req["Authorization"] = "Bearer ` + tok + `"`, "authorization-header-token"},
		{"client.php", `$headers['Authorization'] = 'Bearer ` + tok + `';`, "authorization-header-token"},
		{"client.py", `headers = {"Authorization": f"Bearer ` + tok + `"}`, "authorization-header-token"},
		{"Client.cs", `request.Headers.Add("Authorization", @"Bearer ` + tok + `");`, "authorization-header-token"},
		{"client.py", `session.headers["Authorization"] = f"Bearer {token}"`, ""},
		{"client.py", `session.headers["Authorization"] = "Bearer " + token`, ""},
	})
}

// TestAttackA18AuthorizationHeaderBasic: HTTP Basic credentials hard-coded
// in an Authorization header (base64 of user:password) in configuration or
// code are found as curl's are; the documentation defaults
// (user:password, admin:admin) stay quiet.
func TestAttackA18AuthorizationHeaderBasic(t *testing.T) {
	creds := base64.StdEncoding.EncodeToString([]byte("deploy:Kq8vWz3Lp9xTm2Rb"))
	a18Expect(t, []struct{ path, text, rule string }{
		{"values.yaml", `  Authorization: Basic ` + creds, "authorization-header-basic"},
		{"client.go", `req.Header.Set("Authorization", "Basic ` + creds + `")`, "authorization-header-basic"},
		{"client.py", `headers = {"Authorization": "basic ` + creds + `"}`, "authorization-header-basic"},
		{"api.md", `Authorization: Basic ` + base64.StdEncoding.EncodeToString([]byte("user:password")), ""},
		{"api.md", `Authorization: Basic ` + base64.StdEncoding.EncodeToString([]byte("admin:admin")), ""},
	})
}

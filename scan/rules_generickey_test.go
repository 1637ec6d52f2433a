package scan_test

import (
	"testing"

	"github.com/gov-policy/gov/scan"
	"github.com/gov-policy/gov/scan/scantest"
)

// TestGenericKeyRules: a random value under a name that only says key,
// auth, access or creds is found quoted anywhere and bare in config, env
// and log files; code expressions, versioned identifiers, test vectors and
// values a token rule owns are not.
func TestGenericKeyRules(t *testing.T) {
	s := newScanner(t, scan.Config{})
	g := scantest.New(44)
	v := func() string { return g.S(scantest.Lower+scantest.Digits, 30) + "7q" }
	cases := []struct{ name, path, text, rule string }{
		{"env service key", "deploy/.env", "ABSTRACT_KEY=" + v(), "generic-key-config"},
		{"yaml bare key", "config/app.yaml", "  weather_key: " + v(), "generic-key-config"},
		{"log line", "logs/app.log", "[debug] using key=" + v(), "generic-key-config"},
		{"properties auth", "app.properties", "service.auth=" + v() + "  # prod", "generic-key-config"},
		{"go quoted", "internal/client.go", `	mapsKey := "` + v() + `"`, "generic-key"},
		{"json access", "settings.json", `  "serviceAuth": "` + v() + `",`, "generic-key"},
		{"dotted random key", "app.env", "FETCH_KEY=" + g.S(scantest.Alnum, 30) + "Q7a." + g.S(scantest.Alnum, 8), "generic-key-config"},
		{"python creds", "app/settings.py", `CREDS = '` + v() + `'`, "generic-key"},

		{"go struct field variable", "crypto/x.go", "	keyHex:  pkcs8X25519PrivateKeyHex,", ""},
		{"go assignment of a variable", "crypto/x.go", "publicKeyAlgorithm.Algorithm = oidPublicKeyX25519", ""},
		{"benchmark name in a string", "map.go", `b.Run("Key=smallType/Elem=int32", bench)`, ""},
		{"versioned identifier", "gen.go", `	"encryptionKey": "encryptionKey1024",`, ""},
		{"test vector in testdata", "crypto/testdata/vectors.json", `  "key": "` + g.S(scantest.Hex, 64) + `",`, ""},
		{"test vector in a test file", "crypto/aes_test.go", `	key: "` + g.S(scantest.Hex, 32) + `",`, ""},
		{"publishable key", "web/config.js", `const stripeKey = "pk_live_` + g.S(scantest.Alnum, 24) + `";`, ""},
		{"google key too short", "app.env", "MAPS_KEY=AIza" + g.S(scantest.B64URL, 20), ""},
		{"key of low entropy", "app.env", "CACHE_KEY=aaaa1111bbbb2222", ""},
		{"key name with a path", "app.yaml", "  key_file: /etc/ssl/private/server-2024.key", ""},
		{"key with a placeholder", "app.env", "SERVICE_KEY=your-key-goes-here-123", ""},
		{"dotted reference", "app.yaml", "  key: settings.SECRET_KEY_2024", ""},
		{"key id", "root.json", `   "keyid": "` + g.S(scantest.Hex, 64) + `",`, ""},
		{"key type", "root.json", `   "keytype": "ecdsa-sha2-nistp256",`, ""},
		{"key file", "app.env", "TLS_KEY_FILE=server2024prod.pem", ""},
		{"generated field name", "api-gen.go", "	c.googleappcheckv1betaexchangecustomtokenrequest = googleappcheckv1betaexchangecustomtokenrequest", ""},
		{"token type urn", "x_test2.go", `	SubjectTokenType: "urn:ietf:params:aws:token-type:aws4_request",`, ""},
		{"arn in a comment", "attrs.go", `// secret: "arn:aws:secretsmanager:us-east-1:123456789012:secret:Name-6Random"`, ""},
		{"placeholder goes here", "cfg.yaml", `  token: "MYACCESSKEYGOESHERE2015"`, ""},
		{"form body", "x.go", `	body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&x=1"`, ""},
		{"signed URL credential", "x.go", `	"&X-Goog-Credential=abc%40clientid%2F20021001%2Fauto"`, ""},
		{"home path under a key name", "CONTRIBUTING.md", "export TESTS_KEY=~/directory/your-project-ab12.json", ""},
		{"monkey patch", "x.go", `	monkey := "banana` + "12" + `"`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := s.ScanBytes(tc.path, []byte(tc.text+"\n"))
			switch {
			case tc.rule == "" && len(fs) != 0:
				t.Errorf("reported: %+v", fs)
			case tc.rule != "" && (len(fs) != 1 || fs[0].Rule != tc.rule):
				t.Errorf("findings %+v, want one of %s", fs, tc.rule)
			}
		})
	}
}

// TestURLPassword: basic auth in a URL is found; defaults, references,
// ports and words are not.
func TestURLPassword(t *testing.T) {
	s := newScanner(t, scan.Config{})
	g := scantest.New(45)
	pw := g.S(scantest.Alnum, 14) + "7q"
	cases := []struct{ name, text, rule string }{
		{"https basic auth", `url = "https://ci-bot:` + pw + `@nexus.corp.example-int.net/repo"`, "url-password"},
		{"cloudant", `CLOUDANT_URL=https://acct-1:` + g.S(scantest.Hex, 64) + `@acct-1.cloudant.com`, "url-password"},
		{"ftp", `ftp://upload:` + pw + `@files.vendor.io/in`, "url-password"},

		{"default password", `url = "https://admin:password@localhost/x"`, ""},
		{"variable", `url = "https://bot:${NEXUS_PASSWORD}@nexus.corp/repo"`, ""},
		{"placeholder", `url = "https://user:<your-password>@host.io/x"`, ""},
		{"word only", `url = "https://user:secretword@host.io/x"`, ""},
		{"port and email in a path", `see http://host.io:8080/users/me@host.io`, ""},
		{"ipv6", `http://[::1]:8080@x`, ""},
		{"percent-encoded default", `"http://jane:p%40ssword@host.io"`, ""},
		{"percent-encoded words", `"http://My%20User:My%20Pass@dummy.host.io/"`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := s.ScanBytes("cfg.txt", []byte(tc.text+"\n"))
			switch {
			case tc.rule == "" && len(fs) != 0:
				t.Errorf("reported: %+v", fs)
			case tc.rule != "" && (len(fs) != 1 || fs[0].Rule != tc.rule):
				t.Errorf("findings %+v, want one of %s", fs, tc.rule)
			}
		})
	}
}

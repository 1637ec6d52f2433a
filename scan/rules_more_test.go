package scan_test

import (
	"testing"

	"github.com/gov-policy/gov/scan"
	"github.com/gov-policy/gov/scan/scantest"
)

// TestNewRulesLookAlikes: text that resembles the newer rules' formats but
// is not a credential is not reported.
func TestNewRulesLookAlikes(t *testing.T) {
	s := newScanner(t, scan.Config{})
	g := scantest.New(41)
	cases := []struct{ name, text string }{
		{"pat inside a word", `x = "compat` + g.S(scantest.Alnum, 14) + "." + g.S(scantest.Hex, 64) + `"`},
		{"API- prefix of a word", `route = "/v1/API-` + g.S(scantest.Lower, 26) + `"`},
		{"sha256 checksum with tilde missing", `sum = "sha256:` + g.S(scantest.Hex, 64) + `"`},
		{"named service without a value shape", `fastly_api_token = "${FASTLY_API_TOKEN}"`},
		{"named service with a word", `algolia_index_name = "ProductsByPopularityDescending"`},
		{"named service number only", `sentry_project_id = "` + g.S(scantest.Digits, 40) + `"`},
		{"snyk org id is not a token field", `snyk_org = "my-org"`},
		{"vault address", `vault_addr = "https://vault.internal:8200"`},
		{"netrc with a variable password", `machine github.com login bot password $GITHUB_TOKEN`},
		{"netrc with a default password", `machine localhost login admin password admin`},
		{"struct fields named like netrc", "type netrcLine struct {\n\tmachine  string\n\tlogin    string\n\tpassword string\n}"},
		{"connection string without password", `Server=db;Database=app;Integrated Security=true;`},
		{"connection string with variable", `Server=db;Database=app;User Id=sa;Password=$(DB_PASSWORD);`},
		{"curl with env token", `curl -H "Authorization: Bearer $TOKEN" https://api.github.com`},
		{"curl -u with variable", `curl -u "$USER:$PASS" https://x`},
		{"kubernetes secret with templates", "kind: Secret\ndata:\n  password: {{ .Values.password | b64enc }}\n"},
		{"bootstrap token placeholder", `token: abcdef.0123456789abcdef`},
		{"base64 of non-JWT", `blob = "ZXlK` + g.S(scantest.Alnum, 80) + `"`},
		{"xoxb without digits", `t = "xoxb-` + g.S(scantest.Lower, 30) + `"`},
		{"SSWS placeholder", `Authorization: SSWS ${OKTA_API_TOKEN}`},
		{"azure key name with short value", `storage_account_key: "` + g.S(scantest.Lower, 20) + `"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if fs := s.ScanBytes("x.cfg", []byte(tc.text+"\n")); len(fs) != 0 {
				t.Errorf("reported: %+v", fs)
			}
		})
	}
}

// TestIssueMisses: the formats issue 18 lists as missed, each found.
func TestIssueMisses(t *testing.T) {
	s := newScanner(t, scan.Config{})
	g := scantest.New(42)
	azure := g.S(scantest.B64, 86) + "=="
	cases := []struct{ name, text, rule string }{
		{"azure account_key", `account_key: "` + azure + `"`, "azure-storage-account-key"},
		{"azure accountKey json", `"accountKey": "` + azure + `"`, "azure-storage-account-key"},
		{"azure storageAccountKey", `storageAccountKey: ` + azure, "azure-storage-account-key"},
		{"slack legacy bot", `SLACK = "xoxb-` + g.S(scantest.Digits, 10) + "-" + g.S(scantest.Alnum, 24) + `"`, "slack-bot-token"},
		{"okta SSWS", `-H "Authorization: SSWS 00` + g.S(scantest.B64URL, 40) + `"`, "okta-ssws-token"},
		{"okta terraform variable", `variable "okta_api_token" { default = "00` + g.S(scantest.B64URL, 40) + `" }`, "okta-api-token"},
		{"new relic EU", `license = "eu01xx` + g.S(scantest.Hex, 30) + `NRAL"`, "newrelic-license-key"},
		{"vault batch token", `VAULT = "hvb.` + g.S(scantest.B64URL, 150) + `"`, "vault-token"},
		{"vault legacy token", `VAULT_TOKEN=s.` + g.S(scantest.Alnum, 22) + `7Q`, "vault-legacy-token"},
		{"gitlab runner registration", `token: GR1348941` + g.S(scantest.Alnum, 20), "gitlab-other-token"},
		{"grafana legacy key", `key = "eyJrIjoi` + g.S(scantest.Alnum, 80) + `"`, "grafana-api-key"},
		{"mailgun new key", `MAILGUN_API_KEY=` + g.S(scantest.Hex, 32) + "-" + g.S(scantest.Hex, 8) + "-" + g.S(scantest.Hex, 8), "mailgun-key"},
		{"teams webhook", `url = "https://acme.webhook.office.com/webhookb2/` + uuid(g) + "@" + uuid(g) + "/IncomingWebhook/" + g.S(scantest.Hex, 32) + "/" + uuid(g) + `"`, "teams-webhook-url"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := s.ScanBytes("x.cfg", []byte(tc.text+"\n"))
			if len(fs) != 1 || fs[0].Rule != tc.rule {
				t.Errorf("findings %+v, want one of %s", fs, tc.rule)
			}
		})
	}
}

func uuid(g *scantest.Gen) string {
	h := scantest.Hex
	return g.S(h, 8) + "-" + g.S(h, 4) + "-" + g.S(h, 4) + "-" + g.S(h, 4) + "-" + g.S(h, 12)
}

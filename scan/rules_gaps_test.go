package scan_test

import (
	"strings"
	"testing"

	"github.com/gov-policy/gov/scan"
	"github.com/gov-policy/gov/scan/scantest"
)

// TestOtherScannersShapes: values in the shapes trufflehog's detectors and
// secrets-patterns-db read (wider than the services document), in the two
// layouts of bench/scaneval's sets: a setting named after the service, and
// a log line naming only "key" after a line naming the service.
func TestOtherScannersShapes(t *testing.T) {
	s := newScanner(t, scan.Config{})
	g := scantest.New(43)
	a := func(n int) string { return g.S(scantest.Alnum, n-3) + "Qz7" }
	uuidish := func() string {
		return g.S(scantest.Alnum, 8) + "-" + g.S(scantest.Alnum, 4) + "-" + g.S(scantest.Alnum, 4) + "-" + g.S(scantest.Alnum, 4) + "-" + g.S(scantest.Alnum, 12)
	}
	hexUUID := func() string {
		h := g.S(scantest.Hex+"ABCDEF", 32)
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	}
	// envRule, when set, is the rule that wins with the service named on
	// the line (a named rule listed before the shape's own).
	cases := []struct{ name, service, value, rule, envRule string }{
		{"checkout test key", "checkout", "sk_test_" + hexUUID(), "checkout-secret-key", ""},
		{"checkout live key", "checkout", "sk_" + hexUUID(), "checkout-secret-key", ""},
		{"endor labs key", "endr", "endr+" + a(16), "endorlabs-api-key", ""},
		{"flutterwave alphanumeric", "flutterwave", "FLWSECK-" + strings.ToLower(a(32)) + "-X", "flutterwave-key", ""},
		{"gocardless live token", "gocardless", "live_" + g.S(scantest.B64URL, 37) + "Qz7", "gocardless-live-token", "gocardless-api-token"},
		{"hubspot alphanumeric groups", "hubspot", "pat-na1-" + uuidish(), "hubspot-private-app-token", ""},
		{"netlify with underscore", "netlify", "nfp_" + g.S(scantest.Alnum, 20) + "_" + g.S(scantest.Alnum, 15), "netlify-pat", ""},
		{"new relic insert key of 25", "newrelic", "NRII-" + g.S(scantest.B64URL, 22) + "Qz7", "newrelic-other-key", ""},
		{"postman 59 alphanumerics", "postman", "PMAK-" + a(59), "postman-api-key", ""},
		{"rubygems alphanumeric", "rubygems", "rubygems_" + a(48), "rubygems-api-token", ""},
		{"brevo 81 characters", "brevo", "xkeysib-" + g.S(scantest.B64URL, 78) + "Qz7", "sendinblue-api-token", ""},
	}
	for _, tc := range cases {
		envRule := tc.envRule
		if envRule == "" {
			envRule = tc.rule
		}
		for _, layout := range []struct{ text, rule string }{
			{"# " + tc.service + " settings\n" + strings.ToUpper(tc.service) + "_KEY=" + tc.value + "\n", envRule},
			{"[info] connecting to " + tc.service + "\n[debug] using key=" + tc.value + "\n", tc.rule},
		} {
			t.Run(tc.name, func(t *testing.T) {
				fs := s.ScanBytes("config.txt", []byte(layout.text))
				if len(fs) != 1 || fs[0].Rule != layout.rule || fs[0].Fingerprint != wantFingerprint(layout.rule, "config.txt", tc.value) {
					t.Errorf("got %+v, want one %s finding of the whole value in\n%s", fs, layout.rule, layout.text)
				}
			})
		}
	}
	// Shapes found only with the service named on the line.
	named := []struct{ name, text, rule, secret string }{
		{"datadog app key mixed case", "DATADOG_APP=", "datadog-access-token", a(40)},
		{"datadog api key mixed case", "DATADOG_API=", "datadog-access-token", a(32)},
		{"ngc base64 key", "NGC_KEY=", "ngc-api-key", a(84)},
		{"ngc key and uuid", "NGC_API_KEY=", "ngc-api-key", a(26) + ":" + uuidish()},
		{"dropbox oauth bearer", "dropbox_oauth_bearer =", "dropbox-api-token", a(23)},
	}
	for _, tc := range named {
		t.Run(tc.name, func(t *testing.T) {
			text := tc.text + tc.secret + "\n"
			fs := s.ScanBytes("settings.env", []byte(text))
			if len(fs) != 1 || fs[0].Rule != tc.rule || fs[0].Fingerprint != wantFingerprint(tc.rule, "settings.env", tc.secret) {
				t.Errorf("got %+v, want one %s finding in\n%s", fs, tc.rule, text)
			}
		})
	}
}

// TestOtherScannersShapesLookAlikes: what the widened and added rules must
// still leave alone.
func TestOtherScannersShapesLookAlikes(t *testing.T) {
	s := newScanner(t, scan.Config{})
	g := scantest.New(44)
	cases := []struct{ name, text string }{
		{"sk_ and a UUID inside a word", `task_id = "disk_` + g.S(scantest.Hex, 8) + "-" + g.S(scantest.Hex, 4) + "-" + g.S(scantest.Hex, 4) + "-" + g.S(scantest.Hex, 4) + "-" + g.S(scantest.Hex, 12) + `"`},
		{"checkout placeholder", `CHECKOUT_KEY=sk_test_00000000-0000-0000-0000-000000000000`},
		{"live_ and a snake_case name", `handler = live_migration_handler_for_cluster_nodes_v2_01`},
		{"live_ lower case and digits", `id: live_` + g.S(scantest.Lower+scantest.Digits, 40)},
		{"live_ inside a word", `k = "olive_` + g.S(scantest.Alnum, 37) + `Qz7"`},
		{"endr+ too short", `x = endr+abc123`},
		{"datadog lower-case name of 32", `datadog_service_name: paymentsapiworkerdeploymentv2024`},
		{"datadog site", `DATADOG_SITE=datadoghq.eu`},
		{"dropbox folder name", `dropbox_folder: nightly-backups-from-server-2024`},
		{"dropbox lower-case id", `dropbox_app_folder_id = ` + g.S(scantest.Lower+scantest.Digits, 30)},
		{"ngc version", `ngc_cli_version: 3.41.2`},
		{"ngc lower-case 84", `ngcc_cache = ` + g.S(scantest.Lower+scantest.Digits, 84)},
		{"NRII placeholder", `NR_INSERT=NRII-XXXXXXXXXXXXXXXXXXXXXXXXX`},
		{"PMAK placeholder", `POSTMAN=PMAK-xxxxxxxxxxxxxxxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`},
		{"rubygems word", `gem = rubygems_` + strings.Repeat("ab", 24)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if fs := s.ScanBytes("settings.cfg", []byte(tc.text+"\n")); len(fs) != 0 {
				t.Errorf("reported: %+v", fs)
			}
		})
	}
}

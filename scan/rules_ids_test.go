package scan_test

import (
	"testing"

	"github.com/gov-policy/gov/scan"
	"github.com/gov-policy/gov/scan/scantest"
)

// TestFormatBoundRules: rules bound to a file kind or a syntax (Terraform
// passwords, the Freemius PHP array) find their format there, and text that
// only resembles it is not reported.
func TestFormatBoundRules(t *testing.T) {
	s := newScanner(t, scan.Config{})
	g := scantest.New(43)
	short := g.S(scantest.Lower, 9) + "7Q" // low entropy for generic-secret
	cases := []struct{ name, path, text, rule string }{
		{"terraform short password", "db.tf", `  administrator_login_password = "` + short + `"`, "terraform-password"},
		{"tfvars password", "prod.tfvars", `db_password = "` + short + `"`, "terraform-password"},
		{"freemius key", "init.php", `    'secret_key' => 'sk_` + g.S(scantest.Alnum, 28) + `7',`, "freemius-secret-key"},
		{"stripe test key", "app.env", "STRIPE_KEY=sk_test_" + g.S(scantest.Alnum, 32), "stripe-test-key"},
		{"stripe test restricted key", "app.env", "STRIPE_KEY=rk_test_" + g.S(scantest.Alnum, 32), "stripe-test-key"},

		{"terraform variable reference", "db.tf", `  password = "${var.db_password}"`, ""},
		{"terraform password default", "db.tf", `  password = "changeme123"`, ""},
		{"terraform one-class word", "db.tf", `  password_policy = "required"`, ""},
		{"terraform password outside .tf", "notes.txt", `password = "` + short + `"`, ""},
		{"freemius placeholder", "init.php", `    'secret_key' => 'sk_xxxxxxxxxxxxxxxxxxxxxxxxxxxxx',`, ""},
		{"stripe docs test key", "app.env", "STRIPE_KEY=sk_test_4eC39HqLyjWDarjtT1zdp7dc", ""},
		{"stripe publishable test key", "app.env", "STRIPE_PK=pk_test_" + g.S(scantest.Alnum, 32), ""},
		{"discord id without the service name", "app.env", "GUILD_ID=" + g.S(scantest.Digits, 18), ""},
		{"plaid-named word", "app.env", "PLAID_ENV=sandbox", ""},
		{"client id of one repeated digit", "app.env", "ASANA_CLIENT_ID=1111111111111111", ""},
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

package scan_test

import (
	"testing"

	"github.com/gov-policy/gov/scan"
	"github.com/gov-policy/gov/scan/scantest"
)

// TestPKCS11PinFound: a token PIN in a PKCS#11 URI is found wherever the
// URI stands (a flag, YAML, an environment variable), digits-only PINs
// included; the defaults of documentation and references are not.
func TestPKCS11PinFound(t *testing.T) {
	s := newScanner(t, scan.Config{})
	g := scantest.New(44)
	digits := g.S(scantest.Digits, 8)
	mixed := g.S(scantest.Alnum, 12)
	for _, tc := range []struct{ name, text, pin string }{
		{"cosign flag", `cosign sign --key "pkcs11:token=yubi;slot-id=0;object=cosign?pin-value=` + digits + `" img`, digits},
		{"yaml", `  key: pkcs11:token=prod-hsm;object=tls?module-path=/usr/lib/p11.so&pin-value=` + mixed, mixed},
		{"env, percent-encoded", `SIGNER=pkcs11:token=ci%20token;id=%01?pin-value=` + mixed + `%21`, mixed + `%21`},
		{"upper-case scheme", `PKCS11:token=a;object=b?pin-value=` + digits, digits},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := s.ScanBytes("deploy.yaml", []byte(tc.text+"\n"))
			if len(fs) != 1 || fs[0].Rule != "pkcs11-uri-pin" || fs[0].Fingerprint != wantFingerprint("pkcs11-uri-pin", "deploy.yaml", tc.pin) {
				t.Fatalf("findings %+v, want the PIN under pkcs11-uri-pin", fs)
			}
		})
	}
	for _, text := range []string{
		`pkcs11:token=smallstep;object=ec-key?pin-value=password`,
		`pkcs11:token=softhsm?pin-value=1234`,
		`pkcs11:token=hsm?pin-value=${HSM_PIN}`,
		`pkcs11:token=hsm?pin-value=<pin>`,
		`pkcs11:token=hsm?pin-source=file:/run/secrets/hsm-pin`,
		`pkcs11:token=hsm;object=key`,
		`options: pin-value=` + mixed, // no pkcs11 URI
		// token= in a PKCS#11 URI is the token's label, not a token.
		`signer: "pkcs11:token=` + g.S(scantest.Alnum, 14) + `;object=release?module-path=/usr/lib/p11.so"`,
		`--key pkcs11:model=SoftHSM%20v2;token=` + g.S(scantest.Alnum, 14) + `;object=ec`,
		`SIGNING_KEY=pkcs11:token=` + g.S(scantest.Alnum, 14) + `;object=release-key;type=private`,
	} {
		if fs := s.ScanBytes("deploy.yaml", []byte(text+"\n")); len(fs) != 0 {
			t.Errorf("%s: reported %+v", text, fs)
		}
	}
}

// TestPKCS11LabelKeepsSecrets: only the token attribute of a pkcs11: URI
// is read as a label; a secret-named attribute in such a URI, and token=
// anywhere else (a query string after a pkcs11 URI on the line included),
// are still reported.
func TestPKCS11LabelKeepsSecrets(t *testing.T) {
	s := newScanner(t, scan.Config{})
	g := scantest.New(45)
	tok := g.S(scantest.Alnum, 32)
	for _, text := range []string{
		`pkcs11:password=` + tok,
		`pkcs11:token=hsm;secret=` + tok,
		`hsm: pkcs11:token=hsm token=` + tok,
		`url: https://api.acme-corp.io/v1?token=` + tok,
	} {
		fs := s.ScanBytes("deploy.yaml", []byte(text+"\n"))
		if len(fs) != 1 || fs[0].Fingerprint != wantFingerprint(fs[0].Rule, "deploy.yaml", tok) {
			t.Errorf("%s: findings %+v, want the secret", text, fs)
		}
	}
}

package main

import "testing"

// TestValueName: the names the trufflehog set gives generated values are
// the names a configuration would use, never a regex variable's suffix or
// number (KEY_PAT1 was one).
func TestValueName(t *testing.T) {
	for in, want := range map[string]string{
		"keyPat": "KEY", "keyPat1": "KEY", "keyPat2": "KEY", "dbKeyPattern": "DB_KEY", "connStrPartPattern": "CONN_STR_PART",
		"apiPat": "API_KEY", "apiIdPat": "API_ID", "clientSecretPat": "CLIENT_SECRET", "apiToken": "API_TOKEN", "SecretPat": "SECRET",
	} {
		if got := envName(valueName(in)); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
}

package engine

import (
	"strings"
	"testing"
)

// Keys that encoding/json or the YAML converter would resolve silently (the
// last of two wins, case is ignored) are refused, and the error does not
// quote a key that may be a secret.
func TestDecodeRequestAmbiguousKeys(t *testing.T) {
	const secret = "ghp_R4nd0mS3cr3tT0k3nV4lu3F0rT3st1ngAbCd"
	for _, tt := range []struct{ name, file, data, want string }{
		{"json duplicate", "r.json", `{"environment":"production","environment":"staging"}`, `line 1: key "environment" appears twice`},
		{"json case variant", "r.json", `{"environment":"production","ENVIRONMENT":"staging"}`, `differs from field "environment" only by case`},
		{"json nested duplicate", "r.json", `{"metadata":{"a":1,"a":2}}`, `key "a" appears twice`},
		{"json unknown secret key", "r.json", `{"` + secret + `":1}`, "unknown field (not shown)"},
		{"yaml duplicate", "r.yaml", "environment: production\nenvironment: staging\n", "line 2: key (not shown) already set in map"},
		{"yaml case variant", "r.yaml", "environment: production\nENVIRONMENT: staging\n", `only by case`},
		{"yaml anchor", "r.yaml", "environment: staging\nerror_context: *" + secret + "\n", "unknown anchor"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeRequest(tt.file, []byte(tt.data))
			if err == nil {
				t.Fatal("decoded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error quotes the secret: %q", err)
			}
		})
	}
}

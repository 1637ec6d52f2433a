package scan

import (
	"encoding/base64"
	"strings"
	"unicode"
	"unicode/utf8"
)

// passwordValue rejects a password that is a known default, an environment
// or template reference, or a placeholder.
func passwordValue(pw string) bool {
	return notDefaultPassword(pw) && !strings.HasPrefix(pw, "$") && !strings.HasPrefix(pw, "%") &&
		!strings.HasPrefix(pw, "{{") && !strings.HasPrefix(pw, "<")
}

// specialRules: credentials in configuration formats (connection strings,
// .netrc, NuGet, Kubernetes), command lines (curl) and webhook URLs.
func specialRules() []ruleSpec {
	return []ruleSpec{
		{id: "okta-ssws-token", description: "Okta API token in an SSWS authorization header",
			keywords: []string{"SSWS"}, caseSensitive: true,
			regex: `\bSSWS\s+(00[A-Za-z0-9_-]{40})(?:[^A-Za-z0-9_-]|$)`, entropy: 4.0},
		{id: "power-automate-webhook-url", description: "Power Automate or Logic Apps HTTP trigger URL with its signature",
			keywords: []string{"logic.azure.com", "api.powerplatform.com"},
			regex:    `https://[^\s"'<>]{0,200}?(?:logic\.azure\.com|api\.powerplatform\.com)[^\s"'<>]{0,400}?[?&]sig=([A-Za-z0-9_%-]{40,100})`,
			entropy:  4.0},
		{id: "kubernetes-bootstrap-token", description: "Kubernetes bootstrap token",
			keywords: []string{"token"},
			anchored: true,
			regex:    `(?i)^token[\w-]{0,10}["']?(?:\s*(?:=|:=|:)\s*|\s+)["']?(?-i:([a-z0-9]{6}\.[a-z0-9]{16}))(?:[^A-Za-z0-9_.-]|$)`,
			entropy:  3.0, check: lettersAndDigits},
		{id: "netrc-password", description: ".netrc machine password",
			keywords:  []string{"machine"},
			regex:     `^[^\n]*?\bmachine[ \t]+(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+(?::\d+)?(?:\s+(?:login|account|port)[ \t]+[^\s]+){0,3}\s+password[ \t]+([^\s"']{3,128})`,
			multiline: true, entropy: 2.0, check: passwordValue},
		{id: "connection-string-password", description: "ODBC, ADO.NET or JDBC connection string with a password",
			keywords: []string{"password=", "pwd="},
			regex: `(?i)(?:server|data source|datasource|driver|host|address|addr|initial catalog|database|user id|userid|uid)\s*=[^;\n]{0,200};[^\n]{0,300}?` +
				`\b(?:password|pwd)=\s*(?:\{([^}\n]{3,128})\}|'([^'\n]{3,128})'|([^;"'\s<>{}]{3,128}))` +
				`|(?i)\b(?:password|pwd)=\s*(?:\{([^}\n]{3,128})\}|([^;"'\s<>{}]{3,128}))\s*;[^\n]{0,300}?\b(?:server|data source|host|initial catalog|database|user id|uid)\s*=`,
			entropy: 2.0, check: passwordValue},
		{id: "nuget-config-password", description: "NuGet package source password",
			keywords: []string{"password"},
			regex:    `(?i)<add\s+key\s*=\s*"(?:ClearText)?Password"\s+value\s*=\s*"([^"]{6,200})"`,
			entropy:  2.5, check: passwordValue},
		{id: "curl-auth-header", description: "credential in a curl authorization or API key header",
			keywords: []string{"curl"},
			regex: `(?i)\bcurl\b[^\n]*?\s(?:-H|--header)[ =]?\s*["']?(?:Authorization:\s*(?:Basic|Bearer|Token|Api-Token)\s+|(?:X-[A-Za-z-]*)?(?:Api-?)?(?:Key|Token):\s*)` +
				`([A-Za-z0-9+/=~@._-]{12,})`,
			entropy: 3.5, check: lettersAndDigits},
		// The same header set in configuration or code (YAML, JSON, a
		// headers map, Header.Set): a hard-coded bearer token. Generic, so
		// a token of a known format (a JWT, ghp_...) keeps its own rule;
		// a reference (${TOKEN}, {{ .token }}, "Bearer " + token, %s) has
		// no token characters after the scheme and does not match. An
		// indexed map (headers["Authorization"] = ...) and a prefixed
		// literal (f"...", @"...", $"...") count too.
		{id: "authorization-header-token", description: "bearer token in an Authorization header set in configuration or code",
			keywords: []string{"authorization"}, generic: true,
			regex:   authorizationHeader + `(?:bearer|token)\s+` + authorizationCredential,
			entropy: 3.5, check: lettersAndDigits},
		// .NET's typed header: new AuthenticationHeaderValue("Bearer",
		// "<token>") sets the same header with the scheme and the token as
		// two arguments.
		{id: "authorization-header-token-dotnet", description: "bearer token hard-coded in a .NET AuthenticationHeaderValue",
			keywords: []string{"authenticationheadervalue"}, generic: true,
			regex:   `(?i)\bAuthenticationHeaderValue\(\s*(?:@|\$)?"(?:bearer|token)"\s*,\s*(?:@|\$)?"` + authorizationCredential,
			entropy: 3.5, check: lettersAndDigits},
		// Basic credentials in such a header: base64 of user:password,
		// reported unless the password is a documentation default or a
		// reference. A value that does not decode to user:password is not
		// Basic credentials (test data, truncated examples).
		{id: "authorization-header-basic", description: "user and password (Basic) in an Authorization header set in configuration or code",
			keywords: []string{"authorization"}, generic: true,
			regex:   authorizationHeader + `basic\s+` + authorizationCredential,
			entropy: 3.5, check: basicCredentials},
		// RFC 7512 PKCS#11 URIs carry the token PIN in pin-value (pin-source
		// names a file holding it, a reference). Documentation defaults
		// (password, 1234) are not reported.
		{id: "pkcs11-uri-pin", description: "PIN of a PKCS#11 token in a pkcs11: URI (pin-value)",
			keywords: []string{"pin-value="},
			regex:    `(?i)\bpkcs11:[^\s"'<>]{0,300}?[?&;]pin-value=([^\s"'&;<>` + "`" + `]{4,128})`,
			check:    pkcs11Pin},
		{id: "curl-auth-user", description: "user and password passed to curl -u",
			keywords: []string{"curl"},
			regex:    `(?i)\bcurl\b[^\n]*?\s(?:-u|--user)[ =]?\s*["']?[^\s:'"$]{1,64}:([^\s'"$]{6,128})`,
			entropy:  2.5, check: passwordValue},
		{id: "sidekiq-secret", description: "Sidekiq Pro/Enterprise gem server credentials",
			keywords: []string{"contribsys"},
			regex:    `(?i)(?:contribsys__com[\w.-]{0,5}["']?\s*(?:=|:)\s*["']?|https?://)([a-f0-9]{8}:[a-f0-9]{8})\b`,
			entropy:  2.5},
		{id: "kubernetes-secret-yaml", description: "Kubernetes Secret manifest with data values",
			keywords: []string{"kind: secret"},
			regex: `(?s)^[^\n]*?\bkind:[ \t]*["']?Secret["']?[ \t]*\n.{0,400}?\n[ \t]*(?:data|stringData):[ \t]*\n` +
				`((?:[ \t]+[\w.-]+:[ \t]*["']?[A-Za-z0-9+/=._-]{8,}["']?[ \t]*\n)+)`,
			multiline: true, entropy: 3.5, check: kubeSecretData},
		{id: "jwt-base64", description: "base64-encoded JSON Web Token",
			keywords: []string{"ZXlK"}, caseSensitive: true,
			regex: `\b(ZXlK[A-Za-z0-9+/]{60,}={0,2})`, entropy: 4.0, check: base64JWT},
	}
}

// authorizationHeader is an Authorization header's name and separator in
// configuration or code, up to its scheme, and authorizationCredential the
// credential after the scheme (group 1).
const (
	authorizationHeader     = `(?i)authorization["'` + "`" + `]?\]?\s*(?::=|=>|[:=,])\s*(?:[fr@$]?["'` + "`" + `])?`
	authorizationCredential = `([A-Za-z0-9+/~._-]{16,512}=*)(?:[^A-Za-z0-9+/~._=-]|$)` //nolint:gosec // a pattern that finds credentials, not one
)

// basicCredentials accepts base64 of user:password (UTF-8, no control
// characters) whose password is not a default or a reference. APIs that
// take a key as the user and no password (key:) have the key checked.
func basicCredentials(v string) bool {
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil || !utf8.Valid(raw) || strings.ContainsFunc(string(raw), unicode.IsControl) {
		return false
	}
	user, pw, ok := strings.Cut(string(raw), ":")
	if !ok {
		return false
	}
	if pw == "" {
		return len(user) >= 8 && passwordValue(user)
	}
	return passwordValue(pw)
}

// pkcs11Pin rejects a PIN that is a reference, a default password or a
// token's factory or example PIN.
func pkcs11Pin(pin string) bool {
	switch pin {
	case "0000", "1111", "1234", "12345", "4321", "87654321":
		return false
	}
	return passwordValue(pin)
}

// kubeSecretData accepts a Secret's data block unless every value is a
// template or placeholder.
func kubeSecretData(block string) bool {
	for _, line := range strings.Split(block, "\n") {
		_, v, ok := strings.Cut(line, ":")
		v = strings.Trim(strings.TrimSpace(v), `"'`)
		if ok && len(v) >= 8 && !isPlaceholder(v) {
			return true
		}
	}
	return false
}

// base64JWT accepts base64 text that decodes to a JWT.
func base64JWT(s string) bool {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
		if err != nil && len(raw) == 0 {
			return false
		}
	}
	tok := strings.TrimSpace(string(raw))
	return strings.Count(tok, ".") == 2 && jwtHeader(tok)
}

package scan

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// defaultPasswords are whole passwords of local development defaults and
// documentation, not leaks. They are matched as the whole password: a real
// password that merely contains one ("Rootbeer9xQ7vLk") is still reported.
var defaultPasswords = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`password passwd pass secret changeme postgres mysql root admin guest
		example redis rabbitmq user test testing pwd dbpass dbpassword mypassword yourpassword mysecretpassword
		secretpassword p@ssw0rd p@ssword passw0rd password1 password123 pass123 admin123 root123 123456 12345678
		foobar foo bar letmein qwerty default docker postgrespassword devpassword testpassword sa`) {
		defaultPasswords[p] = true
	}
}

// notDefaultPassword rejects a URL password that is a known default, also
// in a template's brackets ([user[:password]@] leaves "password]").
func notDefaultPassword(pw string) bool {
	return !defaultPasswords[strings.ToLower(strings.Trim(pw, "[]"))]
}

// genericKeyWords and genericKeyName start the generic-key rules: a name
// holding key, auth, access or creds, then an assignment.
var genericKeyWords = []string{"key", "auth", "access", "creds"}

// The name must end at the keyword or a closed set of suffixes (ABSTRACT_KEY,
// weather_api_key, serviceAuth, KEY_VALUE): keyid, keytype, key_size and
// keyFile name something other than the key.
const genericKeyName = `(?:key|auth|access|creds)s?(?:[_.-]?(?:value|string|str|secret|data|b64|base64))?["'\]]?\s*(?:=|:=|:|=>)\s*`

// testPaths are test code and test data, where a value under a key name
// is a fixture or a test vector far more often than a credential.
var testPaths = []string{`(?i)(?:^|/)(?:testdata|tests?|fixtures?|__tests__|spec|corpus)/`,
	`(?i)(?:_test\.go|_test\.py|\.test\.[jt]sx?|\.spec\.[jt]sx?|Test\.java|_spec\.rb)$`, `(?i)(?:^|/)test_[^/]*\.py$`}

// fingerprintFiles list findings by fingerprint (commit:path:rule:line):
// names and numbers the generic rules would read as name=value, never a
// secret. Only those lines (fingerprintLine) are left out of the generic
// rules: anything else in the file (a comment, text after a fingerprint) is
// scanned like any file. The specific rules scan every line.
var (
	fingerprintFiles = regexp.MustCompile(`(?:^|/)\.gitleaksignore$`)
	fingerprintLine  = regexp.MustCompile(`^[ \t]*(?:[0-9a-f]{7,40}:)?[^\s:=]+:[a-z0-9]+(?:[-_][a-z0-9]+)*:[0-9]+[ \t]*\r?$`)
)

// dropFingerprints drops the generic rules' candidates on a fingerprint
// line of a .gitleaksignore file.
func dropFingerprints(path string, data []byte, cands []candidate) []candidate {
	if !fingerprintFiles.MatchString(path) {
		return cands
	}
	kept := cands[:0]
	for _, c := range cands {
		ls := bytes.LastIndexByte(data[:c.loc], '\n') + 1
		if c.rule.generic && fingerprintLine.Match(data[ls:lineEnd(data, c.loc)]) {
			continue
		}
		kept = append(kept, c)
	}
	return kept
}

// codeFiles are source files, where an unquoted value is an expression.
const codeFiles = `(?i)\.(?:go|js|jsx|ts|tsx|mjs|cjs|py|java|kt|kts|scala|rb|php|c|h|cc|cpp|hpp|cs|rs|swift|m|mm|dart|lua|pl|sh|bash|zsh|ps1|groovy|gradle|sql|r|jl|ex|exs|erl|hs|ml|clj|vue|svelte)$`

// genericRules: JWTs, connection URLs with passwords, and high-entropy
// values assigned to secret-looking names.
func genericRules() []ruleSpec {
	return []ruleSpec{
		{
			id: "jwt", description: "JSON Web Token",
			keywords: []string{"eyJ"}, caseSensitive: true,
			regex:   `\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})`,
			entropy: 4.0,
			check:   jwtHeader,
		},
		{
			id: "database-url-password", description: "database connection URL with a password",
			keywords: []string{"postgres://", "postgresql://", "mysql://", "mariadb://", "mongodb://", "mongodb+srv://", "mssql://", "sqlserver://", "cockroachdb://"},
			regex:    `(?i)\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|mssql|sqlserver|cockroachdb)://[^:@/\s"'<>]{1,64}:([^@/\s"'<>]{3,128})@[^\s"'<>/]{2,}`,
			entropy:  2.0,
			check:    notDefaultPassword,
		},
		{
			id: "broker-url-password", description: "Redis, AMQP or other broker URL with a password",
			keywords: []string{"redis://", "rediss://", "amqp://", "amqps://", "nats://", "kafka://"},
			regex:    `(?i)\b(?:rediss?|amqps?|nats|kafka)://[^:@/\s"'<>]{0,64}:([^@/\s"'<>]{3,128})@[^\s"'<>/]{2,}`,
			entropy:  2.0,
			check:    notDefaultPassword,
		},
		{
			// Basic auth in a web, FTP, SSH or LDAP URL. Documentation URLs
			// carry defaults and references (user:password@, :${PASS}@) that
			// passwordValue and the placeholder check drop; a password must
			// mix letters and digits, so user:admin@ and a port-like :8080@
			// are not reported.
			id: "url-password", description: "password in a web, FTP, SSH or LDAP URL (basic auth)",
			keywords: []string{"http://", "https://", "ftp://", "ftps://", "sftp://", "ssh://", "smtp://", "ldap://", "ldaps://"},
			regex:    `(?i)\b(?:https?|ftps?|sftp|ssh|smtp|ldaps?)://[^:@/\s"'<>\[\]]{1,64}:([^@/\s"'<>]{6,128})@[A-Za-z0-9.-]{2,}[A-Za-z0-9]`,
			entropy:  2.5,
			check:    urlPassword,
		},
		{
			id: "generic-secret", description: "high-entropy value assigned to a secret-looking name",
			keywords: []string{"password", "passwd", "passphrase", "pwd", "secret", "token", "api_key", "apikey", "api-key",
				"access_key", "accesskey", "auth_key", "private_key", "credential"},
			regex: `(?i)^(?:password|passwd|passphrase|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|auth[_.-]?key|private[_.-]?key|credentials?)[\w.-]{0,40}?` +
				`["'\]]?\s*(?:=|:=|:|=>|==|\?\?=|\|\|=)\s*` +
				// No upper bound: a cap would find a long secret's head and leave its tail raw.
				`(?:"([^"\s]{8,})"|'([^'\s]{8,})'|\x60([^\x60\s]{8,})\x60|([^\s"'\x60;,()\[\]{}<>]{8,}))`,
			entropy:  3.5,
			generic:  true,
			anchored: true,
			check:    genericValue,
		},
		// Names that only say key, auth, access or creds (ABSTRACT_KEY=,
		// "authKey": ...) are weaker evidence than password or secret: the
		// value must be one token of key characters, ten or more long, and
		// test code and test data (crypto test vectors, fixtures) are left
		// to the specific rules. In code a bare value is a variable, so
		// generic-key takes quoted values and generic-key-config bare ones
		// only in files that are not code (.env, YAML, properties, logs).
		// After generic-secret, which wins where both match.
		{
			id: "generic-key", description: "high-entropy quoted value assigned to a key, auth, access or creds name",
			keywords: genericKeyWords,
			regex:    `(?i)^` + genericKeyName + `(?:"([A-Za-z0-9_.=+/~-]{10,})"|'([A-Za-z0-9_.=+/~-]{10,})'|\x60([A-Za-z0-9_.=+/~-]{10,})\x60)`,
			entropy:  3.5, generic: true, anchored: true, check: keyValue,
			allowPaths: testPaths,
		},
		{
			id: "generic-key-config", description: "high-entropy unquoted value assigned to a key, auth, access or creds name in a config, env or log file",
			keywords: genericKeyWords,
			regex:    `(?i)^` + genericKeyName + `([A-Za-z0-9_.=+/~-]{10,})(?:[ \t]*(?:#.*)?$|[ \t]*\r?$)`,
			entropy:  3.5, generic: true, anchored: true, check: keyValue,
			allowPaths: append([]string{codeFiles}, testPaths...),
		},
		// After generic-secret, so it reports only what that rule's
		// entropy floor drops: Terraform passwords are short literals.
		{id: "terraform-password", description: "password literal in a Terraform or HCL file",
			keywords: []string{"password"}, pathRegex: `(?i)\.(?:tf|tfvars|hcl)$`,
			regex:   `(?i)password["']?\s*=\s*"([^"\s]{8,200})"`,
			entropy: 2.5, check: terraformPassword, generic: true},
	}
}

// urlPassword accepts a URL's password, percent-decoded first (p%40ssword
// is the default p@ssword; My%20Pass has no digit of its own).
func urlPassword(pw string) bool {
	if u, err := url.PathUnescape(pw); err == nil {
		pw = u
	}
	return passwordValue(pw) && lettersAndDigits(pw)
}

// jwtHeader accepts a token whose first segment decodes to a JSON object
// with an "alg" member.
func jwtHeader(tok string) bool {
	head, _, _ := strings.Cut(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(head, "="))
	if err != nil {
		return false
	}
	var h map[string]any
	if json.Unmarshal(raw, &h) != nil {
		return false
	}
	_, ok := h["alg"]
	return ok
}

var (
	// dottedName is a reference such as settings.SECRET_KEY or os.environ.
	dottedName = regexp.MustCompile(`^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$`)
	// namedName is a long lower-case name that itself says token, secret
	// or password: generated code's field names
	// (exchangecustomtokenrequestv1beta), not a secret. namedWords takes
	// the same with capitals when it is made of words.
	namedName = regexp.MustCompile(`^[a-z][a-z0-9_]{15,}(?:token|secret|passw|credential|apikey)[a-z0-9_]*$|^[a-z][a-z0-9_]*(?:token|secret|passw|credential|apikey)[a-z0-9_]{15,}$`)
	// encodedQuery is URL-encoded or JSON-escaped text (a form body, a
	// query string): two %XX escapes or a \u00XX escape.
	encodedQuery = regexp.MustCompile(`%[0-9A-Fa-f]{2}.*%[0-9A-Fa-f]{2}|\\u00[0-9A-Fa-f]{2}`)
	// identifier is a bare name like getPassword or API_TOKEN_NAME.
	identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z_$-]*$`)
)

// wordThenNumber is a name with a number at its end (encryptionKey1024,
// NewEncapsulationKey768): a versioned identifier, not a key.
var wordThenNumber = regexp.MustCompile(`^[A-Za-z_]+[0-9]+$`)

// keyValue accepts a value under a key name: genericValue, not a
// versioned identifier, and not a value whose prefix a token rule owns (that
// rule has judged it: a Stripe documentation key, a Google key too short)
// or that is public by design (Stripe publishable keys).
func keyValue(v string) bool {
	plain := genericValue(v) || randomDotted(v) && lettersAndDigits(v)
	if !plain || wordThenNumber.MatchString(v) || nameValue(v) || snakeName.MatchString(v) {
		return false
	}
	for _, p := range ownedPrefixes() {
		if strings.HasPrefix(v, p) {
			return false
		}
	}
	return true
}

// randomDotted reports a dotted value with a long segment mixing upper
// case, lower case and digits: a key with a dot in it (Close, FetchRSS
// keys), where a reference's segments are words (settings.SECRET_KEY).
func randomDotted(v string) bool {
	for _, seg := range strings.Split(v, ".") {
		if len(seg) < 16 {
			continue
		}
		var up, low, dig bool
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			up, low, dig = up || c >= 'A' && c <= 'Z', low || c >= 'a' && c <= 'z', dig || c >= '0' && c <= '9'
		}
		if up && low && dig {
			return true
		}
	}
	return false
}

// sigilRandom reports a value after a $ or % that is random, not a
// variable's name ($Kq8vWz3Lp9xT is a password; $DB_PASSWORD, %APPDATA%,
// %(name)s and a crypt hash $2b$12$... are not).
func sigilRandom(v string) bool {
	return strings.Count(v, "$") <= 1 && randomPart(v[1:])
}

// randomPart reports a dotted value with a part of eight or more that mixes
// upper case, lower case and digits, two of them between lower-case
// letters' neighbours, and is not made of words (Prod.Kq8vWz3Lp9xT): a
// password or token with a dot in it, where a reference's parts are names
// (settings.SECRET_KEY, self.oauth2TokenV1, K8SVolumeTypeKey.String). JWT
// segments (eyJ...) are left to the jwt rule, which has judged them.
func randomPart(v string) bool {
	if strings.Contains(v, "eyJ") {
		return false
	}
	for _, seg := range strings.Split(v, ".") {
		for _, part := range strings.FieldsFunc(seg, func(r rune) bool { return r == '_' || r == '$' }) {
			if len(part) < 8 || wordy(part) {
				continue
			}
			var up, low bool
			mixed := 0 // digits beside a lower-case letter
			for i := 0; i < len(part); i++ {
				c := part[i]
				up, low = up || isUpper(c), low || isLower(c)
				if c >= '0' && c <= '9' && (i > 0 && isLower(part[i-1]) || i+1 < len(part) && isLower(part[i+1])) {
					mixed++
				}
			}
			if up && low && mixed >= 2 {
				return true
			}
		}
	}
	return false
}

// ownedPrefixes are the case-sensitive keywords (four bytes or more) of
// the rules that recognise a token by its prefix, and publishable-key
// prefixes.
var ownedPrefixes = sync.OnceValue(func() []string {
	out := []string{"pk_live_", "pk_test_"}
	// Every group but the generic rules themselves (which use this).
	var rules []ruleSpec
	for _, g := range [][]ruleSpec{cloudRules(), vcsRules(), chatRules(), paymentRules(), saasRules(), tokenRules(), specialRules(), idRules()} {
		rules = append(rules, g...)
	}
	for _, r := range rules {
		if r.caseSensitive || r.wordStart {
			for _, k := range r.keywords {
				if len(k) >= 4 {
					out = append(out, k)
				}
			}
		}
	}
	return out
})

// genericValue accepts values that look like secrets rather than code:
// letters and digits mixed, not a reference, name, path or URL.
func genericValue(v string) bool {
	if dottedName.MatchString(v) && !randomPart(v) || identifier.MatchString(v) {
		return false
	}
	if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "../") ||
		strings.Contains(v, "://") || (strings.HasPrefix(v, "$") || strings.HasPrefix(v, "%")) && !sigilRandom(v) ||
		strings.HasPrefix(v, "arn:") || strings.HasPrefix(v, "urn:") || strings.HasPrefix(v, "~/") ||
		namedName.MatchString(v) || encodedQuery.MatchString(v) || nameValue(v) {
		return false
	}
	letters, digits := 0, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letters++
		case c >= '0' && c <= '9':
			digits++
		}
	}
	return letters > 0 && digits > 0
}

// notSecretName reports, for a generic rule matched at kw (its keyword's
// offset in data), a name that says the value beside it is not the secret
// but something about it, or something public: private_key_id, TokenID,
// googleAccessTokenHash, LLM_SECRET_NAME, tokenURL, SECRETS_PATHS,
// nextPageToken, continuation-token (cursors), encrypted_key (a JWE's
// ciphertext: useless without the key it is wrapped for); or a name inside an ARN
// (arn:aws:secretsmanager:...:secret:name-AbC123 names a resource); or a
// value that is a name saying token or secret (namesASecret) under a name
// that does not say password: a password made of words is a password.
func notSecretName(data []byte, kw int, secret string) bool {
	start := kw
	for start > 0 && isNameByte(data[start-1]) {
		start--
	}
	end := kw
	for end < len(data) && isNameByte(data[end]) {
		end++
	}
	tok := start
	for tok > 0 && !isTokenStop(data[tok-1]) {
		tok--
	}
	if len(data)-tok >= 4 && strings.EqualFold(string(data[tok:tok+4]), "arn:") {
		return true
	}
	// A PKCS#11 URI's token attribute is the token's label
	// (pkcs11:token=prod-hsm;object=key); its PIN is pkcs11-uri-pin's.
	if strings.EqualFold(string(data[start:end]), "token") && inPKCS11URI(data, start) {
		return true
	}
	words := nameWords(string(data[start:end]))
	if len(words) == 0 {
		return false
	}
	says := map[string]bool{}
	for _, w := range words {
		says[w] = true
	}
	password := says["password"] || says["passwd"] || says["pwd"] || says["passphrase"] || says["pass"]
	if !password && namesASecret(secret) {
		return true
	}
	switch last := words[len(words)-1]; {
	case pageToken(words) || says["continuation"] || says["encrypted"]:
		// A page token is a cursor; a page access token (Facebook's) or a
		// status page's API key is not.
		return true
	case last == "id":
		// A secret's id (private_key_id, TokenID, credentialsId), but
		// Vault's secret_id is a credential.
		return !says["secret"] && !says["password"]
	default:
		return notSecretLast[last]
	}
}

// pageToken reports a cursor's name: page then token as words of their own
// (nextPageToken, page_token) or pagetoken. The word page elsewhere
// (STATUS_PAGE_API_KEY, FB_PAGE_ACCESS_TOKEN) names a product or a page's
// credential.
func pageToken(words []string) bool {
	for i, w := range words {
		if w == "pagetoken" || w == "page" && i+1 < len(words) && words[i+1] == "token" {
			return true
		}
	}
	return false
}

// notSecretLast are the last words of names whose value describes a
// secret (its id, name, hash, location, type or size) rather than being it.
var notSecretLast = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`ids name names hash hashes url urls uri path paths file files filename
		dir header headers type types length len size count endpoint audience arn label ref field param
		prefix suffix format version ttl expiry`) {
		notSecretLast[w] = true
	}
}

func isNameByte(c byte) bool { return isWordByte(c) || c == '.' || c == '-' }

// isTokenStop ends a token of text: blanks, quotes and assignment or
// grouping punctuation.
// inPKCS11URI reports whether data[i] starts a path attribute of a pkcs11:
// URI (SIGNER=pkcs11:model=x;token=label): the word (up to a space or
// quote) holding it has "pkcs11:" before it, only path attributes (RFC
// 7512's pk11-path characters, no '?' query) lie between, and an attribute
// separator (':' or ';') comes just before it. A token= in the URI's query
// or in another URL's query after it (?signer=pkcs11:id=0&token=...) is not
// the label.
func inPKCS11URI(data []byte, i int) bool {
	w := i
	for w > 0 && strings.IndexByte(" \t\r\n\"'`<>", data[w-1]) < 0 {
		w--
	}
	at := strings.LastIndex(strings.ToLower(string(data[w:i])), "pkcs11:")
	if at < 0 || (data[i-1] != ':' && data[i-1] != ';') {
		return false
	}
	for _, c := range data[w+at+len("pkcs11:") : i] {
		if !isWordByte(c) && strings.IndexByte("-.~%:[]@!$()*+,=&;", c) < 0 {
			return false
		}
	}
	return true
}

func isTokenStop(c byte) bool {
	return strings.IndexByte(" \t\r\n\"'`=,;()[]{}<>", c) >= 0
}

// nameWords splits a name into lower-case words at _ . - and at case
// changes (nextPageToken, tokenURL, ContentSHAKey: content, sha, key).
func nameWords(name string) []string {
	var words []string
	for _, seg := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		for _, w := range splitCamel(seg) {
			words = append(words, strings.ToLower(w))
		}
	}
	return words
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

var (
	// headerName is an HTTP header's name (X-Amz-Content-Sha256).
	headerName = regexp.MustCompile(`^[Xx]-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+$`)
	// addressOf is code taking the address of a package's value
	// (&oauth2.Token); a password may well start with & or *.
	addressOf = regexp.MustCompile(`^&[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$`)
	// labelKey is a domain-prefixed label or annotation key
	// (dev.sigstore.cosign/rfc3161timestamp).
	labelKey = regexp.MustCompile(`^[a-z0-9-]+(?:\.[a-z0-9-]+)+/[a-z0-9._-]+$`)
	// annotation is a dotted name after @ (@securitydefinitions.oauth2.password).
	annotation = regexp.MustCompile(`^@[A-Za-z_][\w.]*$`)
	// nameLike is a value made of name characters only, which
	// namesASecret splits into words.
	nameLike = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)
)

// namedWords is namedName with capitals, for a value made of words
// (googlecloudagentidentitycredentialsv1Finalizecredentialsrequest): a
// random part (pi_yCyeIbSx5nx..._secret_...) is not made of words.
func namedWords(v string) bool {
	return namedName.MatchString(strings.ToLower(v)) && nameLike.MatchString(v) && wordy(v)
}

// nameValue reports a value that is a name or code, not a secret: an HTTP
// header's name, code taking an address, an annotation, a name that says
// what it names, an AWS signature's credential scope (AKID/date/region/
// service/aws4_request: an access key's id and where it signs).
func nameValue(v string) bool {
	return headerName.MatchString(v) && !randomPart(strings.ReplaceAll(v, "-", ".")) || addressOf.MatchString(v) ||
		annotation.MatchString(v) && !randomPart(v[1:]) ||
		labelKey.MatchString(v) || namedWords(v) || strings.Contains(v, "/aws4_request")
}

// snakeName is a lower-case name of three or more words
// (ec2_metadata_service_endpoint_mode, s3_disable_multiregion_access_points):
// under a key name, the key a setting is stored under.
var snakeName = regexp.MustCompile(`^[a-z]+[0-9]*(?:[_.-][a-z]+[0-9]*){2,}$`)

// secretWords are words that make a value that is a name (of a header, a
// Kubernetes secret, a variable) say what it names.
var secretWords = map[string]bool{"token": true, "tokens": true, "secret": true, "secrets": true, "password": true,
	"passwd": true, "key": true, "auth": true, "credential": true, "credentials": true, "apikey": true}

// namesASecret reports a value that is a name holding a secret word as a
// word of its own, every part of it a word or a short suffix:
// default-token-6h4dn, ec2DefaultTokenPath, SecretName-6RandomCharacters.
// A token with a word for a prefix (secret_eipny7k0c5SZlEDQ, key-cv1AD...)
// has a random part and stays a secret.
func namesASecret(v string) bool {
	if !nameLike.MatchString(v) {
		return false
	}
	words := nameWords(v)
	if len(words) < 2 {
		return false
	}
	for _, seg := range strings.FieldsFunc(v, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		if !wordy(seg) {
			return false
		}
	}
	for _, w := range words {
		if secretWords[w] {
			return true
		}
	}
	return false
}

// camelWord is one word of a name: Default, ec2, v4a, S3, SHA256, 6, Url.
var camelWord = regexp.MustCompile(`^(?:[A-Za-z][a-z]+[0-9]*|[A-Za-z][a-z]?[0-9][a-z]?|[A-Z]{2,6}[0-9]*|[0-9]+)$`)

// longWord is a word of four letters or more (Default, Provider).
var longWord = regexp.MustCompile(`^[A-Za-z][a-z]{3,}[0-9]*$`)

// wordy reports a part of a name made of words (DefaultTokenPath, imdsv2)
// or short (6h4dn, a generated suffix), where a random part mixes case
// and digits inside its words (eipny7k0c5SZlEDQ).
func wordy(seg string) bool {
	if len(seg) <= 6 {
		return true
	}
	inWords := 0
	for _, w := range splitCamel(seg) {
		if !camelWord.MatchString(w) {
			return false
		}
		if longWord.MatchString(w) {
			inWords += len(w)
		}
	}
	// Most of it in real words: a random part split at its capitals
	// leaves short pieces.
	return 2*inWords >= len(seg)
}

// splitCamel splits at case changes, keeping case: ec2DefaultTokenPath is
// ec2 Default Token Path.
func splitCamel(s string) []string {
	var out []string
	from := 0
	for i := 1; i < len(s); i++ {
		c, p := s[i], s[i-1]
		if isUpper(c) && (isLower(p) || p >= '0' && p <= '9' || isUpper(p) && i+1 < len(s) && isLower(s[i+1])) {
			out = append(out, s[from:i])
			from = i
		}
	}
	return append(out, s[from:])
}

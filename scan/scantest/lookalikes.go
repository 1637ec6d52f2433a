package scantest

// not builds a look-alike sample: something that is not a secret.
func not(why, name, value string) Sample {
	return Sample{Name: name, Value: value, Why: why}
}

// LookAlikes returns values that resemble secrets but are not: documented
// example keys, placeholders, wrong prefixes or lengths, low-entropy
// fillers, references to environment variables, public material and
// ordinary identifiers. A good scanner reports none of them.
func (g *Gen) LookAlikes() []Sample {
	pub, _ := g.pem("PUBLIC KEY", 294)
	cert, _ := g.pem("CERTIFICATE", 700)
	return []Sample{
		not("AWS documentation key", "aws_access_key_id", "AKIAIOSFODNN7EXAMPLE"),
		not("AWS documentation secret", "aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
		not("lowercase after AKIA", "aws_key_hint", "AKIA"+g.S(Lower, 16)),
		not("placeholder token", "github_token", "ghp_"+"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
		not("too short for a GitHub token", "log_prefix", "ghp_"+g.S(Alnum, 12)),
		not("environment lookup", "password", "os.environ[\"DB_PASSWORD\"]"),
		not("template reference", "api_key", "${API_KEY}"),
		not("helm template", "password", "{{ .Values.db.password }}"),
		not("angle placeholder", "api_key", "<your-api-key>"),
		not("your_..._here placeholder", "secret_key", "your_secret_key_here"),
		not("changeme default", "admin_password", "changeme"),
		not("counting sequence", "token", "1234567890abcdef"),
		not("repeated characters", "client_secret", "0000000000000000000000000000"),
		not("identifier value", "token_type", "bearer_token_type"),
		not("dotted reference", "secret_key", "settings.SECRET_KEY"),
		not("URL of a token endpoint", "token_url", "https://oauth2.googleapis.com/token"),
		not("local development database", "database_url", "postgres://postgres:postgres@localhost:5432/app_dev"),
		not("database URL with a variable password", "database_url", "postgres://app:${DB_PASSWORD}@db:5432/app"),
		not("database URL without a password", "database_url", "postgres://app@db.internal:5432/app"),
		not("placeholder webhook", "slack_webhook", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
		not("Stripe publishable key", "stripe_publishable_key", "pk_live_"+g.S(Alnum, 24)),
		not("public key block", "public_key", pub),
		not("certificate", "tls_cert", cert),
		not("key block placeholder", "private_key", "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----"),
		not("sha256 checksum", "checksum", g.S(Hex, 64)),
		not("git commit", "commit", g.S(Hex, 40)),
		not("request id", "request_id", g.uuid()),
		not("short password hint", "password_hint", "hunter2"),
		not("numeric setting", "token_ttl_seconds", "3600000000"),
		not("i18n label", "forgot_password", "Forgot your password?"),
		not("npm token too short", "npm_registry_label", "npm_"+g.S(Alnum, 10)),
		not("Google key too short", "maps_key", "AIza"+g.S(Alnum, 20)),
		not("JWT-shaped non-JWT", "state", "eyJ"+g.S(Alnum, 20)+"."+g.S(Alnum, 20)+"."+g.S(Alnum, 20)),
		not("mailgun-like word", "css_class", "key-value-pair-list"),
		not("image data", "logo", "data:image/png;base64,iVBORw0KGgo"+g.S(B64, 60)),
	}
}

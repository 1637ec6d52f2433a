package scan

import "strings"

// privateKey builds a multi-line rule for one PEM or armored private key
// block; the secret is the block's body.
func privateKey(id, description, label string) ruleSpec {
	return ruleSpec{
		id: id, description: description,
		keywords:  []string{"begin " + strings.ToLower(label)},
		regex:     `(?s)-----BEGIN ` + label + `-----(.{64,}?)-----END ` + label + `-----`,
		multiline: true,
		keyBlock:  true,
		entropy:   4.0,
		check:     keyBody,
	}
}

// keyBody accepts a key block body with enough base64 to be a real key (a
// placeholder body such as "..." or "<your key>" has none).
func keyBody(body string) bool {
	n := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			n++
		}
	}
	return n >= 64
}

// keyRules: private key blocks.
func keyRules() []ruleSpec {
	return []ruleSpec{
		privateKey("private-key-rsa", "RSA private key", "RSA PRIVATE KEY"),
		privateKey("private-key-ec", "EC private key", "EC PRIVATE KEY"),
		privateKey("private-key-openssh", "OpenSSH private key", "OPENSSH PRIVATE KEY"),
		privateKey("private-key-dsa", "DSA private key", "DSA PRIVATE KEY"),
		privateKey("private-key-pgp", "PGP private key block", "PGP PRIVATE KEY BLOCK"),
		privateKey("private-key-pkcs8", "PKCS#8 private key", "PRIVATE KEY"),
		privateKey("private-key-pkcs8-encrypted", "encrypted PKCS#8 private key", "ENCRYPTED PRIVATE KEY"),
		{
			id: "private-key-other", description: "private key block of another kind (SSH2, PuTTY-converted, vendor labels)",
			keywords:  []string{"private key"},
			regex:     `(?s)-----BEGIN [A-Z0-9 _-]{1,40} PRIVATE KEY(?: BLOCK)?-----(.{64,}?)-----END [A-Z0-9 _-]{0,40}PRIVATE KEY`,
			multiline: true, keyBlock: true, entropy: 4.0, check: keyBody,
		},
		{
			// A key cut before its END line (a truncated paste, a hunk that
			// stops early) is still a key: the body runs to the last base64
			// line. Listed last, so a complete block's own rule wins the overlap.
			id: "private-key-truncated", description: "private key block without its END line",
			keywords:  []string{"private key"},
			regex:     `(?s)-----BEGIN [A-Z0-9 _-]{0,40}PRIVATE KEY(?: BLOCK)?-----[ \t]*\r?\n((?:[ \t]*[A-Za-z0-9+/=]{16,}[ \t]*(?:\r?\n|$))+)`,
			multiline: true, keyBlock: true, entropy: 4.0, check: keyBody,
		},
	}
}

// chatRules: Slack, Discord, Teams, Telegram.
func chatRules() []ruleSpec {
	return []ruleSpec{
		{
			id: "slack-bot-token", description: "Slack bot token",
			keywords: []string{"xoxb-"},
			regex:    `\b(xoxb-\d{9,13}-\d{9,13}-[A-Za-z0-9]{20,34}|xoxb-\d{8,14}-[A-Za-z0-9]{18,26})\b`,
			entropy:  3.0,
		},
		{
			id: "slack-user-token", description: "Slack user or legacy token",
			keywords: []string{"xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-"},
			regex:    `\b(xox[pares]-(?:\d{6,13}-){1,3}[A-Za-z0-9]{24,64})\b`,
			entropy:  3.0,
		},
		{
			id: "slack-app-token", description: "Slack app-level token",
			keywords: []string{"xapp-"},
			regex:    `\b(xapp-\d-[A-Z0-9]{9,12}-\d{10,14}-[a-f0-9]{64})\b`,
			entropy:  3.5,
		},
		{
			id: "slack-webhook-url", description: "Slack incoming webhook or workflow URL",
			keywords: []string{"hooks.slack.com"},
			regex:    `https?://hooks\.slack\.com/(?:services/(T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{20,32})|(?:workflows|triggers)/(T[A-Z0-9]{8,12}/[A-Za-z0-9/]{20,80}))`,
			entropy:  3.5,
		},
		{
			id: "discord-bot-token", description: "Discord bot token",
			keywords: []string{"discord"},
			regex:    `(?i)discord[\w.-]{0,24}?(?:token|secret|key)[\w.-]{0,16}["']?\s*(?:=|:=|:|=>)\s*["']?(?-i)([MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38})(?:[^A-Za-z0-9_-]|$)`,
			entropy:  4.0,
		},
		{
			id: "discord-webhook-url", description: "Discord webhook URL",
			keywords: []string{"discord"},
			regex:    `https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d{17,20}/([A-Za-z0-9_-]{60,68})`,
			entropy:  4.0,
		},
		{
			id: "teams-webhook-url", description: "Microsoft Teams incoming webhook URL",
			keywords: []string{"webhook.office.com"},
			regex:    `https://[a-z0-9-]+\.webhook\.office\.com/webhookb2/([a-f0-9-]{36}@[a-f0-9-]{36}/IncomingWebhook/[a-f0-9]{32}/[a-f0-9-]{36}(?:/[A-Za-z0-9_-]{20,60})?)`,
			entropy:  3.5,
		},
		{
			id: "telegram-bot-token", description: "Telegram bot token",
			keywords: []string{":AA"}, caseSensitive: true,
			regex:   `(?:^|[^0-9])(\d{8,10}:AA[A-Za-z0-9_-]{33})(?:[^A-Za-z0-9_-]|$)`,
			entropy: 3.5,
		},
	}
}

// paymentRules: Stripe, Square, PayPal/Braintree.
func paymentRules() []ruleSpec {
	return []ruleSpec{
		{
			id: "stripe-secret-key", description: "Stripe live secret key",
			keywords: []string{"sk_live_"},
			regex:    `\b(sk_live_[A-Za-z0-9]{24,99})\b`,
			entropy:  3.5,
		},
		{
			id: "stripe-restricted-key", description: "Stripe live restricted key",
			keywords: []string{"rk_live_"},
			regex:    `\b(rk_live_[A-Za-z0-9]{24,99})\b`,
			entropy:  3.5,
		},
		{
			id: "square-access-token", description: "Square access token",
			keywords: []string{"EAAA", "sq0atp-"}, caseSensitive: true,
			regex:   `\b(EAAA[A-Za-z0-9_-]{60}|sq0atp-[A-Za-z0-9_-]{22})(?:[^A-Za-z0-9_-]|$)`,
			entropy: 3.5,
		},
		{
			id: "square-oauth-secret", description: "Square OAuth application secret",
			keywords: []string{"sq0csp-"},
			regex:    `\b(sq0csp-[A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)`,
			entropy:  3.5,
		},
		{
			id: "paypal-braintree-access-token", description: "PayPal Braintree production access token",
			keywords: []string{"access_token$production$"},
			regex:    `\b(access_token\$production\$[a-z0-9]{16}\$[a-f0-9]{32})\b`,
			entropy:  3.0,
		},
	}
}

package scan

// Identifiers, test-mode keys and framework-specific credentials: the rest
// of the secret types gitleaks' default configuration detects
// (scan/testdata/gitleaks-coverage.tsv maps every one of its rule ids to a
// gov rule). A public client or application ID is not a credential on its
// own, but it sits next to its secret and names the account; a test-mode
// key moves no money but still opens the account's test data. Their rule
// ids end in -id or say test, so a policy can weigh them lower than a live
// secret.

// namedID is named for an identifier that may be all digits (a numeric
// client ID): the value's shape and the service's name are the evidence,
// so it does not require letters and digits, only a little entropy (16
// random digits fall under 2.5 bits now and then).
func namedID(id, description string, names []string, value string) ruleSpec {
	r := named(id, description, names, value, 2.0)
	r.check = nil
	return r
}

// idRules lists the identifier, test-mode and framework-specific rules.
func idRules() []ruleSpec {
	return []ruleSpec{
		namedID("adobe-client-id", "Adobe client ID (public identifier of an Adobe API client)", []string{"adobe"}, `[a-f0-9]{32}`),
		namedID("asana-client-id", "Asana OAuth client ID (public identifier)", []string{"asana"}, `\d{16}`),
		namedID("bitbucket-client-id", "Bitbucket OAuth consumer key (public identifier)", []string{"bitbucket"}, `[A-Za-z0-9]{32}`),
		namedID("discord-client-id", "Discord application (client) ID (public identifier)", []string{"discord"}, `\d{17,20}`),
		namedID("linkedin-client-id", "LinkedIn client ID (public identifier)", []string{"linkedin", "linked_in", "linked-in"}, `[A-Za-z0-9]{14}`),
		namedID("looker-client-id", "Looker API client ID (public identifier)", []string{"looker"}, `[A-Za-z0-9]{20}`),
		namedID("messagebird-client-id", "MessageBird client ID (public identifier)", []string{"messagebird", "message_bird", "message-bird"}, uuidRe),
		namedID("plaid-client-id", "Plaid client ID (public identifier)", []string{"plaid"}, `[A-Za-z0-9]{24}`),
		namedID("sendbird-app-id", "Sendbird application ID (public identifier)", []string{"sendbird"}, uuidRe),
		namedID("sumologic-access-id", "Sumo Logic access ID (identifier paired with an access key)", []string{"sumo"}, `su[A-Za-z0-9]{12}`),
		named("confluent-api-key", "Confluent Cloud API key (identifier paired with its secret)", []string{"confluent"}, `[A-Z0-9]{16}`, 3.0),
		named("newrelic-api-id", "New Relic user API ID", []string{"newrelic", "new_relic", "new-relic"}, `[A-Za-z0-9]{64}`, 3.5),
		{id: "stripe-test-key", description: "Stripe test-mode secret or restricted key (no live charges; lower severity than a live key)",
			keywords: []string{"sk_test_", "rk_test_"}, caseSensitive: true, anchored: true, wordStart: true,
			regex:   `^((?:sk|rk)_test_[A-Za-z0-9]{24,99})(?:[^A-Za-z0-9_-]|$)`,
			entropy: 3.5,
			// Stripe's own documentation keys, printed in every tutorial.
			allowRegexes: []string{`^sk_test_(?:4eC39HqLyjWDarjtT1zdp7dc|BQokikJOvBiI2HlWgH4olfQ2|26PHem9AhJZvU623DfE1x4sd)$`}},
		{id: "freemius-secret-key", description: "Freemius SDK secret key in a PHP array",
			keywords: []string{"secret_key"},
			regex:    `["']secret_key["']\s*=>\s*["'](sk_[^\s"']{29})["']`,
			entropy:  3.0},
		tok("authress-service-client-access-key", "Authress service client access key", []string{"sc_", "ext_", "scauth_", "authress_"},
			`[A-Za-z0-9]{5,30}\.[A-Za-z0-9]{4,6}\.acc[_-][A-Za-z0-9-]{10,32}\.[A-Za-z0-9+/_=-]{30,120}`, 3.5),
	}
}

// terraformPassword accepts a literal password that is neither a default
// nor a reference, and is more than one kind of character (a sentence
// word such as "required" is not a password).
func terraformPassword(pw string) bool {
	if !passwordValue(pw) {
		return false
	}
	classes := 0
	for _, in := range []func(byte) bool{
		func(c byte) bool { return c >= 'a' && c <= 'z' },
		func(c byte) bool { return c >= 'A' && c <= 'Z' },
		func(c byte) bool { return c >= '0' && c <= '9' },
	} {
		for i := 0; i < len(pw); i++ {
			if in(pw[i]) {
				classes++
				break
			}
		}
	}
	return classes >= 2
}

package scan

import (
	"regexp"
	"strings"
)

// uuidRe is a UUID in lower or upper case hex.
const uuidRe = `[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}`

// named is a rule for a credential with no distinctive shape of its own,
// recognised by the service's name on the left of an assignment on the same
// line (`fastly_api_token = "..."`, `"algoliaAdminKey": "..."`). The names
// are the prefilter's keywords and the regex is anchored at each (cheap on
// long lines); value is the credential's shape. Values
// must mix letters and digits (a word or a number is not a key); the
// service's name is strong context, so the entropy floor is at most 3.0
// bits (a random 32-hex key falls under 3.2 about once in 200).
func named(id, description string, names []string, value string, entropy float64) ruleSpec {
	alt := make([]string, len(names))
	for i, n := range names {
		alt[i] = regexp.QuoteMeta(n)
	}
	return ruleSpec{id: id, description: description, keywords: names,
		anchored: true,
		regex: `(?i)^(?:` + strings.Join(alt, "|") + `)[\w.-]{0,30}?["'\]]?\s*(?:=|:=|:|=>|\?=|,)\s*["'\x60]?(?-i:(` +
			value + `))(?:[^A-Za-z0-9_=+/-]|$)`,
		entropy: min(entropy, 3.0), check: lettersAndDigits}
}

// lettersAndDigits accepts a value holding at least one letter and one digit.
func lettersAndDigits(v string) bool {
	letter, digit := false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		letter = letter || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		digit = digit || c >= '0' && c <= '9'
	}
	return letter && digit
}

// namedRules: credentials of services recognised by the service's name next
// to the value. Public identifiers (client IDs, account IDs) are left out:
// they are not credentials.
func namedRules() []ruleSpec {
	return []ruleSpec{
		named("adafruit-api-key", "Adafruit IO key", []string{"adafruit"}, `[A-Za-z0-9_-]{32}`, 3.5),
		named("airtable-api-key", "Airtable API key", []string{"airtable"}, `key[A-Za-z0-9]{14}|[A-Za-z0-9]{17}`, 3.0),
		named("algolia-api-key", "Algolia API key", []string{"algolia"}, `[A-Za-z0-9]{32}`, 3.2),
		named("asana-token", "Asana personal access token or client secret", []string{"asana"}, `\d/\d{16}:[a-f0-9]{32}|[A-Za-z0-9]{32}`, 3.2),
		named("beamer-api-token", "Beamer API token", []string{"beamer"}, `b_[A-Za-z0-9_=-]{44}`, 3.5),
		named("bitbucket-client-secret", "Bitbucket OAuth client secret", []string{"bitbucket"}, `[A-Za-z0-9_=-]{64}`, 3.5),
		named("bittrex-key", "Bittrex API key or secret", []string{"bittrex"}, `[A-Za-z0-9]{32}`, 3.2),
		named("cisco-meraki-api-key", "Cisco Meraki API key", []string{"meraki"}, `[0-9a-f]{40}`, 3.0),
		named("codecov-access-token", "Codecov access token", []string{"codecov"}, uuidRe+`|[A-Za-z0-9]{32}`, 3.0),
		named("cohere-api-token", "Cohere API key", []string{"cohere", "co_api_key"}, `[A-Za-z0-9]{40}`, 4.0),
		named("coinbase-access-token", "Coinbase access token", []string{"coinbase"}, `[A-Za-z0-9_-]{64}`, 3.5),
		named("confluent-secret-key", "Confluent Cloud API secret", []string{"confluent"}, `[A-Za-z0-9+/]{64}`, 3.5),
		named("contentful-delivery-api-token", "Contentful delivery API token", []string{"contentful"}, `[A-Za-z0-9_=-]{43}`, 3.5),
		withCheck(named("datadog-access-token", "Datadog application or API key", []string{"datadog"}, `[A-Za-z0-9]{40}|[A-Za-z0-9]{32}`, 3.2), datadogKey),
		named("discord-client-secret", "Discord API token or client secret", []string{"discord"}, `[a-f0-9]{64}|[A-Za-z0-9_=-]{32}`, 3.2),
		named("droneci-access-token", "Drone CI access token", []string{"droneci", "drone_token", "drone-token"}, `[A-Za-z0-9]{32}`, 3.2),
		withCheck(named("dropbox-api-token", "Dropbox API token", []string{"dropbox"},
			`sl\.[A-Za-z0-9_.=-]{130,1000}|[A-Za-z0-9]{11}AAAAAAAAAA[A-Za-z0-9_=-]{43}|[A-Za-z0-9]{15}|[A-Za-z0-9_-]{20,64}`, 3.0), dropboxToken),
		named("etsy-access-token", "Etsy access token", []string{"etsy"}, `[A-Za-z0-9]{24}`, 3.2),
		named("facebook-secret", "Facebook app secret or access token", []string{"facebook", "fb_app", "fb-app"},
			`\d{15,16}(?:\||%7C)[0-9A-Za-z_-]{27,40}|[a-f0-9]{32}`, 3.0),
		named("fastly-api-token", "Fastly API token", []string{"fastly"}, `[A-Za-z0-9_=-]{32}`, 3.5),
		named("finicity-token", "Finicity API token or client secret", []string{"finicity"}, `[a-f0-9]{32}|[A-Za-z0-9]{20}`, 3.0),
		named("finnhub-access-token", "Finnhub access token", []string{"finnhub"}, `[A-Za-z0-9]{20}`, 3.0),
		named("flickr-access-token", "Flickr access token", []string{"flickr"}, `[A-Za-z0-9]{32}`, 3.2),
		named("freshbooks-access-token", "FreshBooks access token", []string{"freshbooks"}, `[A-Za-z0-9]{64}`, 3.5),
		named("gitter-access-token", "Gitter access token", []string{"gitter"}, `[A-Za-z0-9_-]{40}`, 3.5),
		named("gocardless-api-token", "GoCardless live API token", []string{"gocardless"}, `live_[A-Za-z0-9_=-]{40}`, 3.5),
		// GoCardless live access tokens stand alone too (a log line, a
		// header), after the named rule so that one wins where the name is
		// on the line; the body must mix upper case, lower case and digits, so
		// a snake_case name after live_ is not one. Not a tok rule: live_
		// starts other services' keys (Column, Lob), which the generic rules
		// must still take, and a tok rule's prefix is owned (keyValue).
		{id: "gocardless-live-token", description: "GoCardless live access token",
			keywords: []string{"live_"},
			regex:    `\b(live_[A-Za-z0-9_=-]{40})(?:[^A-Za-z0-9_=-]|$)`, entropy: 4.0, check: mixedCase},
		named("hubspot-api-key", "HubSpot API key", []string{"hubspot"}, uuidRe, 3.0),
		named("intercom-api-key", "Intercom access token", []string{"intercom"}, `[A-Za-z0-9_=-]{60}`, 3.5),
		named("jfrog-api-key", "JFrog API key or identity token", []string{"jfrog", "artifactory", "bintray", "xray"},
			`[A-Za-z0-9]{73}|[A-Za-z0-9]{64}`, 3.8),
		named("kraken-access-token", "Kraken API key", []string{"kraken"}, `[A-Za-z0-9/=_+-]{80,90}`, 4.0),
		named("kucoin-key", "KuCoin API key or secret", []string{"kucoin"}, uuidRe+`|[a-f0-9]{24}`, 3.0),
		named("launchdarkly-access-token", "LaunchDarkly access token", []string{"launchdarkly"},
			`(?:api|sdk)-`+uuidRe+`|[A-Za-z0-9_=-]{40}`, 3.2),
		named("linear-client-secret", "Linear OAuth client secret", []string{"linear"}, `[a-f0-9]{32}`, 3.0),
		named("linkedin-client-secret", "LinkedIn client secret", []string{"linkedin", "linked_in", "linked-in"}, `[A-Za-z0-9]{16}`, 3.0),
		named("lob-api-key", "Lob API key", []string{"lob_", "lob-", "lobapi", "lob.api"}, `(?:live|test)_(?:pub_)?[a-f0-9]{31,35}`, 3.0),
		named("looker-client-secret", "Looker client secret", []string{"looker"}, `[A-Za-z0-9]{24}`, 3.2),
		named("mailgun-key", "Mailgun private, public or signing key", []string{"mailgun"},
			`pubkey-[a-f0-9]{32}|[a-f0-9]{32}-[a-f0-9]{8}-[a-f0-9]{8}`, 3.0),
		named("mapbox-api-token", "Mapbox access token", []string{"mapbox"}, `[ps]k\.[A-Za-z0-9]{60}\.[A-Za-z0-9_-]{22}`, 3.5),
		named("mattermost-access-token", "Mattermost access token", []string{"mattermost"}, `[A-Za-z0-9]{26}`, 3.2),
		named("messagebird-api-token", "MessageBird API key", []string{"messagebird", "message_bird", "message-bird"}, `[A-Za-z0-9]{25}`, 3.2),
		named("newrelic-legacy-key", "New Relic license or REST API key (40 hex, EU)", []string{"newrelic", "new_relic", "new-relic", "nr_license", "nr-license"},
			`eu01xx[a-f0-9]{30}NRAL|[a-f0-9]{36}NRAL|[a-f0-9]{40}`, 3.0),
		named("netlify-access-token", "Netlify access token", []string{"netlify"}, `[A-Za-z0-9_=-]{40,46}`, 3.5),
		// NVIDIA NGC legacy API key: 26 alphanumerics, a colon and a
		// UUID, or the same base64-encoded (84 characters).
		withCheck(named("ngc-api-key", "NVIDIA NGC API key", []string{"ngc"},
			`[A-Za-z0-9]{84}|[A-Za-z0-9]{26}:[A-Za-z0-9]{8}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{12}`, 3.5), mixedCase),
		named("nytimes-access-token", "New York Times API key", []string{"nytimes", "newyorktimes"}, `[A-Za-z0-9_=-]{32}`, 3.2),
		named("plaid-token", "Plaid access token or secret", []string{"plaid"},
			`access-(?:sandbox|development|production)-`+uuidRe+`|[A-Za-z0-9]{30}`, 3.2),
		named("privateai-api-token", "Private AI API key", []string{"privateai", "private_ai", "private-ai"}, `[A-Za-z0-9]{32}`, 3.2),
		named("rapidapi-access-token", "RapidAPI key", []string{"rapidapi"}, `[A-Za-z0-9_-]{50}`, 3.5),
		named("sendbird-access-token", "Sendbird API token", []string{"sendbird"}, `[a-f0-9]{40}`, 3.0),
		named("sentry-access-token", "Sentry access token", []string{"sentry"}, `[a-f0-9]{64}`, 3.0),
		named("snyk-api-token", "Snyk API token", []string{"snyk"}, uuidRe, 3.0),
		named("sonar-api-token", "SonarQube or SonarCloud token", []string{"sonar"}, `[A-Za-z0-9]{40}`, 3.2),
		named("squarespace-access-token", "Squarespace API key", []string{"squarespace"}, uuidRe, 3.0),
		named("sumologic-access-token", "Sumo Logic access key", []string{"sumo"}, `[A-Za-z0-9]{64}`, 3.5),
		named("telegram-bot-api-token", "Telegram bot token", []string{"telegr"}, `\d{5,16}:A[A-Za-z0-9_-]{34}`, 3.5),
		named("travisci-access-token", "Travis CI access token", []string{"travis"}, `[A-Za-z0-9]{22}`, 3.2),
		named("twitch-api-token", "Twitch API token", []string{"twitch"}, `[A-Za-z0-9]{30}`, 3.2),
		named("twitter-token", "Twitter (X) API key, secret, access or bearer token", []string{"twitter"},
			`A{22}[A-Za-z0-9%]{80,100}|\d{15,25}-[A-Za-z0-9]{20,40}|[A-Za-z0-9]{50}|[A-Za-z0-9]{45}|[A-Za-z0-9]{25}`, 3.2),
		named("vault-legacy-token", "HashiCorp Vault legacy service, batch or recovery token", []string{"vault"}, `[sbr]\.[A-Za-z0-9]{24}`, 3.5),
		named("yandex-token", "Yandex Cloud API key, access or static access key", []string{"yandex"},
			`t1\.[A-Za-z0-9_-]+={0,2}\.[A-Za-z0-9_-]{86}={0,2}|AQVN[A-Za-z0-9_-]{35,38}|YC[A-Za-z0-9_-]{38}`, 3.5),
		named("zendesk-secret-key", "Zendesk API token", []string{"zendesk"}, `[A-Za-z0-9]{40}`, 3.5),
	}
}

// withCheck replaces a rule's validation of the secret.
func withCheck(r ruleSpec, check func(string) bool) ruleSpec {
	r.check = check
	return r
}

// datadogKey accepts a Datadog key as documented (32 or 40 hex, or 40
// lower-case alphanumerics as gitleaks reads it) or a random mix of upper
// case, lower case and digits (trufflehog's reading): not a lower-case name
// such as a service or environment under a datadog_ setting.
func datadogKey(v string) bool {
	hex := strings.Trim(v, "0123456789abcdef") == ""
	return lettersAndDigits(v) && (hex || len(v) == 40 && strings.ToLower(v) == v || mixedCase(v))
}

// dropboxToken accepts the documented shapes (sl. short-lived, long-lived,
// 15-character legacy); any other value under a dropbox name (an OAuth
// bearer of 20-64 characters) must mix upper case, lower case and digits.
func dropboxToken(v string) bool {
	return lettersAndDigits(v) && (strings.HasPrefix(v, "sl.") || len(v) == 15 || strings.Contains(v, "AAAAAAAAAA") || mixedCase(v))
}

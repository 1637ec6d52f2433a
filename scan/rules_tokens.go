package scan

import (
	"regexp"
	"strings"
)

// tok is a rule for a token with a fixed, distinctive prefix. It is
// anchored at each occurrence of a prefix (the prefilter's keywords, case
// as written) that starts a word, so its regex never searches a line:
// ^(prefix body) followed by a byte that cannot continue the token.
func tok(id, description string, prefixes []string, body string, entropy float64) ruleSpec {
	alt := make([]string, len(prefixes))
	for i, p := range prefixes {
		alt[i] = regexp.QuoteMeta(p)
	}
	return ruleSpec{id: id, description: description, keywords: prefixes, caseSensitive: true,
		regex:    `^((?:` + strings.Join(alt, "|") + `)` + body + `)(?:[^A-Za-z0-9_-]|$)`,
		anchored: true, wordStart: true, entropy: entropy}
}

// tokenRules: API tokens recognised by their own prefix, wherever they
// stand (gitleaks' default rules list the same token formats).
func tokenRules() []ruleSpec {
	return []ruleSpec{
		tok("1password-secret-key", "1Password account secret key", []string{"A3-"},
			`[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}`, 3.0),
		tok("1password-service-account-token", "1Password service account token", []string{"ops_eyJ"}, `[A-Za-z0-9+/]{250,}={0,3}`, 4.0),
		tok("adafruit-io-key", "Adafruit IO key", []string{"aio_"}, `[A-Za-z0-9]{28}`, 3.5),
		tok("adobe-client-secret", "Adobe client secret", []string{"p8e-"}, `[A-Za-z0-9]{32}`, 3.0),
		tok("airtable-pat", "Airtable personal access token", []string{"pat"}, `[A-Za-z0-9]{14}\.[a-f0-9]{64}`, 3.5),
		tok("artifactory-api-key", "JFrog Artifactory API key", []string{"AKCp"}, `[A-Za-z0-9]{69}`, 4.0),
		tok("artifactory-reference-token", "JFrog Artifactory reference token", []string{"cmVmd"}, `[A-Za-z0-9]{59}`, 4.0),
		tok("aws-bedrock-api-key", "Amazon Bedrock API key", []string{"ABSK", "bedrock-api-key-"},
			`(?:[A-Za-z0-9+/]{109,269}={0,2}|YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/%=_-]{20,1000})`, 3.5),
		// Checkout.com secret keys: sk_ (live) or sk_test_ and a UUID.
		tok("checkout-secret-key", "Checkout.com secret key", []string{"sk_"}, `(?:test_)?`+uuidRe, 3.0),
		tok("clickhouse-cloud-api-secret", "ClickHouse Cloud API secret key", []string{"4b1d"}, `[A-Za-z0-9]{38}`, 3.5),
		tok("clojars-api-token", "Clojars deploy token", []string{"CLOJARS_"}, `[A-Za-z0-9]{60}`, 3.5),
		tok("cloudflare-origin-ca-key", "Cloudflare Origin CA key", []string{"v1.0-"}, `[a-f0-9]{24}-[a-f0-9]{146}`, 3.0),
		tok("cloudflare-api-key-cfk", "Cloudflare API key (cfk_ format)", []string{"cfk_"}, `[A-Za-z0-9_-]{40,64}`, 3.8),
		tok("defined-networking-api-token", "Defined Networking API token", []string{"dnkey-"}, `[A-Za-z0-9=_-]{26}-[A-Za-z0-9=_-]{52}`, 3.5),
		tok("duffel-api-token", "Duffel API token", []string{"duffel_live_", "duffel_test_"}, `[A-Za-z0-9_=-]{43}`, 3.5),
		tok("dynatrace-api-token", "Dynatrace API token", []string{"dt0c01."}, `[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}`, 4.0),
		tok("easypost-api-token", "EasyPost API key", []string{"EZAK", "EZTK"}, `[A-Za-z0-9]{54}`, 3.5),
		tok("endorlabs-api-key", "Endor Labs API key or secret", []string{"endr+"}, `[A-Za-z0-9-]{16}`, 3.5),
		tok("facebook-page-access-token", "Facebook page access token", []string{"EAAM", "EAAC"}, `[A-Za-z0-9]{100,}`, 4.0),
		tok("flutterwave-key", "Flutterwave secret, public or encryption key",
			[]string{"FLWSECK_TEST-", "FLWPUBK_TEST-", "FLWSECK-", "FLWPUBK-"}, `(?:[A-Za-z0-9]{32}-X|[a-hA-H0-9]{12})`, 3.0),
		tok("flyio-access-token", "Fly.io access token", []string{"fo1_", "fm1a_", "fm1r_", "fm2_"},
			`(?:[A-Za-z0-9_-]{43}|[A-Za-z0-9+/]{100,}={0,3})`, 4.0),
		tok("frameio-api-token", "Frame.io API token", []string{"fio-u-"}, `[A-Za-z0-9_=-]{64}`, 3.5),
		tok("gitlab-other-token", "GitLab feature flag, incoming mail, agent, OAuth app or runner registration token",
			[]string{"glffct-", "glimt-", "glagent-", "gloas-", "GR1348941"}, `[A-Za-z0-9_-]{20,64}`, 3.5),
		tok("gitlab-session-cookie", "GitLab session cookie", []string{"_gitlab_session="}, `[0-9a-z]{32}`, 3.0),
		tok("grafana-api-key", "Grafana legacy API key", []string{"eyJrIjoi"}, `[A-Za-z0-9]{70,400}={0,3}`, 3.5),
		tok("harness-api-key", "Harness personal or service account token", []string{"pat.", "sat."},
			`[A-Za-z0-9_-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}`, 3.5),
		// HubSpot documents a UUID; trufflehog's detector takes any
		// alphanumerics in the UUID's groups, and the prefix is distinctive.
		tok("hubspot-private-app-token", "HubSpot private app access token", []string{"pat-na1-", "pat-eu1-"},
			`[A-Za-z0-9]{8}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{12}`, 3.0),
		tok("huggingface-org-token", "Hugging Face organization API token", []string{"api_org_"}, `[A-Za-z]{34}`, 3.5),
		tok("infracost-api-token", "Infracost API token", []string{"ico-"}, `[A-Za-z0-9]{32}`, 3.5),
		tok("intra42-client-secret", "42 intra client secret", []string{"s-s4t2ud-", "s-s4t2af-"}, `[a-f0-9]{64}`, 3.0),
		tok("netlify-pat", "Netlify personal access token", []string{"nfp_"}, `[A-Za-z0-9_]{36}`, 3.5),
		tok("newrelic-other-key", "New Relic insert, browser or admin key", []string{"NRII-", "NRJS-", "NRAA-"},
			`(?:[A-Za-z0-9_-]{25,32}|[a-f0-9]{19}|[A-Z0-9]{27})`, 3.0),
		tok("octopus-deploy-api-key", "Octopus Deploy API key", []string{"API-"}, `[A-Z0-9]{26}`, 3.0),
		tok("openshift-user-token", "OpenShift user token", []string{"sha256~"}, `[A-Za-z0-9_-]{43}`, 3.5),
		tok("perplexity-api-key", "Perplexity API key", []string{"pplx-"}, `[A-Za-z0-9]{48}`, 4.0),
		tok("prefect-api-token", "Prefect API token", []string{"pnu_"}, `[A-Za-z0-9]{36}`, 3.5),
		tok("readme-api-token", "ReadMe API token", []string{"rdme_"}, `[a-z0-9]{70}`, 3.5),
		tok("rubygems-api-token", "RubyGems API key", []string{"rubygems_"}, `[A-Za-z0-9]{48}`, 3.0),
		tok("scalingo-api-token", "Scalingo API token", []string{"tk-us-"}, `[A-Za-z0-9_-]{48}`, 3.5),
		tok("sendinblue-api-token", "Brevo (Sendinblue) API key", []string{"xkeysib-", "xsmtpsib-"}, `(?:[a-f0-9]{64}-[A-Za-z0-9]{16}|[A-Za-z0-9_-]{81})`, 3.5),
		tok("settlemint-token", "SettleMint access token", []string{"sm_aat_", "sm_pat_", "sm_sat_"}, `[A-Za-z0-9]{16}`, 3.0),
		tok("shippo-api-token", "Shippo API token", []string{"shippo_live_", "shippo_test_"}, `[a-fA-F0-9]{40}`, 3.0),
		tok("slack-config-token", "Slack configuration access or refresh token", []string{"xoxe.xoxb-", "xoxe.xoxp-", "xoxe-"},
			`\d-[A-Za-z0-9]{140,170}`, 3.5),
		tok("slack-legacy-token", "Slack legacy or workspace token", []string{"xoxo-", "xoxs-", "xoxa-", "xoxr-"},
			`(?:\d+-\d+-\d+-[a-fA-F0-9]{8,64}|(?:\d-)?[0-9A-Za-z]{8,48})`, 3.0),
		tok("sonarqube-token", "SonarQube user, project or analysis token", []string{"squ_", "sqp_", "sqa_"}, `[a-f0-9]{40}`, 3.0),
		tok("sourcegraph-access-token", "Sourcegraph access token", []string{"sgp_"},
			`(?:(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}|[a-fA-F0-9]{40})`, 3.0),
		tok("stripe-prod-key", "Stripe prod secret or restricted key", []string{"sk_prod_", "rk_prod_"}, `[A-Za-z0-9]{24,99}`, 3.5),
		tok("typeform-api-token", "Typeform personal access token", []string{"tfp_"}, `[A-Za-z0-9_.=-]{59}`, 3.5),
		{id: "maxmind-license-key", description: "MaxMind license key",
			keywords: []string{"_mmk"}, caseSensitive: true,
			regex: `\b([A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)\b`, entropy: 4.0},
	}
}

// mixedCase accepts a value holding upper case, lower case and a digit.
func mixedCase(v string) bool {
	var up, low, dig bool
	for i := 0; i < len(v); i++ {
		c := v[i]
		up, low, dig = up || c >= 'A' && c <= 'Z', low || c >= 'a' && c <= 'z', dig || c >= '0' && c <= '9'
	}
	return up && low && dig
}

package main

import (
	"embed"
	"fmt"
	"strings"
	"unicode"
)

// detectSecretsExamples are the formats detect-secrets' plugins and their
// test cases describe (AWS, Azure, basic auth, Cloudant, Discord, GitHub,
// GitLab, IBM Cloud IAM and COS HMAC, JWT, keywords, Mailchimp, npm,
// OpenAI, private keys, PyPI, SendGrid, Slack, SoftLayer, Square, Stripe,
// Telegram, Twilio, Artifactory), with contexts and values written here.
var detectSecretsExamples = []example{
	{typ: "ds:artifactory-token", name: "ARTIFACTORY_API_TOKEN", value: "AKCp{A69}"},
	{typ: "ds:artifactory-password", name: "ARTIFACTORY_PASSWORD", value: "AP7{A40}"},
	{typ: "ds:aws-access-key", name: "AWS_ACCESS_KEY", value: "AKIA{Z16}"},
	{typ: "ds:aws-secret-key", name: "aws_secret_key", value: "{B39}Q"},
	{typ: "ds:azure-storage-key", name: "STORAGE_CONNECTION", value: "DefaultEndpointsProtocol=https;AccountName=store{l5};AccountKey={B86}==;EndpointSuffix=core.windows.net"},
	{typ: "ds:basic-auth-url", name: "SERVICE_URL", value: "https://svc-user:{A13}4@api.internal.example-corp.net/v1"},
	{typ: "ds:cloudant-password", name: "cloudant_password", value: "{h64}"},
	{typ: "ds:cloudant-url", name: "CLOUDANT_URL", value: "https://acct-{l6}:{h64}@acct-{l6}.cloudant.com"},
	{typ: "ds:discord-bot-token", name: "DISCORD_BOT_TOKEN", value: "M{u23}.{u6}.{u27}"},
	{typ: "ds:github-token", name: "GITHUB_TOKEN", value: "ghp_{A36}"},
	{typ: "ds:github-app-token", name: "GH_APP_TOKEN", value: "ghs_{A36}"},
	{typ: "ds:gitlab-pat", name: "GITLAB_TOKEN", value: "glpat-{u20}"},
	{typ: "ds:gitlab-runner-registration", name: "REGISTRATION_TOKEN", value: "GR1348941{u20}"},
	{typ: "ds:gitlab-ci-build-token", name: "CI_BUILD_TOKEN", value: "glcbt-2a_{u20}"},
	{typ: "ds:gitlab-agent-token", name: "AGENT_TOKEN", value: "glagent-{u60}"},
	{typ: "ds:ibm-cloud-iam-key", name: "ibm_cloud_iam_api_key", value: "{u43}Q"},
	{typ: "ds:ibm-cos-hmac-secret", name: "ibm_cos_secret_access_key", value: "{h48}"},
	{typ: "ds:jwt", name: "AUTH_HEADER_TOKEN", value: "{jwt}"},
	{typ: "ds:keyword-password", name: "db_password", value: "{A14}7!"},
	{typ: "ds:keyword-secret", name: "client_secret", value: "{A20}9"},
	{typ: "ds:keyword-api-key", name: "apikey", value: "{l30}4"},
	{typ: "ds:mailchimp-key", name: "MAILCHIMP_KEY", value: "{h32}-us14"},
	{typ: "ds:npm-token", raw: true, value: "//registry.npmjs.org/:_authToken=npm_{A36}"},
	{typ: "ds:npm-legacy-token", raw: true, value: "//registry.npmjs.org/:_authToken={UUID}"},
	{typ: "ds:openai-key", name: "OPENAI_KEY", value: "sk-{A20}T3BlbkFJ{A20}"},
	{typ: "ds:private-key-rsa", raw: true, value: "-----BEGIN RSA PRIVATE KEY-----\n{pem}\n-----END RSA PRIVATE KEY-----"},
	{typ: "ds:private-key-ec", raw: true, value: "-----BEGIN EC PRIVATE KEY-----\n{pem}\n-----END EC PRIVATE KEY-----"},
	{typ: "ds:private-key-pkcs8", raw: true, value: "-----BEGIN PRIVATE KEY-----\n{pem}\n-----END PRIVATE KEY-----"},
	{typ: "ds:private-key-openssh", raw: true, value: "-----BEGIN OPENSSH PRIVATE KEY-----\n{pem}\n-----END OPENSSH PRIVATE KEY-----"},
	{typ: "ds:private-key-pgp", raw: true, value: "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{pem}\n-----END PGP PRIVATE KEY BLOCK-----"},
	{typ: "ds:pypi-token", name: "PYPI_TOKEN", value: "pypi-AgEIcHlwaS5vcmc{u80}"},
	{typ: "ds:test-pypi-token", name: "TEST_PYPI_TOKEN", value: "pypi-AgENdGVzdC5weXBpLm9yZw{u80}"},
	{typ: "ds:sendgrid-key", name: "SENDGRID_KEY", value: "SG.{u22}.{u43}"},
	{typ: "ds:slack-bot-token", name: "SLACK_TOKEN", value: "xoxb-{D11}-{D12}-{A24}"},
	{typ: "ds:slack-user-token", name: "SLACK_USER", value: "xoxp-{D11}-{D11}-{D12}-{h32}"},
	{typ: "ds:slack-webhook", name: "SLACK_HOOK", value: "https://hooks.slack.com/services/T{X8}/B{X8}/{A24}"},
	{typ: "ds:softlayer-api-key", name: "softlayer_api_key", value: "{h64}"},
	{typ: "ds:softlayer-url", name: "SL_ENDPOINT", value: "https://api.softlayer.com/soap/v3.1/{h64}"},
	{typ: "ds:square-oauth-secret", name: "SQUARE_SECRET", value: "sq0csp-{u43}"},
	{typ: "ds:stripe-live-key", name: "STRIPE_KEY", value: "sk_live_{A24}"},
	{typ: "ds:stripe-restricted-key", name: "STRIPE_RESTRICTED", value: "rk_live_{A24}"},
	{typ: "ds:telegram-bot-token", name: "TELEGRAM_TOKEN", value: "{D9}:AA{u33}"},
	{typ: "ds:twilio-account-sid", name: "TWILIO_SID", value: "AC{h32}"},
	{typ: "ds:twilio-api-key", name: "TWILIO_KEY", value: "SK{h32}"},
}

// tsvSets are the sets generated from other scanners' patterns by
// `scaneval extract` (values ours; see extract.go).
//
//go:embed sets/*.tsv
var tsvSets embed.FS

// setFiles renders a generated set's rows as labelled files: name -> text.
// A trufflehog detector is written twice, as settings named after the
// service and as a log where the service is named on the line before the
// value; a secrets-patterns-db line is written as it was generated.
func setFiles(set string) ([]string, map[string][2]string, error) {
	data, err := tsvSets.ReadFile("sets/" + set + ".tsv")
	if err != nil {
		return nil, nil, fmt.Errorf("unknown set %q", set)
	}
	var order []string
	rows := map[string][]setRow{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 4)
		if len(f) != 4 {
			return nil, nil, fmt.Errorf("%s.tsv: bad line %q", set, line)
		}
		if _, ok := rows[f[0]]; !ok {
			order = append(order, f[0])
		}
		rows[f[0]] = append(rows[f[0]], setRow{typ: f[0], keyword: f[1], name: f[2], value: f[3]})
	}
	out := map[string][2]string{}
	for _, typ := range order {
		rs := rows[typ]
		if set == "secrets-patterns-db" {
			out[typ] = [2]string{"# settings\n" + rs[0].value + "\n"}
			continue
		}
		kw := envName(rs[0].keyword)
		env, log := "# "+rs[0].keyword+" settings\n", "[info] connecting to "+rs[0].keyword+"\n"
		for _, r := range rs {
			v := envName(valueName(r.name))
			env += kw + "_" + v + "=" + r.value + "\n"
			log += "[debug] using " + strings.ToLower(v) + "=" + r.value + "\n"
		}
		out[typ] = [2]string{env, log}
	}
	return order, out, nil
}

// valueName is what a configuration would call the value a detector's
// regex variable captures: its name without the Pat, Pattern or Regex
// suffix and without a number telling two regexes apart (ngc's keyPat1 and
// keyPat2 are both keys: "key", not "key_pat1"). A bare "api" is
// datadogtoken's apiPat, its API key: "api_key", as the service names it
// (DD_API_KEY); a variable named only API holds an endpoint in real code.
func valueName(v string) string {
	v = strings.TrimRight(v, "0123456789")
	for _, suffix := range []string{"Pattern", "Regex", "Pat"} {
		v = strings.TrimSuffix(v, suffix)
	}
	if strings.EqualFold(v, "api") {
		return "apiKey"
	}
	return v
}

// envName turns apiSecret or api-secret into API_SECRET.
func envName(s string) string {
	var b strings.Builder
	for i, c := range s {
		switch {
		case unicode.IsUpper(c) && i > 0:
			b.WriteByte('_')
			b.WriteRune(c)
		case unicode.IsLetter(c) || unicode.IsDigit(c):
			b.WriteRune(unicode.ToUpper(c))
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

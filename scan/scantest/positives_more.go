package scantest

import (
	"encoding/base64"
	"strings"
)

// moreMakers: samples of the token, named and configuration-format rules
// (formats as gitleaks and the services document them; values generated).
func (g *Gen) moreMakers() []func() Sample {
	t := func(rule, name, secret string) func() Sample {
		return func() Sample { return same(rule, name, secret) }
	}
	uuid := g.uuid
	// a draws n alphanumerics holding a digit and a letter (named rules
	// require both).
	a := func(n int) string { return g.S(Alnum, n-2) + g.S(Digits, 1) + g.S(Upper, 1) }
	return []func() Sample{
		t("1password-secret-key", "op_secret_key", "A3-"+g.S(Upper+Digits, 6)+"-"+g.S(Upper+Digits, 11)+"-"+g.S(Upper+Digits, 5)+"-"+g.S(Upper+Digits, 5)+"-"+g.S(Upper+Digits, 5)),
		t("1password-service-account-token", "op_service_account_token", "ops_eyJ"+g.S(B64, 260)),
		t("adafruit-io-key", "io_key", "aio_"+g.S(Alnum, 28)),
		t("adobe-client-secret", "adobe_secret", "p8e-"+g.S(Alnum, 32)),
		t("airtable-pat", "at_token", "pat"+g.S(Alnum, 14)+"."+g.S(Hex, 64)),
		t("artifactory-api-key", "rt_key", "AKCp"+g.S(Alnum, 69)),
		t("artifactory-reference-token", "rt_ref", "cmVmd"+g.S(Alnum, 59)),
		t("aws-bedrock-api-key", "bedrock_key", "ABSK"+g.S(B64, 120)),
		t("clickhouse-cloud-api-secret", "ch_secret", "4b1d"+g.S(Alnum, 38)),
		t("clojars-api-token", "deploy_token", "CLOJARS_"+g.S(Lower+Digits, 60)),
		t("cloudflare-origin-ca-key", "origin_ca", "v1.0-"+g.S(Hex, 24)+"-"+g.S(Hex, 146)),
		t("cloudflare-api-key-cfk", "cf_key", "cfk_"+g.S(Alnum, 48)),
		t("defined-networking-api-token", "dn_token", "dnkey-"+g.S(Alnum, 26)+"-"+g.S(Alnum, 52)),
		t("duffel-api-token", "duffel", "duffel_live_"+g.S(Alnum, 43)),
		t("dynatrace-api-token", "dt_token", "dt0c01."+g.S(Upper+Digits, 24)+"."+g.S(Upper+Digits, 64)),
		t("easypost-api-token", "ep_key", "EZAK"+g.S(Alnum, 54)),
		t("facebook-page-access-token", "page_token", "EAAC"+g.S(Alnum, 120)),
		t("flutterwave-key", "flw_secret", "FLWSECK_TEST-"+g.S("abcdef0123456789", 32)+"-X"),
		t("flyio-access-token", "fly_token", "fm2_"+g.S(B64, 140)),
		t("frameio-api-token", "frameio", "fio-u-"+g.S(Alnum, 64)),
		t("gitlab-other-token", "runner_registration", "GR1348941"+g.S(Alnum, 20)),
		t("gitlab-session-cookie", "cookie", "_gitlab_session="+g.S(Lower+Digits, 32)),
		t("grafana-api-key", "gf_key", "eyJrIjoi"+g.S(Alnum, 80)),
		t("harness-api-key", "harness", "pat."+g.S(B64URL, 22)+"."+g.S(Alnum, 24)+"."+g.S(Alnum, 20)),
		t("hubspot-private-app-token", "hs_token", "pat-na1-"+uuid()),
		t("huggingface-org-token", "hf_org", "api_org_"+g.S(Upper+Lower, 34)),
		t("infracost-api-token", "infracost", "ico-"+g.S(Alnum, 32)),
		t("intra42-client-secret", "ft_secret", "s-s4t2ud-"+g.S(Hex, 64)),
		t("netlify-pat", "netlify_auth", "nfp_"+g.S(Alnum, 36)),
		t("newrelic-other-key", "nr_insert", "NRII-"+g.S(B64URL, 32)),
		t("octopus-deploy-api-key", "octopus", "API-"+g.S(Upper+Digits, 26)),
		t("openshift-user-token", "oc_token", "sha256~"+g.S(B64URL, 43)),
		t("perplexity-api-key", "pplx", "pplx-"+g.S(Alnum, 48)),
		t("prefect-api-token", "prefect", "pnu_"+g.S(Alnum, 36)),
		t("readme-api-token", "readme", "rdme_"+g.S(Lower+Digits, 70)),
		t("rubygems-api-token", "gem_host_api_key", "rubygems_"+g.S(Hex, 48)),
		t("scalingo-api-token", "scalingo", "tk-us-"+g.S(B64URL, 48)),
		t("sendinblue-api-token", "brevo", "xkeysib-"+g.S(Hex, 64)+"-"+g.S(Alnum, 16)),
		t("settlemint-token", "sm", "sm_pat_"+g.S(Alnum, 16)),
		t("shippo-api-token", "shippo", "shippo_live_"+g.S(Hex, 40)),
		t("slack-config-token", "slack_config", "xoxe.xoxp-1-"+g.S(Upper+Digits, 164)),
		t("slack-legacy-token", "slack_legacy", "xoxo-"+g.S(Digits, 10)+"-"+g.S(Digits, 11)+"-"+g.S(Digits, 12)+"-"+g.S(Hex, 64)),
		t("sonarqube-token", "sq_token", "squ_"+g.S(Hex, 40)),
		t("sourcegraph-access-token", "src_token", "sgp_"+g.S(Hex, 16)+"_"+g.S(Hex, 40)),
		t("stripe-prod-key", "stripe", "sk_prod_"+g.S(Alnum, 32)),
		t("typeform-api-token", "tf_token", "tfp_"+g.S(Alnum, 59)),
		t("maxmind-license-key", "geoip", g.S(Alnum, 6)+"_"+g.S(Alnum, 29)+"_mmk"),

		t("adafruit-api-key", "adafruit_io_key", a(32)),
		t("airtable-api-key", "airtable_api_key", "key"+a(14)),
		t("algolia-api-key", "algolia_admin_key", g.S(Hex, 32)),
		t("asana-token", "asana_pat", g.S(Digits, 1)+"/"+g.S(Digits, 16)+":"+g.S(Hex, 32)),
		t("beamer-api-token", "beamer_api_key", "b_"+g.S(B64URL, 44)),
		t("bitbucket-client-secret", "bitbucket_client_secret", a(64)),
		t("bittrex-key", "bittrex_secret", a(32)),
		t("cisco-meraki-api-key", "meraki_api_key", g.S(Hex, 40)),
		t("codecov-access-token", "codecov_token", uuid()),
		t("cohere-api-token", "cohere_api_key", a(40)),
		t("coinbase-access-token", "coinbase_token", a(64)),
		t("confluent-secret-key", "confluent_secret", a(64)),
		t("contentful-delivery-api-token", "contentful_token", g.S(B64URL, 43)),
		t("datadog-access-token", "datadog_access_token", g.S(Lower+Digits, 40)),
		t("discord-client-secret", "discord_client_secret", a(32)),
		t("droneci-access-token", "droneci_token", a(32)),
		t("dropbox-api-token", "dropbox_token", "sl."+g.S(B64URL, 138)),
		t("etsy-access-token", "etsy_key", a(24)),
		t("facebook-secret", "facebook_app_secret", g.S(Hex, 32)),
		t("fastly-api-token", "fastly_api_token", g.S(B64URL, 32)),
		t("finicity-token", "finicity_secret", a(20)),
		t("finnhub-access-token", "finnhub_token", a(20)),
		t("flickr-access-token", "flickr_key", a(32)),
		t("freshbooks-access-token", "freshbooks_token", a(64)),
		t("gitter-access-token", "gitter_token", a(40)),
		t("gocardless-api-token", "gocardless_token", "live_"+g.S(B64URL, 40)),
		t("hubspot-api-key", "hubspot_api_key", uuid()),
		t("intercom-api-key", "intercom_token", g.S(B64URL, 60)),
		t("jfrog-api-key", "jfrog_token", a(64)),
		t("kraken-access-token", "kraken_secret", g.S(B64, 88)),
		t("kucoin-key", "kucoin_secret", uuid()),
		t("launchdarkly-access-token", "launchdarkly_token", "api-"+uuid()),
		t("linear-client-secret", "linear_client_secret", g.S(Hex, 32)),
		t("linkedin-client-secret", "linkedin_secret", a(16)),
		t("lob-api-key", "lob_api_key", "live_"+g.S(Hex, 35)),
		t("looker-client-secret", "looker_secret", a(24)),
		t("mailgun-key", "mailgun_api_key", g.S(Hex, 32)+"-"+g.S(Hex, 8)+"-"+g.S(Hex, 8)),
		t("mapbox-api-token", "mapbox_token", "sk."+a(60)+"."+a(22)),
		t("mattermost-access-token", "mattermost_token", a(26)),
		t("messagebird-api-token", "messagebird_key", a(25)),
		t("newrelic-legacy-key", "newrelic_license_key", g.S(Hex, 40)),
		t("nytimes-access-token", "nytimes_key", a(32)),
		t("plaid-token", "plaid_secret", a(30)),
		t("privateai-api-token", "privateai_key", a(32)),
		t("rapidapi-access-token", "rapidapi_key", a(50)),
		t("sendbird-access-token", "sendbird_token", g.S(Hex, 40)),
		t("sentry-access-token", "sentry_token", g.S(Hex, 64)),
		t("snyk-api-token", "snyk_token", uuid()),
		t("sonar-api-token", "sonar_token", a(40)),
		t("squarespace-access-token", "squarespace_key", uuid()),
		t("sumologic-access-token", "sumo_access_key", a(64)),
		t("telegram-bot-api-token", "telegram_bot", g.S(Digits, 9)+":A"+g.S("BCDEFGHIJ", 1)+g.S(B64URL, 33)),
		t("travisci-access-token", "travis_token", a(22)),
		t("twitch-api-token", "twitch_secret", a(30)),
		t("twitter-token", "twitter_api_secret", a(50)),
		t("vault-legacy-token", "vault_token", "s."+a(24)),
		t("yandex-token", "yandex_key", "AQVN"+g.S(B64URL, 36)),
		t("zendesk-secret-key", "zendesk_token", a(40)),
		t("netlify-access-token", "netlify_auth_token", a(43)),
		func() Sample {
			pw := a(16)
			return Sample{Rule: "url-password", Name: "service_url", Secret: pw,
				Value: "https://deploy-bot:" + pw + "@artifacts.acme-corp.io/releases"}
		},

		// Identifiers and test-mode keys (scan/rules_ids.go).
		t("adobe-client-id", "adobe_client_id", g.S(Hex, 32)),
		t("asana-client-id", "asana_client_id", g.S("123456789", 1)+g.S(Digits, 15)),
		t("bitbucket-client-id", "bitbucket_client_id", a(32)),
		t("discord-client-id", "discord_client_id", g.S("123456789", 1)+g.S(Digits, 17)),
		t("linkedin-client-id", "linkedin_client_id", a(14)),
		t("looker-client-id", "looker_client_id", a(20)),
		t("messagebird-client-id", "messagebird_client_id", uuid()),
		t("plaid-client-id", "plaid_client_id", g.S(Hex, 22)+"a1"),
		t("sendbird-app-id", "sendbird_app_id", strings.ToUpper(uuid())),
		t("sumologic-access-id", "sumo_access_id", "su"+a(12)),
		t("confluent-api-key", "confluent_api_key", g.S(Upper+Digits, 14)+"7Q"),
		t("newrelic-api-id", "newrelic_user_id", a(64)),
		t("stripe-test-key", "stripe_key", "sk_test_"+g.S(Alnum, 32)),
		t("authress-service-client-access-key", "authress_client", "sc_"+g.S(Lower+Digits, 12)+"."+g.S(Lower, 5)+".acc_"+
			g.S(Lower+Digits, 20)+"."+g.S(B64, 60)),

		func() Sample {
			k := "00" + g.S(B64URL, 40)
			return Sample{Rule: "okta-ssws-token", Name: "authorization", Value: "SSWS " + k, Secret: k}
		},
		func() Sample {
			sig := g.S(B64URL, 43)
			return Sample{Rule: "power-automate-webhook-url", Name: "flow_url", Secret: sig,
				Value: "https://prod-27.westeurope.logic.azure.com:443/workflows/" + g.S(Hex, 32) +
					"/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + sig}
		},
		t("kubernetes-bootstrap-token", "bootstrap_token", g.S(Lower, 3)+g.S(Digits, 3)+"."+g.S(Lower+Digits, 16)),
		func() Sample {
			pw := g.S(Alnum, 18)
			return Sample{Rule: "netrc-password", Name: "netrc", Secret: pw,
				Value: "machine git.acme-corp.io login deploy password " + pw}
		},
		func() Sample {
			pw := g.S(Alnum, 16) + "!"
			return Sample{Rule: "connection-string-password", Name: "connection", Secret: pw,
				Value: "Server=tcp:sql-" + g.S(Lower, 5) + ".acme.net,1433;Initial Catalog=orders;User ID=svc_orders;Password=" + pw + ";Encrypt=True"}
		},
		func() Sample {
			pw := g.S(Alnum, 20)
			return Sample{Rule: "nuget-config-password", Name: "nuget_source", Secret: pw,
				Value: `<add key="ClearTextPassword" value="` + pw + `" />`}
		},
		func() Sample {
			tk := g.S(B64URL, 40)
			return Sample{Rule: "curl-auth-header", Name: "cmd", Secret: tk,
				Value: "curl -sS -H 'Authorization: Bearer " + tk + "' https://api.acme-corp.io/v1/items"}
		},
		func() Sample {
			tk := g.S(Alnum, 24) + "." + g.S(B64URL, 16)
			return Sample{Rule: "authorization-header-token", Name: "authorization", Secret: tk, Value: "Bearer " + tk}
		},
		func() Sample {
			tk := g.S(Alnum, 32)
			return Sample{Rule: "authorization-header-token-dotnet", Name: "client", Secret: tk,
				Value: `new AuthenticationHeaderValue("Bearer", "` + tk + `")`}
		},
		func() Sample {
			c := base64.StdEncoding.EncodeToString([]byte("deploy:" + g.S(Alnum, 18)))
			return Sample{Rule: "authorization-header-basic", Name: "authorization", Secret: c, Value: "Basic " + c}
		},
		func() Sample {
			pin := g.S(Digits, 4) + g.S(Alnum, 6)
			return Sample{Rule: "pkcs11-uri-pin", Name: "hsm_key_uri", Secret: pin,
				Value: "pkcs11:token=signing-hsm;object=release-key;type=private?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=" + pin}
		},
		func() Sample {
			pw := g.S(Alnum, 18)
			return Sample{Rule: "curl-auth-user", Name: "cmd", Secret: pw,
				Value: "curl -fsS -u deploy:" + pw + " https://repo.acme-corp.io/upload"}
		},
		func() Sample {
			c := g.S(Hex, 8) + ":" + g.S(Hex, 8)
			return Sample{Rule: "sidekiq-secret", Name: "gem_source", Secret: c, Value: "https://" + c + "@enterprise.contribsys.com/"}
		},
		func() Sample {
			data := "  password: " + base64.StdEncoding.EncodeToString([]byte(g.S(Alnum, 24))) + "\n  api-key: " +
				base64.StdEncoding.EncodeToString([]byte(g.S(Alnum, 32))) + "\n"
			return Sample{Rule: "kubernetes-secret-yaml", Name: "manifest", Secret: data,
				Value: "kind: Secret\napiVersion: v1\nmetadata:\n  name: app-" + g.S(Lower, 5) + "\ntype: Opaque\ndata:\n" + data}
		},
		func() Sample {
			v := base64.StdEncoding.EncodeToString([]byte(g.jwt()))
			return same("jwt-base64", "session_b64", v)
		},
		g.key("private-key-other", "SSH2 ENCRYPTED PRIVATE KEY"),
		func() Sample {
			// A key cut before its END line.
			v, body := g.pem("RSA PRIVATE KEY", 900)
			v, _, _ = strings.Cut(v, "-----END")
			return Sample{Rule: "private-key-truncated", Name: "private_key", Value: v, Secret: body[1:]}
		},
	}
}

package scantest

// same builds a sample whose value is the secret.
func same(rule, name, secret string) Sample {
	return Sample{Rule: rule, Name: name, Value: secret, Secret: secret}
}

// Positives returns one fresh fake secret for every built-in rule.
func (g *Gen) Positives() []Sample {
	var out []Sample
	for _, f := range append(g.positiveMakers(), g.moreMakers()...) {
		out = append(out, f())
	}
	// Built and drawn after the others (makers draw some values when the
	// list is built), so that these samples change no earlier value: the
	// leak tests plant fixed samples of this generator.
	for _, f := range g.gapMakers() {
		out = append(out, f())
	}
	return out
}

func (g *Gen) positiveMakers() []func() Sample {
	return []func() Sample{
		func() Sample { return same("aws-access-key-id", "aws_access_key_id", "AKIA"+g.S(Base32, 16)) },
		func() Sample { return same("aws-secret-access-key", "aws_secret_access_key", g.S(B64, 40)) },
		func() Sample {
			_, body := g.pem("PRIVATE KEY", 600)
			inner := "-----BEGIN PRIVATE KEY-----" + jsonEscape(body)
			v := inner + `-----END PRIVATE KEY-----\n`
			return Sample{Rule: "gcp-service-account-key", Name: "private_key", Value: v, Secret: inner[:len(inner)-2]}
		},
		func() Sample { return same("gcp-api-key", "google_api_key", "AIza"+g.S(B64URL, 35)) },
		func() Sample { return same("gcp-oauth-client-secret", "client_secret", "GOCSPX-"+g.S(B64URL, 28)) },
		func() Sample {
			return same("firebase-cloud-messaging-key", "fcm_server_key", "AAAA"+g.S(B64URL, 7)+":APA91b"+g.S(B64URL, 134))
		},
		func() Sample {
			k := g.S(B64, 86) + "=="
			return Sample{Rule: "azure-storage-account-key", Name: "storage_connection",
				Value: "DefaultEndpointsProtocol=https;AccountName=acct" + g.S(Lower, 6) + ";AccountKey=" + k + ";EndpointSuffix=core.windows.net", Secret: k}
		},
		func() Sample {
			return same("azure-ad-client-secret", "azure_client_secret", g.S(Alnum, 3)+g.S(Digits, 1)+"Q~"+g.S(Alnum+"_-", 34))
		},
		func() Sample {
			sig := g.S(Alnum, 43) + "%3D"
			return Sample{Rule: "azure-sas-token", Name: "blob_url",
				Value: "https://acct.blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2027-01-01T00:00:00Z&sig=" + sig, Secret: sig}
		},
		func() Sample { return same("alibaba-access-key-id", "alibaba_access_key_id", "LTAI"+g.S(Alnum, 20)) },
		func() Sample { return same("alibaba-secret-key", "alibaba_secret_key", g.S(Alnum, 30)) },
		func() Sample { return same("digitalocean-token", "do_token", "dop_v1_"+g.S(Hex, 64)) },
		func() Sample { return same("cloudflare-api-token", "cloudflare_api_token", g.S(Alnum+"_-", 40)) },
		func() Sample { return same("cloudflare-global-api-key", "cloudflare_global_key", g.S(Hex, 37)) },
		func() Sample { return same("heroku-api-key", "heroku_api_key", g.uuid()) },
		func() Sample { return same("github-pat", "github_token", "ghp_"+g.S(Alnum, 36)) },
		func() Sample { return same("github-oauth-token", "gh_oauth", "gho_"+g.S(Alnum, 36)) },
		func() Sample { return same("github-app-token", "installation_token", "ghs_"+g.S(Alnum, 36)) },
		func() Sample { return same("github-refresh-token", "gh_refresh", "ghr_"+g.S(Alnum, 76)) },
		func() Sample {
			return same("github-fine-grained-pat", "gh_pat", "github_pat_"+g.S(Alnum, 22)+"_"+g.S(Alnum, 59))
		},
		func() Sample { return same("gitlab-pat", "gitlab_token", "glpat-"+g.S(Alnum+"_-", 20)) },
		func() Sample { return same("gitlab-token", "runner_token", "glrt-"+g.S(Alnum+"_-", 20)) },
		func() Sample { return same("bitbucket-app-password", "bitbucket_app_password", "ATBB"+g.S(Alnum, 32)) },
		g.key("private-key-rsa", "RSA PRIVATE KEY"),
		g.key("private-key-ec", "EC PRIVATE KEY"),
		g.key("private-key-openssh", "OPENSSH PRIVATE KEY"),
		g.key("private-key-dsa", "DSA PRIVATE KEY"),
		g.key("private-key-pgp", "PGP PRIVATE KEY BLOCK"),
		g.key("private-key-pkcs8", "PRIVATE KEY"),
		g.key("private-key-pkcs8-encrypted", "ENCRYPTED PRIVATE KEY"),
		func() Sample {
			return same("slack-bot-token", "slack_bot_token", "xoxb-"+g.S(Digits, 12)+"-"+g.S(Digits, 13)+"-"+g.S(Alnum, 24))
		},
		func() Sample {
			return same("slack-user-token", "slack_user_token", "xoxp-"+g.S(Digits, 12)+"-"+g.S(Digits, 12)+"-"+g.S(Digits, 13)+"-"+g.S(Hex, 32))
		},
		func() Sample {
			return same("slack-app-token", "slack_app_token", "xapp-1-A"+g.S(Upper+Digits, 10)+"-"+g.S(Digits, 13)+"-"+g.S(Hex, 64))
		},
		func() Sample {
			p := "T" + g.S(Upper+Digits, 8) + "/B" + g.S(Upper+Digits, 10) + "/" + g.S(Alnum, 24)
			return Sample{Rule: "slack-webhook-url", Name: "slack_webhook", Value: "https://hooks.slack.com/services/" + p, Secret: p}
		},
		func() Sample {
			return same("discord-bot-token", "discord_bot_token", "MT"+g.S(Alnum, 24)+"."+g.S(B64URL, 6)+"."+g.S(B64URL, 38))
		},
		func() Sample {
			t := g.S(B64URL, 68)
			return Sample{Rule: "discord-webhook-url", Name: "discord_webhook", Value: "https://discord.com/api/webhooks/" + g.S(Digits, 18) + "/" + t, Secret: t}
		},
		func() Sample {
			t := g.uuid() + "@" + g.uuid() + "/IncomingWebhook/" + g.S(Hex, 32) + "/" + g.uuid()
			return Sample{Rule: "teams-webhook-url", Name: "teams_webhook", Value: "https://acme.webhook.office.com/webhookb2/" + t, Secret: t}
		},
		func() Sample {
			return same("telegram-bot-token", "telegram_token", g.S(Digits, 10)+":AA"+g.S(B64URL, 33))
		},
		func() Sample { return same("stripe-secret-key", "stripe_key", "sk_live_"+g.S(Alnum, 24)) },
		func() Sample { return same("stripe-restricted-key", "stripe_restricted", "rk_live_"+g.S(Alnum, 24)) },
		func() Sample { return same("square-access-token", "square_token", "EAAA"+g.S(B64URL, 60)) },
		func() Sample { return same("square-oauth-secret", "square_secret", "sq0csp-"+g.S(B64URL, 43)) },
		func() Sample {
			return same("paypal-braintree-access-token", "braintree_token", "access_token$production$"+g.S(Lower+Digits, 16)+"$"+g.S(Hex, 32))
		},
		func() Sample { return same("twilio-api-key", "twilio_key", "SK"+g.S(Hex, 32)) },
		func() Sample { return same("twilio-auth-token", "twilio_auth_token", g.S(Hex, 32)) },
		func() Sample {
			return same("sendgrid-api-key", "sendgrid_key", "SG."+g.S(B64URL, 22)+"."+g.S(B64URL, 43))
		},
		func() Sample { return same("mailgun-api-key", "mailgun_key", "key-"+g.S(Hex, 32)) },
		func() Sample { return same("mailchimp-api-key", "mailchimp_key", g.S(Hex, 32)+"-us14") },
		func() Sample { return same("npm-access-token", "npm_token", "npm_"+g.S(Alnum, 36)) },
		func() Sample { return same("pypi-upload-token", "pypi_token", "pypi-AgEIcHlwaS5vcmc"+g.S(B64URL, 70)) },
		func() Sample { return same("dockerhub-pat", "docker_token", "dckr_pat_"+g.S(B64URL, 27)) },
		func() Sample { return same("datadog-api-key", "DD_API_KEY", g.S(Hex, 32)) },
		func() Sample { return same("datadog-app-key", "DD_APP_KEY", g.S(Hex, 40)) },
		func() Sample {
			return same("openai-api-key", "openai_api_key", "sk-proj-"+g.S(B64URL, 56)+"T3BlbkFJ"+g.S(B64URL, 56))
		},
		func() Sample {
			return same("anthropic-api-key", "anthropic_api_key", "sk-ant-api03-"+g.S(B64URL, 93)+"AA")
		},
		func() Sample { return same("huggingface-token", "hf_token", "hf_"+g.S(Upper+Lower, 34)) },
		func() Sample { return same("shopify-token", "shopify_token", "shpat_"+g.S(Hex, 32)) },
		func() Sample { return same("vault-token", "vault_token", "hvs.CAESI"+g.S(B64URL, 86)) },
		func() Sample {
			return same("terraform-cloud-token", "tfc_token", g.S(Alnum, 14)+".atlasv1."+g.S(Alnum+"_-", 67))
		},
		func() Sample { return same("atlassian-api-token", "jira_token", "ATATT3"+g.S(B64URL, 186)) },
		func() Sample { return same("linear-api-key", "linear_key", "lin_api_"+g.S(Alnum, 40)) },
		func() Sample { return same("notion-token", "notion_token", "ntn_"+g.S(Digits, 11)+g.S(Alnum, 35)) },
		func() Sample { return same("okta-api-token", "okta_api_token", "00"+g.S(B64URL, 40)) },
		func() Sample { return same("newrelic-user-api-key", "newrelic_key", "NRAK-"+g.S(Upper+Digits, 27)) },
		func() Sample { return same("newrelic-license-key", "nr_license", g.S(Hex, 36)+"NRAL") },
		func() Sample {
			k := g.S(Hex, 32)
			return Sample{Rule: "sentry-dsn", Name: "sentry_dsn", Value: "https://" + k + "@o" + g.S(Digits, 6) + ".ingest.sentry.io/" + g.S(Digits, 7), Secret: k}
		},
		func() Sample { return same("sentry-auth-token", "sentry_auth_token", "sntrys_"+g.S(B64, 120)) },
		func() Sample {
			return same("postman-api-key", "postman_key", "PMAK-"+g.S(Hex, 24)+"-"+g.S(Hex, 34))
		},
		func() Sample {
			return same("grafana-token", "grafana_token", "glsa_"+g.S(Alnum, 32)+"_"+g.S(Hex, 8))
		},
		func() Sample { return same("age-secret-key", "age_key", "AGE-SECRET-KEY-1"+g.S(Bech32, 58)) },
		func() Sample { return same("doppler-token", "doppler_token", "dp.st."+g.S(Alnum, 43)) },
		func() Sample { return same("databricks-token", "databricks_token", "dapi"+g.S(Hex, 32)) },
		func() Sample { return same("planetscale-token", "pscale_token", "pscale_tkn_"+g.S(Alnum, 43)) },
		func() Sample { return same("pulumi-access-token", "pulumi_token", "pul-"+g.S(Hex, 40)) },
		func() Sample { return same("jwt", "session_jwt", g.jwt()) },
		func() Sample {
			pw := g.S(Upper, 1) + g.S(Alnum+"-_.~", 14) + g.S(Digits, 1)
			return Sample{Rule: "database-url-password", Name: "database_url", Value: "postgres://app_" + g.S(Lower, 4) + ":" + pw + "@db." + g.S(Lower, 6) + ".internal:5432/app", Secret: pw}
		},
		func() Sample {
			pw := g.S(Alnum, 20)
			return Sample{Rule: "broker-url-password", Name: "celery_broker_url", Value: "amqp://worker:" + pw + "@mq." + g.S(Lower, 5) + ".internal:5672/prod", Secret: pw}
		},
		func() Sample { return same("generic-secret", "db_password", g.Password(18)) },
	}
}

func (g *Gen) key(rule, label string) func() Sample {
	return func() Sample {
		v, body := g.pem(label, 900)
		return Sample{Rule: rule, Name: "private_key", Value: v, Secret: body}
	}
}

// jsonEscape turns newlines into \n as a JSON string holds them.
func jsonEscape(s string) string {
	out := make([]byte, 0, len(s)+len(s)/32)
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, '\\', 'n')
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}

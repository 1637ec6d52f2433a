package scan

// builtinRules lists every built-in rule, most specific first: when two rules
// match overlapping text on one line, the earlier one is reported.
func builtinRules() []ruleSpec {
	var all []ruleSpec
	for _, group := range [][]ruleSpec{cloudRules(), vcsRules(), keyRules(), chatRules(), paymentRules(), saasRules(),
		tokenRules(), specialRules(), namedRules(), idRules(), genericRules()} {
		all = append(all, group...)
	}
	return all
}

// cloudRules: AWS, GCP, Azure, Alibaba, DigitalOcean, Cloudflare, Heroku.
func cloudRules() []ruleSpec {
	return []ruleSpec{
		{
			id: "aws-access-key-id", description: "AWS access key ID",
			keywords: []string{"AKIA", "ASIA", "ABIA", "ACCA"}, caseSensitive: true,
			regex:   `\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b`,
			entropy: 3.0,
		},
		{
			id: "aws-secret-access-key", description: "AWS secret access key",
			keywords: []string{"aws"},
			regex:    `(?i)aws[\w.-]{0,24}?(?:secret|sk|private)[\w.-]{0,24}["']?\s*(?:=|:=|:|=>|,)\s*["'\x60]?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`,
			entropy:  4.0,
		},
		{
			id: "gcp-service-account-key", description: "GCP service account JSON private key",
			keywords: []string{"private_key"},
			regex:    `"private_key"\s*:\s*"(-----BEGIN (?:RSA )?PRIVATE KEY-----\\n[A-Za-z0-9+/=\\]{64,}?)\\n-----END`,
			entropy:  4.5,
			keyBlock: true,
		},
		{
			id: "gcp-api-key", description: "Google Cloud / Firebase API key",
			keywords: []string{"AIza"}, caseSensitive: true,
			regex:   `\b(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)`,
			entropy: 3.5,
		},
		{
			id: "gcp-oauth-client-secret", description: "Google OAuth client secret",
			keywords: []string{"GOCSPX-"}, caseSensitive: true,
			regex:   `\b(GOCSPX-[A-Za-z0-9_-]{28})(?:[^A-Za-z0-9_-]|$)`,
			entropy: 3.5,
		},
		{
			id: "firebase-cloud-messaging-key", description: "Firebase Cloud Messaging server key",
			keywords: []string{"APA91b"}, caseSensitive: true,
			regex:   `\b(AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134})(?:[^A-Za-z0-9_-]|$)`,
			entropy: 4.0,
		},
		{
			id: "azure-storage-account-key", description: "Azure storage account key",
			keywords: []string{"accountkey", "account_key", "account-key", "storagekey", "storage_key", "storage-key"},
			regex:    `(?i)(?:AccountKey\s*=\s*|(?:account|storage)[\w.-]{0,20}?key["'\]]?\s*(?:=|:=|:|=>)\s*["'\x60]?)([A-Za-z0-9+/]{86}==)`,
			entropy:  4.5,
		},
		{
			id: "azure-ad-client-secret", description: "Azure AD (Entra ID) client secret",
			keywords: []string{"Q~"}, caseSensitive: true,
			regex:   `(?:^|[^A-Za-z0-9~._-])([A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34})(?:[^A-Za-z0-9~._-]|$)`,
			entropy: 3.5,
		},
		{
			id: "azure-sas-token", description: "Azure shared access signature",
			keywords: []string{"sig="},
			regex:    `(?i)[?&;]sv=\d{4}-\d{2}-\d{2}[^\s"'<>]{0,300}?[?&;]sig=([A-Za-z0-9%+/]{40,100}(?:%3D|=){0,2})`,
			entropy:  4.0,
		},
		{
			id: "alibaba-access-key-id", description: "Alibaba Cloud AccessKey ID",
			keywords: []string{"LTAI"}, caseSensitive: true,
			regex:   `\b(LTAI[A-Za-z0-9]{20})\b`,
			entropy: 3.5,
		},
		{
			id: "alibaba-secret-key", description: "Alibaba Cloud AccessKey secret",
			keywords: []string{"alibaba", "aliyun"},
			regex:    `(?i)(?:alibaba|aliyun)[\w.-]{0,24}?secret[\w.-]{0,16}["']?\s*(?:=|:=|:|=>)\s*["']?([A-Za-z0-9]{30})\b`,
			entropy:  4.0,
		},
		{
			id: "digitalocean-token", description: "DigitalOcean personal access, OAuth or refresh token",
			keywords: []string{"dop_v1_", "doo_v1_", "dor_v1_"},
			regex:    `\b((?:dop|doo|dor)_v1_[a-f0-9]{64})\b`,
			entropy:  3.5,
		},
		{
			id: "cloudflare-api-token", description: "Cloudflare API token",
			keywords: []string{"cloudflare", "cf_api"},
			regex:    `(?i)(?:cloudflare|cf_api)[\w.-]{0,24}?(?:token|key)[\w.-]{0,16}["']?\s*(?:=|:=|:|=>)\s*["']?([A-Za-z0-9_-]{40})(?:[^A-Za-z0-9_-]|$)`,
			entropy:  4.0,
		},
		{
			id: "cloudflare-global-api-key", description: "Cloudflare global API key",
			keywords: []string{"cloudflare", "cf_api"},
			regex:    `(?i)(?:cloudflare|cf_api)[\w.-]{0,24}?key[\w.-]{0,16}["']?\s*(?:=|:=|:|=>)\s*["']?([a-f0-9]{37})\b`,
			entropy:  3.0,
		},
		{
			id: "heroku-api-key", description: "Heroku API key",
			keywords: []string{"heroku", "HRKU-"},
			regex:    `(?i)(?:heroku[\w.-]{0,24}?(?:key|token|secret)[\w.-]{0,16}["']?\s*(?:=|:=|:|=>)\s*["']?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b|\b(HRKU-[A-Za-z0-9_-]{60})(?:[^A-Za-z0-9_-]|$))`,
			entropy:  3.0,
		},
	}
}

// vcsRules: GitHub, GitLab, Bitbucket.
func vcsRules() []ruleSpec {
	return []ruleSpec{
		{
			id: "github-pat", description: "GitHub personal access token (classic)",
			keywords: []string{"ghp_"},
			regex:    `\b(ghp_[A-Za-z0-9]{36})\b`,
			entropy:  3.5,
		},
		{
			id: "github-oauth-token", description: "GitHub OAuth access token",
			keywords: []string{"gho_"},
			regex:    `\b(gho_[A-Za-z0-9]{36})\b`,
			entropy:  3.5,
		},
		{
			id: "github-app-token", description: "GitHub App user-to-server or installation token",
			keywords: []string{"ghu_", "ghs_"},
			regex:    `\b((?:ghu|ghs)_[A-Za-z0-9]{36})\b`,
			entropy:  3.5,
		},
		{
			id: "github-refresh-token", description: "GitHub refresh token",
			keywords: []string{"ghr_"},
			regex:    `\b(ghr_[A-Za-z0-9]{36,76})\b`,
			entropy:  3.5,
		},
		{
			id: "github-fine-grained-pat", description: "GitHub fine-grained personal access token",
			keywords: []string{"github_pat_"},
			regex:    `\b(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b`,
			entropy:  4.0,
		},
		{
			id: "gitlab-pat", description: "GitLab personal access token",
			keywords: []string{"glpat-"},
			regex:    `\b(glpat-[A-Za-z0-9_.-]{20,300})(?:[^A-Za-z0-9_.-]|$)`,
			entropy:  3.5,
		},
		{
			id: "gitlab-token", description: "GitLab pipeline trigger, runner, deploy or feed token",
			keywords: []string{"glptt-", "glrt-", "gldt-", "glcbt-", "glft-", "glsoat-"},
			// A routable token ends in "." and a short base36 part.
			regex:   `\b((?:glptt|glrt|gldt|glcbt|glft|glsoat)-[A-Za-z0-9_-]{20,300}(?:\.[a-z0-9]{2,12})?)(?:[^A-Za-z0-9_.-]|$)`,
			entropy: 3.5,
		},
		{
			id: "bitbucket-app-password", description: "Bitbucket app password or access token",
			keywords: []string{"ATBB", "ATCT"}, caseSensitive: true,
			regex:   `\b((?:ATBB|ATCT)[A-Za-z0-9_=.-]{28,200})(?:[^A-Za-z0-9_=.-]|$)`,
			entropy: 3.5,
		},
	}
}

package scan_test

import (
	"testing"

	"github.com/gov-policy/gov/scan"
	"github.com/gov-policy/gov/scan/scantest"
)

// TestRealCodeNoise: look-alikes of the lines gov reported on third-party
// code (the Go module cache) that are not credentials at all, one class a
// case, each beside a credential of the same shape that is still reported.
func TestRealCodeNoise(t *testing.T) {
	s := newScanner(t, scan.Config{})
	g := scantest.New(18)
	v := func() string { return g.S(scantest.Alnum, 28) + "7q" }
	cases := []struct{ name, path, text, rule string }{
		// Names that say what the value is beside the secret: its id, name,
		// hash, URL, path, header; a page cursor; a public key.
		{"key id", "google/default_test.go", `  "private_key_id": "` + g.S(scantest.Hex, 40) + `",`, ""},
		{"token id", "oidc/logout.go", `	TokenID:   "` + g.S(scantest.Hex, 8) + "-9397-44c4-856a-" + g.S(scantest.Hex, 12) + `",`, ""},
		{"token hash", "oidc/oidc.go", `	googleAccessTokenHash = "` + g.S(scantest.B64URL, 22) + `"`, ""},
		{"secret name", "llm.py", `LLM_SECRET_NAME = "NEXUS-GPT4-API-KEY"`, ""},
		{"jenkins credentials id", "Jenkinsfile", `credentialsId: '` + g.S(scantest.Hex, 8) + "-dc2f-4734-8221-" + g.S(scantest.Hex, 12) + `'`, ""},
		{"token url variable", "aws.go", `	tokenURL := ec2DefaultTokenPath`, ""},
		{"paths list", "netlify.toml", `  SECRETS_SCAN_OMIT_PATHS = "v1/test/cases,v1/topdown/crypto_test.go"`, ""},
		{"page token", "replay.json", `  "nextPageToken": "` + v() + `",`, ""},
		{"page token in a query", "fixture.yaml", `url: /v1/items?pageToken=` + v(), ""},
		{"encrypted key", "docs/jwe.md", `// {"ciphertext":"` + g.S(scantest.B64URL, 22) + `","encrypted_key":"` + g.S(scantest.B64URL, 80) + `"}`, ""},
		{"page access token", "fb.env", "FB_PAGE_ACCESS_TOKEN=" + v(), "generic-secret"},
		{"id still a secret when the name says secret", "app.env", "SECRET_ID_KEY=" + v(), "generic-secret"},
		{"vault secret id", "app.env", "VAULT_SECRET_ID=" + g.S(scantest.Hex, 8) + "-a825-Eb14-F9Ed-" + g.S(scantest.Hex, 12), "generic-secret"},
		{"private key beside its id", "sa.env", "PRIVATE_KEY=" + v(), "generic-secret"},
		{"token beside", "app.env", "PAGE_SIZE=10 TOKEN=" + v(), "generic-secret"},

		// Values that are names: a header, a Kubernetes secret's name, an
		// identifier that says token, code taking an address.
		{"header name", "aws.go", `	awsIMDSv2SessionTokenHeader = "X-aws-ec2-metadata-token"`, ""},
		{"header name under a key name", "v4/const.go", `	ContentSHAKey = "X-Amz-Content-Sha256"`, ""},
		{"kubernetes secret name", "pod.json", `  "secret": "default-token-6h4dn"`, ""},
		{"identifier saying token", "aws_test.go", `		imdsv2SessionTokenUrl:       imdsv2SessionTokenUrl,`, ""},
		{"identifier with a version saying credential", "signer_wrapper.go", `		Credentials: v4aCredentialProvider,`, ""},
		{"constructor call saying credentials", "express_resolve.go", `	o.ExpressCredentials = newDefaultS3ExpressCredentialsProvider()`, ""},
		{"generated name with capitals", "agentidentitycredentials-gen.go", "	c.googlecloudagentidentitycredentialsv1Finalizecredentialsrequest = googlecloudagentidentitycredentialsv1Finalizecredentialsrequest", ""},
		{"annotation key", "payload.go", `	rfc3161TimestampAnnotationKey = "dev.sigstore.cosign/rfc3161timestamp"`, ""},
		{"counting digits in a key", "cloudasset-gen.go", "\t// `effectiveTagKeys:\"123456789/env*\" - `tagKeys=\"123456789/env\" -", ""},
		{"fuzz corpus", "internal/fuzz/jsonfuzz/corpus/e619335648415cae", `{"testAllTypes":{"optionalInt32":1001, "mapStringKey":"` + g.S(scantest.Alnum, 24) + `7q"}}`, ""},
		{"address of a struct literal", "token.go", `	token := &oauth2.Token{`, ""},
		{"token with a word prefix", "app.env", "CONVERT_KEY=secret_" + g.S(scantest.Alnum, 8) + "4" + g.S(scantest.Alnum, 8), "generic-key-config"},
		{"token with a key- prefix", "app.env", "SALES_KEY=key-" + g.S(scantest.Alnum, 60) + "4", "generic-key-config"},
		{"password starting with a star", "db.env", "DB_PASSWORD=*Kq8vWz3Lp9xT", "generic-secret"},
		{"password starting with an ampersand", "db.env", "DB_PASSWORD=&Kq8vWz3Lp9xT", "generic-secret"},
		{"password made of words", "db.env", "DB_PASSWORD=MySecretPassword-2024", "generic-secret"},
		{"random value that has token in it", "app.env", "TOKEN=" + g.S(scantest.Alnum, 12) + "token" + g.S(scantest.Alnum, 12) + "9Z", "generic-secret"},

		// Settings' names under key names, template fields, signature scopes,
		// generated names, annotations.
		{"setting name under a key name", "shared_config.go", `	ec2MetadataServiceEndpointModeKey = "ec2_metadata_service_endpoint_mode"`, ""},
		{"setting name with access", "shared_config.go", "	s3DisableMultiRegionAccessPointsKey = `s3_disable_multiregion_access_points`", ""},
		{"snapshot template field", "ListObjectsV2.request.snap", `GET /?continuation-token=__ContinuationToken__&delimiter=__Delimiter__&encoding-type=url&fetch-owner=true&list-type=2&max-keys=1&prefix=__Prefix__&start-after=__StartAfter__`, ""},
		{"snapshot template token", "GetSessionToken.request.snap", `Action=GetSessionToken&DurationSeconds=1&TokenCode=__TokenCode__&Version=2011-06-15`, ""},
		{"signature credential scope", "signer.go", "	req.Header.Set(\"Authorization\", \"AWS4-HMAC-SHA256 Credential=AKIDEXAMPL3ID/20210101/us-east-1/s3/aws4_request\")", ""},
		{"generated field name saying apikey", "api-gen.go", "	c.googlecloudrecommendationenginev1beta1createpredictionapikeyregistrationrequest = googlecloudrecommendationenginev1beta1createpredictionapikeyregistrationrequest", ""},
		{"annotation", "parser.go", `	secPasswordAttr         = "@securitydefinitions.oauth2.password"`, ""},
		{"snake value under a secret name is still a secret", "app.env", "SECRET=" + g.S(scantest.Lower, 12) + "_" + g.S(scantest.Lower, 10) + "_" + g.S(scantest.Lower, 9) + "4", "generic-secret"},

		// A secret's name inside an ARN is part of a resource name.
		{"arn secret name", "hooks.md", `export OPA_AUTH_ARN="arn:aws:secretsmanager:eu-north-1:687803501377:secret:opa-cfn-l26bHK"`, ""},
		{"arn secret name in a comment", "attrs.go", `// "arn:aws:secretsmanager:us-east-1:123456789012:secret:SecretName-6RandomCharacters"`, ""},

		// gitleaks' ignore file lists fingerprints (commit:path:rule:line).
		{"gitleaks ignore file", ".gitleaksignore", "93acc6e82adb46ef442fcb44bd9fd83489690ca3:cmd/generate/config/rules/1password.go:1password-service-account-token:25", ""},

		// A URL template's [user[:password]@] is documentation.
		{"url template", "config.proto", `// mysql://[username[:password]@][protocol[(address)]]/dbname[?param1=value1&...&paramN=valueN]`, ""},
		{"url template postgres", "config.pb.go", `// postgresql://[username[:password]@][host][:port][/dbname][?param1=value1&...&paramN=valueN]`, ""},
		{"database url with brackets in its password", "app.env", "DATABASE_URL=postgres://app:pa[" + g.S(scantest.Alnum, 10) + "]9@db.internal:5432/app", "database-url-password"},
		{"database url", "app.env", "DATABASE_URL=postgres://app:" + v() + "@db.internal:5432/app", "database-url-password"},

		// A token prefix inside a file name is not a token start.
		{"infracost prefix in a file name", "page.html", `<img src="http://assets.example.com/media/video_box.ico-` + g.S(scantest.Hex, 32) + `.png">`, ""},
		{"infracost token", "ci.env", "INFRACOST_API_KEY=ico-" + g.S(scantest.Alnum, 32), "infracost-api-token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := s.ScanBytes(tc.path, []byte(tc.text+"\n"))
			switch {
			case tc.rule == "" && len(fs) != 0:
				t.Errorf("reported: %+v", fs)
			case tc.rule != "" && (len(fs) != 1 || fs[0].Rule != tc.rule):
				t.Errorf("%s: findings %+v, want one of %s", tc.text, fs, tc.rule)
			}
		})
	}
}

package scantest

// gapMakers: samples of the rules added or widened where another scanner's
// detectors read a format more widely than the service documents it
// (trufflehog's detectors, secrets-patterns-db): the wider shapes, values
// generated here.
func (g *Gen) gapMakers() []func() Sample {
	t := func(rule, name, secret string) func() Sample {
		return func() Sample { return same(rule, name, secret) }
	}
	// m draws n alphanumerics holding upper case, lower case and a digit.
	m := func(n int) string { return g.S(Alnum, n-3) + g.S(Upper, 1) + g.S(Lower, 1) + g.S(Digits, 1) }
	grp := func(n ...int) string {
		s := ""
		for i, k := range n {
			if i > 0 {
				s += "-"
			}
			s += g.S(Alnum, k)
		}
		return s
	}
	return []func() Sample{
		t("checkout-secret-key", "checkout_sk", "sk_test_"+g.uuid()),
		t("endorlabs-api-key", "endor_api_secret", "endr+"+g.S(Alnum, 15)+"7"),
		t("gocardless-live-token", "gc_access_token", "live_"+m(40)),
		t("ngc-api-key", "ngc_api_key", m(84)),
		t("flutterwave-key", "flw_secret", "FLWSECK-"+m(32)+"-X"),
		t("hubspot-private-app-token", "hs_token", "pat-eu1-"+grp(8, 4, 4, 4, 12)),
		t("netlify-pat", "netlify_auth", "nfp_"+g.S(Alnum, 17)+"_"+g.S(Alnum, 18)),
		t("newrelic-other-key", "nr_insert", "NRII-"+g.S(B64URL, 24)+"7"),
		t("rubygems-api-token", "gem_host_api_key", "rubygems_"+m(48)),
		t("sendinblue-api-token", "brevo", "xkeysib-"+g.S(B64URL, 80)+"Q"),
		t("postman-api-key", "postman", "PMAK-"+m(59)),
		t("datadog-access-token", "datadog_api", m(32)),
		t("dropbox-api-token", "dropbox_oauth_bearer", m(23)),
	}
}

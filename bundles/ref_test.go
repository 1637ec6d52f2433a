package bundles

import "testing"

func TestParseBundleRef(t *testing.T) {
	tests := []struct {
		in   string
		want bundleRef
	}{
		{".gov", bundleRef{loc: ".gov"}},
		{".gov@v1.2.0", bundleRef{loc: ".gov", ref: "v1.2.0", hasRef: true}},
		{"policy/dir@feature/new-rule", bundleRef{loc: "policy/dir", ref: "feature/new-rule", hasRef: true}},
		{"a@b@main", bundleRef{loc: "a@b", ref: "main", hasRef: true}},
		{"https://github.com/acme/policy@v2", bundleRef{loc: "https://github.com/acme/policy", ref: "v2", hasRef: true, remote: true}},
		{"https://user@github.com/acme/policy", bundleRef{loc: "https://user@github.com/acme/policy", remote: true}},
		{"ssh://git@github.com/acme/policy.git@main", bundleRef{loc: "ssh://git@github.com/acme/policy.git", ref: "main", hasRef: true, remote: true}},
		{"git@github.com:acme/policy.git", bundleRef{loc: "git@github.com:acme/policy.git", remote: true}},
		{"git@github.com:acme/policy.git@0a1b2c3", bundleRef{loc: "git@github.com:acme/policy.git", ref: "0a1b2c3", hasRef: true, remote: true}},
		{"file:///srv/policy@v1", bundleRef{loc: "file:///srv/policy", ref: "v1", hasRef: true, remote: true}},
		{"dir@", bundleRef{loc: "dir", hasRef: true}},
		{"https://github.com/acme/platform//policy/gov@v3", bundleRef{loc: "https://github.com/acme/platform", ref: "v3", hasRef: true, remote: true, subdir: "policy/gov"}},
		{"https://github.com/acme/platform//.gov", bundleRef{loc: "https://github.com/acme/platform", remote: true, subdir: ".gov"}},
		{"git@github.com:acme/platform.git//gov@main", bundleRef{loc: "git@github.com:acme/platform.git", ref: "main", hasRef: true, remote: true, subdir: "gov"}},
		{"file:///srv/platform//gov@v1", bundleRef{loc: "file:///srv/platform", ref: "v1", hasRef: true, remote: true, subdir: "gov"}},
		{"policy//dir@v1", bundleRef{loc: "policy//dir", ref: "v1", hasRef: true}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := parseBundleRef(tt.in); got != tt.want {
				t.Errorf("parseBundleRef(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

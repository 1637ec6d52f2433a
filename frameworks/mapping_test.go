package frameworks

import (
	"reflect"
	"testing"

	"github.com/gov-policy/gov/bundles"
)

func TestParseControlRef(t *testing.T) {
	tests := []struct {
		ref, prefix, control string
		ok                   bool
	}{
		{"SOC2:CC8.1", "SOC2", "CC8.1", true},
		{"HIPAA:164.312(b)", "HIPAA", "164.312(b)", true},
		{"PCI-DSS:6.5.1", "PCI-DSS", "6.5.1", true},
		{"iso27001:A.8.32", "ISO27001", "A.8.32", true},
		{" GDPR:Art.32 ", "GDPR", "Art.32", true},
		{"SOX:ITGC-CM", "SOX", "ITGC-CM", true},
		{"CC8.1", "", "", false},
		{"SOC2:", "", "", false},
		{":CC8.1", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			p, c, ok := ParseControlRef(tt.ref)
			if p != tt.prefix || c != tt.control || ok != tt.ok {
				t.Errorf("= %q, %q, %v", p, c, ok)
			}
		})
	}
}

func TestPrefixTable(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range builtinPrefixes() {
		f, err := c.Framework(p[0])
		if err != nil {
			t.Fatal(err)
		}
		if f.Prefix != p[1] {
			t.Errorf("%s prefix %q, want %q", p[0], f.Prefix, p[1])
		}
	}
}

func TestResolve(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		framework, ref string
		want           string
		kind           int
		group          []string
	}{
		{"soc2", "SOC2:CC8.1", "CC8.1", refControl, nil},
		{"soc2", "HIPAA:164.312(b)", "", refOther, nil},
		{"hipaa", "HIPAA:164.312(b)", "164.312(b)", refControl, nil},
		{"hipaa", "HIPAA:164.312(a)(1)", "164.312(a)(1)", refControl, nil},
		{"pci-dss", "PCI-DSS:6.5", "6.5", refGroup, []string{"6.5.1", "6.5.2", "6.5.3", "6.5.4", "6.5.6"}},
		{"pci-dss", "PCI-DSS:10.2.1", "10.2.1", refControl, nil},
		{"sox", "SOX:ITGC-CM", "ITGC-CM", refGroup, []string{"ITGC-CM-1", "ITGC-CM-2", "ITGC-CM-3", "ITGC-CM-4", "ITGC-CM-5"}},
		{"sox", "SOX:ITGC-C", "", refUnknown, nil},
		{"iso27001", "ISO27001:A.8.3", "", refUnknown, nil},
		{"iso27001", "iso27001:A.8.28", "A.8.28", refControl, nil},
		{"gdpr", "SOC2:Art.32", "", refOther, nil},
		{"gdpr", "GDPR", "", refOther, nil},
	}
	for _, tt := range tests {
		t.Run(tt.framework+" "+tt.ref, func(t *testing.T) {
			f, _ := c.Framework(tt.framework)
			id, kind := f.resolve(tt.ref)
			if id != tt.want || kind != tt.kind {
				t.Errorf("resolve(%q) = %q, %d; want %q, %d", tt.ref, id, kind, tt.want, tt.kind)
			}
			if kind == refGroup {
				if got := f.GroupControls(id); !reflect.DeepEqual(got, tt.group) {
					t.Errorf("GroupControls(%q) = %v, want %v", id, got, tt.group)
				}
			}
		})
	}
}

func TestMap(t *testing.T) {
	c, err := Load(map[string][]byte{"frameworks/sox.cue": []byte(`framework: "sox", controls: "ITGC-AC-4": policies: ["acme/review"]`)})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := c.Framework("sox")
	rules := []bundles.RuleInfo{
		{ID: "a/tests", Controls: []string{"SOX:ITGC-CM", "SOC2:CC8.1"}},
		{ID: "b/secret", Controls: []string{"SOX:ITGC-AC-3"}},
		{ID: "c/typo", Controls: []string{"SOX:ITGC-XX-9"}},
		{ID: "gov.builtin.environment/require-approval"},
		{ID: "secrets/finding"},
	}
	m := Map(f, rules)
	want := map[string][]string{
		"ITGC-CM-1": {"gov.builtin.environment/require-approval"},
		"ITGC-AC-3": {"b/secret", "secrets/finding"},
	}
	if !reflect.DeepEqual(m.Rules, want) {
		t.Errorf("Rules = %v\nwant %v", m.Rules, want)
	}
	// A group reference maps to the group, not to each of its controls.
	if got := m.Groups; !reflect.DeepEqual(got, map[string][]string{"ITGC-CM": {"a/tests"}}) {
		t.Errorf("Groups = %v", got)
	}
	if got := m.Missing; !reflect.DeepEqual(got, map[string][]string{"ITGC-AC-3": {"secrets/credential-file"}, "ITGC-AC-4": {"acme/review"}}) {
		t.Errorf("Missing = %v", got)
	}
	if !reflect.DeepEqual(m.Unknown, []string{"c/typo: SOX:ITGC-XX-9"}) {
		t.Errorf("Unknown = %v", m.Unknown)
	}
}

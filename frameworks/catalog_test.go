package frameworks

import (
	"strings"
	"testing"
)

func TestBuiltinFrameworks(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id, prefix, control, title string
		min                        int
	}{
		{"soc2", "SOC2", "CC8.1", "Change management", 10},
		{"hipaa", "HIPAA", "164.312(b)", "Audit controls", 10},
		{"pci-dss", "PCI-DSS", "6.5.1", "Changes to production follow established procedures", 20},
		{"iso27001", "ISO27001", "A.8.32", "Change management", 13},
		{"gdpr", "GDPR", "Art.32", "Security of processing", 4},
		{"sox", "SOX", "ITGC-CM-1", "Changes are authorized and approved before implementation", 8},
	}
	if got, want := len(c.IDs()), len(tests); got != want {
		t.Errorf("IDs() = %v, want %d frameworks", c.IDs(), want)
	}
	for i, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if c.IDs()[i] != tt.id {
				t.Errorf("IDs()[%d] = %q, want %q", i, c.IDs()[i], tt.id)
			}
			f, err := c.Framework(tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if f.Prefix != tt.prefix || f.Name == "" || f.Version == "" {
				t.Errorf("framework = %q prefix %q version %q", f.Name, f.Prefix, f.Version)
			}
			if len(f.Controls) < tt.min {
				t.Errorf("%d controls, want at least %d", len(f.Controls), tt.min)
			}
			ctl, ok := f.Control(tt.control)
			if !ok || ctl.Title != tt.title {
				t.Errorf("control %s = %+v, want title %q", tt.control, ctl, tt.title)
			}
			seen := map[string]bool{}
			for _, ctl := range f.Controls {
				if seen[ctl.ID] {
					t.Errorf("control %s listed twice", ctl.ID)
				}
				seen[ctl.ID] = true
				if ctl.Title == "" || ctl.Description == "" || len(ctl.Evidence) == 0 {
					t.Errorf("control %s incomplete: %+v", ctl.ID, ctl)
				}
				if !strings.HasPrefix(ctl.Source, "catalogs/"+tt.id+".cue:") {
					t.Errorf("control %s source %q", ctl.ID, ctl.Source)
				}
			}
		})
	}
}

func TestUnknownFramework(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Framework("fedramp")
	want := `unknown framework "fedramp" (known: soc2, hipaa, pci-dss, iso27001, gdpr, sox)`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

func TestCatalogErrors(t *testing.T) {
	tests := []struct {
		name, file, src, want string
	}{
		{"unknown key", "frameworks/soc2.cue", "framework: \"soc2\"\ncontrols: \"CC8.1\": {\n\ttitel: \"x\"\n}\n",
			`frameworks/soc2.cue:3:2: controls."CC8.1": unknown key "titel"`},
		{"unknown top-level key", "frameworks/x.yaml", "framework: soc2\nowner: me\ncontrols: {}\n",
			`frameworks/x.yaml:2:1: unknown key "owner"`},
		{"bad evidence kind", "frameworks/x.yaml", "framework: soc2\ncontrols:\n  CC8.1:\n    evidence: [tickets]\n",
			`frameworks/x.yaml:4:16: controls."CC8.1".evidence.0: "tickets" is not one of decisions, approvals, signatures, scans`},
		{"wrong type", "frameworks/x.cue", "framework: \"soc2\"\ncontrols: \"CC8.1\": {\n\ttitle: 3\n}\n",
			`frameworks/x.cue:3:9: controls."CC8.1".title: conflicting values 3 and string (mismatched types int and string)`},
		{"bad framework id", "frameworks/x.json", `{"framework": "Bad Id", "controls": {}}`,
			`frameworks/x.json:1:15: framework: invalid value "Bad Id" (out of bound =~"^[a-z0-9][a-z0-9-]*$")`},
		{"new control without title", "frameworks/acme.yaml", "framework: acme\nname: Acme\ncontrols:\n  AC-1:\n    evidence: [scans]\n",
			`frameworks/acme.yaml:4:3: controls."AC-1": missing required key "title"`},
		{"new framework without name", "frameworks/acme.cue", "framework: \"acme\"\ncontrols: \"AC-1\": {title: \"t\", evidence: [\"scans\"]}\n",
			`frameworks/acme.cue: framework "acme": missing required key "name"`},
		{"built-in prefix", "frameworks/soc2.cue", "framework: \"soc2\"\nprefix: \"SOC\"\ncontrols: {}\n",
			`frameworks/soc2.cue:2:1: prefix: soc2 is a built-in framework; its prefix stays SOC2`},
		{"syntax error", "frameworks/x.cue", "framework: \"soc2\"\ncontrols: {\n",
			`frameworks/x.cue:2:13: expected '}', found 'EOF'`},
		{"not an object", "frameworks/x.json", `["soc2"]`,
			`frameworks/x.json: top level must be an object, got list`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(map[string][]byte{tt.file: []byte(tt.src)})
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v\nwant  %s", err, tt.want)
			}
		})
	}
}

func TestBundleOverride(t *testing.T) {
	c, err := Load(map[string][]byte{
		// A control override sets only what it names; a new control is added.
		"frameworks/soc2.yaml": []byte("framework: soc2\ncontrols:\n  CC8.1:\n    title: Change management (ACME CM-7)\n    policies: [acme/two-person-rule]\n  CC9.2:\n    title: Vendor risk\n    evidence: [approvals]\n"),
		// A new framework with its own METADATA prefix.
		"frameworks/acme.cue":  []byte("framework: \"acme\"\nname: \"ACME controls\"\nprefix: \"ACME\"\ncontrols: \"AC-1\": {title: \"Two-person rule\", evidence: [\"approvals\"]}\n"),
		"frameworks/README.md": []byte("not a catalog"),
		"cases/x.json":         []byte("{}"),
	})
	if err != nil {
		t.Fatal(err)
	}
	soc2, err := c.Framework("soc2")
	if err != nil {
		t.Fatal(err)
	}
	cc81, _ := soc2.Control("CC8.1")
	if cc81.Title != "Change management (ACME CM-7)" || strings.Join(cc81.Policies, ",") != "acme/two-person-rule" {
		t.Errorf("CC8.1 = %+v", cc81)
	}
	if !strings.Contains(cc81.Description, "authorizes, designs") || len(cc81.Evidence) != 3 {
		t.Errorf("CC8.1 lost the fields the override did not set: %+v", cc81)
	}
	if cc81.Source != "frameworks/soc2.yaml:3:3" {
		t.Errorf("CC8.1 source = %q", cc81.Source)
	}
	if cc92, ok := soc2.Control("CC9.2"); !ok || cc92.Title != "Vendor risk" {
		t.Errorf("CC9.2 = %+v, %v", cc92, ok)
	}
	if got := strings.Join(soc2.Sources, ","); got != "catalogs/soc2.cue,frameworks/soc2.yaml" {
		t.Errorf("sources = %s", got)
	}
	if got := strings.Join(c.IDs(), ","); got != "soc2,hipaa,pci-dss,iso27001,gdpr,sox,acme" {
		t.Errorf("IDs = %s", got)
	}
	acme, err := c.Framework("acme")
	if err != nil {
		t.Fatal(err)
	}
	if acme.Prefix != "ACME" || len(acme.Controls) != 1 {
		t.Errorf("acme = %+v", acme)
	}
}

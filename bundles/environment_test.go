package bundles

import (
	"slices"
	"testing"
	"testing/fstest"
)

// A gov.cue that declares no environments, an empty bundle and the
// embedded one all have production and staging, production the default.
func TestImplicitEnvironments(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"empty":           {},
		"no environments": mapFS(map[string]string{"gov.cue": "enforcement: \"strict\"\n"}),
	} {
		b, err := LoadFS(fsys, name, "", "r")
		if err != nil {
			t.Fatal(err)
		}
		if got := b.Config.DeclaredEnvironments(); !slices.Equal(got, []string{"production", "staging"}) || b.Config.DefaultEnvironment != "production" {
			t.Errorf("%s: environments %v default %q", name, got, b.Config.DefaultEnvironment)
		}
		envs := b.Data()["config"].(map[string]any)["environments"].(map[string]any)
		if len(envs) != 2 || b.Data()["config"].(map[string]any)["default_environment"] != "production" {
			t.Errorf("%s: data.gov.config environments %v", name, b.Data()["config"])
		}
	}
	b, err := LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Config.DeclaredEnvironments(); !slices.Equal(got, []string{"production", "staging"}) || b.Config.DefaultEnvironment != "production" {
		t.Errorf("embedded: environments %v default %q", got, b.Config.DefaultEnvironment)
	}
	// Declared environments without a default: none is made up.
	b, err = LoadFS(mapFS(map[string]string{"gov.cue": "environments: prod: {}\n"}), "t", "", "r")
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Config.DeclaredEnvironments(); !slices.Equal(got, []string{"prod"}) || b.Config.DefaultEnvironment != "" {
		t.Errorf("declared: environments %v default %q", got, b.Config.DefaultEnvironment)
	}
}

// Every name that stands for an environment must be a declared one.
func TestUndeclaredEnvironmentReferences(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"default_environment", map[string]string{"gov.cue": "environments: production: {}\n\ndefault_environment: \"Production\"\n"},
			`gov.cue:3:1: default_environment: unknown environment "Production" (declared: production)`},
		{"default_environment of the implicit set", map[string]string{"gov.cue": "default_environment: \"prod\"\n"},
			`gov.cue:1:1: default_environment: unknown environment "prod" (declared: production, staging)`},
		{"branch value", map[string]string{"gov.cue": "environments: production: {}\nbranches: {\n\tmain: \"production\"\n\t\"release/*\": \"prod\"\n}\n"},
			`gov.cue:4:2: branches.release/*: unknown environment "prod" (declared: production)`},
		{"workflow when", map[string]string{
			"roles.cue":     "roles: sre: members: [\"team:a/sre\"]\n",
			"workflows.cue": "workflows: w: {\n\twhen: environments: [\"prod\"]\n\tstages: [{name: \"s\", approver_roles: [\"sre\"]}]\n}\n"},
			`workflows.cue:2:23: workflows.w.when.environments.0: unknown environment "prod" (declared: production, staging)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFS(mapFS(tt.files), "t", "", "r")
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got: %v\nwant: %s", err, tt.want)
			}
		})
	}
}

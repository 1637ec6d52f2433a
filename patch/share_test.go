package patch

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// bufferParse is the parse before the diff was read as substrings: go-gitdiff
// over a bytes.Buffer, which copies each line, then the same conversion.
func bufferParse(t *testing.T, diff []byte) ([]File, Stats, error) {
	t.Helper()
	files, _, err := gitdiff.Parse(bytes.NewBuffer(diff))
	if err != nil {
		return nil, Stats{}, err
	}
	traditional := countGitHeaders(string(diff)) < len(files)
	var out []File
	var st Stats
	for _, gf := range files {
		gf.OldName, gf.NewName = strings.TrimSuffix(gf.OldName, "\r"), strings.TrimSuffix(gf.NewName, "\r")
		if traditional && isTraditional(gf) {
			gf.OldName, gf.NewName = stripComponent(gf.OldName), stripComponent(gf.NewName)
		}
		f, err := convertFile(gf)
		if err != nil {
			t.Fatal(err)
		}
		st.Additions += len(f.Added)
		st.Deletions += len(f.Removed)
		out = append(out, f)
	}
	st.Files = len(out)
	return out, st, nil
}

// shareCases are diffs of every shape gov parses: the sample patches, CRLF
// line endings, no newline at the end, traditional ---/+++ headers and a
// generated multi-megabyte one.
func shareCases(t *testing.T) map[string][]byte {
	t.Helper()
	cases := map[string][]byte{}
	paths, err := filepath.Glob("../testdata/patches/*.diff")
	if err != nil || len(paths) < 5 {
		t.Fatalf("sample patches: %v (%d)", err, len(paths))
	}
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		cases[name] = b
		cases[name+" crlf"] = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
		cases[name+" no final newline"] = bytes.TrimSuffix(b, []byte("\n"))
	}
	cases["traditional"] = []byte("--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n keep\n-old\n+new\n\\ No newline at end of file\n")
	cases["generated"] = largeDiff(4 << 20)
	if files, st, err := bufferParse(t, cases["generated"]); err != nil || len(files) < 50 || st.Additions < 30_000 {
		t.Fatalf("generated diff: %d files, %+v, %v", len(files), st, err)
	}
	return cases
}

// TestParseStringMatchesBufferParse: reading the diff as substrings of one
// string gives the very model the copying read gave, through Parse and
// ParseString alike.
func TestParseStringMatchesBufferParse(t *testing.T) {
	for name, diff := range shareCases(t) {
		wantFiles, wantStats, wantErr := bufferParse(t, diff)
		for _, parse := range []struct {
			name string
			fn   func() (*Patch, error)
		}{
			{"Parse", func() (*Patch, error) { return Parse(diff) }},
			{"ParseString", func() (*Patch, error) { return ParseString(string(diff)) }},
		} {
			p, err := parse.fn()
			if wantErr != nil {
				if err == nil {
					t.Errorf("%s: %s: no error, want one (go-gitdiff: %v)", name, parse.name, wantErr)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %s: %v", name, parse.name, err)
			}
			if p.Stats != wantStats {
				t.Errorf("%s: %s: stats %+v, want %+v", name, parse.name, p.Stats, wantStats)
			}
			if !reflect.DeepEqual(p.Files, wantFiles) {
				t.Errorf("%s: %s: files differ from the copying parse", name, parse.name)
			}
		}
	}
}

// TestSubstringReaderIsBufferReadString: go-gitdiff sees the same lines and
// the same end of input as through bytes.Buffer.ReadString.
func TestSubstringReaderIsBufferReadString(t *testing.T) {
	for _, s := range []string{"", "\n", "a", "a\n", "a\nb", "a\n\nb\n", "+x\r\n-y\r\n"} {
		buf, sub := bytes.NewBufferString(s), &substringReader{s: s}
		for i := 0; ; i++ {
			want, wantErr := buf.ReadString('\n')
			got, gotErr := sub.ReadString('\n')
			if got != want || !errors.Is(gotErr, wantErr) {
				t.Fatalf("%q: read %d = %q, %v; want %q, %v", s, i, got, gotErr, want, wantErr)
			}
			if errors.Is(wantErr, io.EOF) {
				break
			}
		}
	}
}

// TestParseStringHoldsTheDiffOnce: the parsed model of a large diff keeps
// no copy of its lines (they are substrings of the diff), only the line
// records: well under the diff's own size. The copying parse kept each line
// twice more (go-gitdiff's strings and its line records beside the model).
func TestParseStringHoldsTheDiffOnce(t *testing.T) {
	diff := string(largeDiff(16 << 20))
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	p, err := ParseString(diff)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(p)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d MB diff, %d lines: the model holds %d MB more", len(diff)>>20, p.Stats.Additions+p.Stats.Deletions, held>>20)
	if limit := int64(len(diff)) * 3 / 4; held > limit {
		t.Errorf("the parsed model holds %d MB beside the %d MB diff, want at most %d MB", held>>20, len(diff)>>20, limit>>20)
	}
}

package bundles

import (
	"bytes"
	"reflect"
	"slices"
	"testing"

	"github.com/gov-policy/gov/policies"
)

// TestAttackA17CorruptEntryNotDecoded: an entry of embedded_ast.bin whose
// encoding was changed (a flipped byte in a rule's name, as a damaged or
// hand-edited blob has) while its source digest still matches is not
// decoded into a module that differs from the parse of its source: a
// built-in deny renamed to denz would never fire. Every such entry must
// fail to decode (the source is then parsed) or decode to exactly the parse.
func TestAttackA17CorruptEntryNotDecoded(t *testing.T) {
	srcs := policies.Builtin()
	idx := indexAST(embeddedASTBlob)
	tried := 0
	for _, file := range []string{"builtin/rules.rego", "builtin/environment.rego"} {
		src := srcs[file]
		want, err := parseRego(file, src)
		if err != nil {
			t.Fatal(err)
		}
		e, ok := idx[file]
		if !ok {
			t.Fatalf("%s: not in the blob", file)
		}
		for at := 0; ; {
			i := bytes.Index(e.body[at:], []byte("deny"))
			if i < 0 {
				break
			}
			at += i + 1
			body := slices.Clone(e.body)
			body[at+2] = 'z' // deny -> denz
			m := decodeModule(astBlob{file: {sum: e.sum, body: body}}, file, src)
			tried++
			if m != nil && !reflect.DeepEqual(m, want) {
				t.Fatalf("%s: a changed encoding (byte %d) decoded to a module other than its source's", file, at+2)
			}
		}
	}
	if tried == 0 {
		t.Fatal("no rule name found in the encodings: the test exercises nothing")
	}
}

package patch

import "testing"

func BenchmarkParse(b *testing.B) {
	diff := readPatch(b, "large-500.diff")
	b.SetBytes(int64(len(diff)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(diff); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInput(b *testing.B) {
	p, err := Parse(readPatch(b, "large-500.diff"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if in := p.Input(); len(in) != 2 {
			b.Fatal("bad input")
		}
	}
}

// BenchmarkParseInput is the whole diff-to-input path of one evaluation.
func BenchmarkParseInput(b *testing.B) {
	diff := readPatch(b, "large-500.diff")
	b.ReportAllocs()
	for b.Loop() {
		p, err := Parse(diff)
		if err != nil {
			b.Fatal(err)
		}
		_ = p.Input()
	}
}

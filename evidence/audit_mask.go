package evidence

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// MaskText replaces every occurrence of each secret in text with its
// masked form (mask(secret); nil mask is Mask). Occurrences that overlap
// or touch, of one secret or several, are starred entirely as one span,
// so no part of any secret survives. Empty secrets are ignored.
func MaskText(text string, secrets []string, mask func(string) string) string {
	if mask == nil {
		mask = Mask
	}
	type span struct{ start, end int }
	var spans []span
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for i := 0; i <= len(text)-len(s); {
			j := strings.Index(text[i:], s)
			if j < 0 {
				break
			}
			spans = append(spans, span{i + j, i + j + len(s)})
			i += j + 1
		}
	}
	if len(spans) == 0 {
		return text
	}
	sort.Slice(spans, func(a, b int) bool { return spans[a].start < spans[b].start })
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for k := 0; k < len(spans); {
		cur, merged := spans[k], false
		for k++; k < len(spans) && spans[k].start <= cur.end; k++ {
			cur.end, merged = max(cur.end, spans[k].end), true
		}
		b.WriteString(text[last:cur.start])
		if merged {
			// A preview of the span could show a part of a shorter secret.
			b.WriteString(strings.Repeat("*", utf8.RuneCountInString(text[cur.start:cur.end])))
		} else {
			b.WriteString(mask(text[cur.start:cur.end]))
		}
		last = cur.end
	}
	b.WriteString(text[last:])
	return b.String()
}

// Mask keeps the first four characters of a secret of twelve or more and
// stars the rest; shorter secrets are starred entirely. The length is kept.
func Mask(secret string) string {
	n := utf8.RuneCountInString(secret)
	keep := 0
	if n >= 12 {
		keep = 4
	}
	var b strings.Builder
	i := 0
	for _, r := range secret {
		if i < keep {
			b.WriteRune(r)
		} else {
			b.WriteByte('*')
		}
		i++
	}
	return b.String()
}

package patch

// Input returns the patch as input.patch for Rego: the JSON shape of Patch
// built directly from map[string]any, []any, string, bool and int values
// (never through a JSON round trip, which would cost an order of magnitude
// more). Optional keys (old_path, language, new_content, parsed,
// parse_error) are left out when empty, as in the JSON encoding; added and
// removed are always lists.
func (p *Patch) Input() map[string]any {
	files := make([]any, len(p.Files))
	for i := range p.Files {
		files[i] = p.Files[i].input()
	}
	return map[string]any{
		"files": files,
		"stats": map[string]any{
			"files":     p.Stats.Files,
			"additions": p.Stats.Additions,
			"deletions": p.Stats.Deletions,
		},
	}
}

// input is the Rego value of one file.
func (f *File) input() map[string]any {
	m := make(map[string]any, 10)
	m["path"] = f.Path
	m["status"] = f.Status
	m["binary"] = f.Binary
	m["added"] = linesInput(f.Added)
	m["removed"] = linesInput(f.Removed)
	if f.OldPath != "" {
		m["old_path"] = f.OldPath
	}
	if f.Language != "" {
		m["language"] = f.Language
	}
	if f.NewContent != nil {
		m["new_content"] = *f.NewContent
	}
	if f.Parsed != nil {
		m["parsed"] = f.Parsed
	}
	if f.ParseError != "" {
		m["parse_error"] = f.ParseError
	}
	return m
}

// linesInput converts lines to [{line, text}].
func linesInput(lines []Line) []any {
	out := make([]any, len(lines))
	for i, l := range lines {
		out[i] = map[string]any{"line": l.Line, "text": l.Text}
	}
	return out
}

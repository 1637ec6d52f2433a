// Package patch parses unified and git diffs into gov's patch model, the
// input.patch that policies see, and can apply a patch in memory to a
// repository directory to learn (and decode) each changed file's new content.
package patch

// File statuses.
const (
	StatusAdded    = "added"
	StatusModified = "modified"
	StatusDeleted  = "deleted"
	StatusRenamed  = "renamed"
	StatusCopied   = "copied"
)

// Patch is a parsed diff.
type Patch struct {
	Files []File `json:"files"`
	Stats Stats  `json:"stats"`

	// source is the diff Parse read (the line texts of Files are its
	// substrings), parsed again by LoadContent to apply its hunks; "" when
	// the Patch was not built by Parse.
	source string
}

// File is one changed file. Added lines carry new-file line numbers, removed
// lines old-file line numbers.
type File struct {
	Path       string  `json:"path"`
	OldPath    string  `json:"old_path,omitempty"`
	Status     string  `json:"status"`
	Language   string  `json:"language,omitempty"`
	Binary     bool    `json:"binary"`
	Added      []Line  `json:"added"`
	Removed    []Line  `json:"removed"`
	NewContent *string `json:"new_content,omitempty"`
	Parsed     any     `json:"parsed,omitempty"`
	// ParseError says why a changed .yaml/.yml/.json/.toml file could not be
	// decoded into Parsed (set by LoadContent; not fatal, policies may flag it).
	ParseError string `json:"parse_error,omitempty"`
}

// Line is one added or removed line, without its +/- marker or newline.
type Line struct {
	Line int    `json:"line"`
	Text string `json:"text"`
}

// Stats totals the patch.
type Stats struct {
	Files     int `json:"files"`
	Additions int `json:"additions"`
	Deletions int `json:"deletions"`
}

package bundles

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/gov-policy/gov/internal/version"
)

// defaultFS is the built-in starter bundle.
//
//go:embed all:default
var defaultFS embed.FS

// EmbeddedSource is the Source of the built-in bundle.
const EmbeddedSource = "embedded"

// LoadEmbedded loads the built-in default bundle; its revision is
// "embedded:<gov version>".
func LoadEmbedded() (*Bundle, error) {
	v, err := newValidator()
	if err != nil {
		return nil, err
	}
	return v.loadEmbedded()
}

func (v *validator) loadEmbedded() (*Bundle, error) {
	sub, err := fs.Sub(defaultFS, "default")
	if err != nil {
		return nil, fmt.Errorf("embedded bundle: %w", err)
	}
	b, err := v.load(sub, EmbeddedSource, "", "embedded:"+version.Version)
	if err != nil {
		return nil, fmt.Errorf("embedded bundle: %w", err)
	}
	return b, nil
}

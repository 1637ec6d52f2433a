package server

import (
	"context"

	"github.com/gov-policy/gov/bundles"
)

// loadCached loads the revision of a URL@REF bundle that the clone cache
// holds, without any network access: the bare mirror clone bundles.Load
// keeps under cacheDir, with REF resolved against the branches and tags as
// they were at its last successful fetch (bundles.LoadOptions.Offline).
// Any other kind of reference has nothing cached and loads (or fails) as
// usual.
func loadCached(ctx context.Context, ref, cacheDir string) (*bundles.Bundle, error) {
	return bundles.Load(ctx, ref, bundles.LoadOptions{CacheDir: cacheDir, Offline: true})
}

package main

import "os"

// Every environment variable gov reads is listed here.
const (
	// envBundle is the default bundle reference when --bundle is not given.
	envBundle = "GOV_BUNDLE"
	// envCacheDir overrides where URL@REF bundles are cloned.
	envCacheDir = "GOV_CACHE_DIR"
)

func envOr(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return fallback
}

// Package version holds gov's version, set at build time with
// -ldflags "-X github.com/gov-policy/gov/internal/version.Version=v1.2.3".
package version

// Version is gov's version string.
var Version = "0.1.0-dev"

package bundles

import (
	"regexp"
	"strings"
	"sync"
)

// bundleRef is a parsed bundle reference: a location (directory or Git URL)
// and an optional ref after the last "@"; for a URL, an optional
// subdirectory after "//" (URL//SUBDIR@REF, as go-getter and Terraform
// write it).
type bundleRef struct {
	loc    string
	ref    string
	hasRef bool
	remote bool
	subdir string
}

// scpLikeRE matches "user@host:path", Git's scp-like remote syntax.
var scpLikeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9._~-]+@[A-Za-z0-9._-]+:`) })

// isRemote reports whether loc names a Git remote rather than a directory.
func isRemote(loc string) bool {
	for _, scheme := range []string{"https://", "http://", "file://", "ssh://", "git://"} {
		if strings.HasPrefix(loc, scheme) {
			return true
		}
	}
	return scpLikeRE().MatchString(loc)
}

// parseBundleRef splits s at its last "@" when what follows is a ref: a ref
// never contains ":" (so "git@host:repo" keeps its user), and an "@" inside
// a URL's authority ("ssh://git@host/repo") is a user, not a ref.
func parseBundleRef(s string) bundleRef {
	r := splitSubdir(bundleRef{loc: s, remote: isRemote(s)})
	i := strings.LastIndex(s, "@")
	if i < 0 {
		return r
	}
	cand := s[i+1:]
	if strings.Contains(cand, ":") {
		return r
	}
	if j := strings.Index(s, "://"); j >= 0 {
		authEnd := strings.IndexByte(s[j+3:], '/')
		if authEnd < 0 || i < j+3+authEnd {
			return r
		}
	}
	return splitSubdir(bundleRef{loc: s[:i], ref: cand, hasRef: true, remote: isRemote(s[:i])})
}

// splitSubdir moves a remote location's "//SUBDIR" suffix into subdir.
func splitSubdir(r bundleRef) bundleRef {
	if !r.remote {
		return r
	}
	start := 0
	if j := strings.Index(r.loc, "://"); j >= 0 {
		start = j + 3
		if strings.HasPrefix(r.loc, "file://") {
			start++ // file:///srv/x: the path's own leading slash
		}
	}
	if i := strings.Index(r.loc[start:], "//"); i >= 0 {
		r.loc, r.subdir = r.loc[:start+i], r.loc[start+i+2:]
	}
	return r
}

// IsRemote reports whether a bundle reference names a remote repository
// (URL or URL@REF), whose clone the cache keeps, rather than a directory or
// the embedded bundle.
func IsRemote(ref string) bool { return parseBundleRef(ref).remote }

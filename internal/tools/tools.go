//go:build tools

// Package tools pins modules that packages under construction will import,
// so that `go mod tidy` keeps them (and their go.sum lines) meanwhile.
package tools

import (
	_ "github.com/BobuSumisu/aho-corasick"
	_ "github.com/bradleyfalzon/ghinstallation/v2"
	_ "github.com/google/go-github/v60/github"
	_ "github.com/owenrumney/go-sarif/v2/sarif"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
)

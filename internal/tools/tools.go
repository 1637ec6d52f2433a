//go:build tools

// Package tools pins modules that packages under construction will import,
// so that `go mod tidy` keeps them (and their go.sum lines) meanwhile.
package tools

import (
	_ "github.com/BobuSumisu/aho-corasick"
	_ "github.com/bradleyfalzon/ghinstallation/v2"
	_ "github.com/coreos/go-oidc/v3/oidc"
	_ "github.com/google/go-github/v60/github"
	_ "github.com/in-toto/attestation/go/v1"
	_ "github.com/owenrumney/go-sarif/v2/sarif"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/rhysd/actionlint"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/secure-systems-lab/go-securesystemslib/encrypted"
	_ "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	_ "github.com/sigstore/sigstore-go/pkg/bundle"
	_ "github.com/sigstore/sigstore-go/pkg/sign"
	_ "github.com/sigstore/sigstore-go/pkg/testing/ca"
	_ "github.com/sigstore/sigstore-go/pkg/verify"
	_ "github.com/sigstore/sigstore/pkg/signature"
)

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/decide"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/scan"
)

// requestFlags are the request facts shared by eval (and later pr and simulate).
type requestFlags struct {
	requestFile string
	patchFile   string
	env         string
	service     string
	language    string
	requestedBy string
	actionType  string
	requestID   string
}

func (f *requestFlags) AddFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.requestFile, "request", "", "request file (JSON or YAML, HealingActionRequest fields)")
	fl.StringVar(&f.patchFile, "patch", "", "patch file (unified or git diff); - reads stdin")
	fl.StringVar(&f.env, "env", "", "environment (overrides the request's)")
	fl.StringVar(&f.service, "service", "", "service name")
	fl.StringVar(&f.language, "language", "", "language of the change")
	fl.StringVar(&f.requestedBy, "requested-by", "", "who (or which bot) asks for the change")
	fl.StringVar(&f.actionType, "action-type", "", "code_fix, config_change, dependency_update, rollback, ...")
	fl.StringVar(&f.requestID, "request-id", "", "request id")
}

// build reads the request file and the patch, then applies flags (flags win).
func (f *requestFlags) build(stdin io.Reader) (engine.Request, error) {
	var req engine.Request
	if f.requestFile != "" {
		data, err := os.ReadFile(f.requestFile)
		if err != nil {
			return req, fmt.Errorf("--request: %w", err)
		}
		if req, err = engine.DecodeRequest(f.requestFile, data); err != nil {
			return req, err
		}
	}
	for _, o := range []struct {
		flag string
		dst  *string
	}{
		{f.env, &req.Environment}, {f.service, &req.ServiceName}, {f.language, &req.Language},
		{f.requestedBy, &req.RequestedBy}, {f.actionType, &req.ActionType}, {f.requestID, &req.RequestID},
	} {
		if o.flag != "" {
			*o.dst = o.flag
		}
	}
	switch f.patchFile {
	case "":
		if req.PatchContent == "" {
			return req, usageError{fmt.Errorf("no patch: give --patch FILE (or -) or patch_content in the request")}
		}
	case "-":
		data, err := readString(stdin, 0)
		if err != nil {
			return req, fmt.Errorf("--patch -: reading stdin: %w", err)
		}
		req.PatchContent = data
	default:
		data, err := readFileString(f.patchFile)
		if err != nil {
			return req, fmt.Errorf("--patch: %w", err)
		}
		req.PatchContent = data
	}
	return req, nil
}

// readFileString is os.ReadFile as a string, read into the string's own
// memory: a large patch is held once, not once as bytes and once as text.
func readFileString(name string) (string, error) {
	file, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer func() { _ = file.Close() }()
	size := 0
	if st, err := file.Stat(); err == nil && st.Mode().IsRegular() {
		size = int(st.Size())
	}
	return readString(file, size)
}

// readString reads r to its end into a string, growing it once to size
// (the expected length, 0 when unknown) beforehand.
func readString(r io.Reader, size int) (string, error) {
	var b strings.Builder
	b.Grow(size + 1) // +1: the final read that sees EOF needs no growth
	if _, err := io.Copy(&b, r); err != nil {
		return "", err
	}
	return b.String(), nil
}

// patchName names the patch in error messages.
func (f *requestFlags) patchName() string {
	switch f.patchFile {
	case "":
		return f.requestFile + ": patch_content"
	case "-":
		return "stdin"
	}
	return f.patchFile
}

// loadRepoContent reads the post-patch content of p's files from the work
// tree repo (--repo). Its error names a file of the patch, whose path may
// hold a secret: it is masked with the secrets the default scanner finds in
// the request, as a decision would be.
func loadRepoContent(p *patch.Patch, repo string, req engine.Request) error {
	err := p.LoadContent(repo)
	if err == nil {
		return nil
	}
	err = fmt.Errorf("--repo %s: %w", repo, err)
	sc, serr := scan.New(scan.Config{})
	if serr != nil {
		return errors.New("--repo " + repo + ": the patch does not apply (message withheld: the scanner could not be built to mask it)")
	}
	_, red := (&decide.Pipeline{Scanner: sc}).Scan(decide.Input{Request: req, Patch: p})
	return red.Error(err)
}

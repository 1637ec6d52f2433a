package main

import (
	"io"
	"os"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/internal/version"
	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/sarif"
)

// writeDecision prints a decision in one of eval's formats.
func writeDecision(w io.Writer, format string, d *engine.Decision, p *patch.Patch, b *bundles.Bundle) error {
	switch format {
	case "json":
		return writeJSON(w, d)
	case "sarif":
		opts, err := sarifOptions(b, d.Bundle, "gov/eval/")
		if err != nil {
			return err
		}
		rep, err := sarif.FromDecision(d, p, opts)
		if err != nil {
			return err
		}
		return sarif.Write(w, rep)
	case "github":
		return sarif.GitHubAnnotations(w, d, p)
	}
	return writeDecisionText(w, d)
}

// sarifOptions describes the run; the repository is known inside GitHub
// Actions (GITHUB_SERVER_URL/GITHUB_REPOSITORY, GITHUB_SHA).
// The rules are every rule b is evaluated with, the library's included, so
// that each result's rule carries its METADATA (title, description, help,
// severity, controls).
func sarifOptions(b *bundles.Bundle, bi engine.BundleInfo, automationID string) (sarif.Options, error) {
	opts := sarif.Options{
		ToolVersion:  version.Version,
		AutomationID: automationID,
		Bundle:       bi,
		Commit:       os.Getenv(envGitHubSHA),
	}
	if b != nil {
		var err error
		if opts.Rules, err = b.EvaluatedRules(); err != nil {
			return opts, err
		}
	}
	if repo := os.Getenv(envGitHubRepository); repo != "" {
		opts.RepoURI = envOr(envGitHubServerURL, "https://github.com") + "/" + repo
	}
	return opts, nil
}

// auditDir is --audit-dir, else the bundle's audit.dir.
func auditDir(flag string, b *bundles.Bundle) string {
	if flag != "" {
		return flag
	}
	return b.Config.Audit.Dir
}

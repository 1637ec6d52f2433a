// Package sarif writes gov decisions and secret-scanner findings as SARIF
// 2.1.0 for GitHub code scanning, and decisions as Actions annotations.
package sarif

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	gosarif "github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
)

const (
	// ToolName is tool.driver.name of every run.
	ToolName = "gov"
	// SchemaURI is the $schema of every report (the OASIS SARIF 2.1.0 errata 01 schema).
	SchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// SrcRootBase is the uriBaseId of every artifact location: paths are repository-relative.
	SrcRootBase = "%SRCROOT%"
	// FingerprintKey names gov's partial fingerprint (rule, path and line content; never the line number).
	FingerprintKey = "govFingerprint/v1"
	// MaxResults is GitHub's limit of results per run.
	MaxResults = 25000
	// MaxGzipBytes is GitHub's limit of the gzipped upload.
	MaxGzipBytes = 10 << 20
)

// Options describe the run around the results.
type Options struct {
	// ToolVersion and InformationURI describe tool.driver.
	ToolVersion, InformationURI string
	// RepoURI and Commit give versionControlProvenance; it is written only
	// when RepoURI is known.
	RepoURI, Commit string
	// SrcRoot, when set, is the local directory result paths are relative
	// to; it is written as originalUriBaseIds[%SRCROOT%].
	SrcRoot string
	// AutomationID is automationDetails.id (e.g. "gov/eval/"); "" omits it.
	AutomationID string
	// Bundle is the policy version, written to the run properties.
	Bundle engine.BundleInfo
	// Rules is the bundle's rule catalog: titles, descriptions, severities
	// and controls of the rules' reportingDescriptors.
	Rules []bundles.RuleInfo
	// MaxResults and MaxGzipBytes override GitHub's limits (0: the limit).
	MaxResults, MaxGzipBytes int
}

// Write writes a report as indented JSON followed by a newline.
func Write(w io.Writer, r *gosarif.Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("sarif: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Level is the SARIF level of a policy action: deny -> error,
// require_approval -> warning, warn (and anything else) -> note.
func Level(action string) string {
	switch action {
	case engine.ActionDeny:
		return "error"
	case engine.ActionRequireApproval:
		return "warning"
	}
	return "note"
}

// SecuritySeverity is GitHub's properties["security-severity"] of a
// severity. GitHub reads scores over 9.0 as critical, 7.0-8.9 high,
// 4.0-6.9 medium and below as low, so critical is 9.5.
func SecuritySeverity(severity string) string {
	switch severity {
	case "critical":
		return "9.5"
	case "high":
		return "7.0"
	case "medium":
		return "5.0"
	}
	return "3.0"
}

// levelRank orders levels for truncation: errors are kept first.
func levelRank(level string) int {
	switch level {
	case "error":
		return 0
	case "warning":
		return 1
	}
	return 2
}

// newReport starts the one run of a report.
func newReport(opts Options) (*gosarif.Report, *gosarif.Run) {
	driver := gosarif.NewDriver(ToolName)
	if opts.ToolVersion != "" {
		driver.WithVersion(opts.ToolVersion)
	}
	if opts.InformationURI != "" {
		driver.WithInformationURI(opts.InformationURI)
	}
	driver.Rules = []*gosarif.ReportingDescriptor{}
	run := gosarif.NewRun(*gosarif.NewTool(driver))
	if opts.RepoURI != "" {
		vcs := gosarif.NewVersionControlDetails().WithRepositoryURI(opts.RepoURI)
		if opts.Commit != "" {
			vcs.WithRevisionID(opts.Commit)
		}
		vcs.WithMappedTo(gosarif.NewArtifactLocation().WithUriBaseId(SrcRootBase))
		run.AddVersionControlProvenance(vcs)
	}
	if opts.SrcRoot != "" {
		root := filepath.ToSlash(opts.SrcRoot)
		if !strings.HasSuffix(root, "/") {
			root += "/"
		}
		u := url.URL{Scheme: "file", Path: root}
		run.WithOriginalUriBaseIds(map[string]*gosarif.ArtifactLocation{SrcRootBase: gosarif.NewSimpleArtifactLocation(u.String())})
	}
	if opts.AutomationID != "" {
		run.WithAutomationDetails(gosarif.NewRunAutomationDetails().WithID(opts.AutomationID))
	}
	if opts.Bundle != (engine.BundleInfo{}) {
		run.Properties = gosarif.Properties{"bundle": bundleProps(opts.Bundle)}
	}
	report := &gosarif.Report{Version: string(gosarif.Version210), Schema: SchemaURI, Runs: []*gosarif.Run{run}}
	return report, run
}

func bundleProps(b engine.BundleInfo) map[string]string {
	m := map[string]string{"source": b.Source, "revision": b.Revision}
	if b.Ref != "" {
		m["ref"] = b.Ref
	}
	return m
}

// artifactURI turns a repository-relative path into a relative URI reference.
func artifactURI(path string) string {
	path = strings.TrimPrefix(filepath.ToSlash(path), "./")
	path = strings.TrimLeft(path, "/")
	u := url.URL{Path: path}
	return u.String()
}

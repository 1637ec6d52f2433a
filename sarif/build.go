package sarif

import (
	"compress/gzip"
	"fmt"
	"sort"

	gosarif "github.com/owenrumney/go-sarif/v2/sarif"
)

// item is one result before it becomes SARIF.
type item struct {
	rule, action, message, severity string
	// title is the rule's title when the catalog has none ("" uses message).
	title        string
	controls     []string
	file         string
	line, column int
	// key is what the fingerprint hashes besides rule and path: the
	// line's content, never its number.
	key string
	// suppressKind ("inSource" or "external") and justification mark a
	// suppressed result.
	suppressKind, justification string
	props                       gosarif.Properties
}

// note is a decision-level message: a tool execution notification.
type note struct{ rule, action, message string }

// build assembles the run from items and notes, keeping the most severe
// results when GitHub's limits would be exceeded and saying so in a note.
func build(opts Options, items []item, notes []note, props gosarif.Properties) (*gosarif.Report, error) {
	limit := opts.MaxResults
	if limit <= 0 {
		limit = MaxResults
	}
	maxGzip := opts.MaxGzipBytes
	if maxGzip <= 0 {
		maxGzip = MaxGzipBytes
	}
	fps := fingerprints(items)
	for {
		report := assemble(opts, items, fps, notes, props, limit)
		size, err := gzipSize(report)
		if err != nil {
			return nil, err
		}
		kept := len(report.Runs[0].Results)
		if size <= maxGzip || kept == 0 {
			return report, nil
		}
		// Shrink in proportion, with a margin for the note and the rules.
		next := int(int64(kept) * int64(maxGzip) / int64(size) * 9 / 10)
		if next >= kept {
			next = kept - 1
		}
		limit = next
	}
}

// assemble builds the report keeping at most limit results.
func assemble(opts Options, items []item, fps []string, notes []note, props gosarif.Properties, limit int) *gosarif.Report {
	report, run := newReport(opts)
	for k, v := range props {
		if run.Properties == nil {
			run.Properties = gosarif.Properties{}
		}
		run.Properties[k] = v
	}
	keep := selectItems(items, limit)
	index := addRules(run, opts.Rules, items, keep, notes)
	for i, it := range items {
		if keep[i] {
			run.Results = append(run.Results, result(it, fps[i], index[it.rule]))
		}
	}
	inv := run.AddInvocation(true)
	inv.ToolExecutionNotifications = []*gosarif.Notification{}
	for _, n := range notes {
		msg := n.message
		if n.rule != "" {
			msg = n.rule + ": " + msg
		}
		nt := gosarif.NewNotification().WithLevel(Level(n.action)).WithTextMessage(msg)
		if n.rule != "" {
			nt.WithAssociatedRule(gosarif.NewReportingDescriptorReference().WithId(n.rule).WithIndex(index[n.rule]))
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, nt)
	}
	if dropped := len(items) - len(run.Results); dropped > 0 {
		msg := fmt.Sprintf("gov dropped %d of %d results to stay within GitHub's upload limits (%d results per run, %d MB gzipped); the most severe %d were kept",
			dropped, len(items), MaxResults, MaxGzipBytes>>20, len(run.Results))
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, gosarif.NewNotification().WithLevel("warning").WithTextMessage(msg))
	}
	if len(inv.ToolExecutionNotifications) == 0 {
		inv.ToolExecutionNotifications = nil
	}
	return report
}

// selectItems marks the items to keep: all of them under the limit, else
// the most severe (errors, then warnings, then notes) in input order.
func selectItems(items []item, limit int) []bool {
	keep := make([]bool, len(items))
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	if len(items) > limit {
		sort.SliceStable(order, func(a, b int) bool {
			return levelRank(Level(items[order[a]].action)) < levelRank(Level(items[order[b]].action))
		})
		order = order[:max(limit, 0)]
	}
	for _, i := range order {
		keep[i] = true
	}
	return keep
}

// result turns one item into a SARIF result.
func result(it item, fp string, ruleIndex int) *gosarif.Result {
	r := gosarif.NewRuleResult(it.rule).WithRuleIndex(ruleIndex).WithLevel(Level(it.action))
	r.WithMessage(gosarif.NewTextMessage(it.message))
	region := gosarif.NewRegion().WithStartLine(it.line)
	if it.column > 0 {
		region.WithStartColumn(it.column)
	}
	loc := gosarif.NewLocationWithPhysicalLocation(gosarif.NewPhysicalLocation().
		WithArtifactLocation(gosarif.NewSimpleArtifactLocation(artifactURI(it.file)).WithUriBaseId(SrcRootBase)).
		WithRegion(region))
	r.AddLocation(loc)
	r.WithPartialFingerPrints(map[string]any{FingerprintKey: fp})
	if it.suppressKind != "" {
		s := gosarif.NewSuppression(it.suppressKind).WithStatus("accepted").
			WithJustifcation(it.justification).WithGuid(guidOf(fp)).WithLocation(loc)
		r.AddSuppression(s)
	}
	if len(it.props) > 0 {
		r.Properties = it.props
	}
	return r
}

// gzipSize is the size of the report as written by Write, gzipped.
func gzipSize(r *gosarif.Report) (int, error) {
	var n countWriter
	zw := gzip.NewWriter(&n)
	if err := Write(zw, r); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, fmt.Errorf("sarif: %w", err)
	}
	return int(n), nil
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

package engine

import "github.com/open-policy-agent/opa/v1/ast"

// skippedStages are the OPA compiler stages that only look for errors (and
// record what a check needs: the dependency graph, the type environment,
// the capabilities a policy requires), plus the body safety check, which
// also orders each body so that its variables are bound before use (gov's
// modules are written in that order, so for them it only checks), and the
// rewrites of constructs gov's modules do not use (template strings, print
// and rego.metadata calls, with, test rules for tracing; METADATA blocks are
// parsed again only for a rego.metadata call). gov's own
// modules pass them at build time, and leaving them out compiles every one
// of them alike (TestEmbeddedChecksPass, over every program of gov's
// modules), so a program of gov's modules alone, a subset of them closed
// under reference (see omitLibraryPackages), skips them: these stages were
// half of compiling the library for a small gov eval. A program with any
// module of the bundle's runs every stage: a type error there (an
// undefined key of a known object, say) fails closed at compile time
// instead of leaving a rule undefined, that is, silent.
var skippedStages = []ast.StageID{
	ast.StageCheckUnusedImports,
	ast.StageCheckKeywordOverrides,
	ast.StageCheckDuplicateImports,
	ast.StageCheckVoidCalls,
	ast.StageSetGraph,
	ast.StageCheckRuleConflicts,
	ast.StageCheckUndefinedFuncs,
	ast.StageCheckSafetyRuleHeads,
	ast.StageCheckRecursion,
	ast.StageCheckTypes,
	ast.StageRewriteTemplateStrings,
	ast.StageRewritePrintCalls,
	ast.StageParseMetadataBlocks,
	ast.StageRewriteRegoMetadataCalls,
	ast.StageRewriteWithValues,
	ast.StageRewriteTestRulesForTracing,
	ast.StageCheckSafetyRuleBodies,
	ast.StageCheckUnsafeBuiltins,
	ast.StageCheckDeprecatedBuiltins,
	ast.StageBuildRequiredCapabilities,
}

// newCompiler returns the compiler for a program: every stage, or without
// skippedStages when embeddedOnly.
func newCompiler(embeddedOnly bool) *ast.Compiler {
	c := ast.NewCompiler()
	if embeddedOnly {
		c.WithSkipStages(skippedStages...)
	}
	return c
}

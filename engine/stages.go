package engine

import "github.com/open-policy-agent/opa/v1/ast"

// checkedStages are OPA compiler stages that only look for errors (and
// record what a check needs: the dependency graph, the type environment,
// the capabilities a policy requires); none changes a module or what
// evaluation reads. gov's own modules pass them at build time
// (TestEmbeddedChecksPass compiles every one of them with all stages), so
// a program of gov's modules alone, a subset of them closed under
// reference (see omitLibraryPackages), skips them: type checking and the
// other checks were a third of compiling the library for a small gov
// eval. A program with any module of the bundle's runs every stage: a type
// error there (an undefined key of a known object, say) fails closed at
// compile time instead of leaving a rule undefined, that is, silent.
var checkedStages = []ast.StageID{
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
	ast.StageCheckUnsafeBuiltins,
	ast.StageCheckDeprecatedBuiltins,
	ast.StageBuildRequiredCapabilities,
}

// newCompiler returns the compiler for a program: every stage, or without
// checkedStages when embeddedOnly.
func newCompiler(embeddedOnly bool) *ast.Compiler {
	c := ast.NewCompiler()
	if embeddedOnly {
		c.WithSkipStages(checkedStages...)
	}
	return c
}

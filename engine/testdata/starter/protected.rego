# Package gov.starter.protected asks for approval of changes to protected
# paths: CI workflows, CODEOWNERS (in any directory), auth/ and infra/.
package gov.starter.protected

protected_paths := ["auth/**", "infra/**", ".github/workflows/**", "CODEOWNERS", "**/CODEOWNERS"]

# METADATA
# title: Protected path changed
# description: Changes to CI, ownership, authentication or infrastructure need an approval.
# custom:
#   id: starter/protected-path
#   severity: medium
#   controls: ["SOC2:CC8.1"]
require_approval contains v if {
	some f in input.patch.files
	some path in {f.path, object.get(f, "old_path", f.path)}
	protected(path)
	v := object.union(
		{"msg": sprintf("%s is a protected path", [path]), "file": f.path},
		first_line(f),
	)
}

# protected matches a path glob ("*" within a segment, "**" across); a
# leading "**/" also matches at the top level.
protected(path) if {
	some p in protected_paths
	glob.match(p, ["/"], path)
}

# first_line names the first added line of f, if any.
first_line(f) := {"line": f.added[0].line} if count(f.added) > 0

else := {}

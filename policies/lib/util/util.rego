# Package gov.lib.util holds what the library's families share: family
# switches and parameters from data.gov.config.library.families, the
# environment, the action a tunable rule takes, path globs and violation
# objects.
#
# Every family reads, in gov.cue:
#   library: families: <family>: enabled: false        # turns the family off (default on)
#   library: families: <family>: require_approval_in: ["production", "staging"]
#       environments where the family's tunable rules require approval; "*"
#       is every environment; elsewhere they warn. Defaults: ["*"] for
#       protected-paths, cicd and secrets, ["production"] for the others.
# Rules that always deny (secrets found, tests deleted or skipped) ignore it.
package gov.lib.util

# _everywhere are the families whose tunable rules require approval in
# every environment by default.
_everywhere := {"protected-paths", "cicd", "secrets"}

# config is data.gov.config, or {} when a caller provides none.
config := c if {
	c := data.gov.config
} else := {}

# param is a family's parameter from gov.cue, or fallback when unset.
param(fam, key, fallback) := object.get(config, ["library", "families", fam, key], fallback)

# enabled holds unless the family sets enabled: false.
enabled(fam) if param(fam, "enabled", true) != false

environment := object.get(input, ["request", "environment"], "")

# families are the library's families.
families := {"secrets", "data", "protected-paths", "patch-risk", "code", "kubernetes", "cicd", "dependencies"}

# modes maps each family to how its tunable rules act in this environment:
# "require_approval", "warn", or "off" when the family is disabled. It is
# computed once per evaluation; families read their entry.
modes := {fam: _mode(object.get(_families_config, fam, {}), fam in _everywhere) | some fam in families}

_families_config := object.get(config, ["library", "families"], {})

# mode is modes[fam].
mode(fam) := modes[fam]

_mode(c, everywhere) := "off" if c.enabled == false

else := "require_approval" if _listed(_approval_envs(c, everywhere))

else := "warn"

_approval_envs(c, true) := object.get(c, "require_approval_in", ["*"])

_approval_envs(c, false) := object.get(c, "require_approval_in", ["production"])

_listed(envs) if "*" in envs

_listed(envs) if environment in envs

# glob_match holds when path matches one of patterns ("*" within a segment,
# "**" across segments, "?" one character, "{a,b}" either); "**/" also
# matches no directory, so a leading "**/" matches at the top level too.
glob_match(patterns, path) if regex.match(globs_regex(patterns), path)

# globs_regex is a regular expression matching what one of globs matches.
# Families keep the regex of their default lists as constants (their tests
# check them against this function) so that evaluation compiles nothing.
globs_regex(globs) := concat("", ["^(", concat("|", [_glob_regex(g) | some g in globs]), ")$"])

# globs_prefix_regex matches a path under a directory one of globs
# matches; its group 1 is that directory.
globs_prefix_regex(globs) := concat("", ["^(", concat("|", [_glob_regex(g) | some g in globs]), ")/"])

_glob_regex(g) := r if {
	escaped := strings.replace_n({
		".": "\\.", "+": "\\+", "(": "\\(", ")": "\\)", "^": "\\^", "$": "\\$", "|": "\\|",
		"{": "(", "}": ")", ",": "|", "?": "[^/]",
	}, g)
	stars := replace(replace(escaped, "**/", "\u0000"), "**", "\u0001")
	r := replace(replace(replace(stars, "*", "[^/]*"), "\u0000", "(.*/)?"), "\u0001", ".*")
}

# paths are a file's path and, for renames and copies, its old path.
paths(f) := {f.path, object.get(f, "old_path", f.path)}

# at is a violation at an added line [file, line, text].
at(hit, msg) := {"msg": msg, "file": hit[0], "line": hit[1]}

# at_file is a violation at f's first added line, or at f without a line.
at_file(f, msg) := {"msg": msg, "file": f.path, "line": f.added[0].line} if count(f.added) > 0

else := {"msg": msg, "file": f.path}

# added holds [file, line, text] for each added line of the files fs.
added(fs) := {[f.path, l.line, l.text] | some f in fs; some l in f.added}

# docs are the decoded documents of a changed file: a multi-document YAML
# is a list, anything else one document; empty when not decoded.
docs(f) := [d | some d in f.parsed; is_object(d)] if is_array(f.parsed)

else := [f.parsed] if is_object(f.parsed)

else := []

# basename is the last segment of a path.
basename(path) := b if {
	parts := split(path, "/")
	b := parts[count(parts) - 1]
}

# dirname is a path without its last segment ("" at the top level).
dirname(path) := concat("/", array.slice(parts, 0, count(parts) - 1)) if parts := split(path, "/")

# next_added is the text of the added line after line in the file at path.
next_added(path, line) := t if {
	some f in input.patch.files
	f.path == path
	some l in f.added
	l.line == line + 1
	t := l.text
}

# blobs[i] is the added lines of input.patch.files[i] joined by newlines,
# so that a family tests a file for its keywords with one substring search
# each before it looks at lines. Computed once per evaluation.
blobs := [concat("\n", [l.text | some l in f.added]) | some f in input.patch.files]

lower_blobs := [lower(b) | some b in blobs]

# all_files are the indexes of every changed file.
all_files := {i | some i, _ in input.patch.files}

# lines_with are [file, line, text] of the added lines of the files with
# indexes idx (in input.patch.files) that contain one of needles.
lines_with(idx, needles) := {[f.path, l.line, l.text] |
	some i in idx
	some n in needles
	contains(blobs[i], n)
	f := input.patch.files[i]
	some l in f.added
	contains(l.text, n)
}

# lines_with_lower is lines_with for lower-case needles, ignoring case.
lines_with_lower(idx, needles) := {[f.path, l.line, l.text] |
	some i in idx
	some n in needles
	contains(lower_blobs[i], n)
	f := input.patch.files[i]
	some l in f.added
	contains(lower(l.text), n)
}

# excerpt is a changed line as a violation message quotes it: trimmed, with
# what may be a credential masked, and cut at 160 characters. A URL's
# password is starred; a word (between spaces, quotes, brackets, commas) that
# looks like a credential (20 or more characters holding a letter and two
# digits, a well-known token prefix, or 32 or more mixed-case characters)
# keeps its first four characters, unless it is a URL without credentials or
# a query. The whole
# word goes, so no piece of a secret is left for the reader to join. gov
# also masks every secret its scanner found anywhere in the decision; this
# keeps messages safe on their own (opa eval, gov test, custom runners).
excerpt(text) := _clip(strings.replace_n(_word_masks(t), t)) if {
	t := regex.replace(trim_space(text), `(://[^:/@\s]*:)[^@\s]+@`, "${1}****@")
}

_word_masks(t) := {w: concat("", [substring(w, 0, 4), "****"]) |
	some w in regex.find_n("[^\\s\"'`(){}\\[\\],;<>]{16,}", t, -1)
	_credential_like(w)
	not _plain_url(w)
}

# A word of 20 or more characters with a letter and two digits.
_credential_like(w) if {
	count(w) >= 20
	regex.match(`[0-9].*[0-9]`, w)
	regex.match(`[A-Za-z]`, w)
}

# A word starting with a credential's well-known prefix, whatever its digits
# (an AWS key id may hold one or none, a Hugging Face token only letters).
_credential_like(w) if regex.match(`^(AKIA|ASIA|AGPA|AIDA|AROA|AIza|hf_|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|xox[abposr]-|sk-|sk_live_|rk_live_|SG\.|npm_|pypi-|dop_v1_)[A-Za-z0-9_./+=-]{12,}$`, w)

# A long mixed-case word without separators: a token of random letters.
_credential_like(w) if {
	count(w) >= 32
	regex.match(`^[A-Za-z0-9_+/=-]+$`, w)
	regex.match(`[a-z]`, w)
	regex.match(`[A-Z].*[A-Z].*[A-Z].*[A-Z]`, w)
}

_plain_url(w) if {
	regex.match(`^[a-z+]+://[^@?]*$`, w)
}

_clip(s) := concat("", [substring(s, 0, 160), "..."]) if count(s) > 160

else := s

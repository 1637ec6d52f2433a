package patch

import (
	"path"
	"strings"
)

// Language names the language of a file from its path, as policies see it in
// input.patch.files[].language: "python", "go", "javascript", "typescript",
// "java", "ruby", "shell", "yaml", "json", "toml", "terraform", "dockerfile",
// "markdown" and a few more; "" when unknown.
func Language(p string) string {
	base := strings.ToLower(path.Base(p))
	switch {
	case base == "dockerfile" || strings.HasPrefix(base, "dockerfile.") || strings.HasSuffix(base, ".dockerfile"):
		return "dockerfile"
	case base == "makefile" || base == "gnumakefile":
		return "makefile"
	case base == "gemfile" || base == "rakefile":
		return "ruby"
	case base == "jenkinsfile":
		return "groovy"
	}
	ext := path.Ext(base)
	if ext == "" {
		return ""
	}
	switch ext[1:] {
	case "py", "pyi", "pyw":
		return "python"
	case "go":
		return "go"
	case "js", "mjs", "cjs", "jsx":
		return "javascript"
	case "ts", "mts", "cts", "tsx":
		return "typescript"
	case "java":
		return "java"
	case "kt", "kts":
		return "kotlin"
	case "scala":
		return "scala"
	case "groovy", "gradle":
		return "groovy"
	case "rb", "erb", "gemspec":
		return "ruby"
	case "rs":
		return "rust"
	case "c", "h":
		return "c"
	case "cc", "cpp", "cxx", "hpp", "hh", "hxx":
		return "cpp"
	case "cs":
		return "csharp"
	case "php":
		return "php"
	case "swift":
		return "swift"
	case "sh", "bash", "zsh", "ksh":
		return "shell"
	case "ps1", "psm1":
		return "powershell"
	case "sql":
		return "sql"
	case "yaml", "yml":
		return "yaml"
	case "json":
		return "json"
	case "toml":
		return "toml"
	case "tf", "tfvars", "hcl":
		return "terraform"
	case "md", "markdown":
		return "markdown"
	case "rego":
		return "rego"
	case "cue":
		return "cue"
	case "proto":
		return "protobuf"
	case "html", "htm":
		return "html"
	case "css", "scss":
		return "css"
	case "xml":
		return "xml"
	case "ini", "cfg", "conf":
		return "ini"
	}
	return ""
}

package scantest

import (
	"strings"
	"unicode"
)

// Langs returns the formats Render writes, with the file extension of each.
func Langs() map[string]string {
	return map[string]string{
		"python": ".py", "go": ".go", "js": ".js", "yaml": ".yaml", "env": ".env", "json": ".json",
		"java": ".java", "ruby": ".rb", "shell": ".sh", "terraform": ".tf",
	}
}

// Render writes "name = value" the way lang assigns a string, as one line
// or, for a multi-line value, several. The value's text appears verbatim.
func Render(lang string, s Sample) string {
	name, v := s.Name, s.Value
	if s.Multiline() {
		return renderBlock(lang, name, v)
	}
	if name == "private_key" { // service-account JSON, in any file
		return `  "private_key": "` + v + `",`
	}
	switch lang {
	case "go":
		return "\t" + camel(name) + ` := "` + v + `"`
	case "js":
		return "const " + camel(name) + ` = "` + v + `";`
	case "yaml":
		return "  " + name + `: "` + v + `"`
	case "env":
		return strings.ToUpper(name) + "=" + v
	case "json":
		return `  "` + name + `": "` + v + `",`
	case "java":
		return `    private static final String ` + strings.ToUpper(name) + ` = "` + v + `";`
	case "ruby":
		return "  " + name + " = '" + v + "'"
	case "shell":
		return "export " + strings.ToUpper(name) + "='" + v + "'"
	case "terraform":
		return "  " + name + ` = "` + v + `"`
	default: // python
		return strings.ToUpper(name) + ` = "` + v + `"`
	}
}

func renderBlock(lang, name, v string) string {
	switch lang {
	case "yaml":
		lines := strings.Split(v, "\n")
		return "  " + name + ": |\n    " + strings.Join(lines, "\n    ")
	case "go":
		return "\t" + camel(name) + " := `" + v + "`"
	case "js":
		return "const " + camel(name) + " = `" + v + "`;"
	case "env", "shell":
		return strings.ToUpper(name) + `="` + v + `"`
	case "java":
		return `    private static final String ` + strings.ToUpper(name) + ` = """` + "\n" + v + `""";`
	case "ruby":
		return "  " + name + " = <<~KEY\n" + v + "\n  KEY"
	case "terraform":
		return "  " + name + " = <<EOT\n" + v + "\nEOT"
	case "json":
		return `  "` + name + `": "` + strings.ReplaceAll(v, "\n", `\n`) + `",`
	default:
		return strings.ToUpper(name) + ` = """` + v + `"""`
	}
}

// camel turns snake_case into lowerCamelCase (DD_API_KEY -> ddApiKey).
func camel(s string) string {
	parts := strings.Split(strings.ToLower(s), "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			r := []rune(parts[i])
			r[0] = unicode.ToUpper(r[0])
			parts[i] = string(r)
		}
	}
	return strings.Join(parts, "")
}

package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// words name things in generated code.
var words = strings.Fields(`user order invoice payment account session cache queue worker retry
config client server handler request response item cart product price tax region zone bucket
event metric span trace log record batch job task schedule report export import token password
secret auth login profile email address phone status state result error timeout limit page
offset cursor filter sort query index table column row schema migration backup replica shard`)

// fillerLines are realistic lines per language. Placeholders: {a} {b}
// identifiers, {n} a number, {s} a word. They include the everyday, non-secret
// uses of words like token, password and secret that real code is full of.
func fillerLines(lang string) []string {
	switch lang {
	case "go":
		return []string{
			"func ({a} *{A}) {B}(ctx context.Context, {b} string) error {", "\tif err != nil {", "\t\treturn fmt.Errorf(\"{s} {a}: %w\", err)", "\t}",
			"\t{a}, err := {b}.Get{A}(ctx, id)", "\tdefer {a}.Close()", "}", "\ttoken := r.Header.Get(\"Authorization\")",
			"\tpassword := os.Getenv(\"{S}_PASSWORD\")", "\tif len(password) < {n} {", "\tsecretName := fmt.Sprintf(\"%s-{s}\", env)",
			"\tlog.Printf(\"{s} %d {b}\", {n})", "\tfor i := 0; i < {n}; i++ {", "type {A} struct {", "\t{A} string `json:\"{a}\"`",
			"\t{a} = append({a}, {b})", "\treturn nil", "// {A} handles the {s} of a {b}.", "\tcase \"{s}\":", "\tcfg.TokenTTL = {n} * time.Second",
		}
	case "js":
		return []string{
			"export async function {a}({b}) {", "  const {a} = await fetch(`/api/{s}/${{b}}`);", "  if (!{a}.ok) throw new Error('{s} failed');",
			"  return {a}.json();", "}", "const token = req.headers['authorization'];", "const password = process.env.{S}_PASSWORD;",
			"  {a}.{b} = {n};", "import { {A} } from './{s}';", "// {A} renders the {s} list", "  {a}.forEach(({b}) => console.log({b}.{s}));",
			"module.exports = { {a}, {b} };", "  if (user.password !== confirmPassword) {", "  const secretKeyName = `{s}-${env}`;",
		}
	case "java":
		return []string{
			"public class {A}Service {", "    private final {A}Repository {a}Repository;", "    public {A} get{A}(long id) {",
			"        return {a}Repository.findById(id).orElseThrow();", "    }", "}", "    @Value(\"${{s}.password}\")",
			"    private String password;", "        String token = request.getHeader(\"X-{A}-Token\");", "        log.info(\"{s} {} {}\", {a}, {n});",
			"import java.util.{A};", "    // {A} keeps the {s} state", "        if ({a} == null) { throw new IllegalStateException(\"{s}\"); }",
		}
	case "ruby":
		return []string{
			"class {A}Controller < ApplicationController", "  def {a}", "    @{a} = {A}.find(params[:id])", "  end", "end",
			"    token = request.headers['Authorization']", "    password = ENV.fetch('{S}_PASSWORD')", "  has_secure_password",
			"    render json: @{a}, status: :ok", "  # {A} lists the {s}", "    {a}.each { |{b}| logger.info({b}.{s}) }",
		}
	case "yaml":
		return []string{
			"{a}:", "  replicas: {n}", "  image: registry.internal/{a}:{n}.{n}", "  env:", "    - name: {S}_PASSWORD",
			"      valueFrom:", "        secretKeyRef:", "          name: {a}-secrets", "          key: password", "  {b}: {s}",
			"  timeout_seconds: {n}", "  token_path: /var/run/secrets/{s}/token", "# {s} settings for {a}",
		}
	case "env":
		return []string{"{S}_HOST={a}.internal", "{S}_PORT={n}", "{S}_ENABLED=true", "# {s} settings", "LOG_LEVEL=info", "{S}_TIMEOUT={n}"}
	case "json":
		return []string{`  "{a}": "{s}",`, `  "{b}": {n},`, `  "{a}_enabled": true,`, `  "token_endpoint": "https://auth.{a}.internal/oauth/token",`, `  "password_min_length": {n},`}
	case "shell":
		return []string{
			"#!/usr/bin/env bash", "set -euo pipefail", "{a}() {", "  echo \"{s} $1\"", "}", "export {S}_DIR=/opt/{a}",
			"TOKEN=$(cat /run/secrets/{s}_token)", "curl -fsS -H \"Authorization: Bearer $TOKEN\" https://{a}.internal/{s}",
			"if [ -z \"${{S}_PASSWORD:-}\" ]; then exit 1; fi", "for f in *.{s}; do {a} \"$f\"; done",
		}
	case "terraform":
		return []string{
			"resource \"aws_s3_bucket\" \"{a}\" {", "  bucket = \"{a}-{s}\"", "}", "variable \"{a}_password\" {", "  type      = string",
			"  sensitive = true", "  tags = { Name = \"{a}\" }", "  password = var.{a}_password", "module \"{a}\" {", "  source = \"./modules/{s}\"",
		}
	default: // python
		return []string{
			"def {a}(self, {b}):", "    \"\"\"Return the {s} of a {b}.\"\"\"", "    if {b} is None:", "        raise ValueError(\"{s}\")",
			"    return self.{a}.get({b})", "class {A}({B}):", "import {a}", "from {a} import {B}", "    token = request.headers.get(\"Authorization\")",
			"    password = os.environ[\"{S}_PASSWORD\"]", "    if not check_password(user, password):", "    secret_name = f\"{a}-{{env}}\"",
			"    logger.info(\"%s {s}\", {b})", "    for {b} in self.{a}:", "        {a}.append({b} * {n})", "    {a} = {n}",
		}
	}
}

// filler expands a template with random names.
func filler(r *rand.Rand, tmpl string) string {
	w := func() string { return words[r.IntN(len(words))] }
	repl := strings.NewReplacer(
		"{a}", w()+"_"+w(), "{b}", w(), "{A}", title(w())+title(w()), "{B}", title(w()),
		"{s}", w(), "{S}", strings.ToUpper(w()), "{n}", fmt.Sprint(r.IntN(5000)),
	)
	return repl.Replace(tmpl)
}

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

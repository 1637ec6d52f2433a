package gov.lib.code.ruby_test

import data.gov.lib.code.ruby

_in(env, lines) := {
	"request": {"environment": env},
	"patch": {"files": [{"path": "app/models/report.rb", "language": "ruby", "status": "modified", "added": [{"line": i + 1, "text": t} | some i, t in lines], "removed": []}]},
}

# _bad maps each rule to snippets (added lines) that must raise it at their first line.
_bad := {
	"ruby-eval": [
		["    eval(params[:code])"],
		["    obj.instance_eval \"#{attr}\""],
		["    user.send(params[:method])"],
	],
	"ruby-shell-injection": [
		["    system(\"convert #{file} out.png\")"],
		["    out = `git log #{ref}`"],
		["    %x(ls #{dir})"],
	],
	"ruby-unsafe-deserialization": [
		["    data = Marshal.load(cookies[:session])"],
		["    cfg = YAML.load(params[:cfg])"],
	],
	"ruby-tls-verify-disabled": [
		["    http.verify_mode = OpenSSL::SSL::VERIFY_NONE"],
		["    RestClient::Request.execute(url: u, verify_ssl: false)"],
	],
	"ruby-weak-hash": [
		["    token = Digest::MD5.hexdigest(email)"],
		["    d = OpenSSL::Digest.new('sha1')"],
	],
	"ruby-broad-rescue": [
		["    value = compute rescue nil"],
		["  rescue => e", "    nil"],
		["  rescue Exception; end"],
	],
}

_good := [
	"    system(\"convert\", file, \"out.png\")",
	"    cfg = YAML.safe_load(params[:cfg])",
	"    token = Digest::SHA256.hexdigest(email)",
	"  rescue ActiveRecord::RecordNotFound => e",
	"    render status: 404",
	"    http.verify_mode = OpenSSL::SSL::VERIFY_PEER",
]

test_each_rule_requires_approval_in_production if {
	every rule, cases in _bad {
		every lines in cases {
			r := ruby.require_approval with input as _in("production", lines) with data.gov.config as {}
			r == {{"msg": sprintf("%s: %s", [ruby._messages[rule], trim_space(lines[0])]), "file": "app/models/report.rb", "line": 1}}
		}
	}
}

test_each_rule_warns_in_staging if {
	every _, cases in _bad {
		every lines in cases {
			count(ruby.warn) == 1 with input as _in("staging", lines) with data.gov.config as {}
			count(ruby.require_approval) == 0 with input as _in("staging", lines) with data.gov.config as {}
		}
	}
}

test_safe_code_passes if {
	count(ruby.require_approval) == 0 with input as _in("production", _good) with data.gov.config as {}
}

test_disabled_ignored_and_other_languages if {
	lines := [c[0] | some cases in _bad; some c in cases]
	off := {"library": {"families": {"code": {"enabled": false}}}}
	count(ruby.require_approval) == 0 with input as _in("production", lines) with data.gov.config as off
	count(ruby.warn) == 0 with input as _in("production", lines) with data.gov.config as off
	ignore := {"library": {"families": {"code": {"ignore_paths": ["app/**"]}}}}
	count(ruby.require_approval) == 0 with input as _in("production", lines) with data.gov.config as ignore
	doc := {"patch": {"files": [{"path": "README.md", "language": "markdown", "status": "modified", "added": [{"line": 1, "text": t} | some t in lines], "removed": []}]}}
	count(ruby.warn) == 0 with input as doc with data.gov.config as {}
}

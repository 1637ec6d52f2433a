package gov.lib.code.javascript_test

import data.gov.lib.code.javascript

_in(env, lines) := {
	"request": {"environment": env},
	"patch": {"files": [{"path": "web/src/server.js", "language": "javascript", "status": "modified", "added": [{"line": i + 1, "text": t} | some i, t in lines], "removed": []}]},
}

# _bad maps each rule to snippets (added lines) that must raise it at their first line.
_bad := {
	"js-eval": [
		["  const result = eval(req.query.expr);"],
		["  const fn = new Function('a', body);"],
		["  setTimeout(\"refresh()\", 100);"],
	],
	"js-shell-injection": [
		["  exec(`convert ${file} out.png`, cb);"],
		["  const out = execSync('git log ' + ref);"],
		["  spawn(cmd, args, { shell: true });"],
	],
	"js-unsafe-deserialization": [
		["  const obj = serialize.unserialize(req.cookies.profile);"],
		["const serialize = require('node-serialize');"],
	],
	"js-tls-verify-disabled": [
		["  const agent = new https.Agent({ rejectUnauthorized: false });"],
		["process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';"],
	],
	"js-weak-hash": [
		["  const h = crypto.createHash('md5').update(pw).digest('hex');"],
		["  const d = CryptoJS.SHA1(token);"],
	],
	"js-empty-catch": [
		["  } catch (e) {}"],
		["  fetchUser(id).catch(() => {});"],
		["  } catch (err) {", "  }"],
	],
}

_good := [
	"  const m = /a(b)/.exec(s);",
	"  const result = JSON.parse(body);",
	"  const h = crypto.createHash('sha256');",
	"  } catch (e) {",
	"    logger.error(e);",
	"  const agent = new https.Agent({ rejectUnauthorized: true });",
	"  model.eval();",
]

test_each_rule_requires_approval_in_production if {
	every rule, cases in _bad {
		every lines in cases {
			r := javascript.require_approval with input as _in("production", lines) with data.gov.config as {}
			r == {{"msg": sprintf("%s: %s", [javascript._messages[rule], trim_space(lines[0])]), "file": "web/src/server.js", "line": 1}}
		}
	}
}

test_each_rule_warns_in_staging if {
	every _, cases in _bad {
		every lines in cases {
			count(javascript.warn) == 1 with input as _in("staging", lines) with data.gov.config as {}
			count(javascript.require_approval) == 0 with input as _in("staging", lines) with data.gov.config as {}
		}
	}
}

test_safe_code_passes if {
	count(javascript.require_approval) == 0 with input as _in("production", _good) with data.gov.config as {}
}

test_disabled_ignored_and_other_languages if {
	lines := [c[0] | some cases in _bad; some c in cases]
	off := {"library": {"families": {"code": {"enabled": false}}}}
	count(javascript.require_approval) == 0 with input as _in("production", lines) with data.gov.config as off
	count(javascript.warn) == 0 with input as _in("production", lines) with data.gov.config as off
	ignore := {"library": {"families": {"code": {"ignore_paths": ["web/**"]}}}}
	count(javascript.require_approval) == 0 with input as _in("production", lines) with data.gov.config as ignore
	doc := {"patch": {"files": [{"path": "README.md", "language": "markdown", "status": "modified", "added": [{"line": 1, "text": t} | some t in lines], "removed": []}]}}
	count(javascript.warn) == 0 with input as doc with data.gov.config as {}
}

package gov.lib.code.python_test

import data.gov.lib.code.python

_in(env, lines) := {
	"request": {"environment": env},
	"patch": {"files": [{"path": "services/api/app.py", "language": "python", "status": "modified", "added": [{"line": i + 1, "text": t} | some i, t in lines], "removed": []}]},
}

# _bad maps each rule to snippets (added lines) that must raise it at their first line.
_bad := {
	"python-eval": [
		["    result = eval(request.args[\"expr\"])"],
		["    exec(code, {})"],
	],
	"python-shell-injection": [
		["    subprocess.run(f\"tar xzf {path}\", shell=True, check=True)"],
		["    os.system(\"rm -rf \" + tmp)"],
		["    out = subprocess.getoutput(cmd)"],
	],
	"python-unsafe-deserialization": [
		["    obj = pickle.loads(request.data)"],
		["    cfg = yaml.load(open(path))"],
		["    model = dill.load(f)"],
	],
	"python-tls-verify-disabled": [
		["    r = requests.get(url, verify=False, timeout=5)"],
		["    ctx = ssl._create_unverified_context()"],
		["    ctx.verify_mode = ssl.CERT_NONE"],
	],
	"python-weak-hash": [
		["    digest = hashlib.md5(password.encode()).hexdigest()"],
		["    h = hashlib.new('sha1', data)"],
	],
	"python-broad-except": [
		["    except Exception:", "        pass"],
		["    except:", "        return None"],
		["    except BaseException as e: pass"],
	],
}

_good := [
	"    result = model.eval()",
	"    subprocess.run([\"tar\", \"xzf\", path], check=True)",
	"    cfg = yaml.load(f, Loader=yaml.SafeLoader)",
	"    cfg = yaml.safe_load(f)",
	"    r = requests.get(url, verify=True)",
	"    etag = hashlib.md5(body, usedforsecurity=False).hexdigest()",
	"    except ValueError:",
	"    except Exception as e:",
	"        log.exception(\"failed\")",
	"    cursor.execute(query, params)",
]

test_each_rule_requires_approval_in_production if {
	every rule, cases in _bad {
		every lines in cases {
			r := python.require_approval with input as _in("production", lines) with data.gov.config as {}
			r == {{"msg": sprintf("%s: %s", [python._messages[rule], trim_space(lines[0])]), "file": "services/api/app.py", "line": 1}}
		}
	}
}

test_each_rule_warns_in_staging if {
	every _, cases in _bad {
		every lines in cases {
			count(python.warn) == 1 with input as _in("staging", lines) with data.gov.config as {}
			count(python.require_approval) == 0 with input as _in("staging", lines) with data.gov.config as {}
		}
	}
}

test_safe_code_passes if {
	count(python.require_approval) == 0 with input as _in("production", _good) with data.gov.config as {}
}

test_disabled_ignored_and_other_languages if {
	lines := [c[0] | some cases in _bad; some c in cases]
	off := {"library": {"families": {"code": {"enabled": false}}}}
	count(python.require_approval) == 0 with input as _in("production", lines) with data.gov.config as off
	count(python.warn) == 0 with input as _in("production", lines) with data.gov.config as off
	ignore := {"library": {"families": {"code": {"ignore_paths": ["services/**"]}}}}
	count(python.require_approval) == 0 with input as _in("production", lines) with data.gov.config as ignore
	doc := {"patch": {"files": [{"path": "README.md", "language": "markdown", "status": "modified", "added": [{"line": 1, "text": t} | some t in lines], "removed": []}]}}
	count(python.warn) == 0 with input as doc with data.gov.config as {}
}

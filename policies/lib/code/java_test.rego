package gov.lib.code.java_test

import data.gov.lib.code.java

_in(env, lines) := {
	"request": {"environment": env},
	"patch": {"files": [{"path": "src/main/java/com/acme/Report.java", "language": "java", "status": "modified", "added": [{"line": i + 1, "text": t} | some i, t in lines], "removed": []}]},
}

# _bad maps each rule to snippets (added lines) that must raise it at their first line.
_bad := {
	"java-shell-injection": [
		["        Process p = Runtime.getRuntime().exec(\"convert \" + name);"],
		["        new ProcessBuilder(\"sh\", \"-c\", cmd).start();"],
	],
	"java-unsafe-deserialization": [
		["        ObjectInputStream in = new ObjectInputStream(req.getInputStream());"],
		["        Object o = in.readObject();"],
		["        mapper.enableDefaultTyping();"],
	],
	"java-tls-verify-disabled": [
		["        .setSSLHostnameVerifier(NoopHostnameVerifier.INSTANCE)"],
		["        conn.setHostnameVerifier((host, session) -> true);"],
	],
	"java-weak-hash": [
		["        MessageDigest md = MessageDigest.getInstance(\"MD5\");"],
		["        Cipher c = Cipher.getInstance(\"DES/CBC/PKCS5Padding\");"],
		["        String h = DigestUtils.sha1Hex(pw);"],
	],
	"java-empty-catch": [
		["        } catch (Exception e) {}"],
		["        } catch (Throwable t) {", "        }"],
	],
}

_good := [
	"        new ProcessBuilder(\"convert\", name).start();",
	"        MessageDigest md = MessageDigest.getInstance(\"SHA-256\");",
	"        } catch (IOException e) {",
	"            log.warn(\"read failed\", e);",
	"        } catch (Exception e) {",
]

test_each_rule_requires_approval_in_production if {
	every rule, cases in _bad {
		every lines in cases {
			r := java.require_approval with input as _in("production", lines) with data.gov.config as {}
			r == {{"msg": sprintf("%s: %s", [java._messages[rule], trim_space(lines[0])]), "file": "src/main/java/com/acme/Report.java", "line": 1}}
		}
	}
}

test_each_rule_warns_in_staging if {
	every _, cases in _bad {
		every lines in cases {
			count(java.warn) == 1 with input as _in("staging", lines) with data.gov.config as {}
			count(java.require_approval) == 0 with input as _in("staging", lines) with data.gov.config as {}
		}
	}
}

test_safe_code_passes if {
	count(java.require_approval) == 0 with input as _in("production", _good) with data.gov.config as {}
}

test_disabled_ignored_and_other_languages if {
	lines := [c[0] | some cases in _bad; some c in cases]
	off := {"library": {"families": {"code": {"enabled": false}}}}
	count(java.require_approval) == 0 with input as _in("production", lines) with data.gov.config as off
	count(java.warn) == 0 with input as _in("production", lines) with data.gov.config as off
	ignore := {"library": {"families": {"code": {"ignore_paths": ["src/**"]}}}}
	count(java.require_approval) == 0 with input as _in("production", lines) with data.gov.config as ignore
	doc := {"patch": {"files": [{"path": "README.md", "language": "markdown", "status": "modified", "added": [{"line": 1, "text": t} | some t in lines], "removed": []}]}}
	count(java.warn) == 0 with input as doc with data.gov.config as {}
}

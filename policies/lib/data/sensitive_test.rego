package gov.lib.data.sensitive_test

import data.gov.lib.data.sensitive

_file(path, lang, lines) := {"path": path, "language": lang, "status": "modified", "added": [{"line": n, "text": t} | some [n, t] in lines], "removed": []}

_in(env, files) := {"request": {"environment": env}, "patch": {"files": files}}

test_phi_access_in_production if {
	files := [_file("services/records/api.py", "python", [
		[10, "    return {\"id\": p.id, \"dob\": p.date_of_birth, \"dx\": p.diagnosis}"],
		[11, "    name = p.display_name"],
	])]
	r := sensitive.require_approval with input as _in("production", files) with data.gov.config as {}
	r == {{"msg": "reads sensitive field dob", "file": "services/records/api.py", "line": 10}}
	count(sensitive.warn) == 0 with input as _in("production", files) with data.gov.config as {}
}

test_pii_access_warns_elsewhere_and_tunes if {
	files := [_file("web/card.ts", "typescript", [[4, "const last4 = order.card_number.slice(-4);"]])]
	count(sensitive.warn) == 1 with input as _in("staging", files) with data.gov.config as {}
	cfg := {"library": {"families": {"data": {"sensitive_fields": ["loyalty_id"]}}}}
	count(sensitive.warn) == 0 with input as _in("staging", files) with data.gov.config as cfg
	other := [_file("web/card.ts", "typescript", [[4, "const id = customer.loyalty_id;"]])]
	count(sensitive.warn) == 1 with input as _in("staging", other) with data.gov.config as cfg
}

test_sensitive_logging if {
	files := [
		_file("app/login.py", "python", [[7, `    log.info("login %s password=%s", user, password)`]]),
		_file("app/pay.go", "go", [[12, `	fmt.Printf("charging card %s\n", req.CardNumber)`], [13, `	log.Printf("card_number=%s", req.card_number)`]]),
		_file("web/a.js", "javascript", [[2, "console.log('token', token);"], [3, "const token = getToken();"]]),
		_file("App.java", "java", [[5, `System.out.println("ssn " + p.ssn);`]]),
	]
	r := sensitive.require_approval with input as _in("production", files) with data.gov.config as {}
	{[v.file, v.line] | some v in r} == {["app/login.py", 7], ["app/pay.go", 13], ["web/a.js", 2], ["App.java", 5]}
	some v in r
	v.file == "App.java"
	v.msg == `logs sensitive value ssn: System.out.println("ssn " + p.ssn);`
}

test_docs_and_disabled if {
	files := [_file("README.md", "markdown", [[1, "log.info(password)"]])]
	count(sensitive.warn) == 0 with input as _in("staging", files) with data.gov.config as {}
	code := [_file("a.py", "python", [[1, "print(password)"]])]
	off := {"library": {"families": {"data": {"enabled": false}}}}
	count(sensitive.warn) == 0 with input as _in("staging", code) with data.gov.config as off
	count(sensitive.warn) == 1 with input as _in("staging", code) with data.gov.config as {}
}

package gov.lib.data.sql_test

import data.gov.lib.data.sql

_file(path, lang, lines) := {"path": path, "language": lang, "status": "modified", "added": [{"line": n, "text": t} | some [n, t] in lines], "removed": []}

_in(env, files) := {"request": {"environment": env}, "patch": {"files": files}}

_msgs(set) := {v.msg | some v in set}

test_destructive_ddl_in_production if {
	files := [_file("db/migrations/0042_cleanup.sql", "sql", [
		[1, "DROP TABLE legacy_sessions;"],
		[2, "truncate table audit_log;"],
		[3, "CREATE TABLE x (id int);"],
	])]
	r := sql.require_approval with input as _in("production", files) with data.gov.config as {}
	r == {
		{"msg": "destructive statement: DROP TABLE legacy_sessions;", "file": "db/migrations/0042_cleanup.sql", "line": 1},
		{"msg": "destructive statement: truncate table audit_log;", "file": "db/migrations/0042_cleanup.sql", "line": 2},
	}
	count(sql.warn) == 0 with input as _in("production", files) with data.gov.config as {}
}

test_destructive_warns_outside_production if {
	files := [_file("app/migrations/0007.py", "python", [[9, "        migrations.DeleteModel(name=\"Invoice\"),"], [10, "    op.drop_table('users')"]])]
	count(sql.warn) == 2 with input as _in("staging", files) with data.gov.config as {}
	count(sql.require_approval) == 0 with input as _in("staging", files) with data.gov.config as {}
}

test_unbounded_dml if {
	files := [
		_file("app/jobs.py", "python", [
			[3, `    cur.execute("DELETE FROM sessions")`],
			[4, `    cur.execute("UPDATE stock SET available = 0 WHERE sku = %s", (sku,))`],
			[5, `    User.objects.all().delete()`],
			[6, `    Session.where(user_id: id).delete_all`],
		]),
		_file("db/fix.sql", "sql", [
			[1, "UPDATE accounts"],
			[2, "SET balance = 0;"],
			[4, "UPDATE accounts"],
			[5, "SET balance = 0"],
			[6, "WHERE id = 7;"],
		]),
		_file("app/purge.rb", "ruby", [[2, "    AuditEvent.delete_all"]]),
	]
	r := sql.require_approval with input as _in("production", files) with data.gov.config as {}
	_msgs(r) == {
		`DELETE without WHERE: cur.execute("DELETE FROM sessions")`,
		"bulk ORM operation without a filter: User.objects.all().delete()",
		"UPDATE without WHERE: UPDATE accounts",
		"bulk ORM operation without a filter: AuditEvent.delete_all",
	}
}

test_column_drop if {
	files := [
		_file("db/migrate/20240101_drop_email.rb", "ruby", [[3, "    remove_column :users, :email"]]),
		_file("db/002.sql", "sql", [
			[1, "ALTER TABLE users DROP COLUMN email;"],
			[2, "ALTER TABLE users DROP CONSTRAINT users_email_key;"],
			[3, "alter table orders drop legacy_ref;"],
		]),
	]
	r := sql.require_approval with input as _in("production", files) with data.gov.config as {}
	{[v.file, v.line] | some v in r} == {["db/migrate/20240101_drop_email.rb", 3], ["db/002.sql", 1], ["db/002.sql", 3]}
}

test_ordinary_and_disabled if {
	files := [
		_file("app/db.go", "go", [[1, `	_, err := tx.ExecContext(ctx, "UPDATE stock SET n = n - $1 WHERE sku = $2", n, sku)`], [2, "// update the cache"]]),
		_file("docs/ops.md", "markdown", [[1, "Never run DROP TABLE users;"]]),
	]
	count(sql.require_approval) == 0 with input as _in("production", files) with data.gov.config as {}
	bad := [_file("db/x.sql", "sql", [[1, "DROP TABLE users;"]])]
	off := {"library": {"families": {"data": {"enabled": false}}}}
	count(sql.require_approval) == 0 with input as _in("production", bad) with data.gov.config as off
	count(sql.warn) == 0 with input as _in("production", bad) with data.gov.config as off
}

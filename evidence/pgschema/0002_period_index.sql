-- Version 2: period queries (gov audit log --since, gov report --since,
-- gov simulate --since, prune) read records by time through an index, in
-- the order they are listed.
CREATE INDEX gov_audit_records_by_time ON gov_audit (at_ns, digest) WHERE kind = 'record';

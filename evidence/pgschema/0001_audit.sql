-- gov's audit store, version 1: one insert-only table of records, their
-- signed evidence and prune marks, each row chained to the one before it by
-- hash (see evidence/audit_pg_chain.go), and the head of that chain.
CREATE TABLE gov_audit (
	seq       bigint PRIMARY KEY,
	kind      text   NOT NULL CHECK (kind IN ('record', 'evidence', 'prune')),
	-- record, evidence: hex SHA-256 of the record's bytes; prune: of its body.
	digest    text   NOT NULL,
	-- the record's time, Unix nanoseconds (UTC)
	at_ns     bigint NOT NULL,
	-- record: its exact bytes; evidence: the Sigstore bundle; prune: what it removed
	body      bytea  NOT NULL,
	-- record: what gov report counts of it (evidence.RecordSummary, JSON)
	summary   text,
	prev_hash bytea  NOT NULL,
	hash      bytea  NOT NULL,
	UNIQUE (kind, digest)
);

CREATE TABLE gov_audit_head (
	one  boolean PRIMARY KEY DEFAULT true CHECK (one),
	seq  bigint NOT NULL,
	hash bytea  NOT NULL
);
INSERT INTO gov_audit_head VALUES (true, 0, decode(repeat('00', 32), 'hex'));

-- Rows are never changed, and removed only by gov audit prune, which sets
-- gov.prune for its own transaction. Privileges are the real control
-- (grant gov's role INSERT and SELECT only); this stops mistakes and
-- ordinary statements, and the chain finds what goes round it.
CREATE FUNCTION gov_audit_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' AND current_setting('gov.prune', true) = 'on' THEN
		IF OLD.kind <> 'prune' THEN
			RETURN OLD;
		END IF;
	END IF;
	RAISE EXCEPTION 'gov_audit is insert-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER gov_audit_insert_only BEFORE UPDATE OR DELETE ON gov_audit
	FOR EACH ROW EXECUTE FUNCTION gov_audit_insert_only();
CREATE TRIGGER gov_audit_no_truncate BEFORE TRUNCATE ON gov_audit
	FOR EACH STATEMENT EXECUTE FUNCTION gov_audit_insert_only();

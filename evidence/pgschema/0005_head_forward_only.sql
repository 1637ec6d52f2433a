-- Version 5: the chain's head only moves forward. Every write and gov audit
-- prune (which appends its prune row after the rows it removed) moves it to
-- a higher sequence number; a head moved back would let the newest rows be
-- deleted and the rest still verify. The head row cannot be deleted either.
-- As for gov_audit, privileges are the real control; this refuses the
-- ordinary statements that would rewrite the tail.
CREATE FUNCTION gov_audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND NEW.seq > OLD.seq THEN
		RETURN NEW;
	END IF;
	RAISE EXCEPTION 'gov_audit_head only moves forward: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER gov_audit_head_forward_only BEFORE UPDATE OR DELETE ON gov_audit_head
	FOR EACH ROW EXECUTE FUNCTION gov_audit_head_forward_only();
CREATE TRIGGER gov_audit_head_no_truncate BEFORE TRUNCATE ON gov_audit_head
	FOR EACH STATEMENT EXECUTE FUNCTION gov_audit_head_forward_only();

-- Version 4: the pull requests gov serve left waiting for approval on a
-- stage that escalates at due, shared by every replica, so that any of them
-- escalates a PR another decided. One row per PR: the key is the
-- repository (lower case, as GitHub compares names) and the PR number.
CREATE TABLE gov_pending_approvals (
	repo_key     text        NOT NULL,
	number       int         NOT NULL CHECK (number > 0),
	repo         text        NOT NULL,
	head_sha     text        NOT NULL,
	base_ref     text        NOT NULL,
	due          timestamptz NOT NULL,
	installation bigint      NOT NULL DEFAULT 0,
	PRIMARY KEY (repo_key, number),
	CHECK (repo_key = lower(repo))
);
CREATE INDEX gov_pending_approvals_by_due ON gov_pending_approvals (due);

-- Version 3: the webhook deliveries gov serve accepted (a delivery id, or
-- the hash of a delivery's content), shared by every replica, so that a
-- replay to any of them, or after a restart, is refused. The primary key is
-- the claim; a row older than the server's delivery TTL (by the database's
-- clock, so replicas' clocks do not matter) is a delivery forgotten, and
-- removed by the next server that claims a delivery after it expired.
CREATE TABLE gov_webhook_deliveries (
	key text        PRIMARY KEY,
	at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gov_webhook_deliveries_by_time ON gov_webhook_deliveries (at);

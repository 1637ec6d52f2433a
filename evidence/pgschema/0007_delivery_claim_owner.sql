-- Version 7: a webhook delivery claim names the claim that took it (a
-- random value of the server's), so that a server whose claim failed (its
-- answer lost) drops only its own claim, never another replica's claim of
-- the same delivery (ForgetDeliveryClaim). Rows written before have none.
ALTER TABLE gov_webhook_deliveries ADD COLUMN claim text;

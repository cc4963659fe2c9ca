-- Freshness: a listing not confirmed for 90 days gets a reminder (once per confirmation), is
-- stale at 180 (computed from verified_at where it is read), and at 365 is hidden: its status
-- becomes 'inactive' (so search, matching and Open Referral consumers stop offering it) until
-- it is confirmed, which puts back the status it had.
ALTER TABLE service ADD COLUMN reminded_at timestamptz;
ALTER TABLE service ADD COLUMN hidden_at timestamptz;
ALTER TABLE service ADD COLUMN status_before_hidden text;

ALTER TABLE record_version DROP CONSTRAINT record_version_action_check;
ALTER TABLE record_version ADD CONSTRAINT record_version_action_check
  CHECK (action IN ('create', 'update', 'confirm', 'referral_status', 'restore', 'hide'));

-- Secrets the service makes for itself on first use (the key that signs confirmation links).
CREATE TABLE app_secret (
  name        text PRIMARY KEY,
  value       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Refusals of requests from nobody signed in are counted, one row per client address, reason and
-- hour, rather than written one row each: junk tokens sent in a loop must not fill the log.
CREATE INDEX audit_log_anonymous_refusal_idx ON audit_log (ip, at) WHERE action = 'access' AND account_id IS NULL;

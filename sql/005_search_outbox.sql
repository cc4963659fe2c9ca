-- Keeping an external search index (Meilisearch) in step with the directory. Every change to
-- a listing puts its service id in search_outbox in the same transaction as the change; a
-- worker drains the outbox. The outbox fills only while search_sync.enabled is true (the app
-- sets it at start from MEILI_URL), so a directory without Meilisearch keeps no backlog.

CREATE TABLE search_sync (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  enabled    boolean NOT NULL DEFAULT false
);
INSERT INTO search_sync (singleton, enabled) VALUES (true, false);

CREATE TABLE search_outbox (
  service_id       uuid PRIMARY KEY,
  enqueued_at      timestamptz NOT NULL DEFAULT now(),
  attempts         integer NOT NULL DEFAULT 0,
  -- Due at once when queued ('-infinity' whatever the clock); pushed back by failed attempts.
  next_attempt_at  timestamptz NOT NULL DEFAULT '-infinity',
  last_error       text,
  -- Set aside after too many failures: kept for a person to look at, no longer retried.
  failed_at        timestamptz
);
CREATE INDEX search_outbox_due_idx ON search_outbox (next_attempt_at) WHERE failed_at IS NULL;

CREATE FUNCTION enqueue_search_sync(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT (SELECT enabled FROM search_sync) THEN
    RETURN;
  END IF;
  -- A service already waiting is simply due again: one row per service, however many edits.
  INSERT INTO search_outbox (service_id)
  SELECT DISTINCT id FROM unnest(ids) AS id WHERE id IS NOT NULL
  ON CONFLICT (service_id) DO UPDATE
    SET enqueued_at = now(), attempts = 0, next_attempt_at = '-infinity', last_error = NULL, failed_at = NULL;
END
$$;

-- One trigger function per way a table leads to its services, each over the statement's rows.
CREATE FUNCTION search_sync_by_service_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM enqueue_search_sync(ARRAY(SELECT service_id FROM changed));
  RETURN NULL;
END
$$;

CREATE FUNCTION search_sync_by_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM enqueue_search_sync(ARRAY(SELECT id FROM changed));
  RETURN NULL;
END
$$;

CREATE FUNCTION search_sync_by_location_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM enqueue_search_sync(ARRAY(
    SELECT sal.service_id FROM service_at_location sal JOIN changed c ON c.location_id = sal.location_id));
  RETURN NULL;
END
$$;

CREATE FUNCTION search_sync_by_location() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM enqueue_search_sync(ARRAY(
    SELECT sal.service_id FROM service_at_location sal JOIN changed c ON c.id = sal.location_id));
  RETURN NULL;
END
$$;

CREATE FUNCTION search_sync_by_schedule() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM enqueue_search_sync(ARRAY(
    SELECT coalesce(c.service_id, sal.service_id)
      FROM changed c LEFT JOIN service_at_location sal ON sal.id = c.service_at_location_id));
  RETURN NULL;
END
$$;

CREATE FUNCTION search_sync_by_organization() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM enqueue_search_sync(ARRAY(SELECT s.id FROM service s JOIN changed c ON c.id = s.organization_id));
  RETURN NULL;
END
$$;

CREATE TRIGGER search_sync_service_ins AFTER INSERT ON service REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_id();
CREATE TRIGGER search_sync_service_upd AFTER UPDATE ON service REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_id();
CREATE TRIGGER search_sync_service_del AFTER DELETE ON service REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_id();
CREATE TRIGGER search_sync_org_upd AFTER UPDATE ON organization REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_organization();
CREATE TRIGGER search_sync_location_upd AFTER UPDATE ON location REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_location();
CREATE TRIGGER search_sync_access_ins AFTER INSERT ON accessibility REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_location_id();
CREATE TRIGGER search_sync_access_upd AFTER UPDATE ON accessibility REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_location_id();
CREATE TRIGGER search_sync_access_del AFTER DELETE ON accessibility REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_location_id();
CREATE TRIGGER search_sync_address_ins AFTER INSERT ON address REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_location_id();
CREATE TRIGGER search_sync_address_upd AFTER UPDATE ON address REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_location_id();
CREATE TRIGGER search_sync_sal_ins AFTER INSERT ON service_at_location REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_service_id();
CREATE TRIGGER search_sync_sal_del AFTER DELETE ON service_at_location REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_service_id();
CREATE TRIGGER search_sync_area_ins AFTER INSERT ON service_area REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_service_id();
CREATE TRIGGER search_sync_area_del AFTER DELETE ON service_area REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_service_id();
CREATE TRIGGER search_sync_term_ins AFTER INSERT ON service_taxonomy_term REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_service_id();
CREATE TRIGGER search_sync_term_del AFTER DELETE ON service_taxonomy_term REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_service_id();
CREATE TRIGGER search_sync_cost_ins AFTER INSERT ON cost_option REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_service_id();
CREATE TRIGGER search_sync_cost_upd AFTER UPDATE ON cost_option REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_service_id();
CREATE TRIGGER search_sync_cost_del AFTER DELETE ON cost_option REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_service_id();
CREATE TRIGGER search_sync_schedule_ins AFTER INSERT ON schedule REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_schedule();
CREATE TRIGGER search_sync_schedule_upd AFTER UPDATE ON schedule REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_schedule();
CREATE TRIGGER search_sync_schedule_del AFTER DELETE ON schedule REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION search_sync_by_schedule();

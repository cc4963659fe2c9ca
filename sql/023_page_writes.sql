-- Listings written a page of a feed at a time (bench/README.md, ingest).
--
-- The search-outbox triggers (005) gathered the services a statement touched before asking
-- whether an external search index is in use at all, and joined the statement's rows (a
-- transition table, of which the planner knows nothing) to service_at_location. With a page of
-- listings written in one statement (bench/README.md, ingest), that join could read the whole
-- of service_at_location once for every venue written. Each trigger now asks first, and finds
-- the services by index.

CREATE OR REPLACE FUNCTION search_sync_by_service_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT enabled FROM search_sync) THEN
    PERFORM enqueue_search_sync(ARRAY(SELECT service_id FROM changed));
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION search_sync_by_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT enabled FROM search_sync) THEN
    PERFORM enqueue_search_sync(ARRAY(SELECT id FROM changed));
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION search_sync_by_location_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT enabled FROM search_sync) THEN
    PERFORM enqueue_search_sync(ARRAY(
      SELECT sal.service_id FROM service_at_location sal WHERE sal.location_id = ANY (ARRAY(SELECT location_id FROM changed))));
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION search_sync_by_location() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT enabled FROM search_sync) THEN
    PERFORM enqueue_search_sync(ARRAY(
      SELECT sal.service_id FROM service_at_location sal WHERE sal.location_id = ANY (ARRAY(SELECT id FROM changed))));
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION search_sync_by_schedule() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT enabled FROM search_sync) THEN
    PERFORM enqueue_search_sync(ARRAY(
      SELECT service_id FROM changed
      UNION ALL
      SELECT sal.service_id FROM service_at_location sal WHERE sal.id = ANY (ARRAY(SELECT service_at_location_id FROM changed))));
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION search_sync_by_organization() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT enabled FROM search_sync) THEN
    PERFORM enqueue_search_sync(ARRAY(SELECT s.id FROM service s WHERE s.organization_id = ANY (ARRAY(SELECT id FROM changed))));
  END IF;
  RETURN NULL;
END
$$;

-- An organisation from a feed is matched to one we hold by its charity or company number
-- (src/ingest/apply.ts), which read every organisation for each one that gives a number.
CREATE INDEX organization_charity_number_idx ON organization (upper(regexp_replace(charity_number, '\s', '', 'g')));

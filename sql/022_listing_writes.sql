-- Writing a listing does less: found by `npm run bench:ingest` (bench/README.md), and paid by
-- every editor's save as well as every harvested record.
--
-- Search documents are rebuilt only for rows a statement changed, and only when what the
-- document is made of changed. Statement-level triggers fire even when their statement touched
-- no row (an INSERT ... ON CONFLICT DO UPDATE fires the INSERT trigger with no rows, a DELETE of
-- activity types that are all still wanted deletes none), and every listing write rewrote its
-- document three or four times.

-- The refresh keeps its body under a new name; refresh_service_search, which every search
-- trigger calls, now returns at once when it is given no services.
ALTER FUNCTION refresh_service_search(uuid[]) RENAME TO rebuild_service_search;
CREATE FUNCTION refresh_service_search(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(ids) > 0 THEN
    PERFORM rebuild_service_search(ids);
  END IF;
END
$$;

-- An update rebuilds the document only of services whose name, description or organisation
-- changed (the rest of the document comes from activity types and the organisation's name,
-- which have triggers of their own).
CREATE FUNCTION service_search_on_service_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM refresh_service_search(ARRAY(
    SELECT c.id FROM changed c JOIN prior b ON b.id = c.id
     WHERE (c.name, c.description, c.organization_id) IS DISTINCT FROM (b.name, b.description, b.organization_id)));
  RETURN NULL;
END
$$;
DROP TRIGGER service_search_update ON service;
CREATE TRIGGER service_search_update AFTER UPDATE ON service
  REFERENCING OLD TABLE AS prior NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION service_search_on_service_update();

-- An imported record's open quarantine entry, looked up on every record a harvest writes.
CREATE INDEX ingest_quarantine_record_open_idx ON ingest_quarantine (source_id, external_id) WHERE resolved_at IS NULL;

-- A venue's first address (readService: ORDER BY a.id LIMIT 1) read from one index in order,
-- whatever the table's statistics say; it replaces the index on location_id alone.
CREATE INDEX address_location_id_idx ON address (location_id, id);
DROP INDEX address_location_idx;

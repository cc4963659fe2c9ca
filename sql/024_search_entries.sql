-- The search read model (bench/README.md, search): one row for each active listing at each of
-- its venues, holding what a search near a place filters on, so that a search walks the venues
-- nearest first through one spatial index and tests each on its own row, stopping when it has
-- enough, instead of reading every venue within the radius and joining each to its listing,
-- prices, features and activity types.
--
-- The rows are derived: refresh_search_entries rebuilds a listing's rows from the directory's
-- tables. The triggers below note each listing a statement changes what they hold of, and the
-- listings a transaction noted are rebuilt once as it commits (a listing written through the
-- API or a feed changes several tables, in one statement each), so a write is seen by the next
-- search. A listing that is not active, or a venue with no point, has no row. Home, phone and
-- online offers are found through service_area as before.
CREATE TABLE search_entry (
  sal_id            uuid PRIMARY KEY REFERENCES service_at_location (id) ON DELETE CASCADE,
  service_id        uuid NOT NULL,
  location_id       uuid NOT NULL,
  geom              geography(Point, 4326) NOT NULL,
  -- Its activity types and their parents (a filter by a parent includes its children).
  term_ids          uuid[] NOT NULL,
  -- No cost option above nothing.
  free              boolean NOT NULL,
  delivery_modes    text[] NOT NULL,
  -- The venue's accessibility features.
  features          text[] NOT NULL,
  -- The weekdays a session could fall on, here or service-wide: weekly and monthly days, a
  -- one-off date's weekday, every day for "by arrangement". A superset: the search still tests
  -- dates and hours on the schedules themselves.
  days              text[] NOT NULL,
  minimum_age       integer,
  maximum_age       integer,
  audiences         text[] NOT NULL,
  group_size        text NOT NULL,
  self_referral     boolean NOT NULL,
  open_to_referrals boolean NOT NULL
);
CREATE INDEX search_entry_geom_idx ON search_entry USING gist (geom);
CREATE INDEX search_entry_service_idx ON search_entry (service_id);

-- What a listing's rows should hold, from the directory's tables (also what the consistency
-- check compares the table with: src/db/consistency.ts).
CREATE FUNCTION search_entries_of(ids uuid[]) RETURNS SETOF search_entry LANGUAGE sql STABLE AS $$
  SELECT sal.id, s.id, l.id, l.geom,
         ARRAY(SELECT DISTINCT x FROM service_taxonomy_term st
                 JOIN taxonomy_term t ON t.id = st.taxonomy_term_id
                 CROSS JOIN LATERAL unnest(ARRAY[t.id, t.parent_id]) AS x
                WHERE st.service_id = s.id AND x IS NOT NULL ORDER BY x),
         NOT EXISTS (SELECT 1 FROM cost_option co WHERE co.service_id = s.id AND co.amount > 0),
         s.delivery_modes,
         ARRAY(SELECT a.feature FROM accessibility a WHERE a.location_id = l.id ORDER BY a.feature),
         ARRAY(SELECT DISTINCT d FROM schedule sc
                 CROSS JOIN LATERAL unnest(CASE sc.kind
                   WHEN 'by_arrangement' THEN ARRAY['MO','TU','WE','TH','FR','SA','SU']
                   WHEN 'one_off' THEN ARRAY[(ARRAY['MO','TU','WE','TH','FR','SA','SU'])[extract(isodow FROM sc.on_date)::int]]
                   ELSE sc.byday END) AS d
                WHERE sc.service_id = s.id OR sc.service_at_location_id = sal.id ORDER BY d),
         s.minimum_age, s.maximum_age, s.audiences, s.group_size, s.self_referral, s.referral_capacity = 'open'
    FROM service s
    JOIN service_at_location sal ON sal.service_id = s.id
    JOIN location l ON l.id = sal.location_id
   WHERE s.id = ANY (ids) AND s.status = 'active' AND l.geom IS NOT NULL
$$;

-- Rebuilds the given listings' rows. The listings are locked first (in id order), so two
-- transactions refreshing one listing, one of them through a venue or an activity type it
-- shares, take turns, and the second builds its rows from what the first committed.
CREATE FUNCTION refresh_search_entries(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(ids) > 0 THEN
    PERFORM 1 FROM service WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM search_entry WHERE service_id = ANY (ids);
    -- A venue link moved from another listing in the same statement may still have its row.
    INSERT INTO search_entry SELECT * FROM search_entries_of(ids)
    ON CONFLICT (sal_id) DO UPDATE SET
      (service_id, location_id, geom, term_ids, free, delivery_modes, features, days, minimum_age, maximum_age,
       audiences, group_size, self_referral, open_to_referrals)
      = (EXCLUDED.service_id, EXCLUDED.location_id, EXCLUDED.geom, EXCLUDED.term_ids, EXCLUDED.free,
         EXCLUDED.delivery_modes, EXCLUDED.features, EXCLUDED.days, EXCLUDED.minimum_age, EXCLUDED.maximum_age,
         EXCLUDED.audiences, EXCLUDED.group_size, EXCLUDED.self_referral, EXCLUDED.open_to_referrals);
  END IF;
END
$$;

-- The listings the current transaction has changed, until it commits: always empty outside a
-- transaction that is writing (each transaction sees only its own rows, and removes them).
CREATE TABLE search_entry_pending (
  service_id  uuid PRIMARY KEY
);

CREATE FUNCTION note_search_entries(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(ids) > 0 THEN
    INSERT INTO search_entry_pending (service_id) SELECT DISTINCT unnest(ids) ON CONFLICT DO NOTHING;
  END IF;
END
$$;

-- At commit (a deferred trigger, fired once for each listing noted): the first firing rebuilds
-- every noted listing and empties the list; the others find it empty.
CREATE FUNCTION search_entry_flush() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM refresh_search_entries(ARRAY(SELECT service_id FROM search_entry_pending ORDER BY service_id));
  DELETE FROM search_entry_pending;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER search_entry_flush AFTER INSERT ON search_entry_pending
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION search_entry_flush();

-- One trigger function for every table the rows are made of; its argument says how the
-- statement's rows lead to listings. Each branch is planned only when it runs, against its own
-- table's transition rows.
CREATE FUNCTION search_entry_on_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_ARGV[0] = 'service' THEN
    PERFORM note_search_entries(ARRAY(SELECT id FROM changed));
  ELSIF TG_ARGV[0] = 'service_update' THEN
    PERFORM note_search_entries(ARRAY(
      SELECT c.id FROM changed c JOIN prior b ON b.id = c.id
       WHERE (c.status, c.delivery_modes, c.minimum_age, c.maximum_age, c.audiences, c.group_size, c.self_referral,
              c.referral_capacity)
             IS DISTINCT FROM
             (b.status, b.delivery_modes, b.minimum_age, b.maximum_age, b.audiences, b.group_size, b.self_referral,
              b.referral_capacity)));
  ELSIF TG_ARGV[0] = 'service_id' THEN
    PERFORM note_search_entries(ARRAY(SELECT DISTINCT service_id FROM changed));
  ELSIF TG_ARGV[0] = 'location_update' THEN
    PERFORM note_search_entries(ARRAY(
      SELECT DISTINCT sal.service_id FROM service_at_location sal
       WHERE sal.location_id = ANY (ARRAY(
         SELECT c.id FROM changed c JOIN prior b ON b.id = c.id
          WHERE (c.latitude, c.longitude) IS DISTINCT FROM (b.latitude, b.longitude)))));
  ELSIF TG_ARGV[0] = 'location_id' THEN
    PERFORM note_search_entries(ARRAY(
      SELECT DISTINCT sal.service_id FROM service_at_location sal
       WHERE sal.location_id = ANY (ARRAY(SELECT location_id FROM changed))));
  ELSIF TG_ARGV[0] = 'schedule' THEN
    PERFORM note_search_entries(ARRAY(
      SELECT service_id FROM changed WHERE service_id IS NOT NULL
      UNION
      SELECT sal.service_id FROM service_at_location sal WHERE sal.id = ANY (ARRAY(SELECT service_at_location_id FROM changed))));
  ELSIF TG_ARGV[0] = 'taxonomy_term_update' THEN
    PERFORM note_search_entries(ARRAY(
      SELECT DISTINCT st.service_id FROM service_taxonomy_term st
       WHERE st.taxonomy_term_id = ANY (ARRAY(
         SELECT c.id FROM changed c JOIN prior b ON b.id = c.id WHERE c.parent_id IS DISTINCT FROM b.parent_id))));
  ELSE
    RAISE EXCEPTION 'search_entry_on_change: unknown argument %', TG_ARGV[0];
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER search_entry_service_ins AFTER INSERT ON service
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('service');
CREATE TRIGGER search_entry_service_upd AFTER UPDATE ON service
  REFERENCING OLD TABLE AS prior NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('service_update');
-- A deleted listing, venue or service_at_location takes its rows with it (the foreign key).
CREATE TRIGGER search_entry_sal_ins AFTER INSERT ON service_at_location
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('service_id');
-- An update refreshes the listings of the rows as they were and as they are (a row may move to
-- another listing or venue).
CREATE TRIGGER search_entry_sal_upd AFTER UPDATE ON service_at_location
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('service_id');
CREATE TRIGGER search_entry_sal_upd_old AFTER UPDATE ON service_at_location
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('service_id');
CREATE TRIGGER search_entry_location_upd AFTER UPDATE ON location
  REFERENCING OLD TABLE AS prior NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('location_update');
CREATE TRIGGER search_entry_access_ins AFTER INSERT ON accessibility
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('location_id');
CREATE TRIGGER search_entry_access_upd AFTER UPDATE ON accessibility
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('location_id');
CREATE TRIGGER search_entry_access_upd_old AFTER UPDATE ON accessibility
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('location_id');
CREATE TRIGGER search_entry_access_del AFTER DELETE ON accessibility
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('location_id');
CREATE TRIGGER search_entry_cost_ins AFTER INSERT ON cost_option
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('service_id');
CREATE TRIGGER search_entry_cost_upd AFTER UPDATE ON cost_option
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('service_id');
CREATE TRIGGER search_entry_cost_upd_old AFTER UPDATE ON cost_option
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('service_id');
CREATE TRIGGER search_entry_cost_del AFTER DELETE ON cost_option
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('service_id');
CREATE TRIGGER search_entry_term_ins AFTER INSERT ON service_taxonomy_term
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('service_id');
CREATE TRIGGER search_entry_term_del AFTER DELETE ON service_taxonomy_term
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('service_id');
CREATE TRIGGER search_entry_taxonomy_upd AFTER UPDATE ON taxonomy_term
  REFERENCING OLD TABLE AS prior NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('taxonomy_term_update');
CREATE TRIGGER search_entry_schedule_ins AFTER INSERT ON schedule
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('schedule');
CREATE TRIGGER search_entry_schedule_upd AFTER UPDATE ON schedule
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('schedule');
CREATE TRIGGER search_entry_schedule_upd_old AFTER UPDATE ON schedule
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('schedule');
CREATE TRIGGER search_entry_schedule_del AFTER DELETE ON schedule
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_entry_on_change('schedule');

-- The directory as it stands.
SELECT refresh_search_entries(ARRAY(SELECT id FROM service));

-- For the consistency check (src/db/consistency.ts): how many venue rows differ from what they
-- should hold now (missing, left over or changed), with a few of their listings as examples.
-- When the directory's tables are too damaged to say (a column dropped), every row counts, and
-- the example is the reason.
CREATE FUNCTION search_entry_drift(example_count int, OUT n int, OUT examples text[]) LANGUAGE plpgsql STABLE AS $$
BEGIN
  SELECT count(*)::int, (array_agg(DISTINCT e.service_id::text ORDER BY e.service_id::text))[1:example_count]
    INTO n, examples
    FROM (SELECT DISTINCT d.sal_id, d.service_id FROM (
            (SELECT * FROM search_entry EXCEPT SELECT * FROM search_entries_of(ARRAY(SELECT id FROM service)))
            UNION ALL
            (SELECT * FROM search_entries_of(ARRAY(SELECT id FROM service)) EXCEPT SELECT * FROM search_entry)) d) e;
EXCEPTION WHEN OTHERS THEN
  n := (SELECT count(*) FROM search_entry);
  examples := ARRAY['cannot be derived: ' || SQLERRM];
END
$$;

-- The walk of the search read model (024) near a place, as a function of its own so that it
-- can be planned as what it is: the venues nearest first, read in distance order from the
-- spatial index, stopping once `lim` pass every test (or the radius is used up). Left to the
-- planner inside the search statement, it estimated a handful of venues within the radius and
-- read every one of them into a sort instead (bench/README.md, search), which is no bound at all.
-- The settings below apply only while the function runs; they rule out the bitmap scan and the
-- sort, leaving the ordered index scan. (Parameters are named want_*: a parameter named as a
-- column of search_entry would be read as the column.)
CREATE FUNCTION search_walk(
  lat float8, lon float8, radius_m float8, lim int,
  want_words tsquery, want_terms text[], want_days text[], want_free boolean, want_modes text[], want_features text[],
  want_age int, want_audiences text[], want_sizes text[], want_self_referral boolean, want_open boolean
) RETURNS TABLE (service_id uuid, sal_id uuid, location_id uuid, geom geography, knn float8)
LANGUAGE sql STABLE ROWS 500
SET enable_bitmapscan = off SET enable_sort = off
AS $$
  SELECT e.service_id, e.sal_id, e.location_id, e.geom, e.geom <-> ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography
    FROM search_entry e
   WHERE lat IS NOT NULL
     AND ST_DWithin(e.geom, ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography, radius_m)
     AND (want_features IS NULL OR e.features @> want_features)
     AND (want_terms IS NULL OR e.term_ids && ARRAY(SELECT t.id FROM taxonomy_term t WHERE t.code = ANY (want_terms)))
     AND (want_days IS NULL OR e.days && want_days)
     AND (want_free IS NULL OR e.free = want_free)
     AND (want_modes IS NULL OR e.delivery_modes && want_modes)
     AND (want_age IS NULL OR ((e.minimum_age IS NULL OR e.minimum_age <= want_age) AND (e.maximum_age IS NULL OR e.maximum_age >= want_age)))
     AND (want_audiences IS NULL OR e.audiences && want_audiences)
     AND (want_sizes IS NULL OR e.group_size = ANY (want_sizes))
     AND (want_self_referral IS NULL OR e.self_referral = want_self_referral)
     AND (want_open IS NULL OR e.open_to_referrals = want_open)
     AND (want_words IS NULL OR EXISTS (SELECT 1 FROM service_search ss WHERE ss.service_id = e.service_id AND ss.document @@ want_words))
   ORDER BY e.geom <-> ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography
   LIMIT lim
$$;

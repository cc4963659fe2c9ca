-- A search near a place reads every venue within the radius and the services held there: at a
-- million services that is tens of thousands of venues. With the service (and the row's own
-- id) in the index, that step reads the index alone instead of one table row per venue.
-- It replaces the plain index on location_id, which it covers.
CREATE INDEX service_at_location_location_services_idx ON service_at_location (location_id) INCLUDE (service_id, id);
DROP INDEX service_at_location_location_idx;

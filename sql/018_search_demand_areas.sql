-- Searches that found nothing are counted by the ward and LSOA of the postcode searched from
-- too ('' when the search gave only a postcode district), so reports can place them like gaps.
ALTER TABLE search_demand ADD COLUMN ward_code text NOT NULL DEFAULT '';
ALTER TABLE search_demand ADD COLUMN lsoa_code text NOT NULL DEFAULT '';
ALTER TABLE search_demand DROP CONSTRAINT search_demand_pkey;
ALTER TABLE search_demand ADD PRIMARY KEY (day, outcode, activity_type, ward_code, lsoa_code);

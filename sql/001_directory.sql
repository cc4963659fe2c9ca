-- The directory's data model, aligned with Open Referral UK 3.0 / HSDS 3.0 (ids are UUIDs;
-- table and column names follow HSDS where it has them), plus the typed fields matching needs.
-- Closed vocabularies are CHECK constraints mirroring src/directory/vocabulary.ts.
-- Runs unchanged on PostgreSQL 15 + PostGIS 3 and on PGlite (PostgreSQL 18) + PostGIS.

CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

CREATE TABLE organization (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name            text NOT NULL CHECK (length(trim(name)) > 0),
  description     text NOT NULL DEFAULT '',
  email           text,
  website         text,
  logo            text,
  -- Registered charity, company or CIO number, published as an ORUK organization_identifier.
  charity_number  text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE service (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id     uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  name                text NOT NULL CHECK (length(trim(name)) > 0),
  description         text NOT NULL DEFAULT '',
  url                 text,
  email               text,
  status              text NOT NULL DEFAULT 'active'
    CONSTRAINT service_status_check CHECK (status IN ('active', 'inactive', 'temporarily closed', 'defunct')),
  -- Free-text note on fees; the amounts themselves are cost_option rows.
  fees                text,
  alert               text,
  delivery_modes      text[] NOT NULL
    CONSTRAINT service_delivery_modes_check
    CHECK (cardinality(delivery_modes) > 0
           AND delivery_modes <@ ARRAY['venue', 'home_visit', 'telephone', 'online_video', 'online_text']::text[]),
  group_size          text NOT NULL
    CONSTRAINT service_group_size_check CHECK (group_size IN ('one_to_one', 'small', 'large')),
  -- Typical number of people at a session, so a match can say "small group of 8".
  typical_attendance  integer CHECK (typical_attendance > 0),
  minimum_age         integer CHECK (minimum_age BETWEEN 0 AND 120),
  maximum_age         integer CHECK (maximum_age BETWEEN 0 AND 120),
  gender_restriction  text NOT NULL DEFAULT 'none'
    CONSTRAINT service_gender_restriction_check CHECK (gender_restriction IN ('none', 'men_only', 'women_only')),
  audiences           text[] NOT NULL DEFAULT '{}'
    CONSTRAINT service_audiences_check
    CHECK (audiences <@ ARRAY['new_parents', 'men', 'women', 'lgbtq', 'carers', 'dementia', 'mental_health', 'language_community']::text[]),
  -- ISO 639 codes of the languages sessions are held in.
  languages           text[] NOT NULL DEFAULT '{en}'
    CHECK (array_to_string(languages, ',') ~ '^([a-z]{2,3}(,|$))+$'),
  newcomer_support    text[] NOT NULL DEFAULT '{}'
    CONSTRAINT service_newcomer_support_check
    CHECK (newcomer_support <@ ARRAY['accompanied_first_visit', 'volunteer_buddy', 'welcome_call']::text[]),
  physical_intensity  text NOT NULL DEFAULT 'none'
    CONSTRAINT service_physical_intensity_check CHECK (physical_intensity IN ('none', 'light', 'moderate', 'vigorous')),
  self_referral       boolean NOT NULL DEFAULT true,
  referral_capacity   text NOT NULL DEFAULT 'open'
    CONSTRAINT service_referral_capacity_check CHECK (referral_capacity IN ('open', 'waiting_list', 'full')),
  -- When the organisation last confirmed the service is still running.
  verified_at         timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK (minimum_age IS NULL OR maximum_age IS NULL OR minimum_age <= maximum_age)
);
CREATE INDEX service_organization_idx ON service (organization_id);

CREATE TABLE location (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_type text NOT NULL DEFAULT 'physical' CHECK (location_type IN ('physical', 'postal', 'virtual')),
  name         text NOT NULL CHECK (length(trim(name)) > 0),
  description  text NOT NULL DEFAULT '',
  latitude     double precision CHECK (latitude BETWEEN -90 AND 90),
  longitude    double precision CHECK (longitude BETWEEN -180 AND 180),
  -- Derived from latitude/longitude so the two can never disagree.
  geom         geography(Point, 4326)
    GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography) STORED,
  -- How to get there: buses, parking, which door.
  transport_notes text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (location_type <> 'physical' OR (latitude IS NOT NULL AND longitude IS NOT NULL))
);
CREATE INDEX location_geom_idx ON location USING gist (geom);

CREATE TABLE address (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id     uuid NOT NULL REFERENCES location (id) ON DELETE CASCADE,
  attention       text,
  address_1       text NOT NULL,
  address_2       text,
  city            text NOT NULL,
  region          text,
  state_province  text NOT NULL,
  postal_code     text NOT NULL,
  country         text NOT NULL DEFAULT 'GB' CHECK (country ~ '^[A-Z]{2}$'),
  address_type    text NOT NULL DEFAULT 'physical' CHECK (address_type IN ('physical', 'postal', 'virtual'))
);
CREATE INDEX address_location_idx ON address (location_id);

-- One row per accessibility feature of a location (ORUK "accessibility"), typed.
CREATE TABLE accessibility (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  location_id  uuid NOT NULL REFERENCES location (id) ON DELETE CASCADE,
  feature      text NOT NULL
    CONSTRAINT accessibility_feature_check
    CHECK (feature IN ('step_free', 'accessible_toilet', 'seating', 'hearing_loop', 'bsl', 'quiet_space',
                       'changing_place', 'parking', 'near_bus_stop')),
  details      text,
  url          text,
  UNIQUE (location_id, feature)
);

CREATE TABLE service_at_location (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  service_id   uuid NOT NULL REFERENCES service (id) ON DELETE CASCADE,
  location_id  uuid NOT NULL REFERENCES location (id) ON DELETE CASCADE,
  description  text,
  UNIQUE (service_id, location_id)
);
CREATE INDEX service_at_location_location_idx ON service_at_location (location_id);

-- Where a home-visiting, telephone or online service is available. `extent` is GeoJSON
-- (ORUK extent_type "geojson"); `geom` is derived from it for spatial tests.
CREATE TABLE service_area (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  service_id    uuid NOT NULL REFERENCES service (id) ON DELETE CASCADE,
  name          text NOT NULL,
  service_area  text,
  extent        text NOT NULL,
  extent_type   text NOT NULL DEFAULT 'geojson' CHECK (extent_type = 'geojson'),
  uri           text,
  geom          geography
    GENERATED ALWAYS AS (ST_SetSRID(ST_GeomFromGeoJSON(extent), 4326)::geography) STORED
);
CREATE INDEX service_area_service_idx ON service_area (service_id);
CREATE INDEX service_area_geom_idx ON service_area USING gist (geom);

-- A schedule belongs to a service, or to a service at one location.
CREATE TABLE schedule (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  service_id              uuid REFERENCES service (id) ON DELETE CASCADE,
  service_at_location_id  uuid REFERENCES service_at_location (id) ON DELETE CASCADE,
  kind                    text NOT NULL
    CONSTRAINT schedule_kind_check CHECK (kind IN ('weekly', 'monthly', 'one_off', 'by_arrangement')),
  -- weekly: the days it runs; monthly: the one weekday of the nth week.
  byday                   text[] NOT NULL DEFAULT '{}'
    CONSTRAINT schedule_byday_check CHECK (byday <@ ARRAY['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU']::text[]),
  -- monthly only: 1-4 for the first to fourth, -1 for the last.
  week_of_month           smallint CHECK (week_of_month IN (1, 2, 3, 4, -1)),
  -- one_off only: the date it happens.
  on_date                 date,
  opens_at                time,
  closes_at               time,
  valid_from              date,
  valid_to                date,
  description             text,
  notes                   text,
  CHECK (num_nonnulls(service_id, service_at_location_id) = 1),
  CHECK (opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at),
  CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to),
  CONSTRAINT schedule_shape_check CHECK (
    CASE kind
      WHEN 'weekly' THEN cardinality(byday) > 0 AND week_of_month IS NULL AND on_date IS NULL
                         AND opens_at IS NOT NULL AND closes_at IS NOT NULL
      WHEN 'monthly' THEN cardinality(byday) = 1 AND week_of_month IS NOT NULL AND on_date IS NULL
                          AND opens_at IS NOT NULL AND closes_at IS NOT NULL
      WHEN 'one_off' THEN cardinality(byday) = 0 AND week_of_month IS NULL AND on_date IS NOT NULL
                          AND opens_at IS NOT NULL AND closes_at IS NOT NULL
      ELSE cardinality(byday) = 0 AND week_of_month IS NULL AND on_date IS NULL
    END)
);
CREATE INDEX schedule_service_idx ON schedule (service_id);
CREATE INDEX schedule_sal_idx ON schedule (service_at_location_id);

-- What a service costs. A service with no cost_option of a positive amount is free.
CREATE TABLE cost_option (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  service_id          uuid NOT NULL REFERENCES service (id) ON DELETE CASCADE,
  option              text NOT NULL,
  amount              numeric(8, 2) NOT NULL CHECK (amount >= 0),
  amount_description  text,
  -- A reduced price or free place for people on benefits, pensioners, carers...
  concessions         text,
  valid_from          date,
  valid_to            date
);
CREATE INDEX cost_option_service_idx ON cost_option (service_id);

CREATE TABLE contact (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  service_id  uuid NOT NULL REFERENCES service (id) ON DELETE CASCADE,
  name        text,
  title       text,
  email       text
);
CREATE INDEX contact_service_idx ON contact (service_id);

CREATE TABLE phone (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  contact_id   uuid NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
  number       text NOT NULL,
  description  text
);
CREATE INDEX phone_contact_idx ON phone (contact_id);

CREATE TRIGGER organization_touch BEFORE UPDATE ON organization FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER service_touch BEFORE UPDATE ON service FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER location_touch BEFORE UPDATE ON location FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

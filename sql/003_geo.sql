-- Postcodes and postcode districts, to turn what a link worker types into a point.
-- Loaded from the shipped ONS-derived CSVs at first start, and from a full ONS Postcode
-- Directory with `npm run import:postcodes -- FILE`.

CREATE TABLE postcode (
  postcode    text PRIMARY KEY CHECK (postcode ~ '^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$'),
  outcode     text NOT NULL,
  latitude    double precision NOT NULL CHECK (latitude BETWEEN 49 AND 61),
  longitude   double precision NOT NULL CHECK (longitude BETWEEN -9 AND 2),
  geom        geography(Point, 4326)
    GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography) STORED,
  lsoa_code   text,
  ward_code   text,
  ward_name   text,
  -- ONSPD's date of termination; terminated postcodes still geocode what people type.
  terminated  date,
  CHECK (postcode LIKE outcode || ' %')
);
CREATE INDEX postcode_outcode_idx ON postcode (outcode);

-- The centre of each postcode district: the fallback for a full postcode we do not know.
CREATE TABLE outcode (
  outcode     text PRIMARY KEY CHECK (outcode ~ '^[A-Z]{1,2}[0-9][A-Z0-9]?$'),
  latitude    double precision NOT NULL CHECK (latitude BETWEEN 49 AND 61),
  longitude   double precision NOT NULL CHECK (longitude BETWEEN -9 AND 2),
  geom        geography(Point, 4326)
    GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography) STORED
);

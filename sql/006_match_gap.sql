-- Gaps: a match that found fewer than 3 listings meeting every hard constraint for one of a
-- person's interests or needs. Deliberately coarse and anonymous: the need as activity-type
-- codes (free text is never stored), the barriers that excluded the near-misses, the postcode
-- district, ward and LSOA, and the date. Nothing about the person, not even the time of day.

CREATE TABLE match_gap (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  recorded_on  date NOT NULL,
  need_kind    text NOT NULL CHECK (need_kind IN ('interest', 'practical', 'any')),
  need_terms   text[] NOT NULL DEFAULT '{}',
  barriers     text[] NOT NULL DEFAULT '{}'
    CONSTRAINT match_gap_barriers_check
    CHECK (barriers <@ ARRAY['distance', 'access', 'time', 'eligibility', 'capacity', 'cost', 'delivery_mode', 'intensity']::text[]),
  found        smallint NOT NULL CHECK (found >= 0),
  outcode      text,
  ward_code    text,
  ward_name    text,
  lsoa_code    text
);
CREATE INDEX match_gap_recorded_idx ON match_gap (recorded_on);

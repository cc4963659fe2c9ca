-- Where home-visiting, telephone and online services are available, as editors set it: the
-- whole of England, whole local authorities or wards (from the boundaries the service ships
-- and loads at start), within some kilometres of one of the service's venues, or a geometry
-- of its own (from a feed). Each service_area row keeps what the editor chose (kind, code,
-- radius and venue) beside the geometry it stands for, so the document reads back as written.

-- Boundaries, by their ONS (GSS) code: England, its local authority districts and wards.
CREATE TABLE boundary (
  code         text PRIMARY KEY CHECK (code ~ '^E[0-9]{8}$'),
  kind         text NOT NULL CONSTRAINT boundary_kind_check CHECK (kind IN ('country', 'local_authority', 'ward')),
  name         text NOT NULL CHECK (length(trim(name)) > 0),
  -- A ward's local authority.
  parent_code  text REFERENCES boundary (code),
  geom         geography NOT NULL
);
CREATE INDEX boundary_geom_idx ON boundary USING gist (geom);
CREATE INDEX boundary_kind_idx ON boundary (kind, name);

-- Rows written before this migration keep their geometry as a 'geometry' area.
ALTER TABLE service_area ADD COLUMN kind text NOT NULL DEFAULT 'geometry'
  CONSTRAINT service_area_kind_check CHECK (kind IN ('england', 'local_authority', 'ward', 'radius', 'geometry'));
ALTER TABLE service_area ADD COLUMN code text REFERENCES boundary (code);
ALTER TABLE service_area ADD COLUMN radius_km numeric(4, 1) CHECK (radius_km > 0);
ALTER TABLE service_area ADD COLUMN location_id uuid REFERENCES location (id) ON DELETE CASCADE;
-- The order the editor listed them in.
ALTER TABLE service_area ADD COLUMN ordinal smallint NOT NULL DEFAULT 0;
ALTER TABLE service_area ADD CONSTRAINT service_area_shape_check CHECK (
  CASE kind
    WHEN 'radius' THEN radius_km IS NOT NULL AND location_id IS NOT NULL AND code IS NULL
    WHEN 'geometry' THEN radius_km IS NULL AND location_id IS NULL AND code IS NULL
    ELSE code IS NOT NULL AND radius_km IS NULL AND location_id IS NULL
  END);
CREATE INDEX service_area_location_idx ON service_area (location_id);

-- A listing's venues in the order its editor gave them (areas and schedules name them by place).
ALTER TABLE service_at_location ADD COLUMN ordinal smallint NOT NULL DEFAULT 0;

-- The local authority an organisation mainly works in: its remote services' default area.
ALTER TABLE organization ADD COLUMN local_authority text REFERENCES boundary (code);

-- Whether a service can arrange an interpreter, so a person who needs another language can
-- still take part.
ALTER TABLE service ADD COLUMN interpreter_available boolean NOT NULL DEFAULT false;

-- A language need the directory could not meet is a gap barrier, and the gap names the
-- language (an ISO 639 code; nothing else about the person).
ALTER TABLE match_gap DROP CONSTRAINT match_gap_barriers_check;
ALTER TABLE match_gap ADD CONSTRAINT match_gap_barriers_check
  CHECK (barriers <@ ARRAY['distance', 'access', 'time', 'eligibility', 'capacity', 'cost', 'delivery_mode', 'intensity', 'language']::text[]);
ALTER TABLE match_gap ADD COLUMN language text CHECK (language ~ '^[a-z]{2,3}$');

-- Primary care networks (PCNs) and their GP practices, from NHS Digital's practice to PCN
-- mapping file: the shipped Croydon practices load on first start, `npm run import:areas` loads
-- any area's. A link worker team that is a PCN's social prescribing service names its PCN, so
-- the reports can count people by PCN as well as by team.
CREATE TABLE pcn (
  code  text PRIMARY KEY CHECK (code ~ '^U[0-9]{5}$'),
  name  text NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200)
);

CREATE TABLE gp_practice (
  code      text PRIMARY KEY CHECK (code ~ '^[A-Z][0-9A-Z]{5}$'),
  name      text NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200),
  postcode  text,
  pcn_code  text NOT NULL REFERENCES pcn (code)
);
CREATE INDEX gp_practice_pcn_idx ON gp_practice (pcn_code);

ALTER TABLE team ADD COLUMN pcn_code text REFERENCES pcn (code);

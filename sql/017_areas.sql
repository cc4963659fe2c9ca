-- Areas for commissioners' reports: LSOAs beside wards in the boundary table, and a profile
-- per ward or LSOA (residents, residents aged 65+, deprivation), loaded from the shipped
-- Croydon files at first start and from `npm run import:areas` for any other local authority.

ALTER TABLE boundary DROP CONSTRAINT boundary_kind_check;
ALTER TABLE boundary ADD CONSTRAINT boundary_kind_check CHECK (kind IN ('country', 'local_authority', 'ward', 'lsoa'));

CREATE TABLE area_profile (
  code                text PRIMARY KEY REFERENCES boundary (code) ON DELETE CASCADE,
  population          integer CHECK (population >= 0),
  population_65_plus  integer CHECK (population_65_plus >= 0),
  -- English Indices of Deprivation: rank 1 is the most deprived LSOA in England; decile 1 the
  -- most deprived tenth. A ward's rank is its LSOAs' population-weighted mean rank.
  imd_rank            integer CHECK (imd_rank >= 1),
  imd_decile          smallint CHECK (imd_decile BETWEEN 1 AND 10),
  CHECK (population_65_plus <= population)
);

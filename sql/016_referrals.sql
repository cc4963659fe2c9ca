-- Link workers' caseloads without client identities: teams, episodes, UCLA-3 loneliness
-- scores, referrals to listings and their history; gap records that count people rather than
-- requests; and searches that found nothing, counted. No name, NHS number, date of birth,
-- address, phone number, postcode or free text about a person is stored anywhere here.

-- A link worker's team (a primary care network or a service), chosen by an admin. Case numbers
-- are scoped to a team: the same number typed in two teams names two different people.
CREATE TABLE team (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL UNIQUE CHECK (length(trim(name)) BETWEEN 1 AND 120),
  created_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE account ADD COLUMN team_id uuid REFERENCES team (id) ON DELETE SET NULL;

-- One person's time with a link worker. client_ref is an HMAC (key in app_secret) of the team
-- and the case number the link worker typed from their own clinical system; the number itself
-- is never stored. The area is where the person lives, only as coarse as a postcode district,
-- ward and LSOA; the postcode it came from is dropped.
CREATE TABLE episode (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reference       text NOT NULL UNIQUE CHECK (reference ~ '^E-[0-9A-Z]{6}$'),
  team_id         uuid NOT NULL REFERENCES team (id),
  client_ref      text NOT NULL CHECK (client_ref ~ '^[0-9a-f]{64}$'),
  link_worker_id  uuid REFERENCES account (id) ON DELETE SET NULL,
  referral_route  text NOT NULL CONSTRAINT episode_referral_route_check
    CHECK (referral_route IN ('gp', 'practice_nurse', 'other_health', 'social_worker', 'hospital_discharge', 'housing', 'vcse', 'self', 'other')),
  age_band        text NOT NULL CONSTRAINT episode_age_band_check
    CHECK (age_band IN ('18-24', '25-34', '35-44', '45-54', '55-64', '65-74', '75-84', '85+')),
  outcode         text,
  ward_code       text,
  ward_name       text,
  lsoa_code       text,
  opened_on       date NOT NULL,
  closed_on       date CHECK (closed_on >= opened_on),
  close_reason    text CONSTRAINT episode_close_reason_check
    CHECK (close_reason IN ('goals_met', 'other_support', 'no_longer_engaging', 'declined_support', 'moved_away', 'other')),
  created_at      timestamptz NOT NULL,
  CHECK ((closed_on IS NULL) = (close_reason IS NULL))
);
-- A person has at most one open episode with a team.
CREATE UNIQUE INDEX episode_open_client_idx ON episode (team_id, client_ref) WHERE closed_on IS NULL;
CREATE INDEX episode_client_idx ON episode (team_id, client_ref);
CREATE INDEX episode_link_worker_idx ON episode (link_worker_id, opened_on);

-- UCLA-3 (ONS): lack companionship, left out, isolated from others; each 1 hardly ever or
-- never, 2 some of the time, 3 often; total 3 to 9, higher is lonelier. Optionally the ONS
-- direct question "How often do you feel lonely?".
CREATE TABLE loneliness_score (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  episode_id      uuid NOT NULL REFERENCES episode (id) ON DELETE CASCADE,
  kind            text NOT NULL CONSTRAINT loneliness_score_kind_check CHECK (kind IN ('baseline', 'follow_up')),
  recorded_on     date NOT NULL,
  companionship   smallint NOT NULL CHECK (companionship BETWEEN 1 AND 3),
  left_out        smallint NOT NULL CHECK (left_out BETWEEN 1 AND 3),
  isolated        smallint NOT NULL CHECK (isolated BETWEEN 1 AND 3),
  total           smallint GENERATED ALWAYS AS (companionship + left_out + isolated) STORED,
  direct          text CONSTRAINT loneliness_score_direct_check
    CHECK (direct IN ('often_always', 'some_of_the_time', 'occasionally', 'hardly_ever', 'never')),
  recorded_by     uuid REFERENCES account (id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX loneliness_score_baseline_idx ON loneliness_score (episode_id) WHERE kind = 'baseline';
CREATE INDEX loneliness_score_episode_idx ON loneliness_score (episode_id, recorded_on);

-- A referral of an episode's person to a listing. The organisation sees only the reference
-- code, the date, the listing and the status.
CREATE TABLE referral (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reference        text NOT NULL UNIQUE CHECK (reference ~ '^R-[0-9A-Z]{6}$'),
  episode_id       uuid NOT NULL REFERENCES episode (id) ON DELETE CASCADE,
  service_id       uuid NOT NULL REFERENCES service (id),
  organization_id  uuid NOT NULL REFERENCES organization (id),
  source           text NOT NULL CONSTRAINT referral_source_check CHECK (source IN ('match', 'search', 'listing')),
  status           text NOT NULL CONSTRAINT referral_status_check
    CHECK (status IN ('sent', 'accepted', 'declined', 'attended', 'did_not_attend', 'stopped', 'closed')),
  decline_reason   text CONSTRAINT referral_decline_reason_check
    CHECK (decline_reason IN ('full', 'not_suitable', 'outside_area', 'could_not_contact', 'other')),
  made_by          uuid REFERENCES account (id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX referral_episode_idx ON referral (episode_id);
CREATE INDEX referral_organization_idx ON referral (organization_id, created_at);
CREATE INDEX referral_service_idx ON referral (service_id);
CREATE INDEX referral_made_by_idx ON referral (made_by, created_at);
-- One live referral of a person to a listing at a time.
CREATE UNIQUE INDEX referral_live_idx ON referral (episode_id, service_id) WHERE status NOT IN ('declined', 'closed');

-- Every status a referral has had, when and by whom (the first row is 'sent').
CREATE TABLE referral_event (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  referral_id   uuid NOT NULL REFERENCES referral (id) ON DELETE CASCADE,
  status        text NOT NULL CONSTRAINT referral_event_status_check
    CHECK (status IN ('sent', 'accepted', 'declined', 'attended', 'did_not_attend', 'stopped', 'closed')),
  reason        text,
  at            timestamptz NOT NULL,
  by_account    uuid REFERENCES account (id) ON DELETE SET NULL
);
CREATE INDEX referral_event_referral_idx ON referral_event (referral_id, at);

-- Gap records count people, not requests: within an episode one row per unmet need (a refined
-- profile updates it); outside one, one row per link worker, need, ward and day. need_key is
-- the need in one string (kind, activity types, language). Rows from before this migration
-- (anonymous, one per request) keep NULLs here.
ALTER TABLE match_gap ADD COLUMN need_key text;
ALTER TABLE match_gap ADD COLUMN episode_id uuid REFERENCES episode (id) ON DELETE SET NULL;
ALTER TABLE match_gap ADD COLUMN team_id uuid REFERENCES team (id) ON DELETE SET NULL;
ALTER TABLE match_gap ADD COLUMN recorded_by uuid REFERENCES account (id) ON DELETE SET NULL;
ALTER TABLE match_gap ADD COLUMN age_band text CONSTRAINT match_gap_age_band_check
  CHECK (age_band IN ('18-24', '25-34', '35-44', '45-54', '55-64', '65-74', '75-84', '85+'));
CREATE UNIQUE INDEX match_gap_episode_need_idx ON match_gap (episode_id, need_key) WHERE episode_id IS NOT NULL;
CREATE UNIQUE INDEX match_gap_daily_need_idx ON match_gap (recorded_by, need_key, (coalesce(ward_code, '')), recorded_on)
  WHERE episode_id IS NULL AND recorded_by IS NOT NULL;

-- Searches from a postcode that found nothing: a count per postcode district, activity type
-- ('' when the search named none) and day. Never the words, the full postcode or who searched.
CREATE TABLE search_demand (
  day            date NOT NULL,
  outcode        text NOT NULL,
  activity_type  text NOT NULL DEFAULT '',
  searches       integer NOT NULL CHECK (searches > 0),
  PRIMARY KEY (day, outcode, activity_type)
);

-- An admin inviting a link worker names their team.
ALTER TABLE invitation ADD COLUMN team_id uuid REFERENCES team (id) ON DELETE SET NULL;

-- Ingest: listings harvested from other directories' feeds. A source is a feed an admin adds;
-- each harvest is a run with counts that add up; a record that cannot be used is quarantined
-- with its payload and reasons; every record imported keeps its source and external id, so a
-- re-harvest updates it in place. Changes an import makes go through record_version, marked
-- with the run that made them.

CREATE TABLE ingest_source (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                    text NOT NULL UNIQUE CHECK (length(trim(name)) BETWEEN 1 AND 200),
  kind                    text NOT NULL CHECK (kind IN ('oruk', 'openactive', 'csv')),
  -- A feed's address; a csv source (spreadsheets uploaded by hand) may have none.
  url                     text CHECK (length(url) <= 2000),
  -- A node-cron expression; null: harvested only when an admin or the command asks.
  schedule                text CHECK (length(schedule) <= 100),
  enabled                 boolean NOT NULL DEFAULT true,
  -- Plain http is refused unless an admin allows it for this source.
  allow_http              boolean NOT NULL DEFAULT false,
  -- Who owns a listing that arrives without an organisation.
  default_organization_id uuid REFERENCES organization (id) ON DELETE SET NULL,
  -- How a listing with no venue is delivered when nothing in the record says so; empty: such a
  -- listing is quarantined rather than guessed.
  remote_delivery_modes   text[] NOT NULL DEFAULT '{}'
    CHECK (remote_delivery_modes <@ ARRAY['home_visit', 'telephone', 'online_video', 'online_text']::text[]),
  -- Formats without group sizes (ORUK) give their listings this one.
  default_group_size      text NOT NULL DEFAULT 'large' CHECK (default_group_size IN ('one_to_one', 'small', 'large')),
  -- OpenActive RPDE: the next page to read and when it was saved (with the page before it),
  -- when the feed was last read up to its end, and until when the feed asked us to wait (503,
  -- 429).
  feed_next_url           text,
  feed_position_at        timestamptz,
  feed_synced_at          timestamptz,
  feed_retry_after        timestamptz,
  -- The organisation whose editors upload spreadsheets of their own listings through this
  -- (csv) source; made the first time they do.
  upload_organization_id  uuid UNIQUE REFERENCES organization (id) ON DELETE CASCADE,
  created_at              timestamptz NOT NULL,
  updated_at              timestamptz NOT NULL,
  CHECK (kind = 'csv' OR url IS NOT NULL),
  CHECK (kind = 'csv' OR upload_organization_id IS NULL)
);

CREATE TABLE ingest_run (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_id     uuid NOT NULL REFERENCES ingest_source (id) ON DELETE CASCADE,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz,
  status        text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed', 'held')),
  -- Every record of the feed was read (so what is missing from it may be withdrawn).
  complete      boolean NOT NULL DEFAULT false,
  pages         integer NOT NULL DEFAULT 0,
  fetched       integer NOT NULL DEFAULT 0,
  created       integer NOT NULL DEFAULT 0,
  updated       integer NOT NULL DEFAULT 0,
  unchanged     integer NOT NULL DEFAULT 0,
  -- fetched = created + updated + unchanged + withdrawn + quarantined: each record read is
  -- counted once. withdrawn counts records that say the listing has ended (an RPDE deletion,
  -- an ORUK status of inactive or defunct).
  withdrawn     integer NOT NULL DEFAULT 0,
  quarantined   integer NOT NULL DEFAULT 0,
  -- Listings withdrawn because a complete harvest no longer held them (not fetched, so apart).
  missing       integer NOT NULL DEFAULT 0,
  -- Listings a complete harvest would withdraw, held for an admin because there were too many.
  held_withdrawals integer NOT NULL DEFAULT 0,
  error         text,
  triggered_by  text NOT NULL CHECK (triggered_by IN ('schedule', 'admin', 'command', 'retry', 'upload'))
);
CREATE INDEX ingest_run_source_idx ON ingest_run (source_id, id DESC);

-- Which of our records each external record became. A listing an admin has handed over to its
-- organisation is no longer written by the feed.
CREATE TABLE ingest_record (
  source_id      uuid NOT NULL REFERENCES ingest_source (id) ON DELETE CASCADE,
  record_type    text NOT NULL CHECK (record_type IN ('organization', 'service')),
  external_id    text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 500),
  record_id      uuid NOT NULL,
  -- sha256 of the document last written from the feed: the same document again changes nothing.
  document_hash  text NOT NULL,
  last_seen_run  bigint REFERENCES ingest_run (id) ON DELETE SET NULL,
  handed_over_at timestamptz,
  -- A withdrawal held for an admin to confirm (the run that would have made it).
  withdrawal_held_by bigint REFERENCES ingest_run (id) ON DELETE SET NULL,
  -- RPDE: the item's `modified` last applied, a 64-bit integer kept as digits (an older copy of
  -- the item, met again, is not applied over a newer one).
  modified       text CHECK (modified ~ '^-?[0-9]{1,20}$'),
  PRIMARY KEY (source_id, record_type, external_id)
);
CREATE INDEX ingest_record_record_idx ON ingest_record (record_type, record_id);

CREATE TABLE ingest_quarantine (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_id    uuid NOT NULL REFERENCES ingest_source (id) ON DELETE CASCADE,
  run_id       bigint NOT NULL REFERENCES ingest_run (id) ON DELETE CASCADE,
  external_id  text,
  payload      jsonb NOT NULL,
  -- [{ pointer, reason }] in plain words.
  reasons      jsonb NOT NULL,
  created_at   timestamptz NOT NULL,
  resolved_at  timestamptz,
  resolution   text CHECK (resolution IN ('imported', 'superseded', 'dismissed'))
);
CREATE INDEX ingest_quarantine_open_idx ON ingest_quarantine (source_id, id) WHERE resolved_at IS NULL;

-- How other directories' terms map to ours: an external taxonomy's term to one of our activity
-- types, or to a way of taking part. Admins edit it; a record whose terms map to no activity
-- type is quarantined until they do.
CREATE TABLE ingest_term_map (
  scheme       text NOT NULL CHECK (length(trim(scheme)) BETWEEN 1 AND 200),
  external     text NOT NULL CHECK (length(trim(external)) BETWEEN 1 AND 500),
  field        text NOT NULL CHECK (field IN ('activity', 'delivery_mode', 'accessibility')),
  value        text NOT NULL,
  PRIMARY KEY (scheme, external, field)
);

ALTER TABLE record_version ADD COLUMN ingest_run_id bigint REFERENCES ingest_run (id) ON DELETE SET NULL;
ALTER TABLE record_version DROP CONSTRAINT record_version_action_check;
ALTER TABLE record_version ADD CONSTRAINT record_version_action_check
  CHECK (action IN ('create', 'update', 'confirm', 'referral_status', 'restore', 'hide', 'withdraw', 'hand_over'));

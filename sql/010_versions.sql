-- Optimistic concurrency and history for what organisations edit themselves. Every record an
-- editor changes carries a version; an update names the version it read (If-Match) and is
-- refused if another was saved since. Every change is kept, with who, when and what changed,
-- and the whole document as it then was, so an admin can restore it.
ALTER TABLE organization ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE service ADD COLUMN version integer NOT NULL DEFAULT 1;

CREATE TABLE record_version (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  record_type  text NOT NULL CHECK (record_type IN ('organization', 'service')),
  record_id    uuid NOT NULL,
  version      integer NOT NULL,
  action       text NOT NULL CHECK (action IN ('create', 'update', 'confirm', 'referral_status', 'restore')),
  changed_at   timestamptz NOT NULL,
  changed_by   uuid REFERENCES account (id) ON DELETE SET NULL,
  changes      jsonb NOT NULL DEFAULT '{}',
  snapshot     jsonb NOT NULL
);
CREATE INDEX record_version_record_idx ON record_version (record_type, record_id, id);

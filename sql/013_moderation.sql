-- Organisations that register themselves are pending until an admin approves them. While
-- pending, their services are held with status 'inactive' (so nothing offers them) and the
-- status their editors chose waits in status_before_hidden; approval puts it in place.
ALTER TABLE organization ADD COLUMN moderation text NOT NULL DEFAULT 'approved'
  CONSTRAINT organization_moderation_check CHECK (moderation IN ('pending', 'approved'));
ALTER TABLE organization ADD COLUMN approved_at timestamptz;
CREATE INDEX organization_pending_idx ON organization (id) WHERE moderation = 'pending';

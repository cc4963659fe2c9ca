-- A link worker's report that a listing is wrong, for the organisation's editors to resolve.
CREATE TABLE problem_report (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  service_id       uuid NOT NULL REFERENCES service (id) ON DELETE CASCADE,
  kind             text NOT NULL CONSTRAINT problem_report_kind_check CHECK (kind IN ('closed', 'wrong_time', 'wrong_place', 'other')),
  note             text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
  reported_by      uuid REFERENCES account (id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL,
  resolved_at      timestamptz,
  resolved_by      uuid REFERENCES account (id) ON DELETE SET NULL,
  resolution_note  text
);
CREATE INDEX problem_report_service_idx ON problem_report (service_id);
CREATE INDEX problem_report_open_idx ON problem_report (created_at) WHERE resolved_at IS NULL;

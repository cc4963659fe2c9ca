-- Email goes through an outbox: written in the same transaction as what caused it, then sent
-- by a job over SMTP when configured, or written to the log when not, so nothing is dropped.
CREATE TABLE mail_outbox (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at  timestamptz NOT NULL,
  to_address  text NOT NULL,
  subject     text NOT NULL,
  body_text   text NOT NULL,
  -- sent over SMTP, or (no SMTP configured) written to the log instead
  sent_at     timestamptz,
  delivery    text CHECK (delivery IN ('smtp', 'log')),
  attempts    integer NOT NULL DEFAULT 0,
  last_error  text
);
CREATE INDEX mail_outbox_unsent_idx ON mail_outbox (id) WHERE sent_at IS NULL;

-- An invitation to create an account (or, for an existing one, to join an organisation).
CREATE TABLE invitation (
  token_hash       text PRIMARY KEY,
  email            text NOT NULL CHECK (email = lower(email)),
  role             text NOT NULL CHECK (role IN ('admin', 'link_worker', 'editor', 'commissioner')),
  organization_id  uuid REFERENCES organization (id) ON DELETE CASCADE,
  invited_by       uuid REFERENCES account (id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL,
  accepted_at      timestamptz,
  CHECK ((role = 'editor') = (organization_id IS NOT NULL))
);

CREATE TABLE password_reset (
  token_hash  text PRIMARY KEY,
  account_id  uuid NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);

-- Accounts, sessions, API tokens and the audit log. Passwords are argon2id hashes; session
-- and API tokens are stored only as SHA-256 hashes of the random values handed out, so a copy
-- of the database cannot be used to sign in.

CREATE TABLE account (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email          text NOT NULL CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$'),
  role           text NOT NULL
    CONSTRAINT account_role_check CHECK (role IN ('admin', 'link_worker', 'editor', 'commissioner')),
  -- NULL until the person sets one (an invited account).
  password_hash  text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  disabled_at    timestamptz,
  UNIQUE (email)
);

-- Organisation editors belong to one or more organisations.
CREATE TABLE organization_member (
  account_id       uuid NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  organization_id  uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  PRIMARY KEY (account_id, organization_id)
);
CREATE INDEX organization_member_organization_idx ON organization_member (organization_id);

CREATE TABLE auth_session (
  token_hash  text PRIMARY KEY,
  account_id  uuid NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX auth_session_account_idx ON auth_session (account_id);

CREATE TABLE api_token (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id    uuid NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  name          text NOT NULL CHECK (length(trim(name)) > 0),
  token_hash    text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL,
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_token_account_idx ON api_token (account_id);

-- Who did what, when (UTC), and whether it was allowed. Never passwords, tokens or client data.
CREATE TABLE audit_log (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at           timestamptz NOT NULL,
  account_id   uuid REFERENCES account (id) ON DELETE SET NULL,
  action       text NOT NULL,
  outcome      text NOT NULL CONSTRAINT audit_log_outcome_check CHECK (outcome IN ('success', 'failure', 'refused')),
  -- The email typed at a sign-in, so failures against unknown accounts are visible too.
  email        text,
  ip           text,
  target_type  text,
  target_id    text,
  detail       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_sign_in_idx ON audit_log (email, ip, at) WHERE action = 'sign_in';

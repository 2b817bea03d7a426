-- The foundation: the workspace, people, sessions, invitations, mail, and the stream log.

CREATE TABLE workspace (
  id         smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id             uuid PRIMARY KEY,
  email          text NOT NULL,
  name           text NOT NULL,
  password_hash  text NOT NULL,
  role           text NOT NULL CHECK (role IN ('owner', 'admin', 'employee', 'guest')),
  position       text NOT NULL DEFAULT '',
  department     text NOT NULL DEFAULT '',
  locale         text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'ru')),
  avatar         bytea,
  avatar_type    text,
  avatar_version integer NOT NULL DEFAULT 0,
  active         boolean NOT NULL DEFAULT true,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
-- Exactly one owner.
CREATE UNIQUE INDEX users_one_owner ON users ((true)) WHERE role = 'owner';

-- id is the SHA-256 (hex) of the cookie's token: the token itself is never stored.
CREATE TABLE sessions (
  id         text PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE invitations (
  id          uuid PRIMARY KEY,
  token_hash  text NOT NULL UNIQUE,
  email       text NOT NULL,
  role        text NOT NULL CHECK (role IN ('admin', 'employee')),
  invited_by  uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  accepted_at timestamptz,
  accepted_by uuid REFERENCES users (id),
  revoked_at  timestamptz
);
CREATE INDEX invitations_email ON invitations (lower(email));

CREATE TABLE mail_outbox (
  id         uuid PRIMARY KEY,
  to_addr    text NOT NULL,
  subject    text NOT NULL,
  text_body  text NOT NULL,
  html_body  text,
  status     text NOT NULL CHECK (status IN ('outbox', 'sending', 'sent', 'failed')),
  error      text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at    timestamptz
);
CREATE INDEX mail_outbox_created ON mail_outbox (created_at DESC);

-- Failed logins per e-mail: shared by every hub node, so a lockout holds across them.
CREATE TABLE login_failures (
  email        text PRIMARY KEY,
  failures     integer NOT NULL,
  window_start timestamptz NOT NULL,
  locked_until timestamptz
);

-- Every conversation is a stream; head is its latest seq, bumped inside the writing transaction.
CREATE TABLE streams (
  id   text PRIMARY KEY,
  head bigint NOT NULL DEFAULT 0
);

CREATE TABLE events (
  stream_id  text NOT NULL REFERENCES streams (id),
  seq        bigint NOT NULL,
  type       text NOT NULL,
  payload    jsonb NOT NULL,
  actor_id   uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream_id, seq)
);

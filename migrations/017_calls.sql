-- Video calls. A call belongs to a chat; its state lives here so that every hub node sees the same
-- participants and lobby (each participant's media is held by the node of its socket, named in `node`).
CREATE TABLE calls (
  id                uuid PRIMARY KEY,
  chat_id           uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  title             text NOT NULL,
  status            text NOT NULL CHECK (status IN ('scheduled', 'live', 'ended')),
  -- The media engine's room: 32 random bytes, never the call id and never shown to browsers.
  room_key          text NOT NULL UNIQUE,
  scheduled_for     timestamptz,
  started_at        timestamptz,
  ended_at          timestamptz,
  started_by        uuid REFERENCES users (id),
  created_by        uuid NOT NULL REFERENCES users (id),
  created_at        timestamptz NOT NULL DEFAULT now(),
  -- The card message in the chat ("call started" … "call ended, 23 min, 4 participants").
  message_id        uuid REFERENCES messages (id) ON DELETE SET NULL,
  -- Since when a live call has nobody in it (the sweep ends it after a while), null while someone is.
  empty_since       timestamptz
);
-- One live call per chat: starting a call where one is live joins that one.
CREATE UNIQUE INDEX calls_one_live ON calls (chat_id) WHERE status = 'live';
CREATE INDEX calls_chat ON calls (chat_id, created_at DESC);

-- Guest links to a call: 256-bit tokens kept as SHA-256, expiring, revocable.
CREATE TABLE call_links (
  id         uuid PRIMARY KEY,
  call_id    uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  name       text,
  email      text,
  created_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX call_links_call ON call_links (call_id);

-- A browser that opened a call link: id is the SHA-256 of its cookie's token; each gets its own guest
-- (a users row with role 'guest'), so two people opening one link are two guests in the lobby.
CREATE TABLE call_guest_sessions (
  id         text PRIMARY KEY,
  link_id    uuid NOT NULL REFERENCES call_links (id) ON DELETE CASCADE,
  guest_id   uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX call_guest_sessions_link ON call_guest_sessions (link_id);

-- People in a call, one row per device that joined (and per guest waiting in the lobby). A guest's row
-- goes lobby -> admitted -> joined (or refused); everyone ends left, dropped or removed.
CREATE TABLE call_participants (
  id           uuid PRIMARY KEY,
  call_id      uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  user_id      uuid NOT NULL REFERENCES users (id),
  link_id      uuid REFERENCES call_links (id) ON DELETE SET NULL,
  state        text NOT NULL CHECK (state IN ('lobby', 'admitted', 'refused', 'joined', 'left', 'dropped', 'removed')),
  -- The hub node and socket holding its media; the node refreshes seen_at while it holds it.
  node         text NOT NULL,
  conn_id      text NOT NULL,
  -- Set when its socket closed: a rejoin within the grace period replaces this participant.
  disconnected_at timestamptz,
  seen_at      timestamptz NOT NULL DEFAULT now(),
  lobby_since  timestamptz,
  joined_at    timestamptz,
  left_at      timestamptz,
  audio        boolean NOT NULL DEFAULT false,
  video        boolean NOT NULL DEFAULT false,
  screen       boolean NOT NULL DEFAULT false,
  hand         boolean NOT NULL DEFAULT false,
  published    boolean NOT NULL DEFAULT false,
  tracks       jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX call_participants_active ON call_participants (call_id) WHERE state IN ('lobby', 'admitted', 'joined');
CREATE INDEX call_participants_node ON call_participants (node) WHERE state IN ('lobby', 'admitted', 'joined');

-- The messenger: direct and group chats, their members and read positions, messages and reactions.
-- Each chat is the stream `chat:<id>`; a message keeps the seq of the event that created it.

CREATE TABLE chats (
  id              uuid PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('direct', 'group')),
  title           text NOT NULL DEFAULT '',
  -- The two members' ids, sorted and joined: one direct chat per pair.
  direct_key      text UNIQUE,
  created_by      uuid NOT NULL REFERENCES users (id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_message_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'direct') = (direct_key IS NOT NULL))
);

CREATE TABLE chat_members (
  chat_id   uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  user_id   uuid NOT NULL REFERENCES users (id),
  role      text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  joined_at timestamptz NOT NULL DEFAULT now(),
  -- The member's read position: the chat stream's seq up to which they have read.
  read_seq  bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX chat_members_user ON chat_members (user_id);

CREATE TABLE messages (
  id             uuid PRIMARY KEY,
  chat_id        uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  seq            bigint NOT NULL,
  author_id      uuid NOT NULL REFERENCES users (id),
  -- The sender's id for this send: a retry with the same id returns the first result.
  client_id      uuid NOT NULL,
  body           text NOT NULL,
  thread_root_id uuid REFERENCES messages (id),
  mentions       uuid[] NOT NULL DEFAULT '{}',
  mentions_all   boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  edited_at      timestamptz,
  deleted_at     timestamptz,
  UNIQUE (author_id, client_id),
  UNIQUE (chat_id, seq)
);
CREATE INDEX messages_thread ON messages (thread_root_id) WHERE thread_root_id IS NOT NULL;

CREATE TABLE message_reactions (
  message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id),
  emoji      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, user_id, emoji)
);

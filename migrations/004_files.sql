-- Files shared in chats. The bytes live under DATA_DIR/files by content hash (identical uploads are kept
-- once); a row per upload says who shared what where. Ids are random: downloads still check membership.
CREATE TABLE files (
  id          uuid PRIMARY KEY,
  sha256      text NOT NULL,
  size        bigint NOT NULL,
  name        text NOT NULL,
  mime        text NOT NULL,
  is_image    boolean NOT NULL,
  uploader_id uuid NOT NULL REFERENCES users (id),
  chat_id     uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  message_id  uuid REFERENCES messages (id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX files_chat ON files (chat_id);
CREATE INDEX files_message ON files (message_id);
CREATE INDEX files_name_trgm ON files USING gin (name gin_trgm_ops);

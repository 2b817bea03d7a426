-- Pinned messages of a chat.
ALTER TABLE messages ADD COLUMN pinned_at timestamptz;
ALTER TABLE messages ADD COLUMN pinned_by uuid REFERENCES users (id);
ALTER TABLE messages ADD COLUMN forwarded_from jsonb;
CREATE INDEX messages_pinned ON messages (chat_id, pinned_at) WHERE pinned_at IS NOT NULL;

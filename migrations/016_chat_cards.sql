-- Records made from a chat (a task, a deal, a lead…) post a card into it: a message whose `card` holds
-- the record's summary, kept up to date as the record changes. Links tie records to the messages that
-- show them, both ways: the record's timeline lists its chats, and its changes post into their threads.
ALTER TABLE messages ADD COLUMN card jsonb;

CREATE TABLE record_links (
  kind       text NOT NULL,
  record_id  uuid NOT NULL,
  chat_id    uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  -- The card message (its thread carries the record's later changes).
  message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  -- The message the record was made from, when made from one (its menu), else null.
  source_id  uuid REFERENCES messages (id) ON DELETE SET NULL,
  created_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, record_id, message_id)
);
CREATE INDEX record_links_chat ON record_links (chat_id);

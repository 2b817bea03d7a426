-- Threads have their own read positions: a reply counts as unread in its thread, for the people who
-- take part in it (wrote the first message, replied, or were mentioned there), not in the chat's main list.
CREATE TABLE thread_reads (
  root_id  uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  user_id  uuid NOT NULL REFERENCES users (id),
  read_seq bigint NOT NULL,
  PRIMARY KEY (root_id, user_id)
);

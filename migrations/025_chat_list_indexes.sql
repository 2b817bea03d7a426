-- The chat list counts unread thread replies only in the threads a person follows; finding those threads
-- starts from the person (their thread read positions, their own messages), not from every reply of a chat.
CREATE INDEX thread_reads_user ON thread_reads (user_id) INCLUDE (read_seq);

-- How far each member has been mailed about mentions: the digest never mails the same mention twice.
ALTER TABLE chat_members ADD COLUMN notified_seq bigint NOT NULL DEFAULT 0;

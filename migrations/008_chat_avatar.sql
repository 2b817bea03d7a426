-- A group chat's picture.
ALTER TABLE chats ADD COLUMN avatar bytea;
ALTER TABLE chats ADD COLUMN avatar_type text;
ALTER TABLE chats ADD COLUMN avatar_version integer NOT NULL DEFAULT 0;

-- Files in the feed: attached to a post or to one of its comments, readable by whoever sees the post
-- (and by the post's guests). A file uploaded for the feed has no chat; until a post or a comment names
-- it, only its uploader can read it.
ALTER TABLE files ALTER COLUMN chat_id DROP NOT NULL;
ALTER TABLE files ADD COLUMN post_id uuid REFERENCES feed_posts (id) ON DELETE CASCADE;
ALTER TABLE files ADD COLUMN comment_id uuid REFERENCES feed_comments (id) ON DELETE SET NULL;
ALTER TABLE files ADD CONSTRAINT files_chat_or_feed CHECK (chat_id IS NULL OR (post_id IS NULL AND comment_id IS NULL));
CREATE INDEX files_post ON files (post_id) WHERE post_id IS NOT NULL;
CREATE INDEX files_comment ON files (comment_id) WHERE comment_id IS NOT NULL;

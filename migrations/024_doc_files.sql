-- Images placed in a knowledge-base page: uploaded by an editor of the page, read by whoever may read it.
ALTER TABLE files ADD COLUMN page_id uuid REFERENCES doc_pages (id) ON DELETE CASCADE;
ALTER TABLE files ADD CONSTRAINT files_page_alone CHECK (page_id IS NULL OR (chat_id IS NULL AND post_id IS NULL));
CREATE INDEX files_page ON files (page_id) WHERE page_id IS NOT NULL;

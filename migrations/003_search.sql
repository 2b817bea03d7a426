-- Message search: Russian and English word forms (stemmed full-text, both configurations at once) and
-- trigrams for partial words and names.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE messages ADD COLUMN search tsvector
  GENERATED ALWAYS AS (to_tsvector('russian', body) || to_tsvector('english', body)) STORED;
CREATE INDEX messages_search ON messages USING gin (search);
CREATE INDEX messages_body_trgm ON messages USING gin (body gin_trgm_ops);

-- The knowledge base: spaces (company-wide, or a workgroup's) holding a tree of pages, and the Yjs
-- documents the pages are edited in.

CREATE TABLE doc_spaces (
  id          uuid PRIMARY KEY,
  name        text NOT NULL,
  -- null: the company's space (every active employee); else the workgroup whose space it is.
  group_id    uuid REFERENCES work_groups (id) ON DELETE CASCADE,
  created_by  uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX doc_spaces_group ON doc_spaces (group_id);

-- A collaborative document's storage head. `last_seq` numbers its updates (taken under this row's lock,
-- so every node sees one order and can fill gaps from `doc_updates`); `bytes` is what the document
-- occupies as stored (snapshot + updates since), checked against DOC_MAX_BYTES in the same statement.
CREATE TABLE docs (
  id             uuid PRIMARY KEY,
  last_seq       bigint NOT NULL DEFAULT 0,
  compacted_seq  bigint NOT NULL DEFAULT 0,
  bytes          bigint NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- Every accepted Yjs update (v1 encoding), stored before it is relayed; removed once a snapshot covers it.
CREATE TABLE doc_updates (
  doc_id      uuid NOT NULL REFERENCES docs (id) ON DELETE CASCADE,
  seq         bigint NOT NULL,
  update      bytea NOT NULL,
  created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (doc_id, seq)
);

-- The compacted state of a document: one Yjs update with everything up to `upto_seq`, and its state vector.
CREATE TABLE doc_snapshots (
  doc_id        uuid PRIMARY KEY REFERENCES docs (id) ON DELETE CASCADE,
  state         bytea NOT NULL,
  state_vector  bytea NOT NULL,
  upto_seq      bigint NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- A page is a document in a space's tree. Deleting is soft (undo restores it with its subtree).
CREATE TABLE doc_pages (
  id          uuid PRIMARY KEY REFERENCES docs (id) ON DELETE CASCADE,
  space_id    uuid NOT NULL REFERENCES doc_spaces (id) ON DELETE CASCADE,
  parent_id   uuid REFERENCES doc_pages (id) ON DELETE CASCADE,
  -- Order among siblings; gaps are fine, ties break by id.
  position    double precision NOT NULL,
  title       text NOT NULL,
  created_by  uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  uuid NOT NULL REFERENCES users (id),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz,
  deleted_by  uuid REFERENCES users (id)
);
CREATE INDEX doc_pages_tree ON doc_pages (space_id, parent_id, position);

-- Page search, like messages': Russian and English word forms and trigrams. `body` is the page's text,
-- taken from its document at each compaction (so search follows edits within DOC_COMPACT_UPDATES updates,
-- or once the document's last editor has left).
ALTER TABLE doc_pages ADD COLUMN body text NOT NULL DEFAULT '';
ALTER TABLE doc_pages ADD COLUMN search tsvector
  GENERATED ALWAYS AS (to_tsvector('russian', title || ' ' || body) || to_tsvector('english', title || ' ' || body)) STORED;
CREATE INDEX doc_pages_search ON doc_pages USING gin (search);
CREATE INDEX doc_pages_body_trgm ON doc_pages USING gin (body gin_trgm_ops);

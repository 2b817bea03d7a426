-- A page's history: whole states of its document, named by someone ("Before the review") or taken
-- automatically (at a compaction, at most every few minutes; and before a restore, so a restore can be
-- undone). Each state is one Yjs update holding the whole document, independent of garbage collection.
CREATE TABLE doc_versions (
  id          uuid PRIMARY KEY,
  doc_id      uuid NOT NULL REFERENCES docs (id) ON DELETE CASCADE,
  -- null: an automatic version.
  name        text,
  reason      text NOT NULL CHECK (reason IN ('named', 'auto', 'before_restore')),
  state       bytea NOT NULL,
  -- The document's last update the state includes.
  upto_seq    bigint NOT NULL,
  bytes       integer NOT NULL,
  created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX doc_versions_doc ON doc_versions (doc_id, created_at DESC);

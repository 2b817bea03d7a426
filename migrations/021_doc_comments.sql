-- Comments on a page's text, as in Google Docs: a thread starts on a selection and has one level of
-- replies. The selection is kept as two Yjs relative positions (Y.encodeRelativePosition of its start and
-- end, made by the editor), so it follows the text as people edit; `quote` is the text selected when the
-- thread began, shown when the text itself is gone. Replies have no anchor of their own.
CREATE TABLE doc_comments (
  id           uuid PRIMARY KEY,
  page_id      uuid NOT NULL REFERENCES doc_pages (id) ON DELETE CASCADE,
  -- A reply's thread (always a top-level comment of the same page).
  parent_id    uuid REFERENCES doc_comments (id) ON DELETE CASCADE,
  anchor_start bytea,
  anchor_end   bytea,
  quote        text NOT NULL DEFAULT '',
  body         text NOT NULL,
  author_id    uuid REFERENCES users (id) ON DELETE SET NULL,
  -- Who the body mentions (kept so an edit notifies only people newly mentioned).
  mentions     uuid[] NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  edited_at    timestamptz,
  resolved_at  timestamptz,
  resolved_by  uuid REFERENCES users (id) ON DELETE SET NULL,
  deleted_at   timestamptz,
  CHECK ((parent_id IS NULL) = (anchor_start IS NOT NULL AND anchor_end IS NOT NULL))
);
CREATE INDEX doc_comments_page ON doc_comments (page_id, created_at);
CREATE INDEX doc_comments_parent ON doc_comments (parent_id) WHERE parent_id IS NOT NULL;

-- People a page's text mentions (a mention node of the editor) who have been told: each person once per
-- page, however often the page is compacted or the mention retyped.
CREATE TABLE doc_mentions (
  page_id     uuid NOT NULL REFERENCES doc_pages (id) ON DELETE CASCADE,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  notified_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (page_id, user_id)
);

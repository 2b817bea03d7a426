-- Documents attached to a chat, a task or a deal (a call's meeting notes, a spec for a deal…). A link grants
-- nothing: whoever opens the page still needs to be allowed to read its space.
CREATE TABLE doc_links (
  id           uuid PRIMARY KEY,
  page_id      uuid NOT NULL REFERENCES doc_pages (id) ON DELETE CASCADE,
  target_kind  text NOT NULL CHECK (target_kind IN ('chat', 'task', 'deal')),
  -- A chat, a task or a CRM deal; no foreign key (three tables), so the lists below skip targets that are gone.
  target_id    uuid NOT NULL,
  created_by   uuid NOT NULL REFERENCES users (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (page_id, target_kind, target_id)
);
CREATE INDEX doc_links_target ON doc_links (target_kind, target_id);

-- A call's meeting notes: the one page "Meeting notes" opens for that call, however many times it is pressed.
CREATE TABLE doc_call_notes (
  call_id     uuid PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
  page_id     uuid NOT NULL REFERENCES doc_pages (id) ON DELETE CASCADE,
  created_by  uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Guest links to a page of the knowledge base: a 256-bit token kept as its SHA-256, for reading or for
-- editing that one page, expiring and revocable. Opening one gives a browser its own guest (a users row
-- with role 'guest') and a session for that page only.
CREATE TABLE doc_guest_links (
  id           uuid PRIMARY KEY,
  page_id      uuid NOT NULL REFERENCES doc_pages (id) ON DELETE CASCADE,
  token_hash   text NOT NULL UNIQUE,
  access       text NOT NULL CHECK (access IN ('read', 'edit')),
  name         text,
  email        text,
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz,
  created_by   uuid NOT NULL REFERENCES users (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- When a guest last opened the page through it (shown to the page's editors).
  last_seen_at timestamptz
);
CREATE INDEX doc_guest_links_page ON doc_guest_links (page_id);

-- A browser that opened a document link: id is the SHA-256 of its cookie's token.
CREATE TABLE doc_guest_sessions (
  id         text PRIMARY KEY,
  link_id    uuid NOT NULL REFERENCES doc_guest_links (id) ON DELETE CASCADE,
  guest_id   uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX doc_guest_sessions_link ON doc_guest_sessions (link_id);

-- External people on a feed thread, without an account. Each external address of a post becomes a guest
-- (a users row with role 'guest': no usable password, never in the directory) and a link to that post
-- only, which expires and can be revoked.
CREATE TABLE guest_links (
  id           uuid PRIMARY KEY,
  guest_id     uuid NOT NULL REFERENCES users (id),
  post_id      uuid NOT NULL REFERENCES feed_posts (id) ON DELETE CASCADE,
  created_by   uuid NOT NULL REFERENCES users (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz,
  last_seen_at timestamptz,
  -- The post stream's seq up to which new comments were mailed to this guest.
  mailed_seq   bigint NOT NULL DEFAULT 0,
  UNIQUE (post_id, guest_id)
);
CREATE INDEX guest_links_post ON guest_links (post_id);

-- The tokens of a link, as SHA-256 (the tokens themselves are only in the mails). Every mail to a guest
-- carries fresh ones: an 'open' token in the page's URL, and a 'reply' token in the personal reply
-- address (reply+<token>@MAIL_DOMAIN) that makes an answer by mail a comment. All of a link's tokens
-- end with it.
CREATE TABLE guest_tokens (
  id         text PRIMARY KEY,
  link_id    uuid NOT NULL REFERENCES guest_links (id) ON DELETE CASCADE,
  kind       text NOT NULL CHECK (kind IN ('open', 'reply')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX guest_tokens_link ON guest_tokens (link_id);

-- A guest's browser session, opened from a link: id is the SHA-256 of the cookie's token. Revoking the
-- link deletes its sessions (and the hub closes their sockets).
CREATE TABLE guest_sessions (
  id         text PRIMARY KEY,
  link_id    uuid NOT NULL REFERENCES guest_links (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX guest_sessions_link ON guest_sessions (link_id);

-- Every Message-ID Artel sent or took in for a post, so that a reply joins its thread whichever address
-- it was sent to (In-Reply-To and References name these ids). Stored without angle brackets, lowercased.
CREATE TABLE mail_threads (
  message_id text PRIMARY KEY,
  post_id    uuid NOT NULL REFERENCES feed_posts (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mail_threads_post ON mail_threads (post_id);

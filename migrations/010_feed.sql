-- The live feed: workgroups and projects, posts with an audience, comments (one level of replies),
-- reactions, polls, and read marks of important posts. Each post is the stream `post:<id>`; a comment
-- keeps the seq of the event that created it.

CREATE TABLE work_groups (
  id          uuid PRIMARY KEY,
  name        text NOT NULL,
  description text NOT NULL DEFAULT '',
  kind        text NOT NULL CHECK (kind IN ('group', 'project')),
  visibility  text NOT NULL CHECK (visibility IN ('open', 'closed')),
  created_by  uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  archived_at timestamptz
);

CREATE TABLE work_group_members (
  group_id  uuid NOT NULL REFERENCES work_groups (id) ON DELETE CASCADE,
  user_id   uuid NOT NULL REFERENCES users (id),
  role      text NOT NULL CHECK (role IN ('owner', 'moderator', 'member')),
  joined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX work_group_members_user ON work_group_members (user_id);

CREATE TABLE feed_posts (
  id         uuid PRIMARY KEY,
  author_id  uuid NOT NULL REFERENCES users (id),
  -- The author's id for this send: a retry with the same id returns the first result.
  client_id  uuid NOT NULL,
  title      text,
  body       text NOT NULL,
  important  boolean NOT NULL DEFAULT false,
  mentions   uuid[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  edited_at  timestamptz,
  deleted_at timestamptz,
  UNIQUE (author_id, client_id)
);
-- The feed's order and keyset: newest first, ties broken by id.
CREATE INDEX feed_posts_order ON feed_posts (created_at DESC, id DESC);
CREATE INDEX feed_posts_author ON feed_posts (author_id, created_at DESC);
CREATE INDEX feed_posts_mentions ON feed_posts USING gin (mentions);

-- Who a post is for. `ref` is the entry's key within its kind: '' for everyone, the uuid for a user or a
-- group, the lowercased trimmed name for a department, the lowercased address for an e-mail.
CREATE TABLE feed_audience (
  post_id   uuid NOT NULL REFERENCES feed_posts (id) ON DELETE CASCADE,
  kind      text NOT NULL CHECK (kind IN ('everyone', 'department', 'group', 'user', 'email')),
  ref       text NOT NULL,
  user_id   uuid REFERENCES users (id),
  group_id  uuid REFERENCES work_groups (id),
  -- A department as the author wrote it (for display).
  label     text,
  -- A user entry that an @mention added (Bitrix24: mentioning someone adds them to the recipients).
  mentioned boolean NOT NULL DEFAULT false,
  PRIMARY KEY (post_id, kind, ref),
  CHECK ((kind = 'user') = (user_id IS NOT NULL)),
  CHECK ((kind = 'group') = (group_id IS NOT NULL))
);
CREATE INDEX feed_audience_user ON feed_audience (user_id) WHERE kind = 'user';
CREATE INDEX feed_audience_group ON feed_audience (group_id) WHERE kind = 'group';
CREATE INDEX feed_audience_department ON feed_audience (ref) WHERE kind = 'department';

CREATE TABLE feed_comments (
  id         uuid PRIMARY KEY,
  post_id    uuid NOT NULL REFERENCES feed_posts (id) ON DELETE CASCADE,
  seq        bigint NOT NULL,
  author_id  uuid NOT NULL REFERENCES users (id),
  client_id  uuid NOT NULL,
  body       text NOT NULL,
  -- The top-level comment this one answers (replies to replies attach to it).
  reply_to   uuid REFERENCES feed_comments (id),
  mentions   uuid[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  edited_at  timestamptz,
  deleted_at timestamptz,
  UNIQUE (author_id, client_id),
  UNIQUE (post_id, seq)
);
CREATE INDEX feed_comments_mentions ON feed_comments USING gin (mentions);

CREATE TABLE feed_post_reactions (
  post_id    uuid NOT NULL REFERENCES feed_posts (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id),
  emoji      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (post_id, user_id, emoji)
);

CREATE TABLE feed_comment_reactions (
  comment_id uuid NOT NULL REFERENCES feed_comments (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id),
  emoji      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (comment_id, user_id, emoji)
);

CREATE TABLE feed_polls (
  post_id  uuid PRIMARY KEY REFERENCES feed_posts (id) ON DELETE CASCADE,
  question text NOT NULL,
  multiple boolean NOT NULL
);

CREATE TABLE feed_poll_options (
  id       uuid PRIMARY KEY,
  post_id  uuid NOT NULL REFERENCES feed_polls (post_id) ON DELETE CASCADE,
  position integer NOT NULL,
  text     text NOT NULL,
  UNIQUE (post_id, position),
  UNIQUE (id, post_id)
);

-- A vote names its option and the option's poll: the pair must exist, so no vote crosses polls.
CREATE TABLE feed_poll_votes (
  option_id  uuid NOT NULL,
  post_id    uuid NOT NULL,
  user_id    uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (option_id, user_id),
  FOREIGN KEY (option_id, post_id) REFERENCES feed_poll_options (id, post_id) ON DELETE CASCADE
);
CREATE INDEX feed_poll_votes_voter ON feed_poll_votes (post_id, user_id);

-- "Read" marks: what unpins an important post for its reader, and counts as "read by N of M".
CREATE TABLE feed_reads (
  post_id uuid NOT NULL REFERENCES feed_posts (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id),
  read_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (post_id, user_id)
);

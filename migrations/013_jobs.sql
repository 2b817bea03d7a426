-- Scheduled work (reminders, deadline notices, batched mail): rows in PostgreSQL, so jobs survive
-- restarts, and taken with FOR UPDATE SKIP LOCKED, so with several hub nodes each runs exactly once: a
-- job's effects and its `done_at` commit in one transaction.
CREATE TABLE jobs (
  id         uuid PRIMARY KEY,
  kind       text NOT NULL,
  -- A job that stands for one thing (e.g. "task <id>'s deadline") has a key: scheduling it again moves it.
  key        text UNIQUE,
  payload    jsonb NOT NULL DEFAULT '{}',
  run_at     timestamptz NOT NULL,
  attempts   integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  done_at    timestamptz
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE done_at IS NULL;

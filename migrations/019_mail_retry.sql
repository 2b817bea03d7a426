-- Outgoing mail is retried. A mail the relay refused for now (4xx) or could not be reached for stays
-- 'sending' with its attempts counted and the time of its next attempt; a persistent job (see 013_jobs.sql)
-- makes that attempt, and a row lock on the outbox row keeps it to one node. A permanent refusal (5xx), or
-- the last attempt failing, leaves it 'failed' with the last error.
--
-- The threading headers are stored with the row, so a retried mail is the same mail: same Message-ID,
-- same In-Reply-To and References, same Reply-To (a guest's personal reply address).
ALTER TABLE mail_outbox
  ADD COLUMN message_id      text,
  ADD COLUMN reply_to        text,
  ADD COLUMN in_reply_to     text,
  ADD COLUMN references_ids  text[] NOT NULL DEFAULT '{}',
  ADD COLUMN attempts        integer NOT NULL DEFAULT 0,
  ADD COLUMN next_attempt_at timestamptz,
  ADD COLUMN last_attempt_at timestamptz;

-- Tasks: creator, responsible, participants and observers, status with control by the creator, deadline,
-- checklist, comments, time tracking, per-user read positions and personal reminders. Each task is the
-- stream `task:<id>`; a comment keeps the seq of the event that created it.

CREATE TABLE tasks (
  id                uuid PRIMARY KEY,
  -- The creator's id for this send: a retry with the same id returns the first task.
  client_id         uuid NOT NULL,
  title             text NOT NULL,
  description       text NOT NULL DEFAULT '',
  creator_id        uuid NOT NULL REFERENCES users (id),
  responsible_id    uuid NOT NULL REFERENCES users (id),
  status            text NOT NULL DEFAULT 'new'
                    CHECK (status IN ('new', 'in_progress', 'waiting_control', 'done', 'deferred')),
  priority          text NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'high')),
  -- Completion by anyone but the creator waits for the creator's acceptance.
  require_control   boolean NOT NULL,
  deadline          timestamptz,
  planned_minutes   integer CHECK (planned_minutes >= 0),
  group_id          uuid REFERENCES work_groups (id) ON DELETE SET NULL,
  -- The chat message the task was created from.
  source_chat_id    uuid REFERENCES chats (id) ON DELETE SET NULL,
  source_message_id uuid REFERENCES messages (id) ON DELETE SET NULL,
  -- The deadline each notice was sent for: a notice goes once per deadline, whatever reschedules it.
  due_soon_sent_for timestamptz,
  overdue_sent_for  timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  closed_at         timestamptz,
  UNIQUE (creator_id, client_id)
);
-- Lists: newest first, ties broken by id (the keyset).
CREATE INDEX tasks_order ON tasks (created_at DESC, id DESC);
CREATE INDEX tasks_responsible ON tasks (responsible_id, status, deadline);
CREATE INDEX tasks_creator ON tasks (creator_id, status);
CREATE INDEX tasks_group ON tasks (group_id) WHERE group_id IS NOT NULL;
CREATE INDEX tasks_source_message ON tasks (source_message_id) WHERE source_message_id IS NOT NULL;

-- Participants (co-executors) and observers (auditors); one role per person.
CREATE TABLE task_members (
  task_id  uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  user_id  uuid NOT NULL REFERENCES users (id),
  role     text NOT NULL CHECK (role IN ('participant', 'observer')),
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, user_id)
);
CREATE INDEX task_members_user ON task_members (user_id, role);

CREATE TABLE task_checklist (
  id       uuid PRIMARY KEY,
  task_id  uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  position integer NOT NULL,
  text     text NOT NULL,
  done     boolean NOT NULL DEFAULT false,
  done_by  uuid REFERENCES users (id),
  done_at  timestamptz
);
CREATE INDEX task_checklist_task ON task_checklist (task_id, position);

CREATE TABLE task_comments (
  id         uuid PRIMARY KEY,
  task_id    uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  seq        bigint NOT NULL,
  author_id  uuid NOT NULL REFERENCES users (id),
  client_id  uuid NOT NULL,
  body       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  edited_at  timestamptz,
  deleted_at timestamptz,
  UNIQUE (author_id, client_id),
  UNIQUE (task_id, seq)
);

-- Logged time: finished timer runs and manual entries.
CREATE TABLE task_time_entries (
  id         uuid PRIMARY KEY,
  task_id    uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id),
  seconds    integer NOT NULL CHECK (seconds >= 0),
  note       text NOT NULL DEFAULT '',
  source     text NOT NULL CHECK (source IN ('timer', 'manual')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_time_entries_task ON task_time_entries (task_id, user_id);

-- One timer per person across all tasks (the primary key says so): running while started_at is set,
-- paused otherwise; stopping it turns it into a time entry.
CREATE TABLE task_timers (
  user_id             uuid PRIMARY KEY REFERENCES users (id),
  task_id             uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  started_at          timestamptz,
  accumulated_seconds integer NOT NULL DEFAULT 0
);
CREATE INDEX task_timers_task ON task_timers (task_id);

-- Read positions on task streams: comments after them are "new" for that person.
CREATE TABLE task_reads (
  task_id  uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  user_id  uuid NOT NULL REFERENCES users (id),
  read_seq bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (task_id, user_id)
);

-- Personal reminders ("remind me about this task at ..."), each a job keyed `task-reminder:<id>`.
CREATE TABLE task_reminders (
  id         uuid PRIMARY KEY,
  task_id    uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id),
  remind_at  timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at    timestamptz
);
CREATE INDEX task_reminders_task_user ON task_reminders (task_id, user_id);

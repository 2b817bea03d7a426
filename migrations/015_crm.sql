-- The CRM: leads, contacts, companies and deals in one table (one visibility rule, one timeline, one
-- share list for all four), their phones and e-mails, pipelines and stages, timelines, chat links, and
-- uploads waiting between an import's preview and the import itself.

-- One row: the workspace's CRM settings. `own_and_shared` is the stricter default: an employee sees the
-- records they are responsible for or created and those shared with them, until an admin opens them up.
CREATE TABLE crm_settings (
  id                 smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  visibility         text NOT NULL DEFAULT 'own_and_shared' CHECK (visibility IN ('all_employees', 'own_and_shared')),
  default_currency   text NOT NULL DEFAULT 'RUB' CHECK (default_currency ~ '^[A-Z]{3}$'),
  phone_country_code text NOT NULL DEFAULT '7' CHECK (phone_country_code ~ '^[1-9][0-9]{0,2}$'),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
INSERT INTO crm_settings (id) VALUES (1);

CREATE TABLE crm_pipelines (
  id         uuid PRIMARY KEY,
  name       text NOT NULL,
  position   integer NOT NULL,
  is_default boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX crm_pipelines_one_default ON crm_pipelines ((true)) WHERE is_default;

CREATE TABLE crm_stages (
  id          uuid PRIMARY KEY,
  pipeline_id uuid NOT NULL REFERENCES crm_pipelines (id) ON DELETE CASCADE,
  name        text NOT NULL,
  -- A stable code for the built-in stages, so clients can show them translated; null for custom ones.
  code        text,
  kind        text NOT NULL CHECK (kind IN ('open', 'won', 'lost')),
  position    integer NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX crm_stages_pipeline ON crm_stages (pipeline_id, position);

WITH p AS (
  INSERT INTO crm_pipelines (id, name, position, is_default) VALUES (gen_random_uuid(), 'Sales', 0, true) RETURNING id
)
INSERT INTO crm_stages (id, pipeline_id, name, code, kind, position)
SELECT gen_random_uuid(), p.id, s.name, s.code, s.kind, s.position
FROM p, (VALUES ('New', 'new', 'open', 0), ('Negotiation', 'negotiation', 'open', 1), ('Proposal', 'proposal', 'open', 2),
                ('Won', 'won', 'won', 3), ('Lost', 'lost', 'lost', 4)) AS s (name, code, kind, position);

CREATE TABLE crm_records (
  id             uuid PRIMARY KEY,
  kind           text NOT NULL CHECK (kind IN ('lead', 'contact', 'company', 'deal')),
  -- The creator's id for this create: a retry with the same id returns the first record.
  client_id      uuid,
  -- What lists show: a lead's or a deal's title, a company's name, a contact's full name.
  title          text NOT NULL,
  first_name     text NOT NULL DEFAULT '',
  last_name      text NOT NULL DEFAULT '',
  middle_name    text NOT NULL DEFAULT '',
  -- A lead's company, as typed (a contact links to a company record instead).
  company_name   text NOT NULL DEFAULT '',
  position       text NOT NULL DEFAULT '',
  source         text NOT NULL DEFAULT '',
  comments       text NOT NULL DEFAULT '',
  status         text CHECK (status IN ('new', 'in_progress', 'converted', 'junk')),
  company_id     uuid REFERENCES crm_records (id) ON DELETE SET NULL,
  contact_id     uuid REFERENCES crm_records (id) ON DELETE SET NULL,
  -- The lead a record was converted from.
  lead_id        uuid REFERENCES crm_records (id) ON DELETE SET NULL,
  -- Money is exact: never a float.
  amount         numeric(18, 2) CHECK (amount >= 0),
  currency       text CHECK (currency ~ '^[A-Z]{3}$'),
  pipeline_id    uuid REFERENCES crm_pipelines (id),
  stage_id       uuid REFERENCES crm_stages (id),
  -- Order within the stage's kanban column; a drop between two cards takes the midpoint.
  board_rank     double precision,
  close_date     date,
  closed_at      timestamptz,
  close_reason   text NOT NULL DEFAULT '',
  responsible_id uuid NOT NULL REFERENCES users (id),
  created_by     uuid NOT NULL REFERENCES users (id),
  updated_by     uuid NOT NULL REFERENCES users (id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  converted_at   timestamptz,
  CHECK ((kind = 'deal') = (stage_id IS NOT NULL AND pipeline_id IS NOT NULL)),
  CHECK ((kind = 'lead') = (status IS NOT NULL)),
  CHECK ((amount IS NULL) OR (currency IS NOT NULL))
);
CREATE UNIQUE INDEX crm_records_client ON crm_records (created_by, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX crm_records_order ON crm_records (kind, created_at DESC, id DESC);
CREATE INDEX crm_records_responsible ON crm_records (responsible_id);
CREATE INDEX crm_records_creator ON crm_records (created_by);
CREATE INDEX crm_records_board ON crm_records (stage_id, board_rank) WHERE kind = 'deal';
CREATE INDEX crm_records_closed ON crm_records (closed_at) WHERE kind = 'deal' AND closed_at IS NOT NULL;
CREATE INDEX crm_records_lead ON crm_records (lead_id) WHERE lead_id IS NOT NULL;
CREATE INDEX crm_records_company ON crm_records (company_id) WHERE company_id IS NOT NULL;

-- Phones and e-mails: as typed, and normalised (E.164, lowercase) for duplicate detection.
CREATE TABLE crm_contact_points (
  record_id  uuid NOT NULL REFERENCES crm_records (id) ON DELETE CASCADE,
  kind       text NOT NULL CHECK (kind IN ('phone', 'email')),
  position   smallint NOT NULL,
  value      text NOT NULL,
  normalized text NOT NULL,
  label      text NOT NULL DEFAULT 'work' CHECK (label IN ('work', 'mobile', 'home', 'other')),
  PRIMARY KEY (record_id, kind, position)
);
CREATE INDEX crm_contact_points_lookup ON crm_contact_points (kind, normalized);

CREATE TABLE crm_shares (
  record_id  uuid NOT NULL REFERENCES crm_records (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id),
  created_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (record_id, user_id)
);
CREATE INDEX crm_shares_user ON crm_shares (user_id);

-- A record's timeline; each entry keeps the seq of the event that added it to `crm:<kind>:<id>`.
CREATE TABLE crm_timeline (
  id         uuid PRIMARY KEY,
  record_id  uuid NOT NULL REFERENCES crm_records (id) ON DELETE CASCADE,
  seq        bigint NOT NULL,
  type       text NOT NULL CHECK (type IN ('created', 'comment', 'call', 'meeting', 'email', 'chat_linked',
                                           'stage_changed', 'fields_changed', 'converted')),
  author_id  uuid REFERENCES users (id),
  client_id  uuid,
  body       text NOT NULL DEFAULT '',
  data       jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (record_id, seq)
);
CREATE UNIQUE INDEX crm_timeline_client ON crm_timeline (author_id, client_id) WHERE client_id IS NOT NULL;

-- Conversations a record is linked to (both ways: the record's timeline, and records of a chat).
CREATE TABLE crm_chat_links (
  record_id  uuid NOT NULL REFERENCES crm_records (id) ON DELETE CASCADE,
  chat_id    uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  message_id uuid,
  linked_by  uuid NOT NULL REFERENCES users (id),
  entry_id   uuid NOT NULL REFERENCES crm_timeline (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX crm_chat_links_key ON crm_chat_links (record_id, chat_id, COALESCE(message_id, '00000000-0000-0000-0000-000000000000'));
CREATE INDEX crm_chat_links_chat ON crm_chat_links (chat_id);

-- The stages a deal has been in (first entry), for the funnel's "reached this stage".
CREATE TABLE crm_stage_history (
  deal_id    uuid NOT NULL REFERENCES crm_records (id) ON DELETE CASCADE,
  stage_id   uuid NOT NULL REFERENCES crm_stages (id) ON DELETE CASCADE,
  entered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (deal_id, stage_id)
);

-- An uploaded file between preview and import; kept an hour. Once imported, the bytes go and the result
-- stays until expiry, so a retried import answers the same instead of importing twice.
CREATE TABLE crm_imports (
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  file_name   text NOT NULL DEFAULT '',
  format      text NOT NULL CHECK (format IN ('csv', 'xlsx')),
  data        bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  imported_at timestamptz,
  result      jsonb
);
CREATE INDEX crm_imports_expiry ON crm_imports (expires_at);

-- Deleting a record scrubs it from the stored announcements that carried it (`crm:all`, people's own
-- streams), found by this index rather than by reading every event.
CREATE INDEX events_crm_record ON events ((payload->'record'->>'id')) WHERE type IN ('crm_record', 'record_upserted');

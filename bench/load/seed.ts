/**
 * The load bench's company, written straight into a migrated Artel database with bulk SQL: people,
 * direct chats, groups and a few big channels, and a skewed history of Russian and English messages with
 * thread replies and reactions, stored exactly as the write path stores them:
 *
 * - every chat is the stream `chat:<id>`: seq 1 is its `chat_created` event, then one event per message
 *   (`message_created`, the message keeping its event's seq) or reaction (`reactions_changed`, right after
 *   the message it is on); `streams.head` is the last seq;
 * - the message rows carry their search vector (the generated column) and every index of the schema;
 * - read positions: most members have read up to the head, some lag a little, a few a lot; thread
 *   read positions for everyone who replied in a thread.
 *
 * Not seeded: users' own streams (`user:<id>` events such as chat_added or chat_read: notices to devices,
 * not history), mentions, pins, files. Seqs, ids and texts are derived from hashes of (chat, seq), so the
 * statements need no joins. Foreign keys are checked by construction (session_replication_role = replica
 * skips their triggers during the load), and the secondary indexes are built once after it, which is how
 * bulk loads are done.
 */
import pg from 'pg';
import { EMOJI, personName, phrasebook, prng, type Lang } from './text';

export interface SeedPlan {
  users: number;
  chats: number;
  messages: number;
  seed: number;
}

export interface SeedResult {
  /** User ids by index (index 0 owns the workspace). */
  userIds: string[];
  counts: { users: number; chats: number; directs: number; groups: number; channels: number; memberships: number; messages: number; replies: number; reactions: number; events: number; biggestChat: number };
  /** Seconds per phase. */
  timings: Record<string, number>;
}

interface ChatPlan {
  id: string;
  kind: 'direct' | 'group';
  title: string;
  directKey: string | null;
  members: number[];
  weight: number;
  lang: Lang;
  /** Every `period`-th seq starts a thread whose next `replies` seqs are replies (0: no threads). */
  period: number;
  replies: number;
  startDaysAgo: number;
  endDaysAgo: number;
  slots: number;
  part: number;
}

/** Share of stream slots that are reactions (see is_reaction below: 8% flagged, and not after a flagged one). */
const REACTION_SHARE = 0.08 * (1 - 0.08);

/** A version-4-shaped UUID from the seeded generator: the same seed gives the same ids, hence the same hashes below. */
function seededUuid(rnd: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rnd() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16], 16) & 3) | 8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function sample(n: number, k: number, rnd: () => number): number[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(k, n)) picked.add(Math.floor(rnd() * n));
  return [...picked];
}

/** The company's chats: 3% big channels (100–500 people), 37% groups (3–30, mostly small), the rest direct chats. */
function planChats(p: SeedPlan, userIds: string[], rnd: () => number): ChatPlan[] {
  const channels = Math.max(1, Math.round(p.chats * 0.03));
  const groups = Math.max(1, Math.round(p.chats * 0.37));
  const directs = Math.max(0, p.chats - channels - groups);
  const out: ChatPlan[] = [];
  const base = (kind: 'direct' | 'group', title: string, members: number[], weight: number, period: number, replies: number): ChatPlan => {
    const startDaysAgo = 60 + rnd() * 670;
    return {
      id: seededUuid(rnd), kind, title, members, weight, period, replies,
      directKey: kind === 'direct' ? members.map((m) => userIds[m]).sort().join(':') : null,
      lang: rnd() < 0.65 ? 'ru' : 'en',
      startDaysAgo,
      // Most chats were active today; some have been quiet for days or weeks.
      endDaysAgo: rnd() < 0.6 ? rnd() * 0.5 : rnd() * Math.min(30, startDaysAgo / 2),
      slots: 0,
      part: 0,
    };
  };
  for (let i = 0; i < channels; i++) {
    const size = Math.min(p.users, 100 + Math.floor(rnd() * 401));
    out.push(base('group', `Channel ${i}`, sample(p.users, size, rnd), 40 * (0.2 + rnd() ** 2), 12, 3));
  }
  for (let i = 0; i < groups; i++) {
    const size = Math.min(p.users, 3 + Math.floor(28 * rnd() ** 2));
    out.push(base('group', `Group ${i}`, sample(p.users, size, rnd), 8 * (0.1 + rnd() ** 3), 20, 2));
  }
  const pairs = new Set<string>();
  for (let tries = 0; out.length < channels + groups + directs && tries < directs * 20; tries++) {
    const [a, b] = sample(p.users, 2, rnd);
    const key = a < b ? `${a}:${b}` : `${b}:${a}`;
    if (pairs.has(key)) continue;
    pairs.add(key);
    out.push(base('direct', '', [a, b], 2 * (0.05 + rnd() ** 3), 0, 0));
  }
  // Messages per chat in proportion to the weights (largest remainder), then the stream slots they need.
  const total = out.reduce((a, c) => a + c.weight, 0);
  const exact = out.map((c) => (p.messages * c.weight) / total);
  const counts = exact.map(Math.floor);
  let left = p.messages - counts.reduce((a, b) => a + b, 0);
  for (const i of exact.map((v, i) => [v - Math.floor(v), i] as const).sort((a, b) => b[0] - a[0]).map(([, i]) => i)) {
    if (left-- <= 0) break;
    counts[i]++;
  }
  out.forEach((c, i) => {
    c.slots = 1 + Math.ceil(counts[i] / (1 - REACTION_SHARE));
    c.part = i % 2;
  });
  return out;
}

const SETUP_SQL = `
SET session_replication_role = replica;
SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';
SET work_mem = '64MB';
CREATE FUNCTION pg_temp.h(c uuid, s int) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT hashtextextended(c::text || ':' || s::text, 0) $$;
CREATE FUNCTION pg_temp.is_reaction(c uuid, s int) RETURNS boolean LANGUAGE sql IMMUTABLE AS
  $$ SELECT s > 2 AND (pg_temp.h(c, s) & 1023) < 82 AND (pg_temp.h(c, s - 1) & 1023) >= 82 $$;
CREATE FUNCTION pg_temp.mid(c uuid, s int) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$ SELECT md5(c::text || ':' || s::text)::uuid $$;
CREATE FUNCTION pg_temp.iso(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;
-- The Message of shared/messenger.ts as the write path stores it in an event payload.
CREATE FUNCTION pg_temp.msg(m messages, reactions jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('id', m.id, 'chatId', m.chat_id, 'seq', m.seq, 'authorId', m.author_id, 'clientId', m.client_id,
    'body', m.body, 'threadRootId', m.thread_root_id, 'mentions', '[]'::jsonb, 'mentionsAll', false, 'forwardedFrom', null,
    'createdAt', pg_temp.iso(m.created_at), 'editedAt', null, 'deletedAt', null, 'reactions', reactions, 'attachments', '[]'::jsonb,
    'pinnedAt', null, 'pinnedBy', null, 'replyCount', 0, 'lastReplySeq', null) $$;
CREATE TEMP TABLE plan (chat_id uuid PRIMARY KEY, part int, slots int, start_at timestamptz, end_at timestamptz,
  members uuid[], lang text, period int, replies int);
`;

/** Run `fn` on a seeding connection (bulk-load settings and the helper functions above). */
async function withSeeder<T>(dbUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    await c.query(SETUP_SQL);
    return await fn(c);
  } finally {
    await c.end();
  }
}

const TABLES = ['messages', 'events', 'message_reactions', 'chat_members', 'thread_reads'];

/** Seed a migrated, empty Artel database; `log` reports progress. */
export async function seedCompany(dbUrl: string, p: SeedPlan, log: (s: string) => void): Promise<SeedResult> {
  const rnd = prng(p.seed);
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = (now - t) / 1000;
    log(`seed: ${name} in ${timings[name].toFixed(1)} s`);
    t = now;
  };
  const userIds = Array.from({ length: p.users }, () => seededUuid(rnd));
  const chats = planChats(p, userIds, rnd);
  const book = phrasebook(4000, p.seed + 1);
  const lanes = [0, 1];

  const indexes = await withSeeder(dbUrl, async (c) => {
    await c.query(`INSERT INTO workspace (name) VALUES ('Load bench')`);
    await c.query(
      `INSERT INTO users (id, email, name, password_hash, role, locale, department)
       SELECT id, 'user' || i || '@load.invalid', name, 'not-a-password-hash', CASE WHEN i = 0 THEN 'owner' ELSE 'employee' END,
              CASE WHEN i % 3 = 2 THEN 'en' ELSE 'ru' END, 'Department ' || (i % 25)
       FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS u(id, name, n), LATERAL (SELECT (n - 1)::int AS i) x`,
      [userIds, userIds.map((_, i) => personName(i))],
    );
    await c.query(
      `INSERT INTO chats (id, kind, title, direct_key, created_by, created_at, last_message_at)
       SELECT id, kind, title, key, by, now() - make_interval(secs => start_s), now() - make_interval(secs => end_s)
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::float8[], $7::float8[]) AS t(id, kind, title, key, by, start_s, end_s)`,
      [
        chats.map((c) => c.id), chats.map((c) => c.kind), chats.map((c) => c.title), chats.map((c) => c.directKey),
        chats.map((c) => userIds[c.members[0]]), chats.map((c) => c.startDaysAgo * 86400), chats.map((c) => c.endDaysAgo * 86400),
      ],
    );
    // Read positions: 70% of members are at the head, 25% a few messages behind, 5% far behind.
    const cm = { chat: [] as string[], user: [] as string[], role: [] as string[], joined: [] as number[], read: [] as number[] };
    for (const ch of chats) {
      ch.members.forEach((m, i) => {
        const r = rnd();
        const lag = r < 0.7 ? 0 : r < 0.95 ? Math.floor(rnd() * 20) : Math.floor(rnd() * 2000);
        cm.chat.push(ch.id);
        cm.user.push(userIds[m]);
        cm.role.push(i === 0 ? 'owner' : 'member');
        cm.joined.push(ch.startDaysAgo * 86400 - i);
        cm.read.push(Math.max(0, ch.slots - lag));
      });
    }
    await c.query(
      `INSERT INTO chat_members (chat_id, user_id, role, joined_at, read_seq, notified_seq)
       SELECT chat, usr, role, now() - make_interval(secs => joined), rs, rs
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::float8[], $5::bigint[]) AS t(chat, usr, role, joined, rs)`,
      [cm.chat, cm.user, cm.role, cm.joined, cm.read],
    );
    // Secondary indexes are dropped for the load and built again after it.
    const { rows } = await c.query(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
       WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])
         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)`,
      [TABLES],
    );
    for (const r of rows) await c.query(`DROP INDEX ${r.indexname}`);
    return rows as { indexname: string; indexdef: string }[];
  });
  lap(`${p.users} users, ${chats.length} chats, their members`);

  // Two connections, each loading half of the chats (both cores of a small machine).
  const perLane = <T>(fn: (c: pg.Client, part: number) => Promise<T>) =>
    Promise.all(
      lanes.map((part) =>
        withSeeder(dbUrl, async (c) => {
          const mine = chats.filter((ch) => ch.part === part);
          await c.query(
            `INSERT INTO plan SELECT id, $2::int, slots, now() - make_interval(secs => s), now() - make_interval(secs => e), members::uuid[], lang, period, replies
             FROM unnest($1::uuid[], $3::int[], $4::float8[], $5::float8[], $6::text[], $7::text[], $8::int[], $9::int[]) AS t(id, slots, s, e, members, lang, period, replies)`,
            [
              mine.map((ch) => ch.id), part, mine.map((ch) => ch.slots), mine.map((ch) => ch.startDaysAgo * 86400), mine.map((ch) => ch.endDaysAgo * 86400),
              mine.map((ch) => `{${ch.members.map((m) => userIds[m]).join(',')}}`), mine.map((ch) => ch.lang), mine.map((ch) => ch.period), mine.map((ch) => ch.replies),
            ],
          );
          await c.query('ANALYZE plan');
          // Message texts are drawn from a phrase table by hash (a join, not an array walk per row).
          await c.query(
            `CREATE TEMP TABLE phrases AS SELECT lang, (n - 1)::int AS n, body
             FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(lang, body, n)`,
            [[...book.ru.map(() => 'ru'), ...book.en.map(() => 'en')], [...book.ru, ...book.en]],
          );
          await c.query(`UPDATE phrases SET n = n - $1 WHERE lang = 'en'`, [book.ru.length]);
          await c.query('ANALYZE phrases');
          return fn(c, part);
        }),
      ),
    );

  await perLane(async (c) => {
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO messages (id, chat_id, seq, author_id, client_id, body, thread_root_id, created_at)
       SELECT pg_temp.mid(p.chat_id, g.s), p.chat_id, g.s,
         p.members[1 + floor(cardinality(p.members) * (((x.h >> 12) & 1048575) / 1048576.0) ^ 1.5)::int],
         gen_random_uuid(),
         ph.body || COALESCE(' ' || ph2.body, ''),
         CASE WHEN p.period > 0 AND g.s >= p.period AND g.s % p.period BETWEEN 1 AND p.replies
                   AND NOT pg_temp.is_reaction(p.chat_id, g.s - g.s % p.period)
              THEN pg_temp.mid(p.chat_id, g.s - g.s % p.period) END,
         p.start_at + (p.end_at - p.start_at) * (g.s::float8 / p.slots)
       FROM plan p CROSS JOIN generate_series(2, p.slots) AS g(s) CROSS JOIN LATERAL (SELECT pg_temp.h(p.chat_id, g.s) AS h) x
       JOIN phrases ph ON ph.lang = p.lang AND ph.n = ((x.h >> 32) & 65535) % $1::int
       LEFT JOIN phrases ph2 ON (x.h >> 48) & 3 = 0 AND ph2.lang = p.lang AND ph2.n = ((x.h >> 50) & 65535) % $1::int
       WHERE NOT pg_temp.is_reaction(p.chat_id, g.s)`,
      [book.ru.length],
    );
    await c.query(
      `INSERT INTO message_reactions (message_id, user_id, emoji, created_at)
       SELECT pg_temp.mid(p.chat_id, g.s - 1), p.members[(1 + ((x.h >> 12) & 1048575) % cardinality(p.members))::int],
              ($1::text[])[(1 + ((x.h >> 36) & 255) % cardinality($1::text[]))::int], p.start_at + (p.end_at - p.start_at) * (g.s::float8 / p.slots)
       FROM plan p, generate_series(3, p.slots) AS g(s), LATERAL (SELECT pg_temp.h(p.chat_id, g.s) AS h) x
       WHERE pg_temp.is_reaction(p.chat_id, g.s)`,
      [EMOJI],
    );
    await c.query('COMMIT');
  });
  lap('messages and reactions');

  await perLane(async (c) => {
    await c.query('BEGIN');
    await c.query(`INSERT INTO streams (id, head) SELECT 'chat:' || chat_id, slots FROM plan`);
    await c.query(
      `INSERT INTO events (stream_id, seq, type, payload, actor_id, created_at)
       SELECT 'chat:' || p.chat_id, 1, 'chat_created', jsonb_build_object('chatId', p.chat_id, 'memberIds', to_jsonb(p.members)), p.members[1], p.start_at
       FROM plan p`,
    );
    await c.query(
      `INSERT INTO events (stream_id, seq, type, payload, actor_id, created_at)
       SELECT 'chat:' || m.chat_id, m.seq, 'message_created', jsonb_build_object('message', pg_temp.msg(m, '[]'::jsonb)), m.author_id, m.created_at
       FROM plan p JOIN messages m ON m.chat_id = p.chat_id`,
    );
    await c.query(
      `INSERT INTO events (stream_id, seq, type, payload, actor_id, created_at)
       SELECT 'chat:' || m.chat_id, m.seq + 1, 'reactions_changed',
              jsonb_build_object('message', pg_temp.msg(m, jsonb_build_array(jsonb_build_object('emoji', r.emoji, 'userIds', jsonb_build_array(r.user_id))))
                                            || jsonb_build_object('card', null)),
              r.user_id, r.created_at
       FROM plan p JOIN messages m ON m.chat_id = p.chat_id JOIN message_reactions r ON r.message_id = m.id`,
    );
    await c.query(
      `INSERT INTO thread_reads (root_id, user_id, read_seq)
       SELECT m.thread_root_id, m.author_id, max(m.seq) FROM plan p JOIN messages m ON m.chat_id = p.chat_id
       WHERE m.thread_root_id IS NOT NULL GROUP BY 1, 2`,
    );
    await c.query('COMMIT');
  });
  lap('streams, events, thread read positions');

  // Rebuild the dropped indexes, spread over the two connections.
  await perLane(async (c, part) => {
    for (const ix of indexes.filter((_, i) => i % lanes.length === part)) await c.query(ix.indexdef);
  });
  lap(`${indexes.length} secondary indexes (${indexes.map((i) => i.indexname).join(', ')})`);

  const counts = await withSeeder(dbUrl, async (c) => {
    // Fresh statistics and visibility maps, so autovacuum does not start in the middle of a measurement.
    for (const table of [...TABLES, 'streams', 'chats', 'users']) await c.query(`VACUUM (ANALYZE) ${table}`);
    const { rows } = await c.query(`SELECT
      (SELECT count(*) FROM messages)::int AS messages,
      (SELECT count(*) FROM messages WHERE thread_root_id IS NOT NULL)::int AS replies,
      (SELECT count(*) FROM message_reactions)::int AS reactions,
      (SELECT count(*) FROM events)::int AS events,
      (SELECT count(*) FROM chat_members)::int AS memberships,
      (SELECT max(head) FROM streams)::int AS biggest`);
    return rows[0];
  });
  lap('vacuum and analyze');
  return {
    userIds,
    counts: {
      users: p.users,
      chats: chats.length,
      directs: chats.filter((c) => c.kind === 'direct').length,
      groups: chats.filter((c) => c.kind === 'group' && c.period === 20).length,
      channels: chats.filter((c) => c.period === 12).length,
      memberships: counts.memberships,
      messages: counts.messages,
      replies: counts.replies,
      reactions: counts.reactions,
      events: counts.events,
      biggestChat: counts.biggest,
    },
    timings,
  };
}

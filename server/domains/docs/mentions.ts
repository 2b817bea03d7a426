import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import type { DocMentionPayload } from '../../../shared/docs';
import { sql, type Queryable, type Transaction } from '../../db/pool';
import type { Unit } from '../../db/unit';
import type { Services } from '../../services';
import { activeColleagues } from '../chats/repo';
import { excerpt } from '../feed/events';
import { factsOf, findGroup, memberRole } from '../groups/repo';
import type { Actor } from '../people/policy';
import { userStream } from '../streams/access';
import { canReadSpace, type SpaceFacts } from './policy';
import * as repo from './repo';

/**
 * @mentions in the knowledge base notify the person mentioned, on their own stream (`user:<id>`, event
 * `doc_mention`), like the feed's `feed_mention`: the browser shows the same kind of notification. Only
 * people who may read the page are told (a mention must not leak a page to someone who cannot open it).
 * A mention in a comment notifies when the comment is written (or an edit adds it); a mention typed in
 * the page's text (the editor's `mention` node) notifies once per person per page, found at compaction.
 */

/** The job that tells people mentioned in a page's text (scheduled by a compaction, in its transaction). */
export const PAGE_MENTIONS_JOB = 'docs.page_mentions';

/** The element name and attribute the editor's mention node has in the Yjs XmlFragment. */
const MENTION_NODE = 'mention';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Of `userIds`, those who may read the page's space (active employees; a closed group's members). */
export async function readersOf(q: Queryable, page: repo.PageRow, userIds: string[]): Promise<string[]> {
  const active = new Set(await activeColleagues(q, userIds));
  const space = await repo.findSpace(q, page.space_id);
  if (!space) return [];
  const group = space.group_id ? await findGroup(q, space.group_id) : null;
  if (space.group_id && !group) return [];
  const rows = await q.query(sql`SELECT id, role, active FROM users WHERE id = ANY(${[...active]}::uuid[])`);
  const out: string[] = [];
  for (const r of rows) {
    const facts: SpaceFacts = group
      ? { kind: 'group', group: factsOf(group), role: await memberRole(q, group.id, r.id as string) }
      : { kind: 'company' };
    if (canReadSpace({ id: r.id as string, role: r.role as Actor['role'], active: r.active as boolean }, facts) === null) out.push(r.id as string);
  }
  return userIds.filter((id) => out.includes(id));
}

/** Tell each person, on their own stream, that they were mentioned on a page. */
export async function notifyDocMentions(
  u: Unit,
  page: repo.PageRow,
  userIds: string[],
  at: { commentId: string | null; body: string },
  actorId: string | null,
): Promise<void> {
  for (const userId of userIds) {
    const payload: DocMentionPayload = { pageId: page.id, title: page.title, commentId: at.commentId, authorId: actorId, excerpt: excerpt(at.body) };
    await u.emit(userStream(userId), 'doc_mention', payload, actorId);
  }
}

/**
 * The people a document's text mentions, each with who typed the mention when `authors` knows the Yjs
 * client that wrote it. Walks the items (the server's types are often not instantiated by name), live
 * ones only.
 */
export function mentionsIn(doc: Y.Doc, authors: ReadonlyMap<number, string | null> = new Map()): Map<string, string | null> {
  const found = new Map<string, string | null>();
  const walk = (type: Y.AbstractType<any>) => {
    for (let item = type._start; item; item = item.right) {
      if (item.deleted || !(item.content instanceof Y.ContentType)) continue;
      const child = item.content.type;
      if (child instanceof Y.XmlElement && child.nodeName === MENTION_NODE) {
        const id = child.getAttribute('id');
        if (typeof id === 'string' && UUID.test(id) && !found.has(id)) found.set(id, authors.get(item.id.client) ?? null);
      }
      walk(child as Y.AbstractType<any>);
    }
  };
  for (const type of doc.share.values()) walk(type);
  return found;
}

/**
 * The compaction hook: find the people the page's text mentions who have not been told yet, and schedule
 * the job that tells them (in the compaction's transaction, so it exists only if the compaction commits,
 * and runs exactly once on some node). Who typed a mention comes from the updates being compacted: each
 * names its writer, and its Yjs client ids are that writer's.
 */
export async function schedulePageMentions(tx: Transaction, docId: string, doc: Y.Doc, updates: { seq: number; update: Buffer }[]): Promise<void> {
  const authors = new Map<number, string | null>();
  if (updates.length) {
    const rows = await tx.query(sql`
      SELECT seq, created_by FROM doc_updates WHERE doc_id = ${docId} AND seq = ANY(${updates.map((u) => u.seq)}::bigint[])`);
    const byWhom = new Map(rows.map((r) => [Number(r.seq), (r.created_by as string | null) ?? null]));
    for (const u of updates) {
      for (const client of Y.parseUpdateMeta(u.update).from.keys()) authors.set(client, byWhom.get(u.seq) ?? null);
    }
  }
  const found = mentionsIn(doc, authors);
  if (!found.size) return;
  const told = await tx.query(sql`SELECT user_id FROM doc_mentions WHERE page_id = ${docId} AND user_id = ANY(${[...found.keys()]}::uuid[])`);
  for (const r of told) found.delete(r.user_id as string);
  if (!found.size) return;
  const mentions = [...found].map(([userId, by]) => ({ userId, by }));
  await tx.query(sql`
    INSERT INTO jobs (id, kind, payload, run_at)
    VALUES (${randomUUID()}, ${PAGE_MENTIONS_JOB}, ${JSON.stringify({ pageId: docId, mentions })}::jsonb, now())`);
}

/** The job: each person mentioned who may read the page, not told before, and not the one who typed it, is told. */
async function tellPageMentions(u: Unit, payload: { pageId: string; mentions: { userId: string; by: string | null }[] }): Promise<void> {
  const page = await repo.findPage(u.tx, payload.pageId);
  if (!page || page.deleted_at) return;
  const mentions = payload.mentions.filter((m) => m.userId !== m.by);
  const readers = new Set(await readersOf(u.tx, page, mentions.map((m) => m.userId)));
  for (const m of mentions) {
    if (!readers.has(m.userId)) continue;
    const fresh = await u.tx.query(sql`
      INSERT INTO doc_mentions (page_id, user_id) VALUES (${page.id}, ${m.userId}) ON CONFLICT DO NOTHING RETURNING user_id`);
    if (fresh.length) await notifyDocMentions(u, page, [m.userId], { commentId: null, body: '' }, m.by);
  }
}

/** Register the knowledge base's job kinds on this node (once, before `svc.jobs.start()`). */
export function registerDocJobs(svc: Services): void {
  svc.jobs.register(PAGE_MENTIONS_JOB, (u, payload) => tellPageMentions(u, payload));
}

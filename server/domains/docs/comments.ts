import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import * as Y from 'yjs';
import { AppError } from '../../../shared/errors';
import { DOC_COMMENT_LIMITS, docCommentsStream, type CreateDocCommentBody, type DocComment, type DocCommentEvent } from '../../../shared/docs';
import { sql, type Queryable } from '../../db/pool';
import type { Unit } from '../../db/unit';
import type { Services } from '../../services';
import { mentionedColleagues } from '../feed/audience';
import type { Actor, Verdict } from '../people/policy';
import { loadPage, spaceStreamAccess } from './actions';
import { notifyDocMentions, readersOf } from './mentions';
import { canEditSpace, canUseDocs } from './policy';
import * as repo from './repo';

/**
 * Comments on a page's text (docs/api.md, "Page comments"). Whoever may read a page may comment on it
 * and reply, as in Google Docs where commenting is its own right below editing: here reading is enough,
 * since a comment changes nothing in the text. Authors edit and delete their own comments; a thread is
 * resolved or reopened by those who may edit the page, or by whoever started it. Every change is told on
 * `doccomments:<pageId>` to the page's readers, so open pages update live.
 */

interface CommentRow {
  id: string;
  page_id: string;
  parent_id: string | null;
  anchor_start: Buffer | null;
  anchor_end: Buffer | null;
  quote: string;
  body: string;
  author_id: string | null;
  mentions: string[];
  created_at: Date;
  edited_at: Date | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  deleted_at: Date | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toComment(r: CommentRow): DocComment {
  return {
    id: r.id,
    pageId: r.page_id,
    parentId: r.parent_id,
    anchor: r.anchor_start && r.anchor_end ? { start: r.anchor_start.toString('base64'), end: r.anchor_end.toString('base64') } : null,
    quote: r.quote,
    body: r.deleted_at ? '' : r.body,
    authorId: r.author_id,
    createdAt: r.created_at.toISOString(),
    editedAt: iso(r.edited_at),
    resolvedAt: iso(r.resolved_at),
    resolvedBy: r.resolved_by,
    deletedAt: iso(r.deleted_at),
  };
}

async function findComment(q: Queryable, id: string): Promise<CommentRow | null> {
  const rows = await q.query(sql`SELECT * FROM doc_comments WHERE id = ${id}`);
  return (rows[0] as CommentRow) ?? null;
}

/** Tell the page's readers what changed. */
function told(u: Unit, type: 'comment_added' | 'comment_changed', row: CommentRow, actorId: string): Promise<unknown> {
  const payload: DocCommentEvent = { comment: toComment(row) };
  return u.emit(docCommentsStream(row.page_id), type, payload, actorId);
}

/**
 * One encoded Yjs relative position, checked: it must decode, name a place (an item or a type), and
 * encode back to the same bytes, so what is stored is exactly what an editor can resolve later.
 */
function relativePosition(b64: string, field: string): Buffer {
  const bytes = Buffer.from(b64, 'base64');
  const bad = () => new AppError('bad_request', 'The anchor is not an encoded Yjs relative position', { fields: { [`anchor.${field}`]: 'invalid' } });
  let rel: Y.RelativePosition;
  try {
    rel = Y.decodeRelativePosition(bytes);
  } catch {
    throw bad();
  }
  if (!rel || (!rel.item && !rel.type && rel.tname === null)) throw bad();
  if (!Buffer.from(Y.encodeRelativePosition(rel)).equals(bytes)) throw bad();
  return bytes;
}

/** A comment of this page (a comment of another page is not found here). */
async function commentOf(q: Queryable, pageId: string, commentId: string): Promise<CommentRow> {
  const row = await findComment(q, commentId);
  if (!row || row.page_id !== pageId) throw new AppError('not_found', 'No such comment on this page');
  return row;
}

/** A page's comments, threads and replies in the order written (deleted ones stay as tombstones). */
export async function listComments(svc: Services, actor: Actor, pageId: string): Promise<DocComment[]> {
  await loadPage(svc, actor, pageId);
  const rows = await svc.db.query(sql`SELECT * FROM doc_comments WHERE page_id = ${pageId} ORDER BY created_at, id`);
  return (rows as CommentRow[]).map(toComment);
}

/** A new thread on a selection, or a reply to one; the people it @mentions who may read the page are told. */
export async function addComment(svc: Services, actor: Actor, pageId: string, input: z.infer<typeof CreateDocCommentBody>): Promise<DocComment> {
  const { page } = await loadPage(svc, actor, pageId);
  if (page.deleted_at) throw new AppError('conflict', 'The page is deleted; restore it first');
  const start = input.anchor ? relativePosition(input.anchor.start, 'start') : null;
  const end = input.anchor ? relativePosition(input.anchor.end, 'end') : null;
  if (input.parentId) {
    const parent = await findComment(svc.db, input.parentId);
    if (!parent || parent.page_id !== pageId || parent.parent_id !== null) {
      throw new AppError('bad_request', 'A reply answers a thread of this page', { fields: { parentId: 'unknown thread' } });
    }
    if (parent.deleted_at) throw new AppError('conflict', 'The thread is deleted');
  }
  const mentions = await readersOf(svc.db, page, await mentionedColleagues(svc.db, input.body, actor.id));
  const id = randomUUID();
  await svc.write(async (u) => {
    const [{ n }] = await u.tx.query(sql`SELECT count(*)::int AS n FROM doc_comments WHERE page_id = ${pageId}`);
    if (n >= DOC_COMMENT_LIMITS.perPageMax) throw new AppError('conflict', `A page holds at most ${DOC_COMMENT_LIMITS.perPageMax} comments`);
    const [row] = await u.tx.query(sql`
      INSERT INTO doc_comments (id, page_id, parent_id, anchor_start, anchor_end, quote, body, author_id, mentions)
      VALUES (${id}, ${pageId}, ${input.parentId ?? null}, ${start}, ${end}, ${input.parentId ? '' : input.quote}, ${input.body}, ${actor.id}, ${mentions}::uuid[])
      RETURNING *`);
    await told(u, 'comment_added', row as CommentRow, actor.id);
    await notifyDocMentions(u, page, mentions, { commentId: id, body: input.body }, actor.id);
  });
  return toComment((await findComment(svc.db, id))!);
}

/** Edit one's own comment; people it newly mentions are told. */
export async function editComment(svc: Services, actor: Actor, pageId: string, commentId: string, body: string): Promise<DocComment> {
  const { page } = await loadPage(svc, actor, pageId);
  const before = await commentOf(svc.db, pageId, commentId);
  if (before.author_id !== actor.id) throw new AppError('forbidden', 'You may edit only your own comments');
  if (before.deleted_at) throw new AppError('conflict', 'The comment is deleted');
  const mentions = await readersOf(svc.db, page, await mentionedColleagues(svc.db, body, actor.id));
  const fresh = mentions.filter((id) => !before.mentions.includes(id));
  await svc.write(async (u) => {
    const [row] = await u.tx.query(sql`
      UPDATE doc_comments SET body = ${body}, mentions = ${mentions}::uuid[], edited_at = now() WHERE id = ${commentId} RETURNING *`);
    await told(u, 'comment_changed', row as CommentRow, actor.id);
    await notifyDocMentions(u, page, fresh, { commentId, body }, actor.id);
  });
  return toComment((await findComment(svc.db, commentId))!);
}

/** Delete one's own comment: a tombstone stays, so a thread's replies keep their place. */
export async function deleteComment(svc: Services, actor: Actor, pageId: string, commentId: string): Promise<DocComment> {
  await loadPage(svc, actor, pageId);
  const before = await commentOf(svc.db, pageId, commentId);
  if (before.author_id !== actor.id) throw new AppError('forbidden', 'You may delete only your own comments');
  if (before.deleted_at) return toComment(before);
  await svc.write(async (u) => {
    const [row] = await u.tx.query(sql`UPDATE doc_comments SET deleted_at = now(), body = '', mentions = '{}' WHERE id = ${commentId} RETURNING *`);
    await told(u, 'comment_changed', row as CommentRow, actor.id);
  });
  return toComment((await findComment(svc.db, commentId))!);
}

/** Resolve (or reopen) a thread: those who may edit the page, and whoever started the thread. */
export async function resolveComment(svc: Services, actor: Actor, pageId: string, commentId: string, resolved: boolean): Promise<DocComment> {
  const { facts } = await loadPage(svc, actor, pageId);
  const before = await commentOf(svc.db, pageId, commentId);
  if (before.parent_id) throw new AppError('bad_request', 'Only a thread (not a reply) is resolved', { fields: { commentId: 'a reply' } });
  if (before.author_id !== actor.id && canEditSpace(actor, facts) !== null) {
    throw new AppError('forbidden', 'You may not resolve this thread');
  }
  if (before.deleted_at) throw new AppError('conflict', 'The thread is deleted');
  if ((before.resolved_at !== null) === resolved) return toComment(before);
  await svc.write(async (u) => {
    const [row] = await u.tx.query(sql`
      UPDATE doc_comments SET resolved_at = ${resolved ? new Date() : null}, resolved_by = ${resolved ? actor.id : null}
      WHERE id = ${commentId} RETURNING *`);
    await told(u, 'comment_changed', row as CommentRow, actor.id);
  });
  return toComment((await findComment(svc.db, commentId))!);
}

/** May the actor follow `doccomments:<pageId>`? Whoever may read the page's space (like its tree's stream). */
export async function commentStreamAccess(db: Queryable, actor: Actor, pageId: string): Promise<Verdict> {
  if (canUseDocs(actor)) return 'forbidden';
  const page = await repo.findPage(db, pageId);
  if (!page) return 'not_found';
  return spaceStreamAccess(db, actor, page.space_id);
}

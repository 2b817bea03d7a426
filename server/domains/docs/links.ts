import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from '../../../shared/errors';
import type { Card } from '../../../shared/cards';
import { docSpaceStream, type AttachDocBody, type AttachedDoc, type DocAttachment, type DocPage, type DocTargetKind, type DocTreeChange } from '../../../shared/docs';
import { sql, type Queryable } from '../../db/pool';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { findChat, memberRole } from '../chats/repo';
import { canUseChat } from '../chats/policy';
import { postCard } from '../commands/cards';
import { accessTask } from '../tasks/access';
import { canReadTask } from '../tasks/policy';
import { canReadRecord, canUseCrm } from '../crm/policy';
import { recordAccess } from '../crm/repo';
import { callAndRole } from '../calls/actions';
import { canUseCall } from '../calls/policy';
import { createPage, listSpaces, loadPage } from './actions';
import { canEditSpace } from './policy';
import * as repo from './repo';

/**
 * Pages attached to chats, tasks and deals, and a call's meeting notes. Attaching needs both sides: the
 * actor reads the page and may use the target. A link grants nothing: every list below shows only the
 * pages (and targets) the viewer may read, and opening a page checks its space as always.
 */

/** How many attachments one list returns (a page, a task or a deal rarely has more than a handful). */
const LIST_MAX = 200;

interface LinkRow {
  id: string;
  page_id: string;
  target_kind: DocTargetKind;
  target_id: string;
  created_by: string;
  created_at: Date;
}

/** The card a chat shows for an attached page: it opens the page (where the space's rules apply). */
export function docCard(page: { id: string; title: string }): Card {
  return { kind: 'doc', id: page.id, title: page.title, url: `/app/docs/${page.id}` };
}

/**
 * The target, if the actor may use it: its title and where it opens. Unknown targets are not found;
 * targets the actor may not see are refused by their own domain's rule (chat members; the task and CRM
 * visibility rules).
 */
async function checkTarget(q: Queryable, actor: Actor, kind: DocTargetKind, targetId: string): Promise<{ title: string; url: string }> {
  if (kind === 'chat') {
    const chat = await findChat(q, targetId);
    if (!chat) throw new AppError('not_found', 'No such chat');
    enforce(canUseChat(actor, await memberRole(q, targetId, actor.id)), 'attach documents to this chat');
    return { title: chat.kind === 'group' ? chat.title : '', url: `/app/chats/${targetId}` };
  }
  if (kind === 'task') {
    const { task, rel } = await accessTask(q, actor, targetId);
    enforce(canReadTask(actor, rel), 'see this task');
    return { title: task.title, url: `/app/tasks/${targetId}` };
  }
  enforce(canUseCrm(actor), 'use the CRM');
  const deal = await recordAccess(q, targetId, actor.id);
  if (!deal || deal.kind !== 'deal') throw new AppError('not_found', 'No such deal');
  enforce(canReadRecord(actor, deal.visible), 'see this deal');
  const rows = await q.query(sql`SELECT title FROM crm_records WHERE id = ${targetId}`);
  return { title: rows[0]?.title ?? '', url: `/app/crm/deals/${targetId}` };
}

const toAttachment = (r: LinkRow, target: { title: string; url: string }, canDetach: boolean): DocAttachment => ({
  id: r.id, pageId: r.page_id, kind: r.target_kind, targetId: r.target_id, title: target.title, url: target.url,
  createdBy: r.created_by, createdAt: r.created_at.toISOString(), canDetach,
});

/**
 * Attach a page to a chat, a task or a deal. Attaching again is no change (the same link, no second
 * card): `created` tells which. A chat gets the page's card, posted by the actor.
 */
export async function attachPage(
  svc: Services, actor: Actor, pageId: string, input: z.infer<typeof AttachDocBody>,
): Promise<{ attachment: DocAttachment; created: boolean }> {
  const { page, facts } = await loadPage(svc, actor, pageId);
  if (page.deleted_at) throw new AppError('conflict', 'The page is deleted; restore it first');
  const target = await checkTarget(svc.db, actor, input.kind, input.targetId);
  const canEdit = canEditSpace(actor, facts) === null;
  return svc.write(async (u) => {
    const id = randomUUID();
    const made = await u.tx.query(sql`
      INSERT INTO doc_links (id, page_id, target_kind, target_id, created_by)
      VALUES (${id}, ${pageId}, ${input.kind}, ${input.targetId}, ${actor.id})
      ON CONFLICT (page_id, target_kind, target_id) DO NOTHING
      RETURNING id, page_id, target_kind, target_id, created_by, created_at`);
    if (!made.length) {
      const [old] = await u.tx.query(sql`
        SELECT id, page_id, target_kind, target_id, created_by, created_at FROM doc_links
        WHERE page_id = ${pageId} AND target_kind = ${input.kind} AND target_id = ${input.targetId}`);
      return { attachment: toAttachment(old as LinkRow, target, canEdit || old.created_by === actor.id), created: false };
    }
    if (input.kind === 'chat') {
      await postCard(u, { actorId: actor.id, chatId: input.targetId, clientId: randomUUID(), card: docCard({ id: pageId, title: page.title }) });
    }
    return { attachment: toAttachment(made[0] as LinkRow, target, true), created: true };
  });
}

/** Where a page is attached: only the targets the viewer may see (a reader of the page). */
export async function listAttachments(svc: Services, actor: Actor, pageId: string): Promise<DocAttachment[]> {
  const { facts } = await loadPage(svc, actor, pageId);
  const canEdit = canEditSpace(actor, facts) === null;
  const rows = (await svc.db.query(sql`
    SELECT id, page_id, target_kind, target_id, created_by, created_at FROM doc_links
    WHERE page_id = ${pageId} ORDER BY created_at, id LIMIT ${LIST_MAX}`)) as LinkRow[];
  const out: DocAttachment[] = [];
  for (const r of rows) {
    const target = await checkTarget(svc.db, actor, r.target_kind, r.target_id).catch((err) => {
      if (err instanceof AppError) return null;
      throw err;
    });
    if (target) out.push(toAttachment(r, target, canEdit || r.created_by === actor.id));
  }
  return out;
}

/** Detach: the page's editors, and whoever attached it. The chat's card stays (it is the chat's history). */
export async function detachPage(svc: Services, actor: Actor, pageId: string, linkId: string): Promise<void> {
  const { facts } = await loadPage(svc, actor, pageId);
  const [link] = await svc.db.query(sql`SELECT created_by FROM doc_links WHERE id = ${linkId} AND page_id = ${pageId}`);
  if (!link) throw new AppError('not_found', 'No such attachment');
  if (link.created_by !== actor.id) enforce(canEditSpace(actor, facts), 'detach this page');
  await svc.write((u) => u.tx.query(sql`DELETE FROM doc_links WHERE id = ${linkId}`));
}

/** The live pages attached to a target that the viewer may read (the others are left out, not named). */
async function attachedTo(svc: Services, actor: Actor, kind: DocTargetKind, targetId: string): Promise<AttachedDoc[]> {
  const rows = (await svc.db.query(sql`
    SELECT l.id, l.page_id, l.target_kind, l.target_id, l.created_by, l.created_at FROM doc_links l
    JOIN doc_pages p ON p.id = l.page_id AND p.deleted_at IS NULL
    WHERE l.target_kind = ${kind} AND l.target_id = ${targetId} ORDER BY l.created_at, l.id LIMIT ${LIST_MAX}`)) as LinkRow[];
  const out: AttachedDoc[] = [];
  for (const r of rows) {
    const loaded = await loadPage(svc, actor, r.page_id).catch((err) => {
      if (err instanceof AppError) return null;
      throw err;
    });
    if (!loaded) continue;
    out.push({
      linkId: r.id, page: repo.toPage(loaded.page), createdBy: r.created_by, createdAt: r.created_at.toISOString(),
      canDetach: r.created_by === actor.id || canEditSpace(actor, loaded.facts) === null,
    });
  }
  return out;
}

/** GET /api/tasks/:id/docs: whoever sees the task. */
export async function taskDocs(svc: Services, actor: Actor, taskId: string): Promise<AttachedDoc[]> {
  await checkTarget(svc.db, actor, 'task', taskId);
  return attachedTo(svc, actor, 'task', taskId);
}

/** GET /api/crm/deals/:id/docs: whoever sees the deal. */
export async function dealDocs(svc: Services, actor: Actor, dealId: string): Promise<AttachedDoc[]> {
  await checkTarget(svc.db, actor, 'deal', dealId);
  return attachedTo(svc, actor, 'deal', dealId);
}

/** "Meeting notes — <call title> — <date>", in English when the browser did not name the page. */
function notesTitle(call: { title: string; started_at: Date | null; scheduled_for: Date | null }): string {
  const day = (call.started_at ?? call.scheduled_for ?? new Date()).toISOString().slice(0, 10);
  return `Meeting notes — ${call.title} — ${day}`.slice(0, 200);
}

/**
 * A call's meeting notes: made once per call, in the company's space (or the first space the actor may
 * add pages to), and attached to the call's chat; pressing again opens the same page. Any member of the
 * call's chat may ask; a page they may not read (moved to a closed space since) is refused as usual.
 */
export async function meetingNotes(
  svc: Services, actor: Actor, callId: string, title: string | undefined,
): Promise<{ page: DocPage; created: boolean }> {
  const { call, role } = await callAndRole(svc.db, actor, callId);
  enforce(canUseCall(actor, role), 'take notes of this call');
  const existing = await notesOf(svc.db, callId);
  if (existing) return { page: repo.toPage((await loadPage(svc, actor, existing)).page), created: false };

  const spaces = (await listSpaces(svc, actor)).filter((s) => s.canEdit);
  const space = spaces.find((s) => s.groupId === null) ?? spaces[0];
  if (!space) throw new AppError('conflict', 'There is no space you may add pages to: ask an admin to create the company space');
  const page = await createPage(svc, actor, space.id, { title: title?.trim() || notesTitle(call), parentId: null });
  const won = await svc.write(async (u) => {
    const rows = await u.tx.query(sql`
      INSERT INTO doc_call_notes (call_id, page_id, created_by) VALUES (${callId}, ${page.id}, ${actor.id})
      ON CONFLICT (call_id) DO NOTHING RETURNING page_id`);
    if (rows.length) return true;
    // A second press raced this one and won: the page just made goes (it never held anything) and theirs opens.
    await u.tx.query(sql`DELETE FROM docs WHERE id = ${page.id}`);
    const payload: DocTreeChange = { spaceId: space.id, kind: 'deleted', pageIds: [page.id] };
    await u.emit(docSpaceStream(space.id), 'pages_changed', payload, actor.id);
    return false;
  });
  if (!won) return { page: repo.toPage((await loadPage(svc, actor, (await notesOf(svc.db, callId))!)).page), created: false };
  await attachPage(svc, actor, page.id, { kind: 'chat', targetId: call.chat_id });
  return { page, created: true };
}

async function notesOf(q: Queryable, callId: string): Promise<string | null> {
  const rows = await q.query(sql`SELECT page_id FROM doc_call_notes WHERE call_id = ${callId}`);
  return rows[0]?.page_id ?? null;
}

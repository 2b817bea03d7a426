import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from '../../../shared/errors';
import type { CreatePageBody, CreateSpaceBody, DocPage, DocSpace, DocTreeChange, MovePageBody } from '../../../shared/docs';
import { DOC_LIMITS, docSpaceStream } from '../../../shared/docs';
import type { Unit } from '../../db/unit';
import type { Services } from '../../services';
import type { Queryable } from '../../db/pool';
import type { Actor, Verdict } from '../people/policy';
import { enforce } from '../people/actions';
import { factsOf, findGroup, findGroups, memberRole, memberRoles } from '../groups/repo';
import { canEditSpace, canManageSpace, canMoveUnder, canReadSpace, canUseDocs, docAccess, type DocAccess, type SpaceFacts } from './policy';
import * as repo from './repo';

/** What changed in a space's page tree, told on `docspace:<id>` to whoever reads the space (they refetch the tree). */
function treeChanged(u: Unit, spaceId: string, kind: DocTreeChange['kind'], pageIds: string[], actorId: string): Promise<unknown> {
  const payload: DocTreeChange = { spaceId, kind, pageIds };
  return u.emit(docSpaceStream(spaceId), 'pages_changed', payload, actorId);
}

/** The policy's facts about a space for this actor (the group's facts and the actor's role in it). */
async function factsFor(q: Queryable, actor: Actor, space: repo.SpaceRow): Promise<SpaceFacts> {
  if (!space.group_id) return { kind: 'company' };
  const group = await findGroup(q, space.group_id);
  if (!group) throw new AppError('not_found', 'No such space');
  return { kind: 'group', group: factsOf(group), role: await memberRole(q, space.group_id, actor.id) };
}

/** The space and its facts; unknown spaces, and spaces the actor may not read, are not found. */
async function loadSpace(svc: Services, actor: Actor, spaceId: string) {
  enforce(canUseDocs(actor), 'use the knowledge base');
  const space = await repo.findSpace(svc.db, spaceId);
  if (!space) throw new AppError('not_found', 'No such space');
  const facts = await factsFor(svc.db, actor, space);
  enforce(canReadSpace(actor, facts), 'read this space');
  return { space, facts };
}

/** The page, its space and the facts; a page in a space the actor may not read is not found. */
export async function loadPage(svc: Services, actor: Actor, pageId: string) {
  enforce(canUseDocs(actor), 'use the knowledge base');
  const page = await repo.findPage(svc.db, pageId);
  if (!page) throw new AppError('not_found', 'No such page');
  const { space, facts } = await loadSpace(svc, actor, page.space_id).catch((err) => {
    throw err instanceof AppError && err.code === 'not_found' ? new AppError('not_found', 'No such page') : err;
  });
  return { page, space, facts };
}

function toSpace(actor: Actor, s: repo.SpaceRow, facts: SpaceFacts): DocSpace {
  return {
    id: s.id,
    name: s.name,
    groupId: s.group_id,
    createdBy: s.created_by,
    createdAt: s.created_at.toISOString(),
    canEdit: canEditSpace(actor, facts) === null,
    canManage: canManageSpace(actor, facts) === null,
  };
}

/** The spaces the actor may read: the company's, open groups', and those of the groups they belong to. */
export async function listSpaces(svc: Services, actor: Actor): Promise<DocSpace[]> {
  enforce(canUseDocs(actor), 'use the knowledge base');
  const rows = await repo.listSpaces(svc.db);
  const groups = new Map((await findGroups(svc.db, rows.flatMap((r) => (r.group_id ? [r.group_id] : [])))).map((g) => [g.id, g]));
  const roles = await memberRoles(svc.db, [...groups.keys()], actor.id);
  const out: DocSpace[] = [];
  for (const r of rows) {
    const group = r.group_id ? groups.get(r.group_id) : null;
    if (r.group_id && !group) continue;
    const facts: SpaceFacts = group ? { kind: 'group', group: factsOf(group), role: roles.get(group.id) ?? null } : { kind: 'company' };
    if (canReadSpace(actor, facts) === null) out.push(toSpace(actor, r, facts));
  }
  return out;
}

export async function createSpace(svc: Services, actor: Actor, input: z.infer<typeof CreateSpaceBody>): Promise<DocSpace> {
  enforce(canUseDocs(actor), 'use the knowledge base');
  let facts: SpaceFacts = { kind: 'company' };
  if (input.groupId) {
    const group = await findGroup(svc.db, input.groupId);
    if (!group) throw new AppError('not_found', 'No such group');
    facts = { kind: 'group', group: factsOf(group), role: await memberRole(svc.db, input.groupId, actor.id) };
  }
  enforce(canManageSpace(actor, facts), 'create a space here');
  const id = randomUUID();
  await svc.write((u) => repo.insertSpace(u.tx, { id, name: input.name, groupId: input.groupId, createdBy: actor.id }));
  return toSpace(actor, (await repo.findSpace(svc.db, id))!, facts);
}

export async function renameSpace(svc: Services, actor: Actor, spaceId: string, name: string): Promise<DocSpace> {
  const { facts } = await loadSpace(svc, actor, spaceId);
  enforce(canManageSpace(actor, facts), 'rename this space');
  await svc.write((u) => repo.renameSpace(u.tx, spaceId, name));
  return toSpace(actor, (await repo.findSpace(svc.db, spaceId))!, facts);
}

/** A space with its live page tree (flat, parents before children, siblings in order), or its deleted pages. */
export async function listPages(svc: Services, actor: Actor, spaceId: string, deleted: boolean): Promise<{ space: DocSpace; pages: DocPage[] }> {
  const { space, facts } = await loadSpace(svc, actor, spaceId);
  const rows = await repo.listPages(svc.db, spaceId, deleted);
  return { space: toSpace(actor, space, facts), pages: (deleted ? rows : treeOrder(rows)).map(repo.toPage) };
}

/** Depth-first order, so a client can build the tree in one pass; orphans of deleted parents are left out. */
function treeOrder(rows: repo.PageRow[]): repo.PageRow[] {
  const children = new Map<string | null, repo.PageRow[]>();
  for (const r of rows) children.set(r.parent_id, [...(children.get(r.parent_id) ?? []), r]);
  const out: repo.PageRow[] = [];
  const walk = (parent: string | null) => {
    for (const r of children.get(parent) ?? []) {
      out.push(r);
      walk(r.id);
    }
  };
  walk(null);
  return out;
}

export async function getPage(svc: Services, actor: Actor, pageId: string): Promise<{ page: DocPage; space: DocSpace; access: DocAccess }> {
  const { page, space, facts } = await loadPage(svc, actor, pageId);
  const access = docAccess(actor, facts, page.deleted_at !== null) as DocAccess;
  return { page: repo.toPage(page), space: toSpace(actor, space, facts), access };
}

/** The live parent in the same space, or a not_found naming the field. */
async function checkParent(q: Queryable, spaceId: string, parentId: string | null): Promise<void> {
  if (!parentId) return;
  const parent = await repo.findPage(q, parentId);
  if (!parent || parent.space_id !== spaceId || parent.deleted_at) {
    throw new AppError('bad_request', 'The parent page is not a live page of this space', { fields: { parentId: 'unknown page' } });
  }
}

/** Put `id` at `index` among the live children of `parentId` (default: last), renumbering them. */
async function place(q: Queryable, spaceId: string, parentId: string | null, id: string, index: number | undefined): Promise<void> {
  const ids = (await repo.siblings(q, spaceId, parentId)).map((s) => s.id).filter((s) => s !== id);
  ids.splice(Math.min(index ?? ids.length, ids.length), 0, id);
  await repo.renumber(q, ids);
}

export async function createPage(svc: Services, actor: Actor, spaceId: string, input: z.infer<typeof CreatePageBody>): Promise<DocPage> {
  const { facts } = await loadSpace(svc, actor, spaceId);
  enforce(canEditSpace(actor, facts), 'add pages to this space');
  const id = randomUUID();
  await svc.write(async (u) => {
    await repo.lockSpace(u.tx, spaceId);
    if ((await repo.countPages(u.tx, spaceId)) >= DOC_LIMITS.pagesPerSpaceMax) {
      throw new AppError('conflict', `A space holds at most ${DOC_LIMITS.pagesPerSpaceMax} pages`);
    }
    await checkParent(u.tx, spaceId, input.parentId);
    await repo.insertPage(u.tx, { id, spaceId, parentId: input.parentId, position: Number.MAX_SAFE_INTEGER, title: input.title, by: actor.id });
    await place(u.tx, spaceId, input.parentId, id, input.index);
    await treeChanged(u, spaceId, 'created', [id], actor.id);
  });
  return repo.toPage((await repo.findPage(svc.db, id))!);
}

/** A live page the actor may edit. */
async function editable(svc: Services, actor: Actor, pageId: string, what: string) {
  const loaded = await loadPage(svc, actor, pageId);
  enforce(canEditSpace(actor, loaded.facts), what);
  if (loaded.page.deleted_at) throw new AppError('conflict', 'The page is deleted; restore it first');
  return loaded;
}

export async function renamePage(svc: Services, actor: Actor, pageId: string, title: string): Promise<DocPage> {
  const { page } = await editable(svc, actor, pageId, 'rename this page');
  await svc.write(async (u) => {
    await repo.renamePage(u.tx, pageId, title, actor.id);
    await treeChanged(u, page.space_id, 'renamed', [pageId], actor.id);
  });
  return repo.toPage((await repo.findPage(svc.db, pageId))!);
}

/** Reparent and/or reorder; never under the page itself or its descendants. */
export async function movePage(svc: Services, actor: Actor, pageId: string, input: z.infer<typeof MovePageBody>): Promise<DocPage> {
  const { page } = await editable(svc, actor, pageId, 'move this page');
  await svc.write(async (u) => {
    await repo.lockSpace(u.tx, page.space_id);
    const below = new Set((await repo.subtree(u.tx, pageId)).map((p) => p.id));
    enforce(canMoveUnder(pageId, input.parentId, below), 'move a page under itself');
    await checkParent(u.tx, page.space_id, input.parentId);
    await repo.reparent(u.tx, pageId, input.parentId, actor.id);
    await place(u.tx, page.space_id, input.parentId, pageId, input.index);
    await treeChanged(u, page.space_id, 'moved', [pageId], actor.id);
  });
  return repo.toPage((await repo.findPage(svc.db, pageId))!);
}

/** Soft-delete a page with its subtree; `restorePage` undoes it. */
export async function deletePage(svc: Services, actor: Actor, pageId: string): Promise<DocPage> {
  const { page } = await editable(svc, actor, pageId, 'delete this page');
  await svc.write(async (u) => {
    await repo.lockSpace(u.tx, page.space_id);
    const ids = (await repo.subtree(u.tx, pageId)).map((p) => p.id);
    await repo.markDeleted(u.tx, ids, actor.id);
    await treeChanged(u, page.space_id, 'deleted', ids, actor.id);
  });
  return repo.toPage((await repo.findPage(svc.db, pageId))!);
}

/** Bring back a deleted page with the pages deleted together with it; at the top level when its parent is gone. */
export async function restorePage(svc: Services, actor: Actor, pageId: string): Promise<DocPage> {
  const { page, facts } = await loadPage(svc, actor, pageId);
  enforce(canEditSpace(actor, facts), 'restore this page');
  if (!page.deleted_at) throw new AppError('conflict', 'The page is not deleted');
  await svc.write(async (u) => {
    await repo.lockSpace(u.tx, page.space_id);
    await repo.restore(u.tx, (await repo.subtree(u.tx, pageId)).map((p) => p.id), pageId);
    const parent = page.parent_id ? await repo.findPage(u.tx, page.parent_id) : null;
    if (page.parent_id && (!parent || parent.deleted_at)) await repo.reparent(u.tx, pageId, null, actor.id);
    await place(u.tx, page.space_id, parent && !parent.deleted_at ? parent.id : null, pageId, undefined);
    await treeChanged(u, page.space_id, 'restored', [pageId], actor.id);
  });
  return repo.toPage((await repo.findPage(svc.db, pageId))!);
}

/**
 * What the Yjs endpoint may grant on a document: edit or read, or an AppError (not_found for unknown
 * documents and for those the actor may not even see, forbidden for guests).
 */
export async function openDoc(svc: Services, actor: Actor, docId: string): Promise<DocAccess> {
  enforce(canUseDocs(actor), 'open documents');
  const { page, facts } = await loadPage(svc, actor, docId);
  const access = docAccess(actor, facts, page.deleted_at !== null);
  if (access !== 'edit' && access !== 'read') enforce(access, 'open this document');
  return access as DocAccess;
}

/** May the actor follow `docspace:<id>` (its page tree's changes)? Whoever may read the space. */
export async function spaceStreamAccess(db: Queryable, actor: Actor, spaceId: string): Promise<Verdict> {
  if (canUseDocs(actor)) return 'forbidden';
  const space = await repo.findSpace(db, spaceId);
  if (!space) return 'not_found';
  const facts = await factsFor(db, actor, space).catch(() => null);
  if (!facts) return 'not_found';
  const read = canReadSpace(actor, facts);
  return read === null ? null : 'not_found';
}

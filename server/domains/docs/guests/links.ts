import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from '../../../../shared/errors';
import { DOC_LINK_DAYS, type CreateDocLinkBody, type DocLinkInfo } from '../../../../shared/docs';
import { sql } from '../../../db/pool';
import { hashToken, newToken } from '../../../lib/tokens';
import type { Services } from '../../../services';
import type { Actor } from '../../people/policy';
import { loadPage, openDoc } from '../actions';
import { docLinkMail } from './mail';
import * as repo from './repo';

/**
 * Guest links to a page: an editor of the page makes a link to read it or to edit it (a 256-bit token,
 * kept as its SHA-256, expiring, revocable, mailed when an address is given). Whoever opens it becomes a
 * guest of that page only (./session.ts). Revoking a link ends its sessions and closes their document
 * sockets on every node at once.
 */

/** Where a page link opens in the web client. */
export const docLinkUrl = (svc: Services, token: string) => `${svc.config.publicUrl}/d/${token}`;

/** The page, when the actor may edit it: only its editors share it (readers 403, outsiders 404). */
async function shareable(svc: Services, actor: Actor, pageId: string) {
  const access = await openDoc(svc, actor, pageId);
  if (access !== 'edit') throw new AppError('forbidden', 'Only the editors of this page may share it with guests');
  return (await loadPage(svc, actor, pageId)).page;
}

export async function createDocLink(svc: Services, actor: Actor, pageId: string, input: z.infer<typeof CreateDocLinkBody>): Promise<DocLinkInfo> {
  const page = await shareable(svc, actor, pageId);
  const token = newToken();
  const expiresAt = new Date(Date.now() + (input.days ?? DOC_LINK_DAYS.default) * 86_400_000);
  const url = docLinkUrl(svc, token);
  const link = await svc.write(async (u) => {
    const link = await repo.insertLink(u.tx, {
      id: randomUUID(), pageId, tokenHash: hashToken(token), access: input.access, name: input.name ?? null, email: input.email ?? null,
      createdBy: actor.id, expiresAt,
    });
    if (input.email) {
      const [facts] = await u.tx.query(sql`SELECT (SELECT name FROM users WHERE id = ${actor.id}) AS author, (SELECT name FROM workspace) AS workspace`);
      const mail = docLinkMail({ to: input.email, author: facts.author, workspace: facts.workspace ?? '', title: page.title, access: input.access, link: url, expiresAt });
      u.afterCommit(await svc.mailer.enqueue(u.tx, mail));
    }
    return link;
  });
  svc.log.info('document link created', { page: pageId, link: link.id, access: input.access, by: actor.id, mailed: Boolean(input.email) });
  return { ...repo.toLinkInfo(link), url };
}

export async function listDocLinks(svc: Services, actor: Actor, pageId: string): Promise<DocLinkInfo[]> {
  await shareable(svc, actor, pageId);
  return (await repo.linksOfPage(svc.db, pageId)).map(repo.toLinkInfo);
}

/** Revoke a link: its sessions end and their sockets close (4403 "link revoked") on every node. */
export async function revokeDocLink(svc: Services, actor: Actor, pageId: string, linkId: string): Promise<DocLinkInfo[]> {
  await shareable(svc, actor, pageId);
  const link = await repo.linkById(svc.db, linkId);
  if (!link || link.page_id !== pageId) throw new AppError('not_found', 'No such document link');
  const sessions = await repo.revokeLink(svc.db, linkId);
  for (const sessionHash of sessions) await svc.control({ type: 'close_session', sessionHash, code: 4403, reason: 'link revoked' });
  svc.log.info('document link revoked', { page: pageId, link: linkId, by: actor.id, sessions: sessions.length });
  return (await repo.linksOfPage(svc.db, pageId)).map(repo.toLinkInfo);
}

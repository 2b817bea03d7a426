import { randomUUID } from 'node:crypto';
import { sql } from '../../db/pool';
import { AppError } from '../../../shared/errors';
import type { FileRef } from '../../../shared/messenger';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { openDoc } from '../docs/actions';
import { grantedPage } from '../people/policy';
import { storedFile, toFileRef, type FileRefRow } from './actions';

/**
 * Images in knowledge-base pages. An editor of the page uploads one (an image only: it is shown inline,
 * so it must sniff as one), the editor places `/api/files/<id>` in the document, and whoever may read the
 * page may read the image (the page's rules decide, at each download).
 */
export async function uploadDocImage(svc: Services, actor: Actor, pageId: string, name: string, declaredType: string, data: Buffer): Promise<FileRef> {
  const access = await openDoc(svc, actor, pageId);
  if (access !== 'edit') throw new AppError('forbidden', 'You may only read this page');
  const f = await storedFile(svc, name, declaredType, data);
  if (!f.isImage) throw new AppError('bad_request', 'Only images (PNG, JPEG, GIF, WebP) can be placed in a page', { fields: { file: 'not an image' } });
  const [row] = await svc.db.query(sql`
    INSERT INTO files (id, sha256, size, name, mime, is_image, uploader_id, chat_id, page_id, preview_sha256, width, height)
    VALUES (${randomUUID()}, ${f.sha256}, ${data.length}, ${f.name}, ${f.mime}, true, ${actor.id}, NULL, ${pageId},
            ${f.previewSha256}, ${f.width}, ${f.height})
    RETURNING id, name, size, mime, is_image, preview_sha256, width, height`);
  svc.log.info('page image uploaded', { id: row.id, page: pageId, size: data.length });
  return toFileRef(row as FileRefRow);
}

/** May the actor read the images of this page? Whoever may open the page (read or edit). */
export async function canReadDocFile(svc: Services, actor: Actor, pageId: string): Promise<boolean> {
  try {
    await openDoc(svc, actor, pageId);
    return true;
  } catch (err) {
    if (err instanceof AppError) return false;
    throw err;
  }
}

/** A page image for a guest of that page's link (their own page only; anything else does not exist for them). */
export async function downloadDocGuestImage(svc: Services, actor: Actor, id: string) {
  const page = grantedPage(actor)?.pageId;
  const [f] = await svc.db.query(sql`SELECT id, name, size, mime, is_image, preview_sha256, width, height, sha256 FROM files WHERE id = ${id} AND page_id = ${page ?? null}`);
  if (!page || !f) throw new AppError('not_found', 'No such file');
  return { ref: toFileRef(f as FileRefRow), data: await svc.files.read(f.sha256 as string) };
}


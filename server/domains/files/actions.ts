import { randomUUID } from 'node:crypto';
import { sql, type Queryable } from '../../db/pool';
import { AppError } from '../../../shared/errors';
import type { FileRef } from '../../../shared/messenger';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce, sniffImage } from '../people/actions';
import { canUseChat } from '../chats/policy';
import { findChat, memberRole } from '../chats/repo';
import { makePreview, type ImagePreview } from './previews';
import { canReadDocFile } from './docs';
import { postAccess } from '../feed/repo';
import { canReadPost } from '../feed/policy';
import { guestMayRead } from '../guests/policy';

/** The columns of a file row that make its FileRef (every query feeding toFileRef returns these). */
export interface FileRefRow {
  id: string;
  name: string;
  size: number | string;
  mime: string;
  is_image: boolean;
  preview_sha256: string | null;
  width: number | null;
  height: number | null;
}

const REF_COLUMNS = sql`id, name, size, mime, is_image, preview_sha256, width, height`;

/** A file row as clients see it; an image's recorded size lets the client reserve its box before loading. */
export function toFileRef(r: FileRefRow): FileRef {
  const ref: FileRef = { id: r.id, name: r.name, size: Number(r.size), mime: r.mime, isImage: r.is_image, url: `/api/files/${r.id}` };
  if (r.preview_sha256) ref.previewUrl = `/api/files/${r.id}/preview`;
  if (r.width !== null && r.height !== null) {
    ref.width = r.width;
    ref.height = r.height;
  }
  return ref;
}

/** A file name as people see it: no path, no control characters, at most 200 characters. */
export function cleanFileName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  if (!clean || clean === '.' || clean === '..') throw new AppError('bad_request', 'The file needs a name', { fields: { name: 'missing' } });
  return clean;
}

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/**
 * An image is what both the magic bytes and the decoder agree on: a file that only looks like one
 * (corrupt, a decompression bomb) is kept as opaque bytes, never refused.
 */
async function inspectImage(svc: Services, data: Buffer): Promise<{ mime: string; preview: ImagePreview } | null> {
  const mime = sniffImage(data);
  if (!mime) return null;
  const preview = await makePreview(data, (reason) => svc.log.warn('image not decodable, kept as a plain file', { reason }));
  return preview && { mime, preview };
}

/** An upload's bytes and preview stored by content hash, and what its row records. */
export interface StoredFile {
  sha256: string;
  name: string;
  mime: string;
  isImage: boolean;
  previewSha256: string | null;
  width: number | null;
  height: number | null;
}

/** Check and store an upload (whatever it is attached to later): its name, its type, its image preview. */
export async function storedFile(svc: Services, name: string, declaredType: string, data: Buffer): Promise<StoredFile> {
  if (!data.length) throw new AppError('bad_request', 'The file is empty');
  const fileName = cleanFileName(name);
  const image = await inspectImage(svc, data);
  const declared = declaredType.split(';')[0].trim().toLowerCase();
  const mime = image?.mime ?? (MIME.test(declared) && !declared.startsWith('image/') ? declared : 'application/octet-stream');
  return {
    sha256: await svc.files.put(data),
    name: fileName,
    mime,
    isImage: image !== null,
    previewSha256: image ? await svc.files.put(image.preview.webp) : null,
    width: image?.preview.width ?? null,
    height: image?.preview.height ?? null,
  };
}

/** Upload a file into a chat (members only). It is attached by the message that names it. */
export async function uploadFile(svc: Services, actor: Actor, chatId: string, name: string, declaredType: string, data: Buffer): Promise<FileRef> {
  if (!(await findChat(svc.db, chatId))) throw new AppError('not_found', 'No such chat');
  enforce(canUseChat(actor, await memberRole(svc.db, chatId, actor.id)), 'share files here');
  const f = await storedFile(svc, name, declaredType, data);
  const id = randomUUID();
  const [row] = await svc.db.query(sql`
    INSERT INTO files (id, sha256, size, name, mime, is_image, uploader_id, chat_id, preview_sha256, width, height)
    VALUES (${id}, ${f.sha256}, ${data.length}, ${f.name}, ${f.mime}, ${f.isImage}, ${actor.id}, ${chatId},
            ${f.previewSha256}, ${f.width}, ${f.height})
    RETURNING ${REF_COLUMNS}`);
  svc.log.info('file uploaded', { id, chatId, size: data.length });
  return toFileRef(row as FileRefRow);
}

/** Files in the order a message lists them (as the message query orders them). */
function inOrder(rows: any[]): FileRef[] {
  return rows
    .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(toFileRef);
}

/** Bind uploaded files to a new message: the sender's own, from the same chat, not yet attached. */
export async function attachFiles(q: Queryable, authorId: string, chatId: string, messageId: string, fileIds: string[]): Promise<FileRef[]> {
  if (!fileIds.length) return [];
  const rows = await q.query(sql`
    UPDATE files SET message_id = ${messageId}
    WHERE id = ANY(${fileIds}::uuid[]) AND uploader_id = ${authorId} AND chat_id = ${chatId} AND message_id IS NULL
    RETURNING ${REF_COLUMNS}, created_at`);
  if (rows.length !== new Set(fileIds).size) throw new AppError('bad_request', 'Some files cannot be attached: upload them to this chat first');
  return inOrder(rows);
}

/**
 * A file row, once the actor may read it: a chat's file by its members; a feed file by whoever sees its
 * post (a guest: only their post's); a page's image by whoever may open the page; a feed file not attached
 * yet by its uploader alone.
 */
async function readableFile(svc: Services, actor: Actor, id: string) {
  const rows = await svc.db.query(sql`SELECT ${REF_COLUMNS}, sha256, chat_id, post_id, page_id, uploader_id FROM files WHERE id = ${id}`);
  if (!rows.length) throw new AppError('not_found', 'No such file');
  const f = rows[0];
  if (f.chat_id) enforce(canUseChat(actor, await memberRole(svc.db, f.chat_id, actor.id)), 'download this file');
  else if (f.post_id) enforce(await canReadFeedFile(svc, actor, f.post_id), 'download this file');
  else if (f.page_id) enforce((await canReadDocFile(svc, actor, f.page_id)) ? null : 'forbidden', 'download this file');
  else enforce(actor.active && f.uploader_id === actor.id ? null : 'forbidden', 'download this file');
  return f as FileRefRow & { sha256: string };
}

async function canReadFeedFile(svc: Services, actor: Actor, postId: string) {
  if (actor.role === 'guest') return guestMayRead(actor, postId);
  const post = await postAccess(svc.db, postId, actor.id);
  return canReadPost(actor, post?.visible ?? false);
}

/** The file and its bytes, for members of its chat only. */
export async function downloadFile(svc: Services, actor: Actor, id: string) {
  const f = await readableFile(svc, actor, id);
  return { ref: toFileRef(f), data: await svc.files.read(f.sha256) };
}

/** An image's WebP preview, for members of its chat only; not_found when the file has none. */
export async function downloadPreview(svc: Services, actor: Actor, id: string): Promise<Buffer> {
  const f = await readableFile(svc, actor, id);
  if (!f.preview_sha256) throw new AppError('not_found', 'This file has no preview');
  return svc.files.read(f.preview_sha256);
}

/** Give a forwarded copy the original's files: new rows in the target chat over the same stored bytes. */
export async function copyAttachments(q: Queryable, fromMessageId: string, chatId: string, messageId: string, uploaderId: string): Promise<FileRef[]> {
  const rows = await q.query(sql`
    INSERT INTO files (id, sha256, size, name, mime, is_image, uploader_id, chat_id, message_id, preview_sha256, width, height)
    SELECT gen_random_uuid(), sha256, size, name, mime, is_image, ${uploaderId}, ${chatId}, ${messageId}, preview_sha256, width, height
    FROM files WHERE message_id = ${fromMessageId} ORDER BY created_at, id
    RETURNING ${REF_COLUMNS}, created_at`);
  return inOrder(rows);
}

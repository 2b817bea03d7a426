import { randomUUID } from 'node:crypto';
import type { SQLQuery } from '@databases/pg';
import { sql, type Queryable } from '../../db/pool';
import { AppError } from '../../../shared/errors';
import type { FileRef } from '../../../shared/messenger';
import type { Services } from '../../services';
import { storedFile, toFileRef, type FileRefRow } from './actions';

/**
 * Files of the live feed. They are uploaded first (no chat, no post: only the uploader can read them)
 * and attached by the post or comment that names them, after which whoever sees the post reads them.
 */

/** Store an upload for the feed (from the composer, a guest's page, or an inbound mail). */
export async function uploadFeedFile(svc: Services, uploaderId: string, name: string, declaredType: string, data: Buffer): Promise<FileRef> {
  const f = await storedFile(svc, name, declaredType, data);
  const [row] = await svc.db.query(sql`
    INSERT INTO files (id, sha256, size, name, mime, is_image, uploader_id, chat_id, preview_sha256, width, height)
    VALUES (${randomUUID()}, ${f.sha256}, ${data.length}, ${f.name}, ${f.mime}, ${f.isImage}, ${uploaderId}, NULL,
            ${f.previewSha256}, ${f.width}, ${f.height})
    RETURNING id, name, size, mime, is_image, preview_sha256, width, height`);
  svc.log.info('feed file uploaded', { id: row.id, size: data.length });
  return toFileRef(row as FileRefRow);
}

/** Bind the uploader's own unattached feed files to a new post (commentId null) or comment. */
export async function attachFeedFiles(q: Queryable, uploaderId: string, postId: string, commentId: string | null, fileIds: string[]): Promise<FileRef[]> {
  if (!fileIds.length) return [];
  const rows = await q.query(sql`
    UPDATE files SET post_id = ${postId}, comment_id = ${commentId}
    WHERE id = ANY(${fileIds}::uuid[]) AND uploader_id = ${uploaderId} AND chat_id IS NULL AND post_id IS NULL
    RETURNING id, name, size, mime, is_image, preview_sha256, width, height, created_at`);
  if (rows.length !== new Set(fileIds).size) throw new AppError('bad_request', 'Some files cannot be attached: upload them first', { fields: { fileIds: 'unknown' } });
  return rows.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1)).map((r) => toFileRef(r as FileRefRow));
}

/** A JSON column of the files `where` selects, in upload order (for the feed's read queries). */
export function attachmentsColumn(where: SQLQuery): SQLQuery {
  return sql`COALESCE((SELECT json_agg(json_build_object('id', f.id, 'name', f.name, 'size', f.size, 'mime', f.mime,
      'is_image', f.is_image, 'preview_sha256', f.preview_sha256, 'width', f.width, 'height', f.height) ORDER BY f.created_at, f.id)
    FROM files f WHERE ${where}), '[]')`;
}

/** FileRefs from an attachments column. */
export const refsOf = (rows: FileRefRow[] | null | undefined): FileRef[] => (rows ?? []).map(toFileRef);

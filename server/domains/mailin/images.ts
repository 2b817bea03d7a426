import sharp from 'sharp';
import type { InboundAttachment } from '../inbound';

/**
 * Which inline pictures of a mail are worth keeping. A mail's inline parts (those its HTML shows by
 * `cid:`, or that sit in multipart/related) are of two sorts: what the sender meant to show (a pasted
 * screenshot, a photo) and decoration (tracking pixels, spacers, signature logos, social icons). Only the
 * first sort becomes a file of the post or comment.
 *
 * The rule, on the decoded picture (sharp reads the size from the image header, nothing is rendered):
 * - a raster type sharp reads: PNG, JPEG, GIF or WebP (an inline SVG or anything else is not kept);
 * - at least MIN_BYTES bytes: a tracking pixel or spacer is a few dozen bytes, an icon a few hundred;
 * - both sides at least MIN_SIDE pixels: icons are 16 to 48 pixels, divider lines a few pixels high;
 * - at least MIN_AREA pixels in all: a signature logo (say 200 × 60 or 120 × 120) stays below it, a
 *   screenshot of even a small dialog (250 × 160 and up) reaches it.
 * A picture sharp cannot read is not kept. Attachments proper (not inline) are kept whatever they are.
 */

export const INLINE_IMAGE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
export const MIN_BYTES = 1024;
export const MIN_SIDE = 64;
export const MIN_AREA = 40_000;

/** What the rule looks at. */
export interface PictureFacts {
  contentType: string;
  bytes: number;
  /** Decoded size in pixels (one frame of an animation). */
  width: number;
  height: number;
}

/** Whether an inline picture with these facts is content rather than decoration (the rule above). */
export function meaningfulPicture(f: PictureFacts): boolean {
  return (
    INLINE_IMAGE_TYPES.has(f.contentType) &&
    f.bytes >= MIN_BYTES &&
    f.width >= MIN_SIDE &&
    f.height >= MIN_SIDE &&
    f.width * f.height >= MIN_AREA
  );
}

/** The decoded size of a picture, or null when sharp cannot read it as one. */
export async function pictureSize(content: Buffer): Promise<{ width: number; height: number } | null> {
  try {
    const meta = await sharp(content, { failOn: 'none' }).metadata();
    const height = meta.pageHeight ?? meta.height;
    return meta.width && height ? { width: meta.width, height } : null;
  } catch {
    return null;
  }
}

/** Whether an inline part of a mail is a picture to keep. */
export async function keepInline(a: InboundAttachment): Promise<boolean> {
  // The cheap checks first: most decoration never reaches the decoder.
  if (!INLINE_IMAGE_TYPES.has(a.contentType) || a.content.length < MIN_BYTES) return false;
  const size = await pictureSize(a.content);
  return !!size && meaningfulPicture({ contentType: a.contentType, bytes: a.content.length, ...size });
}

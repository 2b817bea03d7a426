import sharp from 'sharp';

/** What an image upload yields: its displayed size and a small WebP to show in the message list. */
export interface ImagePreview {
  /** Size of the original as shown, after its EXIF orientation. */
  width: number;
  height: number;
  /** The preview: within PREVIEW_BOX on both sides, WebP, no metadata. */
  webp: Buffer;
}

/** Twice the largest box the client draws (320x240), so previews stay sharp on HiDPI screens. */
export const PREVIEW_BOX = 640;
const PREVIEW_QUALITY = 80;
/**
 * Decompression-bomb guard: a few KB of PNG can claim 65535x65535 pixels. libvips checks the header's
 * size before decoding anything; beyond this the upload is kept as opaque bytes.
 */
export const MAX_INPUT_PIXELS = 40_000_000;
/** A pathological but small image must not hold the preview queue for long. */
const TIMEOUT_SECONDS = 15;
/** Only what `sniffImage` lets through; sharp could also open SVG, TIFF, HEIF… which we never serve inline. */
const FORMATS = new Set(['png', 'jpeg', 'gif', 'webp']);

/*
 * Bounding the work. sharp runs off the event loop, on libuv's thread pool (4 threads by default), which
 * fs reads of downloads, password hashing and DNS share. Each pipeline holds a pool thread and libvips
 * spawns its own workers per pipeline. So: one libvips worker per pipeline (sharp.concurrency(1)), and one
 * preview at a time (the queue below), which leaves the pool to everything else and caps memory at one
 * decoded image. Uploads are rare next to messages; waiting behind another preview costs a few hundred ms.
 * The operation cache is off: every upload is a new buffer, nothing would ever be reused from it.
 */
sharp.concurrency(1);
sharp.cache(false);

let queue: Promise<unknown> = Promise.resolve();

/** Run `job` after every job queued before it has settled, one at a time. */
function oneAtATime<T>(job: () => Promise<T>): Promise<T> {
  const run = queue.then(job, job);
  queue = run.catch(() => undefined);
  return run;
}

function open(data: Buffer) {
  // Only the first frame of an animated GIF or WebP (`pages: 1`): the preview is a still.
  return sharp(data, { limitInputPixels: MAX_INPUT_PIXELS, pages: 1, failOn: 'warning' }).timeout({ seconds: TIMEOUT_SECONDS });
}

async function render(data: Buffer): Promise<ImagePreview> {
  const meta = await open(data).metadata();
  if (!FORMATS.has(meta.format)) throw new Error(`unexpected format ${meta.format}`);
  const webp = await open(data)
    .autoOrient()
    .resize(PREVIEW_BOX, PREVIEW_BOX, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: PREVIEW_QUALITY })
    .toBuffer(); // sharp writes no metadata (EXIF, XMP, ICC) unless asked to
  return { width: meta.autoOrient.width, height: meta.autoOrient.height, webp };
}

/**
 * The preview of a sniffed image, or null when it cannot be decoded: corrupt, truncated, over the pixel
 * limit, too slow. The caller then keeps the upload as an opaque file; the reason is only logged.
 */
export async function makePreview(data: Buffer, onFailure: (reason: string) => void): Promise<ImagePreview | null> {
  try {
    return await oneAtATime(() => render(data));
  } catch (err) {
    onFailure(err instanceof Error ? err.message : String(err));
    return null;
  }
}

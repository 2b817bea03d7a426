import zlib from 'node:zlib';
import { AppError } from '../../../../shared/errors';

/**
 * Just enough ZIP to read an XLSX file, bounded: the central directory (never trusting local headers
 * for sizes), stored and deflated entries, CRC-32 checked. Every entry inflated counts against one
 * budget of bytes, and inflation stops at the declared size, so a zip bomb fails fast instead of
 * filling memory. No ZIP64 and no encryption: an office file under the upload limit needs neither.
 */

export interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export const badZip = (why: string) => new AppError('bad_request', `The file is not a readable XLSX workbook: ${why}`, { fields: { file: why } });

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_ENTRIES = 10_000;

function findEnd(buf: Buffer): number {
  // The end record is 22 bytes plus a comment of at most 65,535.
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) return i;
  }
  throw badZip('no ZIP end record (truncated?)');
}

/** The entries listed in the central directory. */
export function readDirectory(buf: Buffer): ZipEntry[] {
  if (buf.length < 22) throw badZip('too short');
  const end = findEnd(buf);
  const count = buf.readUInt16LE(end + 10);
  const size = buf.readUInt32LE(end + 12);
  const offset = buf.readUInt32LE(end + 16);
  if (buf.readUInt16LE(end + 4) !== 0 || buf.readUInt16LE(end + 6) !== 0) throw badZip('multi-part archives are not supported');
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) throw badZip('ZIP64 archives are not supported');
  if (count > MAX_ENTRIES) throw badZip('too many entries');
  if (offset + size > end) throw badZip('the central directory lies outside the file');
  const entries: ZipEntry[] = [];
  let p = offset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > end || buf.readUInt32LE(p) !== CENTRAL) throw badZip('damaged central directory');
    const nameLen = buf.readUInt16LE(p + 28);
    const next = p + 46 + nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
    if (next > end) throw badZip('damaged central directory');
    entries.push({
      name: buf.toString('utf8', p + 46, p + 46 + nameLen).replace(/^\/+/, ''),
      flags: buf.readUInt16LE(p + 8),
      method: buf.readUInt16LE(p + 10),
      crc: buf.readUInt32LE(p + 16),
      compressedSize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      localOffset: buf.readUInt32LE(p + 42),
    });
    p = next;
  }
  return entries;
}

/** Bytes left to inflate, shared by every entry of one file. */
export interface Budget {
  left: number;
}

/** One entry's content, checked against its declared size and CRC-32, charged to the budget. */
export function extract(buf: Buffer, e: ZipEntry, budget: Budget): Buffer {
  if (e.flags & 0x1) throw badZip('encrypted workbooks are not supported');
  if (e.size > budget.left) throw badZip('it unpacks to more than the allowed size (a zip bomb?)');
  const p = e.localOffset;
  if (p + 30 > buf.length || buf.readUInt32LE(p) !== LOCAL) throw badZip(`damaged entry ${e.name}`);
  const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
  if (start + e.compressedSize > buf.length) throw badZip(`entry ${e.name} is cut short`);
  const data = buf.subarray(start, start + e.compressedSize);
  let out: Buffer;
  if (e.method === 0) out = data;
  else if (e.method === 8) {
    try {
      // One byte more than declared: an entry that inflates beyond its declared size is refused, not followed.
      out = e.size === 0 ? Buffer.alloc(0) : zlib.inflateRawSync(data, { maxOutputLength: e.size + 1 });
    } catch {
      throw badZip(`entry ${e.name} does not inflate to its declared size`);
    }
  } else throw badZip(`compression method ${e.method} is not supported`);
  if (out.length !== e.size) throw badZip(`entry ${e.name} does not match its declared size`);
  if ((zlib.crc32(out) >>> 0) !== e.crc) throw badZip(`entry ${e.name} fails its checksum`);
  budget.left -= out.length;
  return out;
}

/**
 * The cold-load document: a page typed as `n` separate Yjs updates (paragraph-sized insertions, most at
 * the end, some in the middle, a few deletions), kept in a file as length-prefixed updates so the Artel
 * child stores exactly the same bytes the baseline loads.
 */
import fs from 'node:fs';
import * as Y from 'yjs';

/** Text of roughly `len` characters that does not compress to nothing. */
function paragraph(i: number, len: number): string {
  const words = ['document', 'review', 'quarter', 'budget', 'delivery', 'customer', 'meeting', 'notes', 'plan', 'release', 'draft', 'owner'];
  let s = `${i}. `;
  for (let w = 0; s.length < len; w++) s += `${words[(i * 7 + w * 3) % words.length]} `;
  return s.slice(0, len - 1) + '\n';
}

/** Build the document's updates; returns them and the final state as one update. */
export function buildBigDoc(n: number): { updates: Uint8Array[]; state: Uint8Array; textLength: number; updateBytes: number } {
  const doc = new Y.Doc();
  // A fixed client id too: ids are random and their encoded length varies, and so would the sizes.
  doc.clientID = 1;
  const text = doc.getText('body');
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  // A fixed pseudo-random sequence: every run builds the same document.
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.05 && text.length > 200) text.delete(Math.floor(rand() * (text.length - 50)), 20);
    else if (r < 0.2) text.insert(Math.floor(rand() * text.length), paragraph(i, 60));
    else text.insert(text.length, paragraph(i, 110));
  }
  const state = Y.encodeStateAsUpdate(doc);
  const textLength = text.length;
  doc.destroy();
  return { updates, state, textLength, updateBytes: updates.reduce((a, u) => a + u.byteLength, 0) };
}

/** Write updates as [u32 length][bytes]… */
export function writeUpdates(file: string, updates: Uint8Array[]): void {
  const parts: Buffer[] = [];
  for (const u of updates) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(u.byteLength);
    parts.push(len, Buffer.from(u));
  }
  fs.writeFileSync(file, Buffer.concat(parts));
}

export function readUpdates(file: string): Buffer[] {
  const buf = fs.readFileSync(file);
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const len = buf.readUInt32LE(at);
    out.push(buf.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

/** The baseline: read a state file and apply it to a fresh Y.Doc; milliseconds and the text length it holds. */
export function loadFromFile(file: string, form: 'state' | 'updates'): { ms: number; textLength: number } {
  const t0 = performance.now();
  const doc = new Y.Doc();
  if (form === 'state') Y.applyUpdate(doc, fs.readFileSync(file));
  else doc.transact(() => {
    for (const u of readUpdates(file)) Y.applyUpdate(doc, u);
  });
  const textLength = doc.getText('body').length;
  const ms = performance.now() - t0;
  doc.destroy();
  return { ms, textLength };
}

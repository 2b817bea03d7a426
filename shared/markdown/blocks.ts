/** Block parsing: paragraphs, fenced code, `>` quotes and lists, from a body's lines. */

/** How deep `>` quotes may nest; deeper markers stay literal text (keeps the work linear). */
const MAX_QUOTE_DEPTH = 8;

/** A block of a body: paragraph, fenced code, quote or list. */
export type Block =
  | { k: 'p'; text: string }
  | { k: 'pre'; lang: string | null; text: string }
  | { k: 'quote'; body: Block[] }
  | { k: 'list'; ordered: boolean; items: string[] };

const BLANK = /^[ \t]*$/;
const FENCE_OPEN = /^ {0,3}(`{3,})([^`]*)$/;
const FENCE_CLOSE = /^ {0,3}(`{3,})[ \t]*$/;
const LANG = /^[A-Za-z0-9_+#.-]{1,32}$/;
const QUOTE = /^ {0,3}> ?/;
const BULLET = /^[ \t]*[-*][ \t]+(?=\S)/;
const NUMBERED = /^[ \t]*(\d{1,9})\.[ \t]+(?=\S)/;

/** Splits lines into blocks; `depth` is how many quotes they sit in. */
export function parseBlocks(lines: string[], depth: number): Block[] {
  const blocks: Block[] = [];
  let para: string[] = [];
  const flushPara = () => {
    if (para.length) blocks.push({ k: 'p', text: para.join('\n') });
    para = [];
  };

  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (BLANK.test(line)) {
      flushPara();
      i++;
      continue;
    }

    const fence = FENCE_OPEN.exec(line);
    if (fence) {
      flushPara();
      const word = fence[2].trim().split(/[ \t]/)[0];
      const body: string[] = [];
      i++;
      while (i < lines.length) {
        const close = FENCE_CLOSE.exec(lines[i]);
        if (close && close[1].length >= fence[1].length) break;
        body.push(lines[i]);
        i++;
      }
      i++; // the closing fence (an unclosed block runs to the end of the message)
      blocks.push({ k: 'pre', lang: LANG.test(word) ? word : null, text: body.join('\n') });
      continue;
    }

    if (depth < MAX_QUOTE_DEPTH && QUOTE.test(line)) {
      flushPara();
      const body: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i])) {
        body.push(lines[i].replace(QUOTE, ''));
        i++;
      }
      blocks.push({ k: 'quote', body: parseBlocks(body, depth + 1) });
      continue;
    }

    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    // A numbered list starts at 1 (there is no `start` attribute); "2. …" on its own stays text.
    if (bullet || (numbered && Number(numbered[1]) === 1)) {
      flushPara();
      const ordered = !bullet;
      const pattern = ordered ? NUMBERED : BULLET;
      const items: string[] = [];
      while (i < lines.length) {
        const m = pattern.exec(lines[i]);
        if (!m) break;
        items.push(lines[i].slice(m[0].length));
        i++;
      }
      blocks.push({ k: 'list', ordered, items });
      continue;
    }

    para.push(line.replace(/[ \t]+$/, ''));
    i++;
  }
  flushPara();
  return blocks;
}

/** A body's lines, with CR LF / CR as LF and NUL as U+FFFD (no lines when it is not a string). */
export function toLines(src: string): string[] {
  if (typeof src !== 'string') return [];
  return src.replace(/\r\n?/g, '\n').replace(/\0/g, '\ufffd').split('\n');
}

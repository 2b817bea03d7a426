/** Inline parsing: code spans, mentions, @all, autolinks, [text](url) links and emphasis, into tokens. */

import { WS, WORD, charAt, charBefore, endsUrl, kind } from './chars';
import { DelimStack, type Delim } from './emphasis';
import { safeHref } from './escape';
import { CodeRuns, DestIndex } from './indexes';

/** A user id in a mention; the same form as MENTION_PATTERN in shared/mentions.ts (lowercase UUID). */
const MENTION_AT = /<@([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})>/y;

/** An inline token: text, a line break, code, a mention, a link piece or a delimiter run. */
export type Tok =
  | { k: 'text'; v: string }
  | { k: 'br' }
  | { k: 'code'; v: string }
  | { k: 'mention'; id: string }
  | { k: 'all'; v: string }
  | { k: 'auto'; url: string }
  /** A `[`: literal unless it became the start of a link. */
  | { k: 'lopen'; href: string | null }
  | { k: 'lclose' }
  | Delim;

/** Splits one paragraph's (or list item's) text into inline tokens with emphasis resolved. */
export function parseInline(s: string): Tok[] {
  const n = s.length;
  const toks: Tok[] = [];
  const delims = new DelimStack();
  const brackets: { tok: { k: 'lopen'; href: string | null }; index: number; bottom: Delim | null }[] = [];
  let codeRuns: CodeRuns | null = null;
  let dests: DestIndex | null = null;
  let buf = '';
  const flush = () => {
    if (buf) toks.push({ k: 'text', v: buf });
    buf = '';
  };

  let i = 0;
  while (i < n) {
    const c = s[i];
    switch (c) {
      case '\n':
        flush();
        toks.push({ k: 'br' });
        i++;
        continue;

      case '`': {
        let j = i;
        while (s[j] === '`') j++;
        const len = j - i;
        codeRuns ??= new CodeRuns(s);
        const close = codeRuns.next(len, i);
        if (close < 0) {
          buf += s.slice(i, j);
          i = j;
          continue;
        }
        let code = s.slice(j, close).replace(/\n/g, ' ');
        if (code.length >= 2 && code[0] === ' ' && code[code.length - 1] === ' ' && code.trim() !== '') code = code.slice(1, -1);
        flush();
        toks.push({ k: 'code', v: code });
        i = close + len;
        continue;
      }

      case '<': {
        MENTION_AT.lastIndex = i;
        const m = MENTION_AT.exec(s);
        if (m) {
          flush();
          toks.push({ k: 'mention', id: m[1] });
          i += m[0].length;
          continue;
        }
        // <https://…> (the form many clients paste): the brackets go, the URL is linked.
        const url = s[i + 1] === 'h' || s[i + 1] === 'H' ? autolinkAt(s, i + 1, false) : null;
        if (!url || s[i + 1 + url.length] !== '>') break;
        flush();
        toks.push({ k: 'auto', url });
        i += url.length + 2;
        continue;
      }

      case '@': {
        // Same rule as ALL_PATTERN in shared/mentions.ts, so what renders as @all is what notifies everyone.
        const before = i === 0 ? '' : s[i - 1];
        const word = s.slice(i + 1, i + 4);
        const lower = word.toLowerCase();
        const after = i + 4 < n ? s[i + 4] : '';
        if (
          (before === '' || before === '(' || WS.test(before)) &&
          (lower === 'all' || lower === 'все') &&
          (after === '' || WS.test(after) || '.,!?:;)'.includes(after))
        ) {
          flush();
          toks.push({ k: 'all', v: s.slice(i, i + 4) });
          i += 4;
          continue;
        }
        break;
      }

      case 'h':
      case 'H': {
        const url = autolinkAt(s, i);
        if (!url) break;
        flush();
        toks.push({ k: 'auto', url });
        i += url.length;
        continue;
      }

      case '*':
      case '_':
      case '~': {
        let j = i;
        while (s[j] === c) j++;
        const len = j - i;
        if (c === '~' && len !== 2) {
          buf += s.slice(i, j);
          i = j;
          continue;
        }
        const before = kind(charBefore(s, i));
        const after = kind(charAt(s, j));
        const beforeWs = before === 1;
        const afterWs = after === 1;
        const beforePunct = before === 2;
        const afterPunct = after === 2;
        const left = !afterWs && (!afterPunct || beforeWs || beforePunct);
        const right = !beforeWs && (!beforePunct || afterWs || afterPunct);
        const d: Delim = {
          k: 'delim', ch: c, n: len, orig: len,
          canOpen: c === '_' ? left && (!right || beforePunct) : left,
          canClose: c === '_' ? right && (!left || afterPunct) : right,
          closes: '', opens: '', prev: null, next: null,
        };
        flush();
        toks.push(d);
        if (d.canOpen || d.canClose) delims.push(d);
        i = j;
        continue;
      }

      case '[': {
        flush();
        const tok: { k: 'lopen'; href: string | null } = { k: 'lopen', href: null };
        toks.push(tok);
        brackets.push({ tok, index: toks.length - 1, bottom: delims.top });
        i++;
        continue;
      }

      case ']': {
        const opener = brackets.pop();
        if (!opener || s[i + 1] !== '(') break;
        dests ??= new DestIndex(s);
        const e = dests.end(i + 2);
        const href = e > i + 2 ? safeHref(s.slice(i + 2, e)) : null;
        if (href === null) break;
        flush();
        if (toks.length === opener.index + 1) toks.push({ k: 'text', v: href });
        opener.tok.href = href;
        toks.push({ k: 'lclose' });
        delims.process(opener.bottom);
        // No links inside links: every earlier `[` is now literal.
        brackets.length = 0;
        i = e + 1;
        continue;
      }
    }
    buf += c === '\0' ? '\ufffd' : c;
    i++;
  }
  flush();
  delims.process(null);
  return toks;
}

/** A bare http(s) URL starting at i (not inside a word), trailing punctuation excluded unless `trim` is off; or null. */
function autolinkAt(s: string, i: number, trim = true): string | null {
  const head = s.slice(i, i + 8).toLowerCase();
  const prefix = head.startsWith('https://') ? 8 : head.startsWith('http://') ? 7 : 0;
  if (!prefix) return null;
  if (WORD.test(charBefore(s, i))) return null;
  if (!WORD.test(charAt(s, i + prefix))) return null;
  let j = i + prefix;
  let opens = 0;
  let closes = 0;
  while (j < s.length && !endsUrl(s[j])) {
    if (s[j] === '(') opens++;
    else if (s[j] === ')') closes++;
    j++;
  }
  while (trim && j > i + prefix) {
    const ch = s[j - 1];
    if (".,:;!?'*_~".includes(ch)) j--;
    else if (ch === ')' && closes > opens) {
      closes--;
      j--;
    } else break;
  }
  return s.slice(i, j);
}

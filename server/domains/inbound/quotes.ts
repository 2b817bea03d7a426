/**
 * The new part of a reply: quoted history and signature tails removed from a plain-text body.
 *
 * What counts as history, in this order:
 * 1. Outlook-style history, which is never `>`-quoted: a separator line ("-----Original Message-----",
 *    "-----Исходное сообщение-----") or a header block (From:/Sent:/To:/Subject:, От:/Отправлено:/Кому:/Тема:)
 *    cuts the body there, as does an attribution line ("… wrote:") that carries a date or an address and is
 *    followed by an unquoted copy of the original.
 * 2. `>`-quoted blocks, each with the attribution line(s) before it ("On … wrote:", "Ann <a@x> wrote:",
 *    "пн, 3 мар. 2025 г. в 10:00, Анна <a@x>:", "03.03.2025 10:00, Анна пишет:"). A top-posted or
 *    bottom-posted reply loses them all. A reply written between two or more quoted pieces (inline
 *    answering) keeps those pieces as Markdown quotes, because the answers mean nothing without them; only
 *    the trailing quote goes.
 * 3. The signature: from a "-- " separator on, and mobile tails ("Sent from my iPhone", "Отправлено с iPhone").
 *
 * If nothing is left (the mail was only a quote), the whole text is returned instead.
 * Every pattern runs on one line (or three joined lines) of bounded length, so the work is linear.
 */

/** Lines longer than this are content, never a quote header; it also bounds the regex work per line. */
const MAX_HEADER_LINE = 400;

/** The reply text without quoted history and signature; the full text when that would leave nothing. */
export function trimReply(text: string): string {
  const full = text.replace(/\r\n?/g, '\n');
  const lines = full.split('\n');
  let body = lines.slice(0, historyCut(lines));
  body = removeQuoteBlocks(body);
  body = removeSignature(body);
  const reply = tidy(body);
  return reply || tidy(lines);
}

// ---------------------------------------------------------------------------------------------------------
// Line classification.

const isQuoted = (line: string) => /^[ \t]*>/.test(line);
const isBlank = (line: string) => !line.trim();

/** A line as matched: bold markers (from converted HTML), surrounding space and underscores removed. */
function bare(line: string): string {
  // "< " and " >" come from an address wrapped over two lines and joined back with a space.
  const s = line.slice(0, MAX_HEADER_LINE + 1).replace(/\*+/g, '').replace(/\s+/g, ' ').replace(/< /g, '<').replace(/ >/g, '>');
  let a = 0;
  let b = s.length;
  while (a < b && (s[a] === ' ' || s[a] === '_')) a++;
  while (b > a && (s[b - 1] === ' ' || s[b - 1] === '_')) b--;
  return s.slice(a, b);
}

const SEPARATOR =
  /^-{2,} ?(?:original message|исходное сообщение|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht) ?-{2,}$/i;
const RULE = /^(?:_{8,}|-{8,})$/;
const HEADER_FROM = /^(?:from|от|von|de|da|van|od|från|fra) ?: ?\S/i;
const HEADER_FIELD =
  /^(?:sent|date|to|cc|subject|отправлено|дата|кому|копия|тема|gesendet|datum|an|betreff|envoyé|objet|à|enviado|para|asunto|inviato|oggetto|verzonden|aan|onderwerp) ?:/i;

// Verbs that end an attribution line, in the languages Artel's users are likely to receive.
const WROTE =
  /(?:^|[\s>"')])(?:wrote|writes|написал|написала|написал\(а\)|пишет|писал|schrieb|a écrit|escribió|ha scritto|schreef|skrev|napisał\(a\)|napisał|napisała) ?:$/i;
// Gmail's Russian (and German, Yandex, Mail.ru) attribution ends with the quoted person's <address> and a
// colon, after a date or time; "send it to ann@example.com:" in a sentence has neither brackets nor a date.
const ADDRESS_TOKEN = /^<[^\s<>@]+@[^\s<>@]+>$/;
const DATE_OR_TIME = /\d[:.]\d\d/;
// Where a wrapped attribution may begin: "On …", "Am …", a date, a weekday followed by a comma.
const ATTRIBUTION_LEAD = /^(?:on|am|le|el|il|op|em|den|в|\d|[^\s,]{1,15},)/i;

function looksLikeAttribution(s: string): boolean {
  if (s.length > MAX_HEADER_LINE || !s.endsWith(':')) return false;
  if (WROTE.test(s.slice(-24))) return true;
  const head = s.slice(0, -1).trimEnd();
  return ADDRESS_TOKEN.test(head.slice(head.lastIndexOf('<'))) && DATE_OR_TIME.test(head);
}

/** An attribution that is convincing on its own (a date or time, or an address), not just "Ann wrote:". */
function isStrongAttribution(s: string): boolean {
  return looksLikeAttribution(s) && (s.includes('@') || DATE_OR_TIME.test(s));
}

// ---------------------------------------------------------------------------------------------------------
// 1. Outlook-style history: everything from its first line on.

function historyCut(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    if (isQuoted(lines[i]) || isBlank(lines[i])) continue;
    const s = bare(lines[i]);
    if (SEPARATOR.test(s)) return i;
    if (HEADER_FROM.test(s) && headerFieldsAfter(lines, i) >= 2) return ruleBefore(lines, i);
    if (isStrongAttribution(s) && !quoteFollows(lines, i)) return i;
  }
  return lines.length;
}

/** How many header fields (Sent:, To:, Тема: …) follow line i before a blank line, looking six lines ahead. */
function headerFieldsAfter(lines: string[], i: number): number {
  let count = 0;
  for (let k = i + 1; k < Math.min(lines.length, i + 7) && !isBlank(lines[k]); k++) {
    if (HEADER_FIELD.test(bare(lines[k]))) count++;
  }
  return count;
}

/** Include the horizontal rule Outlook puts above its header block ("________________"). */
function ruleBefore(lines: string[], i: number): number {
  let k = i - 1;
  while (k >= 0 && isBlank(lines[k])) k--;
  return k >= 0 && RULE.test(lines[k].trim()) ? k : i;
}

function quoteFollows(lines: string[], i: number): boolean {
  let k = i + 1;
  while (k < lines.length && isBlank(lines[k])) k++;
  return k < lines.length && isQuoted(lines[k]);
}

// ---------------------------------------------------------------------------------------------------------
// 2. `>`-quoted blocks and their attributions.

interface QuoteBlock {
  /** First line removed with the block: its attribution, else its first quoted line. */
  from: number;
  /** One past the last quoted line. */
  end: number;
  trailing: boolean;
}

function quoteBlocks(lines: string[]): QuoteBlock[] {
  const blocks: QuoteBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!isQuoted(lines[i])) {
      i++;
      continue;
    }
    const start = i;
    let end = i + 1;
    for (let k = end; k < lines.length && (isQuoted(lines[k]) || isBlank(lines[k])); k++) {
      if (isQuoted(lines[k])) end = k + 1;
    }
    const attribution = attributionBefore(lines, start);
    let rest = end;
    while (rest < lines.length && isBlank(lines[rest])) rest++;
    blocks.push({ from: attribution ?? start, end, trailing: rest === lines.length });
    i = end;
  }
  return blocks;
}

/** Where the attribution of a quote starting at `start` begins (it may be wrapped over up to three lines). */
function attributionBefore(lines: string[], start: number): number | null {
  let j = start - 1;
  while (j >= 0 && isBlank(lines[j])) j--;
  if (j < 0 || isQuoted(lines[j])) return null;
  let top = j;
  while (top > 0 && j - top < 3 && !isBlank(lines[top - 1]) && !isQuoted(lines[top - 1])) top--;
  const joined = (k: number) => bare(lines.slice(k, j + 1).join(' '));
  const wholeParagraph = top === 0 || isBlank(lines[top - 1]) || isQuoted(lines[top - 1]);
  if (j - top < 3 && wholeParagraph && looksLikeAttribution(joined(top))) return top;
  for (let k = Math.max(top, j - 2); k < j; k++) {
    if (ATTRIBUTION_LEAD.test(bare(lines[k])) && looksLikeAttribution(joined(k))) return k;
  }
  return looksLikeAttribution(bare(lines[j])) ? j : null;
}

function removeQuoteBlocks(lines: string[]): string[] {
  const blocks = quoteBlocks(lines);
  if (!blocks.length) return lines;
  const interleaved = blocks.filter((b) => !b.trailing).length >= 2;
  const drop = interleaved ? blocks.filter((b) => b.trailing) : blocks;
  // Copied line by line: spreading a slice into push() overflows the stack on mails with many lines.
  const out: string[] = [];
  let pos = 0;
  for (const b of [...drop, { from: lines.length, end: lines.length }]) {
    for (let k = pos; k < b.from; k++) out.push(lines[k]);
    pos = b.end;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// 3. Signatures.

const SIGNATURE_SEPARATOR = /^-- ?$/;
const MOBILE_SIGNATURE = [
  // "Sent from my iPhone", "Sent with Spark", "Отправлено с iPhone", "Отправлено из мобильной Почты Mail.ru",
  // "Gesendet von meinem iPad", "Envoyé de mon iPhone", "Enviado desde mi Android".
  /^(?:sent|envoyé|gesendet|enviado|inviato|verzonden|отправлено|надіслано) (?:from|with|via|by|de|von|mit|desde|da|vanaf|met|с|со|из|з) .{1,60}$/i,
  /^(?:get|получить|скачать|скачайте|загрузите) outlook (?:for|для) .{1,40}$/i,
];

function removeSignature(lines: string[]): string[] {
  let end = lines.length;
  let seenContent = false;
  for (let i = 0; i < lines.length; i++) {
    if (seenContent && SIGNATURE_SEPARATOR.test(lines[i].trimEnd())) {
      end = i;
      break;
    }
    if (!isBlank(lines[i])) seenContent = true;
  }
  const out = lines.slice(0, end);
  for (;;) {
    while (out.length && isBlank(out[out.length - 1])) out.pop();
    const last = out.length ? bare(out[out.length - 1]) : '';
    if (!last || !MOBILE_SIGNATURE.some((re) => re.test(last))) return out;
    out.pop();
  }
}

/** Lines joined: trailing spaces and repeated blank lines removed, outer blank lines trimmed. */
function tidy(lines: string[]): string {
  const out: string[] = [];
  for (const raw of lines) {
    const l = raw.trimEnd();
    if (!l && (!out.length || !out[out.length - 1])) continue;
    out.push(l);
  }
  while (out.length && !out[out.length - 1]) out.pop();
  return out.join('\n');
}

/** HTML escaping and link safety: what may be written into the output, and which hrefs are allowed. */

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]);
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', AMP: '&', lt: '<', LT: '<', gt: '>', GT: '>', quot: '"', QUOT: '"', apos: "'", nbsp: '\u00a0',
  colon: ':', Tab: '\t', NewLine: '\n', sol: '/', lpar: '(', rpar: ')', period: '.', comma: ',', num: '#',
  excl: '!', quest: '?', equals: '=', plus: '+', percnt: '%', commat: '@', lsqb: '[', rsqb: ']', semi: ';',
  lowbar: '_', hyphen: '-', dash: '-', bsol: '\\', grave: '`',
};

/** Decodes numeric and common named character references (unknown names stay as written). */
function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,8})|([A-Za-z][A-Za-z0-9]{0,31}));/g, (m, dec, hex, name) => {
    if (name !== undefined) return Object.prototype.hasOwnProperty.call(NAMED_ENTITIES, name) ? NAMED_ENTITIES[name] : m;
    const cp = dec !== undefined ? parseInt(dec, 10) : parseInt(hex, 16);
    if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
    return String.fromCodePoint(cp);
  });
}

const INVISIBLE = /[\s\p{Cc}\p{Cf}]/gu;
const SAFE_SCHEME = /^(?:https?|mailto):/;
/** A page of the app itself (a record a comment links to): a path under /app/, nothing that could leave. */
const APP_PATH = /^\/app\/[A-Za-z0-9/_-]*(?:\?[A-Za-z0-9=&_-]*)?$/;

/**
 * The href for a `[text](dest)` destination, or null when it is not an allowed link. The destination is
 * entity-decoded and stripped of whitespace, control and format characters; the result must start with
 * http:, https: or mailto: (ASCII case-insensitive), or be a plain path of the app (`/app/tasks/<id>`). That same string is what the attribute carries, so the
 * browser sees exactly the value that was checked.
 */
export function safeHref(dest: string): string | null {
  const cleaned = decodeEntities(dest).replace(INVISIBLE, '');
  const lower = cleaned.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return SAFE_SCHEME.test(lower) || APP_PATH.test(cleaned) ? cleaned : null;
}

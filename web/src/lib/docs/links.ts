/**
 * Which links a page may hold. A link typed into the editor is normalised here (a bare domain becomes
 * https, a bare e-mail address mailto) and anything else than http(s) and mailto is refused, so a page
 * can never carry a `javascript:` or `data:` URL that runs when a co-editor clicks it.
 */

/** The schemes a page's links may use. */
export const LINK_PROTOCOLS = ['http:', 'https:', 'mailto:'] as const;

const EMAIL = /^[^\s@/:]+@[^\s@/:]+\.[^\s@/:]+$/;
const BARE_HOST = /^[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+(:\d+)?([/?#].*)?$/u;
/** A scheme at the start: letters, digits, +, - and . followed by a colon (RFC 3986). */
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Whether a stored href is one the editor shows as a link (the same rule for typed and received links). */
export function isSafeHref(href: string | null | undefined): boolean {
  if (!href) return false;
  try {
    const url = new URL(href);
    if (!(LINK_PROTOCOLS as readonly string[]).includes(url.protocol)) return false;
    return url.protocol === 'mailto:' ? url.pathname.length > 0 : url.hostname.length > 0;
  } catch {
    return false;
  }
}

/**
 * The href to store for what someone typed, or null when it is not an allowed link:
 * "example.com/a" -> "https://example.com/a", "ann@example.com" -> "mailto:ann@example.com".
 */
export function normalizeHref(input: string): string | null {
  const raw = input.trim();
  if (!raw || /\s/.test(raw)) return null;
  let candidate = raw;
  if (!SCHEME.test(raw) || /^[^:]+\.[^:]+:\d+/.test(raw)) {
    if (EMAIL.test(raw)) candidate = `mailto:${raw}`;
    else if (raw.startsWith('//')) candidate = `https:${raw}`;
    else if (BARE_HOST.test(raw)) candidate = `https://${raw}`;
    else return null;
  }
  if (!isSafeHref(candidate)) return null;
  // The URL parser's form: percent-encoding and a lower-case scheme, as the browser will use it.
  return new URL(candidate).href;
}

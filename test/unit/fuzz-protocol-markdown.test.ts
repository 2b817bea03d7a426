/**
 * Property-based fuzzing of two doors every user's input goes through: the realtime frame decoder and the
 * Markdown renderer. Whatever arrives, the decoder answers a typed result (never throws), and the renderer
 * returns inert HTML (no script, no event handler, no javascript: or data: URL), for any input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../shared/errors';
import { ClientMessageSchema, decodeClientMessage } from '../../shared/protocol';
import { markdownToText, renderMarkdown } from '../../shared/markdown';

const TYPES = ClientMessageSchema.options.map((o) => o.shape.type.value as string);

/** JSON-ish frames: real request types with random fields, random values, and plain garbage. */
const frames = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.json(),
  fc.record({ id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), type: fc.constantFrom(...TYPES), extra: fc.anything() }).map((o) => JSON.stringify(o)),
  fc.dictionary(fc.string(), fc.jsonValue()).map((o) => JSON.stringify({ ...o, type: TYPES[Math.abs(JSON.stringify(o).length) % TYPES.length] })),
);

describe('the frame decoder, fuzzed', () => {
  it('never throws and always answers ok or a typed error', () => {
    fc.assert(
      fc.property(frames, (text) => {
        const r = decodeClientMessage(text);
        if (r.ok) expect(TYPES).toContain(r.message.type);
        else {
          expect(ERROR_CODES).toContain(r.error.code);
          expect(typeof r.error.message).toBe('string');
          expect(r.re === null || (typeof r.re === 'string' && r.re.length <= 64)).toBe(true);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('survives hostile shapes: prototype keys, deep nesting, huge numbers', () => {
    const hostile = [
      '{"__proto__":{"polluted":1},"type":"ping","id":"1"}',
      '{"constructor":{"prototype":{"x":1}},"type":"hello","id":"1","v":1}',
      `{"type":"subscribe","id":"1","streams":${'['.repeat(5_000)}${']'.repeat(5_000)}}`,
      '{"type":"fetch","id":"1","stream":"chat:x","after":1e400}',
      '{"type":{"toString":null},"id":"1"}',
    ];
    for (const text of hostile) expect(() => decodeClientMessage(text)).not.toThrow();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

const PIECES = [
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '[x](javascript:alert(1))', '[x](JaVaScRiPt:alert(1))',
  '[x](data:text/html,<script>alert(1)</script>)', '![i](javascript:alert(1))', '<a href="javascript:alert(1)">x</a>',
  '**', '_', '`', '```', '> ', '- ', '1. ', '\n', '<@00000000-0000-0000-0000-000000000000>', '@all', '&lt;', '&#x3C;script',
  '<svg onload=alert(1)>', '"><script>', "'\"", '[a](http://x.example/?q="onmouseover=alert(1))', '\u0000', '\u202e',
];

/** Tags the renderer may produce; anything the user typed as markup must come out as text (`&lt;`). */
const ALLOWED_TAGS = new Set(['p', 'strong', 'em', 'code', 'pre', 'a', 'ul', 'ol', 'li', 'blockquote', 'br', 'span', 'del', 's']);

/** Every real tag in the output is allowed, has no event handler, and links only to safe schemes. */
function assertInert(html: string): void {
  for (const [, closing, name, attrs] of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)) {
    expect(ALLOWED_TAGS.has(name.toLowerCase()), `tag <${closing}${name}> in ${html}`).toBe(true);
    expect(attrs).not.toMatch(/\son[a-z]+\s*=/i);
    const href = /\shref="([^"]*)"/.exec(attrs)?.[1];
    if (href !== undefined) expect(href, html).toMatch(/^(https?:|mailto:|\/|#)/i);
    expect(attrs).not.toMatch(/\s(src|style|srcdoc|formaction)\s*=/i);
  }
}

describe('the Markdown renderer, fuzzed', () => {
  it('renders any mix of Markdown and hostile HTML inert, without throwing', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 12 })), { maxLength: 40 }), (parts) => {
        const src = parts.join('');
        const html = renderMarkdown(src, { mentionName: () => '<b onclick=alert(1)>Eve</b>' });
        assertInert(html);
        expect(typeof markdownToText(src)).toBe('string');
      }),
      { numRuns: 2_000 },
    );
  });

  it('any unicode string renders inert', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (src) => assertInert(renderMarkdown(src))), { numRuns: 1_000 });
  });

  it('finishes on long pathological inputs (nesting, unclosed marks)', () => {
    for (const src of ['>'.repeat(20_000), '*'.repeat(20_000), '['.repeat(10_000) + ']('.repeat(10_000), '`'.repeat(20_000), '- '.repeat(10_000)]) {
      assertInert(renderMarkdown(src));
    }
  });
});

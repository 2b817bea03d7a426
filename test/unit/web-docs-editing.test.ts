import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocVersion } from '../../shared/docs';
import { isSafeHref, normalizeHref } from '../../web/src/lib/docs/links';
import { fromBase64, versionTitle, withVersion } from '../../web/src/lib/docs/versions';

describe('page links', () => {
  it('keeps http(s) and mailto links and normalises bare addresses', () => {
    expect(normalizeHref('https://example.com/a?b=1')).toBe('https://example.com/a?b=1');
    expect(normalizeHref('  http://example.com  ')).toBe('http://example.com/');
    expect(normalizeHref('example.com/docs')).toBe('https://example.com/docs');
    expect(normalizeHref('пример.рф')).toBe('https://xn--e1afmkfd.xn--p1ai/');
    expect(normalizeHref('example.com:8080/x')).toBe('https://example.com:8080/x');
    expect(normalizeHref('//cdn.example.com/x')).toBe('https://cdn.example.com/x');
    expect(normalizeHref('ann@example.com')).toBe('mailto:ann@example.com');
    expect(normalizeHref('mailto:ann@example.com')).toBe('mailto:ann@example.com');
    expect(normalizeHref('HTTPS://Example.com')).toBe('https://example.com/');
  });

  it('refuses other schemes and things that are not addresses', () => {
    for (const bad of [
      'javascript:alert(1)', 'JavaScript:alert(1)', ' javascript:alert(1)', 'data:text/html,<b>x</b>', 'vbscript:x', 'file:///etc/passwd',
      'ftp://example.com', 'hello', 'two words.com', '', '   ', 'http://', 'mailto:', '/relative/path',
    ]) {
      expect(normalizeHref(bad), bad).toBeNull();
    }
  });

  it('checks a stored href by the same rule (links received from co-editors)', () => {
    expect(isSafeHref('https://example.com')).toBe(true);
    expect(isSafeHref('mailto:a@b.c')).toBe(true);
    expect(isSafeHref('javascript:alert(1)')).toBe(false);
    expect(isSafeHref('example.com')).toBe(false);
    expect(isSafeHref(null)).toBe(false);
    expect(isSafeHref(undefined)).toBe(false);
  });
});

describe('page history helpers', () => {
  const v = (id: string, createdAt: string, reason: DocVersion['reason'] = 'auto', name: string | null = null): DocVersion => ({
    id, pageId: 'p', name, reason, bytes: 10, createdBy: 'u', createdAt,
  });

  it('titles a named version by its name and the others by their kind', () => {
    expect(versionTitle(v('a', 't', 'named', 'Release'))).toBe('Release');
    expect(versionTitle(v('a', 't', 'named', '   '))).toBeNull();
    expect(versionTitle(v('a', 't', 'auto'))).toBeNull();
    expect(versionTitle(v('a', 't', 'before_restore'))).toBeNull();
  });

  it('adds a saved version newest first, without duplicates', () => {
    const list = [v('b', '2026-01-02T00:00:00Z'), v('a', '2026-01-01T00:00:00Z')];
    const out = withVersion(list, v('c', '2026-01-03T00:00:00Z', 'named', 'x'));
    expect(out.map((x) => x.id)).toEqual(['c', 'b', 'a']);
    expect(withVersion(out, out[1]!).map((x) => x.id)).toEqual(['c', 'b', 'a']);
  });

  it('turns the hub’s base64 state back into a Yjs update', () => {
    const doc = new Y.Doc();
    doc.getXmlFragment('default').insert(0, [new Y.XmlText('old text')]);
    const b64 = Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64');
    const copy = new Y.Doc();
    Y.applyUpdate(copy, fromBase64(b64));
    expect(copy.getXmlFragment('default').toString()).toBe('old text');
    expect(() => fromBase64('not base64!')).toThrow();
  });
});

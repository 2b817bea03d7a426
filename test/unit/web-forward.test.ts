import { describe, expect, it } from 'vitest';
import { parseMentions } from '../../shared/mentions';
import { renderMarkdown } from '../../shared/markdown';
import { matchingChats, quoteText, uploadFailure, withQuote } from '../../web/src/lib/chats/forward';
import { loadOutbox, nextQueued, saveOutbox, sendFields, withFiles, withLostFiles, type OutboxItem } from '../../web/src/lib/chats/outbox';

const ANN = '11111111-1111-4111-8111-111111111111';
const names = (id: string) => (id === ANN ? 'Ann Lee' : null);

const file = (id: string) => ({ id, name: `${id}.txt`, size: 1, mime: 'text/plain', isImage: false, url: `/f/${id}` });
const item = (clientId: string, extra: Partial<OutboxItem> = {}): OutboxItem => ({
  clientId,
  chatId: 'c1',
  body: clientId,
  createdAt: '2026-01-01T00:00:00.000Z',
  state: 'queued',
  ...extra,
});

describe('quote', () => {
  it('prefixes every line, names the author in bold and ends with an empty line', () => {
    expect(quoteText('first\n\nthird', 'Ann', names)).toBe('> **Ann:** first\n>\n> third\n\n');
  });

  it('renders as one blockquote with the author in bold', () => {
    const html = renderMarkdown(quoteText('hello\nworld', 'Ann', names) + 'my answer');
    expect(html).toMatch(/^<blockquote>.*<strong>Ann:<\/strong> hello.*world.*<\/blockquote><p>my answer<\/p>$/s);
  });

  it('does not notify anyone again: mentions become plain names, @all is broken', () => {
    const q = quoteText(`hi <@${ANN}> and @all, also <@22222222-2222-4222-8222-222222222222>`, 'Bob', names);
    expect(q).toContain('@Ann Lee');
    expect(parseMentions(q)).toEqual({ userIds: [], all: false });
  });

  it('keeps Markdown out of the author name', () => {
    expect(quoteText('x', '*Evil* [name]', names)).toBe('> **Evil name:** x\n\n');
  });

  it('goes after what is written already, the caret at its end', () => {
    expect(withQuote('', '> q\n\n')).toEqual({ text: '> q\n\n', caret: 5 });
    expect(withQuote('draft  ', '> q\n\n')).toEqual({ text: 'draft\n\n> q\n\n', caret: 12 });
  });
});

describe('forward targets', () => {
  const chats = [{ name: 'Design team' }, { name: 'Ann Lee' }, { name: 'Отдел продаж' }];

  it('matches word starts in any case, every word of the query', () => {
    expect(matchingChats(chats, '')).toEqual(chats);
    expect(matchingChats(chats, 'lee').map((c) => c.name)).toEqual(['Ann Lee']);
    expect(matchingChats(chats, 'TEAM des').map((c) => c.name)).toEqual(['Design team']);
    expect(matchingChats(chats, 'продаж').map((c) => c.name)).toEqual(['Отдел продаж']);
    expect(matchingChats(chats, 'eam')).toEqual([]);
  });
});

describe('upload failures', () => {
  it('retries by itself without network, offers a retry on 5xx, never retries a refusal', () => {
    expect(uploadFailure(0, 'unavailable')).toBe('offline');
    expect(uploadFailure(503, 'unavailable')).toBe('retryable');
    expect(uploadFailure(500, 'internal')).toBe('retryable');
    expect(uploadFailure(429, 'rate_limited')).toBe('retryable');
    expect(uploadFailure(413, 'payload_too_large')).toBe('final');
    expect(uploadFailure(400, 'payload_too_large')).toBe('final');
    expect(uploadFailure(403, 'forbidden')).toBe('final');
  });
});

describe('send queue: forwards and files', () => {
  it('sends a forward as the original only (no text, no files of its own)', () => {
    const fwd = item('f', { body: 'original text', attachments: [file('a')], forwardOf: 'm1', forwardedFrom: { chatId: 'c0', messageId: 'm1', authorId: 'u' } });
    expect(sendFields(fwd)).toEqual({ chatId: 'c1', clientId: 'f', body: '', forwardOf: 'm1' });
    expect(sendFields(item('p', { attachments: [file('a')], threadRootId: 'r' }))).toEqual({
      chatId: 'c1', clientId: 'p', body: 'p', threadRootId: 'r', fileIds: ['a'],
    });
  });

  it('adds awaited files to an item, which then stops waiting', () => {
    const items = [item('a', { attachments: [file('x')], waiting: ['y.txt'] }), item('b')];
    const next = withFiles(items, 'a', [file('y')]);
    expect(next[0].attachments!.map((f) => f.id)).toEqual(['x', 'y']);
    expect(next[0].waiting).toBeUndefined();
    expect(next[1]).toBe(items[1]);
  });

  it('marks items whose files went with a reload as failed; the others keep their turn', () => {
    const store = new Map<string, string>();
    const kv = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v), removeItem: (k: string) => void store.delete(k) };
    saveOutbox(kv, 'u', [item('a', { waiting: ['big.pdf'] }), item('b')]);
    const loaded = withLostFiles(loadOutbox(kv, 'u'));
    expect(loaded.map((i) => [i.clientId, i.state])).toEqual([['a', 'failed'], ['b', 'queued']]);
    expect(loaded[0].waiting).toEqual(['big.pdf']);
    expect(nextQueued(loaded)?.clientId).toBe('b');
  });
});

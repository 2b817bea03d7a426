import { describe, expect, it } from 'vitest';
import { isRetryable, loadOutbox, nextQueued, outboxKey, saveOutbox, withState, withoutItem, type OutboxItem } from '../../web/src/lib/chats/outbox';

function memoryStore() {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

const item = (clientId: string, state: OutboxItem['state'] = 'queued'): OutboxItem => ({
  clientId,
  chatId: 'c1',
  body: clientId,
  createdAt: '2026-01-01T00:00:00.000Z',
  state,
});

describe('send queue', () => {
  it('persists per user, in order, and forgets itself when empty', () => {
    const store = memoryStore();
    saveOutbox(store, 'u1', [item('a'), item('b')]);
    expect(loadOutbox(store, 'u1').map((i) => i.clientId)).toEqual(['a', 'b']);
    expect(loadOutbox(store, 'u2')).toEqual([]);
    saveOutbox(store, 'u1', []);
    expect(store.data.has(outboxKey('u1'))).toBe(false);
  });

  it('reads damaged storage as empty and drops malformed entries', () => {
    const store = memoryStore();
    store.setItem(outboxKey('u1'), '{not json');
    expect(loadOutbox(store, 'u1')).toEqual([]);
    store.setItem(outboxKey('u1'), JSON.stringify([item('a'), { clientId: 1 }, null]));
    expect(loadOutbox(store, 'u1').map((i) => i.clientId)).toEqual(['a']);
  });

  it('sends the first queued item; a failed one waits for retry without blocking the rest', () => {
    let items = [item('a'), item('b')];
    expect(nextQueued(items)?.clientId).toBe('a');
    items = withState(items, 'a', 'failed', 'forbidden');
    expect(items[0]).toMatchObject({ state: 'failed', error: 'forbidden' });
    expect(nextQueued(items)?.clientId).toBe('b');
    items = withoutItem(items, 'b');
    expect(nextQueued(items)).toBeUndefined();
    items = withState(items, 'a', 'queued');
    expect(items[0]).toMatchObject({ state: 'queued', error: undefined, clientId: 'a' });
  });

  it('retries connection trouble and rate limits, not refusals', () => {
    for (const code of ['unavailable', 'rate_limited', 'internal', undefined]) expect(isRetryable(code)).toBe(true);
    for (const code of ['forbidden', 'not_found', 'bad_frame', 'conflict', 'bad_request']) expect(isRetryable(code)).toBe(false);
  });
});

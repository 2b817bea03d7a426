import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient, realtimeUrl, type ConnectionStatus, type WebSocketLike } from '../../web/src/lib/realtime/socket';
import { PROTOCOL_VERSION } from '../../shared/protocol';
import type { StreamEvent } from '../../shared/types';

/** A scripted WebSocket: records what the client sends; the test plays the hub. */
class FakeSocket implements WebSocketLike {
  readyState = 0;
  sent: Record<string, any>[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closedWith: number | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.closedWith = code;
    this.readyState = 3;
  }
  // hub side
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  push(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  reply(type: string, payload: Record<string, unknown> = {}) {
    const req = [...this.sent].reverse().find((m) => m.type === type);
    if (!req) throw new Error(`no ${type} request`);
    this.push({ re: req.id, ok: true, ...payload });
    return req;
  }
  drop(code: number) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  last(type: string): Record<string, any> {
    const m = [...this.sent].reverse().find((x) => x.type === type);
    if (!m) throw new Error(`no ${type} sent`);
    return m;
  }
}

const ev = (seq: number, stream = 'directory'): StreamEvent & { type: 'event' } => ({
  type: 'event',
  stream,
  seq,
  event: { type: 'user_updated', payload: { seq }, actorId: null, at: '2025-01-01T00:00:00Z' },
});

async function flush() {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('RealtimeClient', () => {
  let sockets: FakeSocket[];
  let client: RealtimeClient;
  let authLost: number[];
  let statuses: ConnectionStatus[];

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    authLost = [];
    statuses = [];
    client = new RealtimeClient({
      url: 'ws://hub/ws',
      createSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      onAuthLost: (code) => authLost.push(code),
      random: () => 0.5,
      pingIntervalMs: 1_000_000,
    });
    client.onStatus((s) => statuses.push(s));
  });

  afterEach(() => {
    client.stop();
    vi.useRealTimers();
  });

  async function connect(socket?: FakeSocket) {
    const s = socket ?? sockets[sockets.length - 1];
    s.open();
    expect(s.sent[0]).toMatchObject({ type: 'hello', v: PROTOCOL_VERSION });
    s.reply('hello', { v: PROTOCOL_VERSION, user: {}, serverTime: '', node: 'n1' });
    await flush();
    return s;
  }

  it('builds the ws URL from the page origin', () => {
    expect(realtimeUrl({ protocol: 'https:', host: 'chat.example.com' })).toBe('wss://chat.example.com/ws');
    expect(realtimeUrl({ protocol: 'http:', host: '127.0.0.1:3000' })).toBe('ws://127.0.0.1:3000/ws');
  });

  it('says hello first, subscribes, anchors at head, asks for a snapshot, then applies live events once', async () => {
    const got: number[] = [];
    let reloads = 0;
    client.subscribe('directory', (e) => got.push(e.seq), () => reloads++);
    client.start();
    const s = await connect();
    expect(statuses).toContain('online');
    const sub = s.last('subscribe');
    expect(sub.streams).toEqual([{ stream: 'directory' }]);
    s.reply('subscribe', { streams: [{ stream: 'directory', head: 4, reload: false }] });
    await flush();
    expect(reloads).toBe(1);
    s.push(ev(5));
    s.push(ev(5));
    s.push(ev(4));
    s.push(ev(6));
    expect(got).toEqual([5, 6]);
  });

  it('fills a gap with fetch and applies buffered events in order', async () => {
    const got: number[] = [];
    client.subscribe('directory', (e) => got.push(e.seq), undefined, { after: 2 });
    client.start();
    const s = await connect();
    expect(s.last('subscribe').streams).toEqual([{ stream: 'directory', after: 2 }]);
    s.reply('subscribe', { streams: [{ stream: 'directory', head: 2, reload: false }] });
    await flush();
    s.push(ev(5));
    await flush();
    const fetch = s.last('fetch');
    expect(fetch).toMatchObject({ stream: 'directory', after: 2 });
    expect(got).toEqual([]);
    s.push({ re: fetch.id, ok: true, events: [ev(3), ev(4), ev(5)].map(({ type, ...e }) => e), head: 5, more: false });
    await flush();
    expect(got).toEqual([3, 4, 5]);
  });

  it('reconnects with backoff and resumes every stream after its last applied seq', async () => {
    const got: number[] = [];
    client.subscribe('directory', (e) => got.push(e.seq), undefined, { after: 0 });
    client.subscribe('chat:abc', () => {}, undefined, { after: 10 });
    client.start();
    let s = await connect();
    s.reply('subscribe', { streams: [{ stream: 'directory', head: 0, reload: false }, { stream: 'chat:abc', head: 10, reload: false }] });
    await flush();
    s.push(ev(1));
    s.push(ev(2));
    s.drop(1006);
    expect(statuses[statuses.length - 1]).toBe('connecting');
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sockets).toHaveLength(2);
    s = await connect(sockets[1]);
    expect(s.last('subscribe').streams).toEqual([
      { stream: 'directory', after: 2 },
      { stream: 'chat:abc', after: 10 },
    ]);
    // Catch-up events come before the reply; a duplicate from the old connection is dropped.
    s.push(ev(2));
    s.push(ev(3));
    s.reply('subscribe', { streams: [{ stream: 'directory', head: 3, reload: false }, { stream: 'chat:abc', head: 10, reload: false }] });
    await flush();
    expect(got).toEqual([1, 2, 3]);
  });

  it('when the hub refuses a batch for one stream that is no longer ours, subscribes the others one by one', async () => {
    const got: number[] = [];
    client.subscribe('directory', (e) => got.push(e.seq), undefined, { after: 0 });
    client.subscribe('task:gone', () => {}, undefined, { after: 5 });
    client.start();
    const s = await connect();
    const batch = s.last('subscribe');
    expect(batch.streams).toHaveLength(2);
    s.push({ re: batch.id, ok: false, error: { code: 'forbidden', message: 'You may not follow task:gone' } });
    await flush();
    const singles = s.sent.filter((m) => m.type === 'subscribe' && m.id !== batch.id);
    expect(singles.map((m) => m.streams.map((x: { stream: string }) => x.stream))).toEqual([['directory'], ['task:gone']]);
    s.push({ re: singles[0].id, ok: true, streams: [{ stream: 'directory', head: 0, reload: false }] });
    s.push({ re: singles[1].id, ok: false, error: { code: 'forbidden', message: 'no' } });
    await flush();
    s.push(ev(1));
    expect(got).toEqual([1]);
    // A lone refusal is not split again.
    expect(s.sent.filter((m) => m.type === 'subscribe')).toHaveLength(3);
  });

  it('calls the reload callback when the hub says reload', async () => {
    let reloads = 0;
    const got: number[] = [];
    client.subscribe('directory', (e) => got.push(e.seq), () => reloads++, { after: 3 });
    client.start();
    const s = await connect();
    s.reply('subscribe', { streams: [{ stream: 'directory', head: 900, reload: true }] });
    await flush();
    expect(reloads).toBe(1);
    expect(client.lastSeq('directory')).toBe(900);
    s.push(ev(901));
    expect(got).toEqual([901]);
  });

  it('stops for good on 4401 / 4403 and reports the lost session', async () => {
    client.subscribe('directory', () => {});
    client.start();
    const s = await connect();
    s.drop(4403);
    expect(authLost).toEqual([4403]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
    expect(client.status).toBe('offline');
  });

  it('correlates requests with replies by re and rejects error replies', async () => {
    client.start();
    const s = await connect();
    const p1 = client.request({ type: 'presence_query', userIds: [] });
    const p2 = client.request({ type: 'ping' });
    const [q1, q2] = s.sent.slice(-2);
    s.push({ re: q2.id, ok: true, serverTime: 'now' });
    s.push({ re: q1.id, ok: false, error: { code: 'forbidden', message: 'no' } });
    await expect(p2).resolves.toMatchObject({ serverTime: 'now' });
    await expect(p1).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('holds requests made while connecting and sends them after hello', async () => {
    client.start();
    const p = client.request({ type: 'ping' });
    const s = sockets[0];
    s.open();
    expect(s.sent.map((m) => m.type)).toEqual(['hello']);
    s.reply('hello', { v: PROTOCOL_VERSION, user: {}, serverTime: '', node: 'n1' });
    await flush();
    expect(s.sent.map((m) => m.type)).toEqual(['hello', 'ping']);
    s.reply('ping', { serverTime: 't' });
    await expect(p).resolves.toMatchObject({ serverTime: 't' });
  });

  it('forwards presence pushes', async () => {
    const seen: string[] = [];
    client.onPresence((id, st) => seen.push(`${id}:${st}`));
    client.start();
    const s = await connect();
    s.push({ type: 'presence', statuses: { u1: 'online', u2: 'away' } });
    expect(seen).toEqual(['u1:online', 'u2:away']);
  });
});

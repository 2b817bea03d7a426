/**
 * A load-bench thread: holds a share of the simulated people. Each signs in with their session cookie,
 * opens a socket (hello), lists their chats over HTTP and follows them (subscribe, as the web client
 * does), then loops over Mattermost-like actions with exponential think times: switch chat (newest page,
 * then mark_read), scroll up, open a thread, type, send, react, search, presence, list chats. Every
 * request is timed and its outcome counted by action. The baseline runs the same read and search domain
 * functions (the same SQL) straight on a PostgreSQL pool, with the same people and think times.
 */
import { parentPort } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { closeSocket, PendingRequests, type Reply } from '../lib/requests';
import { HTTP_STATUS, type ErrorCode } from '../../shared/errors';
import { openPool } from '../../server/db/pool';
import type { Services } from '../../server/services';
import { chatHistory } from '../../server/domains/chats/actions';
import { searchMessages } from '../../server/domains/search/actions';
import { MIX, type Action, type ActionStats, type Failure, type LoadCommand, type LoadEvent, type LoadUser } from './common';
import { EMOJI, SEARCH_QUERIES, prng, sentence, skewed } from './text';
import { pooled } from '../lib/pooled';
import { Samples } from '../lib/samples';

if (!parentPort) throw new Error('bench/load/worker.ts runs as a worker thread');
const port = parentPort;
const say = (m: LoadEvent) => port.postMessage(m);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rnd = prng(Math.floor(Math.random() * 2 ** 31));

interface Counter {
  count: number;
  server: number;
  typed: number;
  timeout: number;
  latencies: Samples;
  errors: string[];
}

/** What is being measured now: null between windows (requests still run, uncounted). */
let window: Map<Action, Counter> | null = null;
let lateMs = 0;

function record(action: Action, startedUs: number, failure: Failure | null, why?: string): void {
  if (!window) return;
  let c = window.get(action);
  if (!c) window.set(action, (c = { count: 0, server: 0, typed: 0, timeout: 0, latencies: new Samples(), errors: [] }));
  c.count++;
  if (failure) {
    c[failure]++;
    if (why && c.errors.length < 3 && !c.errors.includes(why)) c.errors.push(why);
  }
  if (failure !== 'timeout') c.latencies.push(performance.now() * 1000 - startedUs);
}

function collect(w: Map<Action, Counter> | null): Partial<Record<Action, ActionStats>> {
  const out: Partial<Record<Action, ActionStats>> = {};
  for (const [a, c] of w ?? []) out[a] = { count: c.count, server: c.server, typed: c.typed, timeout: c.timeout, latencies: c.latencies.take(), errors: c.errors };
  return out;
}

/** An error code's failure class: 5xx-like codes are the server's, the rest typed refusals. */
const classify = (code: string | undefined): Failure => ((HTTP_STATUS[code as ErrorCode] ?? 500) >= 500 ? 'server' : 'typed');

interface Chat {
  id: string;
  head: number;
  memberIds: string[];
}

interface PageMessage {
  id: string;
  seq: number;
  replyCount: number;
}


/** One simulated person: a socket, a cookie, their chats and what they are looking at. */
class Person {
  ws: WebSocket | null = null;
  closed = false;
  running = false;
  chats: Chat[] = [];
  current: Chat | null = null;
  page: PageMessage[] = [];
  oldest = 0;
  idle = false;
  private readonly requests = new PendingRequests();

  constructor(
    readonly user: LoadUser,
    private readonly url: string,
    private readonly origin: string,
    private readonly timeoutMs: number,
  ) {}

  get cookie(): string {
    return `artel_session=${this.user.token}`;
  }

  async connect(): Promise<void> {
    const ws = new WebSocket(this.url.replace(/^http/, 'ws') + '/ws', {
      headers: { cookie: this.cookie }, origin: this.origin, perMessageDeflate: false, handshakeTimeout: this.timeoutMs,
    });
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      // Pushes (events of followed chats, presence, typing, read) are not measured: only replies are parsed.
      if (!text.startsWith('{"re"')) return;
      this.requests.settle(JSON.parse(text));
    });
    ws.on('close', () => {
      this.closed = true;
      this.requests.failAll({ ok: false, error: { code: 'closed', message: 'socket closed' } });
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
      ws.once('error', reject);
    });
    ws.on('error', () => {});
    const hello = await this.request({ type: 'hello', v: 1 });
    if (!hello?.ok) throw new Error(`hello refused: ${JSON.stringify(hello?.error ?? "timeout")}`);
  }

  /** A realtime request; null reply on timeout. */
  request(msg: Record<string, unknown>): Promise<Reply | null> {
    if (this.closed || !this.ws) return Promise.resolve({ ok: false, error: { code: 'closed', message: 'socket closed' } });
    return this.requests.send(this.ws, msg, this.timeoutMs, () => null);
  }

  /** A measured realtime request. */
  async call(action: Action, msg: Record<string, unknown>): Promise<Reply | null> {
    const t0 = performance.now() * 1000;
    const r = await this.request(msg);
    if (!r) record(action, t0, 'timeout');
    else if (!r.ok) record(action, t0, r.error?.code === 'closed' ? 'server' : classify(r.error?.code), `${r.error?.code}: ${r.error?.message}`);
    else record(action, t0, null);
    return r?.ok ? r : null;
  }

  /** A measured HTTP GET; the parsed body, or null when it failed. */
  async get<T>(action: Action | null, path: string): Promise<T | null> {
    const t0 = performance.now() * 1000;
    try {
      const res = await fetch(this.url + path, { headers: { cookie: this.cookie }, signal: AbortSignal.timeout(this.timeoutMs) });
      const body = await res.text();
      if (!res.ok) {
        if (action) record(action, t0, res.status >= 500 ? 'server' : 'typed', `${res.status}: ${body.slice(0, 120)}`);
        return null;
      }
      if (action) record(action, t0, null);
      return JSON.parse(body) as T;
    } catch (err) {
      const timeout = (err as Error).name === 'TimeoutError';
      if (action) record(action, t0, timeout ? 'timeout' : 'server', timeout ? undefined : String(err).slice(0, 120));
      return null;
    }
  }

  /** Sign-in work of the web client: the chat list, then follow their own stream and every chat. */
  async join(): Promise<void> {
    await this.connect();
    const list = await this.get<{ chats: { id: string; head: number; memberIds: string[] }[] }>(null, '/api/chats');
    if (!list) throw new Error('GET /api/chats failed');
    this.chats = list.chats.map((c) => ({ id: c.id, head: c.head, memberIds: c.memberIds }));
    const streams = [{ stream: `user:${this.user.id}` }, ...this.chats.map((c) => ({ stream: `chat:${c.id}`, after: c.head }))];
    for (let i = 0; i < streams.length; i += 100) {
      const r = await this.request({ type: 'subscribe', streams: streams.slice(i, i + 100) });
      if (!r?.ok) throw new Error(`subscribe refused: ${JSON.stringify(r?.error ?? 'timeout')}`);
    }
  }

  private pickChat(): Chat | null {
    // The chat list is most recent first: people mostly switch between their busiest chats.
    return this.chats.length ? skewed(this.chats, rnd, 2) : null;
  }

  private async switchChat(): Promise<void> {
    const chat = this.pickChat();
    if (!chat) return void (await this.get('chats', '/api/chats'));
    const page = await this.get<{ messages: PageMessage[]; head: number }>('history', `/api/chats/${chat.id}/messages?limit=50`);
    if (!page) return;
    this.current = chat;
    chat.head = page.head;
    this.page = page.messages.map((m) => ({ id: m.id, seq: m.seq, replyCount: m.replyCount }));
    this.oldest = this.page[0]?.seq ?? 0;
    await this.call('mark_read', { type: 'mark_read', chatId: chat.id, seq: page.head });
  }

  /** One step of the mix. */
  async act(step: (typeof MIX)[number]['step']): Promise<void> {
    const chat = this.current;
    const needsChat = step !== 'search' && step !== 'presence_set' && step !== 'chats';
    if (step === 'switch' || (needsChat && (!chat || !this.page.length))) return this.switchChat();
    switch (step) {
      case 'older_page': {
        if (this.oldest <= 2) return this.switchChat();
        const page = await this.get<{ messages: PageMessage[] }>('older_page', `/api/chats/${chat!.id}/messages?before=${this.oldest}&limit=50`);
        if (page?.messages.length) this.oldest = page.messages[0].seq;
        return;
      }
      case 'thread': {
        const roots = this.page.filter((m) => m.replyCount > 0);
        const root = roots.length ? roots[Math.floor(rnd() * roots.length)] : this.page[Math.floor(rnd() * this.page.length)];
        await this.get('thread', `/api/chats/${chat!.id}/messages?thread=${root.id}&limit=50`);
        return;
      }
      case 'send': {
        if (rnd() < 0.5) await this.call('typing', { type: 'typing', chatId: chat!.id });
        const r = await this.call('send', { type: 'message_send', chatId: chat!.id, clientId: randomUUID(), body: sentence(rnd() < 0.65 ? 'ru' : 'en', rnd) });
        const m = r?.message as PageMessage | undefined;
        if (m) this.page.push({ id: m.id, seq: m.seq, replyCount: 0 });
        return;
      }
      case 'typing':
        await this.call('typing', { type: 'typing', chatId: chat!.id });
        return;
      case 'react': {
        const m = this.page[Math.floor(rnd() * this.page.length)];
        await this.call('react', { type: 'reaction_toggle', messageId: m.id, emoji: EMOJI[Math.floor(rnd() * EMOJI.length)] });
        return;
      }
      case 'search':
        await this.get('search', `/api/search?q=${encodeURIComponent(SEARCH_QUERIES[Math.floor(rnd() * SEARCH_QUERIES.length)])}`);
        return;
      case 'presence_query':
        await this.call('presence_query', { type: 'presence_query', userIds: chat!.memberIds.slice(0, 1000) });
        return;
      case 'presence_set':
        this.idle = !this.idle;
        await this.call('presence_set', { type: 'presence_set', idle: this.idle });
        return;
      case 'chats':
        await this.get('chats', '/api/chats');
        return;
    }
  }

  async close(): Promise<void> {
    this.running = false;
    await closeSocket(this.ws, () => (this.closed = true));
  }
}

const TOTAL_WEIGHT = MIX.reduce((a, m) => a + m.weight, 0);
function pickStep(): (typeof MIX)[number]['step'] {
  let r = rnd() * TOTAL_WEIGHT;
  for (const m of MIX) if ((r -= m.weight) < 0) return m.step;
  return MIX[0].step;
}

/** An exponential pause with mean `mean` ms (capped at 5× so a run's length stays bounded). */
const think = (mean: number) => Math.min(5 * mean, -Math.log(1 - rnd()) * mean);

/** Sleep, and keep the worst lateness of the thread's timers (the load generator falling behind). */
async function pause(ms: number): Promise<void> {
  const due = performance.now() + ms;
  await sleep(ms);
  if (window) lateMs = Math.max(lateMs, performance.now() - due);
}

let people: Person[] = [];
let thinkMs = 4000;
let paused = false;
/** Actions under way (a pause waits for them, so the baseline starts on an idle hub). */
let inFlight = 0;

async function loop(p: Person): Promise<void> {
  p.running = true;
  // Start at a random point of the first pause so the people of a step do not act in lockstep.
  await pause(rnd() * thinkMs);
  while (p.running && !paused && !p.closed) {
    inFlight++;
    await p.act(pickStep()).catch(() => {});
    inFlight--;
    await pause(think(thinkMs));
  }
  p.running = false;
}

async function join(cmd: Extract<LoadCommand, { cmd: 'join' }>): Promise<LoadEvent> {
  const t0 = Date.now();
  thinkMs = cmd.thinkMs;
  paused = false;
  const fresh = cmd.users.map((u) => new Person(u, cmd.url, cmd.origin, cmd.requestTimeoutMs));
  let ok = 0;
  let failed = 0;
  const errors: string[] = [];
  const deadline = t0 + cmd.timeoutSeconds * 1000;
  await pooled(fresh, cmd.concurrency, async (p) => {
    if (Date.now() > deadline) return void failed++;
    try {
      await p.join();
      ok++;
      people.push(p);
      void loop(p);
    } catch (err) {
      failed++;
      if (errors.length < 5) errors.push(String(err).slice(0, 200));
      await p.close();
    }
  });
  return { ev: 'joined', ok, failed, errors, ms: Date.now() - t0, active: people.length };
}

async function measure(seconds: number): Promise<LoadEvent> {
  window = new Map();
  lateMs = 0;
  await sleep(seconds * 1000);
  const w = window;
  window = null;
  return { ev: 'window', stats: collect(w), socketsClosed: people.filter((p) => p.closed).length, behindMs: lateMs };
}

/** The same read and search SQL as the hub runs (the domain functions themselves) on a plain pool, same people, same pauses. */
async function baseline(cmd: Extract<LoadCommand, { cmd: 'baseline' }>): Promise<LoadEvent> {
  const db = openPool(cmd.dbUrl, cmd.poolSize);
  // The domain functions read through svc.db only.
  const svc = { db } as unknown as Services;
  const lanes = people.filter((p) => p.chats.length).slice(0, cmd.users);
  const until = Date.now() + cmd.seconds * 1000;
  window = new Map();
  const timed = async (action: Action, fn: () => Promise<unknown>) => {
    const t0 = performance.now() * 1000;
    try {
      await fn();
      record(action, t0, null);
    } catch (err) {
      record(action, t0, 'server', String(err).slice(0, 120));
    }
  };
  try {
    await Promise.all(
      lanes.map(async (p) => {
        const actor = { id: p.user.id, role: 'employee' as const, active: true };
        await sleep(rnd() * Math.min(cmd.thinkMs, cmd.seconds * 1000));
        while (Date.now() < until) {
          const step = pickStep();
          const chat = p.chats.length ? skewed(p.chats, rnd, 2) : null;
          if (chat && step === 'switch') await timed('history', () => chatHistory(svc, actor, chat.id, { limit: 50 }));
          else if (chat && step === 'older_page') await timed('older_page', () => chatHistory(svc, actor, chat.id, { before: Math.max(2, chat.head - 50), limit: 50 }));
          else if (step === 'search') await timed('search', () => searchMessages(svc, actor, SEARCH_QUERIES[Math.floor(rnd() * SEARCH_QUERIES.length)], null));
          else if (chat && step === 'thread' && p.page.length) {
            const root = p.page.find((m) => m.replyCount > 0) ?? p.page[0];
            // The thread of a message in another chat is refused: only the current chat's page has the roots.
            if (p.current) await timed('thread', () => chatHistory(svc, actor, p.current!.id, { thread: root.id, limit: 50 }));
          }
          await sleep(Math.min(think(cmd.thinkMs), Math.max(0, until - Date.now())));
        }
      }),
    );
  } finally {
    await db.dispose();
  }
  const w = window;
  window = null;
  return { ev: 'baseline', stats: collect(w) };
}

async function stopAll(timeoutMs: number): Promise<LoadEvent> {
  paused = true;
  for (const p of people) p.running = false;
  const deadline = Date.now() + timeoutMs;
  while (inFlight > 0 && Date.now() < deadline) await sleep(50);
  return { ev: 'paused' };
}

async function closeAll(): Promise<LoadEvent> {
  paused = true;
  await pooled(people, 200, (p) => p.close());
  people = [];
  return { ev: 'closed' };
}

port.on('message', (cmd: LoadCommand) => {
  const work = async (): Promise<LoadEvent> => {
    switch (cmd.cmd) {
      case 'join':
        return join(cmd);
      case 'window':
        return measure(cmd.seconds);
      case 'pause':
        return stopAll(cmd.timeoutMs);
      case 'baseline':
        return baseline(cmd);
      case 'close':
        return closeAll();
    }
  };
  work().then(say, (err) => say({ ev: 'error', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
});

/**
 * A client thread of the capacity bench: holds its share of the sockets (whole chats, so a chat's sender
 * and readers live in one thread and its history can be checked here), like a browser tab each: hello,
 * then its chat, its user stream and the directory. Resilient clients behave as the web client does when
 * the socket drops: reconnect with the same backoff, resubscribe after the last seq they hold, fill gaps
 * with `fetch`, and resend unacknowledged messages with the same client ids.
 */
import { randomUUID } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import WebSocket from 'ws';
import { PendingRequests, type Reply } from '../lib/requests';
import { backoffDelay } from '../../web/src/lib/realtime/cursor';
import { RESUME_CAP } from '../../shared/protocol';
import { nowUs } from '../lib/common';
import type { CapClientSpec, CapCommand, CapEvent, ResumedEvent, VerifiedEvent } from './common';

if (!parentPort) throw new Error('bench/capacity/worker.ts runs as a worker thread');
const port = parentPort;
const say = (m: CapEvent, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const failure = (code: string, message: string): Reply => ({ ok: false, error: { code, message } });
/** Errors a send survives by trying again (the web client's queue does the same). */
const RETRYABLE = new Set(['closed', 'timeout', 'internal', 'unavailable']);
const PRESENCE_PREFIX = '{"type":"presence"';

/** A chat of this thread: its members and the messages the hub acknowledged (client id → seq). */
interface LocalChat {
  id: string;
  members: Client[];
  acked: Map<string, number>;
  nextSender: number;
}

const stats = { attempts: 0, attemptsAtOpen: 0, caughtUp: 0, reloads: 0, sent: 0, refused: 0, errors: [] as string[] };

class Client {
  private ws: WebSocket | null = null;
  private readonly requests = new PendingRequests();
  /** The chat stream's history: seq → client id of the message ('' for other events, e.g. the chat's creation). */
  readonly history = new Map<number, string>();
  redelivered = 0;
  /** Highest seq seen on the user and directory streams (resumed after it; not checked). */
  private readonly others = new Map<string, number>();
  private subscribedOnce = false;
  private attempt = 0;
  /** Connected, said hello, resubscribed and without a gap in its chat: sends may flow. */
  ready = false;
  resumedAt = 0;
  stopped = false;
  private readonly queue: { clientId: string; body: string }[] = [];
  private sending = false;
  chat!: LocalChat;

  constructor(
    readonly spec: CapClientSpec,
    private readonly url: string,
    private readonly origin: string,
    private readonly resilient: boolean,
  ) {}

  get chatStream(): string {
    return `chat:${this.spec.chatId}`;
  }

  /** The highest seq up to which the chat's history has no hole. */
  contiguous(): number {
    let s = 0;
    while (this.history.has(s + 1)) s++;
    return s;
  }

  get idle(): boolean {
    return this.queue.length === 0 && !this.sending;
  }

  /** Open, hello, subscribe (after what it holds) and fill the chat's gap; throws when any step fails. */
  async connect(timeoutMs: number): Promise<void> {
    stats.attempts++;
    const headers: Record<string, string> = {};
    if (this.spec.token) headers.cookie = `artel_session=${this.spec.token}`;
    const ws = new WebSocket(this.url.replace(/^http/, 'ws') + '/ws', { headers, origin: this.origin, perMessageDeflate: false, handshakeTimeout: timeoutMs });
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) this.frame(data);
    });
    ws.on('close', () => this.onClose(ws));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
      ws.once('error', reject);
    });
    ws.on('error', () => {});
    const hello = await this.request({ type: 'hello', v: 1 }, timeoutMs);
    if (!hello.ok) throw new Error(`hello refused: ${JSON.stringify(hello.error)}`);
    // Artel names the user in its answer; the raw uWS baseline has no users, so any name does there.
    const userStream = `user:${hello.user?.id ?? `u${this.spec.idx}`}`;
    const after = (s: string, v: number | undefined) => (this.subscribedOnce && v !== undefined ? { stream: s, after: v } : { stream: s });
    const streams = [after(this.chatStream, this.contiguous()), after(userStream, this.others.get(userStream) ?? 0), after('directory', this.others.get('directory') ?? 0)];
    const sub = await this.request({ type: 'subscribe', streams }, timeoutMs);
    if (!sub.ok) throw new Error(`subscribe refused: ${JSON.stringify(sub.error)}`);
    this.subscribedOnce = true;
    const chat = (sub.streams as { stream: string; head: number; reload: boolean }[]).find((s) => s.stream === this.chatStream);
    if (chat?.reload) stats.reloads++;
    await this.fillGap(chat?.head ?? 0, timeoutMs);
    this.attempt = 0;
    this.ready = true;
    this.resumedAt = nowUs();
    void this.pump();
  }

  /** Fetch the chat's events after the last contiguous seq until `head` is reached (the web client's fillGap). */
  async fillGap(head: number, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.contiguous() < head) {
      if (Date.now() > until) throw new Error(`chat stuck at ${this.contiguous()} of ${head}`);
      const r = await this.request({ type: 'fetch', stream: this.chatStream, after: this.contiguous(), limit: RESUME_CAP }, timeoutMs);
      if (!r.ok) throw new Error(`fetch refused: ${JSON.stringify(r.error)}`);
      for (const e of r.events as { seq: number; event: any }[]) this.record(e.seq, e.event, true);
      head = Math.max(head, r.head as number);
      if (!r.more && this.contiguous() < head) await sleep(100);
    }
  }

  private record(seq: number, event: any, catchUp: boolean): void {
    if (this.history.has(seq)) {
      this.redelivered++;
      return;
    }
    this.history.set(seq, event?.type === 'message_created' ? String(event.payload.message.clientId) : '');
    if (catchUp || !this.ready) stats.caughtUp++;
  }

  private frame(data: Buffer): void {
    // Presence pushes (every employee socket gets one per colleague coming online) are not looked at.
    if (data.length >= PRESENCE_PREFIX.length && data.toString('latin1', 0, PRESENCE_PREFIX.length) === PRESENCE_PREFIX) return;
    const f = JSON.parse(data.toString('utf8'));
    if (this.requests.settle(f)) return;
    if (f.type !== 'event' || typeof f.seq !== 'number') return;
    if (f.stream === this.chatStream) this.record(f.seq, f.event, false);
    else this.others.set(f.stream, Math.max(f.seq, this.others.get(f.stream) ?? 0));
  }

  private request(msg: Record<string, unknown>, timeoutMs: number): Promise<Reply> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.resolve(failure('closed', 'socket closed'));
    return this.requests.send(ws, msg, timeoutMs, () => failure('timeout', `no reply to ${msg.type} in ${timeoutMs} ms`));
  }

  private onClose(ws: WebSocket): void {
    if (this.ws !== ws) return;
    this.ready = false;
    this.requests.failAll(failure('closed', 'socket closed'));
    if (this.resilient && !this.stopped) this.reconnectLater();
  }

  /** The web client's reconnect: exponential backoff with jitter (web/src/lib/realtime/cursor.ts). */
  private reconnectLater(): void {
    const delay = backoffDelay(this.attempt++);
    setTimeout(() => {
      if (this.stopped) return;
      this.connect(15_000).catch(() => {
        // A half-made connection: drop it; its close event schedules the next attempt (a refused one has closed already).
        if (this.ws && this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
      });
    }, delay).unref();
  }

  enqueue(body: string): void {
    this.queue.push({ clientId: randomUUID(), body });
    void this.pump();
  }

  /** Send the queue in order, one in flight; a retryable failure keeps the item for the next connection. */
  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length && this.ready) {
        const item = this.queue[0];
        const r = await this.request({ type: 'message_send', chatId: this.spec.chatId, clientId: item.clientId, body: item.body }, 10_000);
        if (r.ok) {
          this.chat.acked.set(item.clientId, r.message.seq as number);
          this.queue.shift();
        } else if (r.error?.code === 'rate_limited') {
          await sleep(Math.min(10, r.error.retryAfter ?? 1) * 1000);
        } else if (RETRYABLE.has(r.error?.code ?? '')) {
          // The connection is going or gone: the reconnect's pump sends the same item again.
          if (this.ready) await sleep(200);
        } else {
          stats.refused++;
          if (stats.errors.length < 5) stats.errors.push(`${r.error?.code}: ${r.error?.message}`);
          this.queue.shift();
        }
      }
    } finally {
      this.sending = false;
    }
  }

  close(): void {
    this.stopped = true;
    this.ready = false;
    this.ws?.terminate();
  }
}

let clients: Client[] = [];
let chats: LocalChat[] = [];
let sender: NodeJS.Timeout | null = null;

async function open(cmd: Extract<CapCommand, { cmd: 'open' }>): Promise<CapEvent> {
  const t0 = Date.now();
  // Added to what this thread holds already (the idle measurement opens a first batch, then the rest).
  const byChat = new Map<string, LocalChat>(chats.map((c) => [c.id, c]));
  const added = cmd.clients.map((spec) => {
    const c = new Client(spec, cmd.url, cmd.origin, cmd.resilient);
    let chat = byChat.get(spec.chatId);
    if (!chat) byChat.set(spec.chatId, (chat = { id: spec.chatId, members: [], acked: new Map(), nextSender: 0 }));
    chat.members.push(c);
    c.chat = chat;
    return c;
  });
  clients.push(...added);
  chats = [...byChat.values()];
  let ok = 0;
  let failed = 0;
  const errors: string[] = [];
  const deadline = Date.now() + cmd.timeoutSeconds * 1000;
  let next = 0;
  const lane = async () => {
    while (next < added.length) {
      const c = added[next++];
      try {
        if (Date.now() > deadline) throw new Error('out of time');
        await c.connect(15_000);
        ok++;
      } catch (err) {
        failed++;
        if (errors.length < 5) errors.push(String(err instanceof Error ? err.message : err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(cmd.concurrency, added.length) }, lane));
  stats.attemptsAtOpen = stats.attempts;
  return { ev: 'opened', ok, failed, errors, ms: Date.now() - t0 };
}

/** Open loop: what the schedule says is due, every 5 ms, each message from the next member of the next chat. */
function startSending(rate: number): void {
  const start = performance.now();
  let cursor = 0;
  sender = setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (stats.sent < due && chats.length) {
      const chat = chats[cursor++ % chats.length];
      chat.members[chat.nextSender++ % chat.members.length].enqueue(`capacity bench message ${stats.sent}`);
      stats.sent++;
    }
  }, 5);
}

async function resumed(cmd: Extract<CapCommand, { cmd: 'resumed' }>): Promise<ResumedEvent> {
  const deadline = Date.now() + cmd.timeoutSeconds * 1000;
  while (Date.now() < deadline && clients.some((c) => c.resumedAt <= cmd.cutUs)) await sleep(50);
  const done = clients.filter((c) => c.resumedAt > cmd.cutUs);
  const times = Float64Array.from(done.map((c) => c.resumedAt - cmd.cutUs));
  return {
    ev: 'resumed',
    times,
    notResumed: clients.length - done.length,
    attempts: stats.attempts - stats.attemptsAtOpen,
    caughtUp: stats.caughtUp,
    reloads: stats.reloads,
  };
}

async function verify(cmd: Extract<CapCommand, { cmd: 'verify' }>): Promise<VerifiedEvent> {
  if (sender) clearInterval(sender);
  sender = null;
  const deadline = Date.now() + cmd.timeoutSeconds * 1000;
  while (Date.now() < deadline && clients.some((c) => !c.idle)) await sleep(50);
  const pending = clients.reduce((a, c) => a + (c.idle ? 0 : 1), 0);
  // Every acknowledged message must reach every member: live, or by fetch for what the bus dropped.
  for (const chat of chats) {
    const head = Math.max(0, ...chat.acked.values());
    for (const c of chat.members) {
      if (c.contiguous() >= head || !c.ready) continue;
      await c.fillGap(head, Math.max(1, deadline - Date.now())).catch(() => {});
    }
  }
  let lost = 0;
  let gaps = 0;
  let duplicates = 0;
  let redelivered = 0;
  let behind = 0;
  let acked = 0;
  for (const chat of chats) {
    acked += chat.acked.size;
    const head = Math.max(0, ...chat.acked.values());
    for (const c of chat.members) {
      for (const [clientId, seq] of chat.acked) if (c.history.get(seq) !== clientId) lost++;
      for (let s = 1; s <= head; s++) if (!c.history.has(s)) gaps++;
      const ids = [...c.history.values()].filter(Boolean);
      duplicates += ids.length - new Set(ids).size;
      redelivered += c.redelivered;
      if (c.contiguous() < head) behind++;
    }
  }
  return {
    ev: 'verified',
    clients: clients.length,
    chats: chats.length,
    sent: stats.sent,
    acked,
    refused: stats.refused,
    errors: stats.errors.slice(0, 5),
    pending,
    lost,
    gaps,
    duplicates,
    redelivered,
    behind,
  };
}

port.on('message', (cmd: CapCommand) => {
  const work = async (): Promise<void> => {
    switch (cmd.cmd) {
      case 'open':
        return say(await open(cmd));
      case 'send':
        startSending(cmd.rate);
        return say({ ev: 'sending' });
      case 'resumed': {
        const r = await resumed(cmd);
        return say(r, [r.times.buffer as ArrayBuffer]);
      }
      case 'verify':
        return say(await verify(cmd));
      case 'close':
        if (sender) clearInterval(sender);
        for (const c of clients) c.close();
        clients = [];
        chats = [];
        return say({ ev: 'closed' });
    }
  };
  work().catch((err) => say({ ev: 'error', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
});

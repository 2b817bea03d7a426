/**
 * A load-generator thread: holds a share of the bench's sockets (whole chats, so every chat's members
 * live in one thread), sends on a schedule, and measures send-to-receive latency at the receivers from
 * the send time written into each message body (a monotonic clock shared by all threads).
 */
import { parentPort } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { io, type Socket as SioSocket } from 'socket.io-client';
import { pooled } from '../lib/pooled';
import { Samples } from '../lib/samples';
import { closeSocket, PendingRequests, type Reply } from '../lib/requests';
import { messageBody, nowUs, parseBody, type BenchChat, type ClientSpec, type DurableResult, type RunResult, type WorkerCommand, type WorkerEvent } from '../lib/common';

if (!parentPort) throw new Error('bench/clients/worker.ts runs as a worker thread');
const port = parentPort;
const say = (m: WorkerEvent, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);


/** One bench client over some transport. */
interface Client {
  readonly spec: ClientSpec;
  closed: boolean;
  connect(timeoutMs: number): Promise<void>;
  join(chatId: string, timeoutMs: number): Promise<Reply>;
  leave(chatId: string, timeoutMs: number): Promise<Reply>;
  send(chatId: string, body: string, timeoutMs?: number): Promise<Reply>;
  close(): Promise<void>;
}

const closedReply = (why: string): Reply => ({ ok: false, error: { code: 'closed', message: why } });

function withTimeout<T>(p: Promise<T>, ms: number | undefined, fallback: () => T): Promise<T> {
  if (!ms) return p;
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(fallback()), ms);
    p.then((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

/** Artel's realtime protocol (docs/api.md) over `ws`; the raw uWS baseline answers the same frames. */
class WsClient implements Client {
  closed = false;
  private ws: WebSocket | null = null;
  private readonly requests = new PendingRequests();

  constructor(
    readonly spec: ClientSpec,
    private readonly url: string,
    private readonly origin: string,
    private readonly onBody: (body: string) => void,
    private readonly onClosed: () => void,
  ) {}

  connect(timeoutMs: number): Promise<void> {
    const headers: Record<string, string> = {};
    if (this.spec.token) headers.cookie = `artel_session=${this.spec.token}`;
    const ws = new WebSocket(this.url.replace(/^http/, 'ws') + '/ws', { headers, origin: this.origin, perMessageDeflate: false, handshakeTimeout: timeoutMs });
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.frame(data.toString());
    });
    ws.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      this.requests.failAll(closedReply('socket closed'));
      this.onClosed();
    });
    return new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
      ws.once('error', reject);
    }).then(async () => {
      ws.on('error', () => {});
      const r = await this.request({ type: 'hello', v: 1 }, timeoutMs);
      if (!r.ok) throw new Error(`hello refused: ${JSON.stringify(r.error)}`);
    });
  }

  private frame(text: string): void {
    // Presence pushes (every employee socket gets them while 2,000 people come online) are not measured.
    if (text.startsWith('{"type":"presence"')) return;
    const f = JSON.parse(text);
    if (this.requests.settle(f)) return;
    if (f.type === 'event' && f.event?.type === 'message_created') this.onBody(f.event.payload.message.body);
  }

  private request(msg: Record<string, unknown>, timeoutMs?: number): Promise<Reply> {
    if (this.closed || !this.ws) return Promise.resolve(closedReply('socket closed'));
    return this.requests.send(this.ws, msg, timeoutMs, (): Reply => ({ ok: false, error: { code: 'timeout', message: `no reply to ${msg.type} in ${timeoutMs} ms` } }));
  }

  join(chatId: string, timeoutMs: number) {
    return this.request({ type: 'subscribe', streams: [{ stream: `chat:${chatId}` }] }, timeoutMs);
  }

  leave(chatId: string, timeoutMs: number) {
    return this.request({ type: 'unsubscribe', streams: [`chat:${chatId}`] }, timeoutMs);
  }

  send(chatId: string, body: string, timeoutMs?: number) {
    return this.request({ type: 'message_send', chatId, clientId: randomUUID(), body }, timeoutMs);
  }

  async close(): Promise<void> {
    await closeSocket(this.ws, () => (this.closed = true));
  }
}

/** socket.io-client, WebSocket transport only, acks for join and send. */
class SioClient implements Client {
  closed = false;
  private socket: SioSocket | null = null;

  constructor(
    readonly spec: ClientSpec,
    private readonly url: string,
    private readonly onBody: (body: string) => void,
    private readonly onClosed: () => void,
  ) {}

  connect(timeoutMs: number): Promise<void> {
    const socket = io(this.url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: timeoutMs });
    this.socket = socket;
    socket.on('event', (f: any) => {
      if (f?.event?.type === 'message_created') this.onBody(f.event.payload.message.body);
    });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => {
        socket.on('disconnect', () => {
          if (this.closed) return;
          this.closed = true;
          this.onClosed();
        });
        resolve();
      });
      socket.once('connect_error', reject);
    });
  }

  private emit(event: string, arg: unknown, timeoutMs?: number): Promise<Reply> {
    if (this.closed || !this.socket) return Promise.resolve(closedReply('socket closed'));
    const socket = this.socket;
    const p = new Promise<Reply>((resolve) => socket.emit(event, arg, (r: Reply) => resolve(r)));
    return withTimeout(p, timeoutMs, () => ({ ok: false, error: { code: 'timeout', message: `no ack to ${event} in ${timeoutMs} ms` } }));
  }

  join(chatId: string, timeoutMs: number) {
    return this.emit('join', chatId, timeoutMs);
  }

  leave(chatId: string, timeoutMs: number) {
    return this.emit('leave', chatId, timeoutMs);
  }

  send(chatId: string, body: string, timeoutMs?: number) {
    return this.emit('send', { chatId, clientId: randomUUID(), body }, timeoutMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.socket?.disconnect();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface LocalChat {
  chat: BenchChat;
  clients: Client[];
  nextSender: number;
}

// The worker's state: its clients and chats, and the counters of the step being measured.
let clients: Client[] = [];
let chats: LocalChat[] = [];
let socketsClosed = 0;
const meter = {
  step: -1,
  windowEnd: Infinity,
  delivered: 0,
  deliveredInWindow: 0,
  latencies: new Samples(1024),
};

function onBody(body: string): void {
  const p = parseBody(body);
  if (!p || p.step !== meter.step) return;
  const now = nowUs();
  meter.latencies.push(now - p.tUs);
  meter.delivered++;
  if (now <= meter.windowEnd) meter.deliveredInWindow++;
}

async function connect(cmd: Extract<WorkerCommand, { cmd: 'connect' }>): Promise<WorkerEvent> {
  const t0 = Date.now();
  const byIdx = new Map<number, Client>();
  const onClosed = () => socketsClosed++;
  clients = cmd.clients.map((spec) => {
    const c: Client = cmd.protocol === 'ws' ? new WsClient(spec, cmd.url, cmd.origin, onBody, onClosed) : new SioClient(spec, cmd.url, onBody, onClosed);
    byIdx.set(spec.idx, c);
    return c;
  });
  chats = cmd.chats.map((chat) => ({ chat, clients: chat.members.map((m) => byIdx.get(m)!), nextSender: 0 }));
  const chatOf = new Map<Client, string>();
  for (const lc of chats) for (const c of lc.clients) chatOf.set(c, lc.chat.id);
  let ok = 0;
  let failed = 0;
  const errors: string[] = [];
  const deadline = Date.now() + cmd.timeoutSeconds * 1000;
  await pooled(clients, cmd.concurrency, async (c) => {
    if (Date.now() > deadline) {
      failed++;
      return;
    }
    try {
      await c.connect(15_000);
      const r = await c.join(chatOf.get(c)!, 15_000);
      if (!r.ok) throw new Error(`subscribe refused: ${JSON.stringify(r.error)}`);
      ok++;
    } catch (err) {
      failed++;
      if (errors.length < 5) errors.push(String(err instanceof Error ? err.message : err));
    }
  });
  socketsClosed = 0;
  return { ev: 'connected', ok, failed, errors, ms: Date.now() - t0 };
}

async function run(cmd: Extract<WorkerCommand, { cmd: 'run' }>): Promise<void> {
  const size = chats[0]?.clients.length ?? 0;
  const total = Math.round(cmd.rate * cmd.seconds);
  meter.step = cmd.step;
  meter.delivered = 0;
  meter.deliveredInWindow = 0;
  meter.latencies = new Samples(total * size);
  const ackLatencies = new Samples(total);
  const closedBefore = socketsClosed;
  let sent = 0;
  let acked = 0;
  let ackErrors = 0;
  let expected = 0;
  let cursor = 0;
  const errors: string[] = [];
  const start = performance.now();
  const end = start + cmd.seconds * 1000;
  meter.windowEnd = nowUs() + cmd.seconds * 1e6;

  const sendOne = () => {
    const lc = chats[cursor++ % chats.length];
    const sender = lc.clients[lc.nextSender++ % lc.clients.length];
    const t = nowUs();
    sent++;
    expected += lc.clients.length;
    void sender.send(lc.chat.id, messageBody(cmd.step, t)).then((r) => {
      if (r.ok) {
        acked++;
        ackLatencies.push(nowUs() - t);
      } else {
        ackErrors++;
        if (errors.length < 5) errors.push(`${r.error?.code}: ${r.error?.message}`);
      }
    });
  };

  // Open loop: send what the schedule says is due, every ~2 ms, until the window closes.
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((Math.min(now, end) - start) / 1000) * cmd.rate));
      while (sent < due && chats.length) sendOne();
      if (now >= end || sent >= total) {
        // The window is the schedule's length even when the last message is due a little earlier.
        const rest = end - performance.now();
        if (rest > 0) setTimeout(resolve, rest);
        else resolve();
      } else setTimeout(tick, 2);
    };
    tick();
  });
  const behind = total - sent;
  // Drain: wait for every delivery and ack of this step's messages, at most drainSeconds.
  const drainEnd = Date.now() + cmd.drainSeconds * 1000;
  while (Date.now() < drainEnd && (meter.delivered < expected || acked + ackErrors < sent)) await sleep(20);
  const latencies = meter.latencies.take();
  const acks = ackLatencies.take();
  const result: RunResult = {
    ev: 'ran',
    sent,
    acked,
    ackErrors,
    errors,
    expected,
    deliveredInWindow: meter.deliveredInWindow,
    delivered: meter.delivered,
    latencies,
    ackLatencies: acks,
    windowMs: cmd.seconds * 1000,
    behind,
    socketsClosed: socketsClosed - closedBefore,
  };
  meter.step = -1;
  say(result, [latencies.buffer as ArrayBuffer, acks.buffer as ArrayBuffer]);
}

async function unsubscribe(cmd: Extract<WorkerCommand, { cmd: 'unsubscribe' }>): Promise<WorkerEvent> {
  let ok = 0;
  let failed = 0;
  await pooled(chats, 20, async (lc) => {
    for (const c of lc.clients) {
      const r = await c.leave(lc.chat.id, cmd.timeoutSeconds * 1000);
      if (r.ok) ok++;
      else failed++;
    }
  });
  return { ev: 'unsubscribed', ok, failed };
}

/**
 * Closed loop: `concurrency` clients (different people), each with one send in flight, until `count`
 * sends are acked or the time is up. A rate-limited send waits as told and is retried.
 */
async function durable(cmd: Extract<WorkerCommand, { cmd: 'durable' }>): Promise<DurableResult> {
  const lanes: { client: Client; chatId: string }[] = [];
  // Spread the lanes over chats first, then over members, so no chat row is a hot spot by construction.
  for (let m = 0; lanes.length < cmd.concurrency && m < (chats[0]?.clients.length ?? 0); m++) {
    for (const lc of chats) {
      if (lanes.length >= cmd.concurrency) break;
      if (!lc.clients[m].closed) lanes.push({ client: lc.clients[m], chatId: lc.chat.id });
    }
  }
  let remaining = cmd.count;
  let acked = 0;
  let failed = 0;
  let rateLimited = 0;
  const errors: string[] = [];
  const deadline = Date.now() + cmd.timeoutSeconds * 1000;
  const firstSendAt = Date.now();
  let lastAckAt = firstSendAt;
  await Promise.all(
    lanes.map(async ({ client, chatId }) => {
      while (remaining > 0 && Date.now() < deadline && !client.closed) {
        remaining--;
        const r = await client.send(chatId, messageBody(-1, nowUs()), Math.max(1, deadline - Date.now()));
        if (r.ok) {
          acked++;
          lastAckAt = Date.now();
        } else if (r.error?.code === 'rate_limited') {
          rateLimited++;
          remaining++;
          await sleep(Math.min(10, r.error.retryAfter ?? 1) * 1000);
        } else {
          failed++;
          if (errors.length < 5) errors.push(`${r.error?.code}: ${r.error?.message}`);
        }
      }
    }),
  );
  return { ev: 'durable', acked, failed, rateLimited, errors, firstSendAt, lastAckAt };
}

async function closeAll(): Promise<WorkerEvent> {
  await pooled(clients, 200, (c) => c.close());
  clients = [];
  chats = [];
  return { ev: 'closed' };
}

port.on('message', (cmd: WorkerCommand) => {
  const work = async (): Promise<void> => {
    switch (cmd.cmd) {
      case 'connect':
        return say(await connect(cmd));
      case 'run':
        return run(cmd);
      case 'unsubscribe':
        return say(await unsubscribe(cmd));
      case 'durable':
        return say(await durable(cmd));
      case 'close':
        return say(await closeAll());
    }
  };
  work().catch((err) => say({ ev: 'error', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
});

import http from 'node:http';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { ApiClient, PASSWORD, RealtimeClient, type Answer } from '../helpers/client';
import { team, type Team } from '../helpers/team';
import { sql } from '../../server/db/pool';
import { CloseCode } from '../../shared/protocol';
import { RATE } from '../../server/hub/connection';
import { MAX_FAILURES } from '../../server/domains/auth/throttle';

/*
 * Abuse against a real hub: each case runs the abuse while a bystander (Ann, chatting with Cid) signs in,
 * sends, receives and uploads as usual. The limits must hold and Ann must not notice anything.
 * Lower-level coverage lives elsewhere: the lockout and address limit one by one (auth.test.ts), frame
 * size and a single-socket ping flood (ws-bad-input.test.ts), JSON bodies just over the limit
 * (http-bad-input.test.ts), SMTP floods (mail-in-limits.test.ts), the token buckets (unit/ratelimit.test.ts).
 */

const MB = 1024 * 1024;
/** The hub's MAX_UPLOAD_MB here: small, so that "huge" is cheap to send. */
const UPLOAD_MB = 1;
/** The hub's WS_IDLE_TIMEOUT_SECONDS here (60 in production): a silent socket goes within a test's patience. */
const WS_IDLE_SECONDS = 8;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolve with `p`, or fail saying `what` after `ms` (a safety net, never a measurement). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))),
  ]);
}

/**
 * POST JSON from a given loopback address (127.0.0.0/8 all reaches the hub): the sign-in limits count per
 * client address, so an attacker's addresses and the bystander's must be told apart.
 */
function postFrom(base: string, localAddress: string, path: string, body: unknown): Promise<Answer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      base + path,
      { method: 'POST', localAddress, headers: { origin: base, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) for (const one of [v ?? []].flat()) headers.append(k, one);
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()), headers });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The session token an answer sets, if any. */
const sessionOf = (a: Answer) => a.headers.getSetCookie().find((c) => /^artel_session=[^;]+/.test(c))?.split(';')[0].slice('artel_session='.length) ?? null;

/** Sign in from `localAddress`; the answer, and a client holding the session when one was opened. */
async function signInFrom(base: string, localAddress: string, email: string, password: string): Promise<{ answer: Answer; client: ApiClient | null }> {
  const answer = await postFrom(base, localAddress, '/api/auth/login', { email, password });
  const token = sessionOf(answer);
  if (!token) return { answer, client: null };
  const client = new ApiClient(base);
  client.cookie = token;
  return { answer, client };
}

/** A refused sign-in: status, typed code, a Retry-After header matching the body's, and no session. */
function expectRefused(a: Answer, code: 'rate_limited' | 'locked_out'): void {
  expect(a.status, JSON.stringify(a.body)).toBe(429);
  expect(a.body.error.code).toBe(code);
  expect(a.body.error.retryAfter).toBeGreaterThan(0);
  expect(a.headers.get('retry-after')).toBe(String(a.body.error.retryAfter));
  expect(sessionOf(a)).toBeNull();
}

/** A wrong-password answer: the same for known and unknown e-mails. */
function expectWrongPassword(a: Answer): void {
  expect(a.status, JSON.stringify(a.body)).toBe(401);
  expect(a.body).toEqual({ error: { code: 'invalid_credentials', message: 'Wrong e-mail or password' } });
  expect(sessionOf(a)).toBeNull();
}

/** A hand-made TCP client, for what no HTTP library sends: slow heads, lying lengths, endless bodies. */
class RawClient {
  private received = Buffer.alloc(0);
  private sent = 0;
  /** Settles when the connection is gone (the hub hung up, or it was reset). */
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => (this.received = Buffer.concat([this.received, d])));
    // The hub hanging up while we still write is the expected outcome of several cases.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.socket.destroyed || this.socket.readableEnded;
  }

  get bytesSent(): number {
    return this.sent;
  }

  /** Write unless the connection is gone; false once it is. */
  write(chunk: string | Buffer): boolean {
    if (this.isClosed || this.socket.writableEnded) return false;
    this.socket.write(chunk);
    this.sent += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    return true;
  }

  /** Write `chunk` every `everyMs` until the hub hangs up or `max` bytes went out; the bytes sent. */
  async trickle(chunk: string | Buffer, everyMs: number, max: number): Promise<number> {
    while (this.sent < max && this.write(chunk)) await sleep(everyMs);
    return this.sent;
  }

  /** The answers received so far: status and parsed JSON body of each (bodies sent with Content-Length). */
  answers(): { status: number; body: any }[] {
    const out: { status: number; body: any }[] = [];
    let rest = this.received.toString('latin1');
    for (;;) {
      const head = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n/.exec(rest);
      if (!head) return out;
      const length = Number(/^content-length: *(\d+)/im.exec(head[2])?.[1] ?? 0);
      const body = rest.slice(head[0].length, head[0].length + length);
      let parsed: any = body;
      try {
        parsed = JSON.parse(Buffer.from(body, 'latin1').toString('utf8'));
      } catch {
        /* not JSON */
      }
      out.push({ status: Number(head[1]), body: parsed });
      rest = rest.slice(head[0].length + length);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** An HTTP/1.1 request head. */
function head(method: string, path: string, headers: Record<string, string>): string {
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

/** One chunk of a chunked body. */
const chunk = (data: Buffer) => Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);

describe('abuse: limits hold and other users are unaffected', () => {
  let hub: TestHub;
  let t: Team<'ann' | 'ben' | 'cid' | 'dan'>;
  /** Ann's and Cid's chat: the bystanders' normal work happens here. */
  let quiet: string;
  /** Ben's chat with the owner: where his floods go. */
  let loud: string;
  /** Cid's socket, following the quiet chat throughout: what Ann sends must arrive here, in order. */
  let cidRt: RealtimeClient;
  /** Loopback addresses handed out so far (127.0.0.1 is the setup's). */
  let lastAddress = 1;
  const nextAddress = () => `127.0.0.${++lastAddress}`;
  /** Raw connections of the running case, destroyed after it whatever happened. */
  const raws: RawClient[] = [];
  const connectRaw = async () => {
    const raw = await RawClient.connect(hub.port);
    raws.push(raw);
    return raw;
  };

  const uploadAs = (c: ApiClient, chatId: string, data: Buffer, name: string) =>
    c.call('POST', `/api/chats/${chatId}/files`, data, { 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent(name) });
  const benFiles = async () => Number((await hub.artel.svc.db.query(sql`SELECT count(*) AS n FROM files WHERE uploader_id = ${t.ids.ben}`))[0].n);
  /** Ben's live /ws sockets as the hub sees them. */
  const benSockets = () => hub.artel.hub.registry.byUser.get(t.ids.ben)?.size ?? 0;

  /**
   * One round of Ann's normal work: three messages sent at once (acked in order), then a small file
   * shared in a fourth; Cid receives all four in that order.
   */
  async function bystanderRound(api: ApiClient, rt: RealtimeClient, label: string): Promise<void> {
    const acks = await Promise.all([0, 1, 2].map((i) => rt.sendMessage(quiet, `${label} #${i}`)));
    for (const a of acks) expect(a, JSON.stringify(a)).toMatchObject({ ok: true });
    const seqs = acks.map((a) => a.message.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    const up = await uploadAs(api, quiet, Buffer.from(`notes of ${label}\n`), `${label}.txt`);
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const withFile = await rt.sendMessage(quiet, `${label} #file`, { fileIds: [up.body.file.id] });
    expect(withFile, JSON.stringify(withFile)).toMatchObject({ ok: true });
    const ids = [...acks, withFile].map((a) => a.message.id);
    const arrived = await cidRt.waitFor(() => {
      const got = cidRt.events(`chat:${quiet}`).filter((e) => e.event.type === 'message_created' && ids.includes(e.event.payload.message.id));
      return got.length === ids.length && got;
    }, 20_000);
    expect(arrived.map((e) => e.event.payload.message.id)).toEqual(ids);
    expect(arrived.at(-1)!.event.payload.message.attachments.map((f: any) => f.id)).toEqual([up.body.file.id]);
  }

  /**
   * Ann works while `abuse` runs: she signs in afresh (from an address of her own), then does rounds until
   * the abuse is over, and one more after. Resolves with the abuse's result and the rounds she did.
   */
  async function whileAbusing<T>(label: string, abuse: Promise<T>): Promise<{ result: T; rounds: number }> {
    let over = false;
    const settled = abuse.finally(() => (over = true));
    settled.catch(() => {});
    const { answer, client } = await signInFrom(hub.url, nextAddress(), 'ann@example.com', PASSWORD);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const rt = await RealtimeClient.open(hub.url, client!.cookie);
    let rounds = 0;
    try {
      for (;;) {
        await bystanderRound(client!, rt, `${label} round ${++rounds}`);
        if (over) break;
        // A person's pace: four sends a round stay well inside the per-person send rate.
        await sleep(1_000);
      }
      const result = await settled;
      await bystanderRound(client!, rt, `${label} after`);
      return { result, rounds };
    } finally {
      rt.close();
    }
  }

  beforeAll(async () => {
    hub = await startTestHub({ env: { MAX_UPLOAD_MB: String(UPLOAD_MB), WS_IDLE_TIMEOUT_SECONDS: String(WS_IDLE_SECONDS) } });
    t = await team(hub.url, ['ann', 'ben', 'cid', 'dan']);
    quiet = (await t.ann.post('/api/chats', { kind: 'group', title: 'Quiet', memberIds: [t.ids.cid] })).body.chat.id;
    loud = (await t.owner.post('/api/chats', { kind: 'group', title: 'Loud', memberIds: [t.ids.ben] })).body.chat.id;
    cidRt = await RealtimeClient.open(hub.url, t.cid.cookie);
    expect(await cidRt.request({ type: 'subscribe', streams: [{ stream: `chat:${quiet}` }] })).toMatchObject({ ok: true });
  });
  afterEach(() => {
    for (const raw of raws.splice(0)) raw.destroy();
  });
  afterAll(async () => {
    cidRt?.close();
    await hub?.stop();
  });

  it('login brute force: one address is cut off, an account locks whatever the address, unknown e-mails answer the same; Ann signs in', async () => {
    const abuse = (async () => {
      // Many accounts (real and made up) from one address: the address budget (10) runs out, then 429 for all.
      const oneAddress = nextAddress();
      const guesses = Array.from({ length: 40 }, (_, i) => (i % 2 ? `nobody${i}@example.com` : `${['owner', 'cid', 'ben'][i % 3]}@example.com`));
      const burst = await Promise.all(guesses.map((email) => postFrom(hub.url, oneAddress, '/api/auth/login', { email, password: `guess ${email}` })));
      const limited = burst.filter((a) => a.body.error?.code === 'rate_limited');
      for (const a of limited) expectRefused(a, 'rate_limited');
      for (const a of burst.filter((x) => !limited.includes(x))) expectWrongPassword(a);
      expect(limited.length).toBeGreaterThanOrEqual(guesses.length - 12);
      // The right password from there is refused as well, before it is checked.
      expectRefused((await signInFrom(hub.url, oneAddress, 'owner@example.com', PASSWORD)).answer, 'rate_limited');

      // One account from many addresses: locked after MAX_FAILURES, then even the right password is refused.
      // An e-mail nobody has goes through exactly the same answers.
      for (const email of ['dan@example.com', 'ghost@example.com']) {
        const answers: Answer[] = [];
        for (let i = 0; i < MAX_FAILURES + 3; i++) answers.push((await signInFrom(hub.url, nextAddress(), email, `wrong ${i}`)).answer);
        answers.slice(0, MAX_FAILURES).forEach(expectWrongPassword);
        answers.slice(MAX_FAILURES).forEach((a) => expectRefused(a, 'locked_out'));
        const right = await signInFrom(hub.url, nextAddress(), email, PASSWORD);
        expectRefused(right.answer, 'locked_out');
        expect(right.client).toBeNull();
      }
      const [known, unknown] = await Promise.all(
        ['dan@example.com', 'ghost@example.com'].map(async (email) => (await signInFrom(hub.url, nextAddress(), email, PASSWORD)).answer),
      );
      expect(Object.keys(known.body.error).sort()).toEqual(Object.keys(unknown.body.error).sort());
      expect({ ...known.body.error, retryAfter: 0 }).toEqual({ ...unknown.body.error, retryAfter: 0 });
      expect(known.headers.has('retry-after') && unknown.headers.has('retry-after')).toBe(true);
    })();
    const { rounds } = await whileAbusing('brute force', abuse);
    expect(rounds).toBeGreaterThanOrEqual(1);
    // Dan's session from before the attack still works: a lockout stops sign-ins, not the person.
    expect((await t.dan.get('/api/me')).status).toBe(200);
  }, 60_000);

  it('message floods: a flooding socket is closed 4429 and nothing past its budget lands; many sockets of one person get rate_limited; Ann is delivered in order', async () => {
    const abuse = (async () => {
      // One socket, 300 sends at once: the socket budget (burst RATE.burst) closes it with 4429.
      const flooder = await RealtimeClient.open(hub.url, t.ben.cookie);
      const start = flooder.frames.length;
      for (let i = 0; i < 300; i++) flooder.sendRaw(JSON.stringify({ id: `f${i}`, type: 'message_send', chatId: loud, clientId: randomUUID(), body: `flood ${i}` }));
      expect((await within(flooder.closed, 15_000, 'flooding socket closed')).code).toBe(CloseCode.rateLimited);
      const replies = flooder.frames.slice(start).filter((f) => typeof f.re === 'string' && f.re.startsWith('f'));
      for (const r of replies.filter((f) => !f.ok)) expect(r.error.code).toBe('rate_limited');
      const landed = (await hub.artel.svc.db.query(sql`SELECT body FROM messages WHERE chat_id = ${loud} AND body LIKE 'flood %'`)).map((m) => Number(m.body.slice(6)));
      // Frames still queued when the socket closed are dropped unanswered (a client's queue resends them).
      expect(landed.length).toBeLessThanOrEqual(RATE.burst);
      for (const i of landed) expect(i).toBeLessThan(RATE.burst);

      // Ten sockets of the same person, each under its own frame budget: the per-person send limit answers
      // rate_limited (typed, with retryAfter); what was acknowledged is exactly what was stored.
      const sockets = await Promise.all(Array.from({ length: 10 }, () => RealtimeClient.open(hub.url, t.ben.cookie)));
      const acks = await Promise.all(sockets.flatMap((rt, s) => Array.from({ length: 20 }, (_, i) => rt.sendMessage(loud, `swarm ${s}-${i}`))));
      const ok = acks.filter((a) => a.ok);
      const refused = acks.filter((a) => !a.ok);
      expect(ok.length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) {
        expect(r.error.code).toBe('rate_limited');
        expect(r.error.retryAfter).toBeGreaterThan(0);
      }
      const stored = (await hub.artel.svc.db.query(sql`SELECT id FROM messages WHERE chat_id = ${loud} AND body LIKE 'swarm %'`)).map((m) => m.id);
      expect(stored.sort()).toEqual(ok.map((a) => a.message.id).sort());
      for (const rt of sockets) rt.close();
    })();
    await whileAbusing('flood', abuse);
    // The flooded chat stays readable, and Ben may send again once his budget refills.
    expect((await t.owner.get(`/api/chats/${loud}/messages`)).status).toBe(200);
    const ben = await RealtimeClient.open(hub.url, t.ben.cookie);
    await within((async () => {
      while (!(await ben.sendMessage(loud, 'calm again')).ok) await sleep(1_000);
    })(), 20_000, 'Ben sends again');
    ben.close();
  }, 60_000);

  it('huge uploads: refused with 413 and the connection closed early, declared or not; a lying length stores only what it declared; Ann uploads fine', async () => {
    const files = await benFiles();
    const auth = { origin: hub.url, cookie: `artel_session=${t.ben.cookie}` };
    const upload = (extra: Record<string, string>) =>
      head('POST', `/api/chats/${loud}/files`, { ...auth, 'content-type': 'application/octet-stream', 'x-file-name': 'huge.bin', ...extra });
    const block = Buffer.alloc(64 * 1024, 7);

    /**
     * Send `start`, then `body` again and again until the hub hangs up; `max` bytes would be far more than
     * the hub may take, so stopping short of it proves the hub closed the connection.
     */
    async function streamUntilClosed(start: string, body: Buffer, max: number) {
      const raw = await connectRaw();
      raw.write(start);
      const sent = await within(raw.trickle(body, 20, max), 40_000, 'connection closed by the hub');
      await within(raw.closed, 10_000, 'connection gone');
      return { sent, answers: raw.answers() };
    }

    const endless = 1024 * MB;
    const abuse = Promise.all([
      // Declares a gigabyte: refused before it is read.
      streamUntilClosed(upload({ 'content-length': String(endless) }), block, endless),
      // Chunked, no length, endless: refused once past the limit.
      streamUntilClosed(upload({ 'transfer-encoding': 'chunked' }), chunk(block), endless),
      // A JSON route (64 KiB at most) with a gigabyte declared.
      streamUntilClosed(
        head('POST', '/api/chats', { ...auth, 'content-type': 'application/json', 'content-length': String(endless) }),
        Buffer.from('"'.padEnd(64 * 1024, 'a')),
        endless,
      ),
      // Lies: declares 1000 bytes, then keeps sending. Those 1000 bytes are the file; the rest is no request.
      streamUntilClosed(upload({ 'content-length': '1000', 'x-file-name': 'liar.bin' }), block, endless),
    ]);
    const { result } = await whileAbusing('uploads', abuse);
    const [declared, chunked, json, liar] = result;
    for (const r of [declared, chunked, json, liar]) expect(r.sent).toBeLessThan(endless);
    for (const r of [declared, chunked, json]) {
      expect(r.answers, JSON.stringify(r.answers)).toMatchObject([{ status: 413, body: { error: { code: 'payload_too_large' } } }]);
    }
    // The bytes past the declared length are no request: refused (uWS answers 505 to them) and the connection
    // closed; the declared kilobyte may have been answered first (201) or the answer lost with the connection.
    expect(liar.answers.filter((a) => a.status !== 201).map((a) => a.status >= 400), JSON.stringify(liar.answers)).toEqual([true]);
    // At most the liar's declared kilobyte was stored; none of the refused bodies.
    const stored = await hub.artel.svc.db.query(sql`SELECT name, size FROM files WHERE uploader_id = ${t.ids.ben} ORDER BY created_at`);
    expect(stored.length - files).toBeLessThanOrEqual(1);
    for (const f of stored.slice(files)) expect(f).toEqual({ name: 'liar.bin', size: 1000 });
    // Ben himself can still upload a normal file.
    expect((await uploadAs(t.ben, loud, Buffer.alloc(UPLOAD_MB * MB, 1), 'exactly-the-limit.bin')).status).toBe(201);
  }, 60_000);

  it('slowloris: trickled heads, stalled bodies and silent WebSockets are dropped, a non-reading socket is cut at its backpressure limit; Ann is served throughout', async () => {
    // A chat whose history is heavy to fetch (25 long messages), for the socket that never reads.
    const heavy = (await t.owner.post('/api/chats', { kind: 'group', title: 'Heavy', memberIds: [t.ids.ben] })).body.chat.id;
    const ownerRt = await RealtimeClient.open(hub.url, t.owner.cookie);
    for (let i = 0; i < 25; i++) expect(await ownerRt.sendMessage(heavy, `${i} `.padEnd(9_000, 'x'))).toMatchObject({ ok: true });
    ownerRt.close();
    const files = await benFiles();

    const abuse = (async () => {
      // 30 connections sending a request head one byte every 2 s; 10 sending a full head, then a body
      // one byte every 2 s; 10 sockets of Ben that said hello and then neither read nor answer pings.
      const heads = await Promise.all(Array.from({ length: 30 }, () => connectRaw()));
      const bodies = await Promise.all(Array.from({ length: 10 }, () => connectRaw()));
      const silent = await Promise.all(Array.from({ length: 10 }, () => RealtimeClient.open(hub.url, t.ben.cookie)));
      for (const rt of silent) rt.ws.pause();
      const text = head('POST', `/api/chats/${loud}/files`, { origin: hub.url, cookie: `artel_session=${t.ben.cookie}`, 'content-type': 'text/plain', 'x-file-name': 'slow.txt', 'content-length': '500000' });
      const trickles = [
        ...heads.map(async (raw) => {
          for (const byte of text) {
            if (!raw.write(byte)) return;
            await sleep(2_000);
          }
        }),
        ...bodies.map(async (raw) => {
          raw.write(text);
          await raw.trickle('x', 2_000, Infinity);
        }),
      ];
      // The hub drops each of them; their trickles stop when it does.
      await within(Promise.all([...heads, ...bodies].map((raw) => raw.closed)), 45_000, 'slow connections closed');
      await Promise.all(trickles);
      for (const raw of heads) expect(raw.answers().filter((a) => a.status < 400)).toEqual([]);
      await within((async () => {
        while (benSockets() > 0) await sleep(250);
      })(), 45_000, 'silent sockets dropped');
      for (const rt of silent) rt.ws.resume();
      for (const c of await Promise.all(silent.map((rt) => within(rt.closed, 10_000, 'silent socket sees its close')))) {
        expect(c.code).not.toBe(CloseCode.normal);
      }

      // A socket that asks for a lot and never reads the answers: cut at its backpressure limit,
      // not buffered without bound.
      const hoarder = await RealtimeClient.open(hub.url, t.ben.cookie);
      hoarder.ws.pause();
      for (let i = 0; benSockets() > 0 && i < 400; i++) {
        hoarder.sendRaw(JSON.stringify({ id: `h${i}`, type: 'fetch', stream: `chat:${heavy}`, after: 0 }));
        await sleep(1_000 / (RATE.perSecond - 5));
      }
      expect(benSockets()).toBe(0);
      hoarder.ws.resume();
      const closed = await within(hoarder.closed, 20_000, 'hoarding socket sees its close');
      expect(closed.code).not.toBe(CloseCode.normal);
      expect(closed.code).not.toBe(CloseCode.rateLimited);
    })();
    await whileAbusing('slowloris', abuse);
    // Nothing of the stalled uploads was stored, and the hub still serves everyone, Ben included.
    expect(await benFiles()).toBe(files);
    expect((await fetch(hub.url + '/healthz')).status).toBe(200);
    const ben = await RealtimeClient.open(hub.url, t.ben.cookie);
    expect(await ben.request({ type: 'ping' })).toMatchObject({ ok: true });
    ben.close();
  }, 90_000);
});

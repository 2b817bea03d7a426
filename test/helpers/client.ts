import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../shared/protocol';

/** An HTTP answer as a test sees it. */
export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A browser-like HTTP client: keeps its session cookie and sends our Origin on every call. */
export class ApiClient {
  cookie: string | null = null;

  constructor(
    readonly base: string,
    readonly origin: string | null = base,
    /** The cookie this client keeps: a colleague's session, or `artel_guest` for a guest link's. */
    readonly cookieName: string = 'artel_session',
  ) {}

  async call<T = any>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...extra };
    if (this.origin) headers.origin = this.origin;
    if (this.cookie) headers.cookie = `${this.cookieName}=${this.cookie}`;
    let payload: BodyInit | undefined;
    if (Buffer.isBuffer(body)) payload = new Uint8Array(body);
    else if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.base + path, { method, headers, body: payload });
    for (const c of res.headers.getSetCookie()) {
      if (c.startsWith(`${this.cookieName}=`)) this.cookie = c.slice(this.cookieName.length + 1).split(';')[0] || null;
    }
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  get = <T = any>(path: string) => this.call<T>('GET', path);
  post = <T = any>(path: string, body?: unknown) => this.call<T>('POST', path, body ?? {});
  patch = <T = any>(path: string, body?: unknown) => this.call<T>('PATCH', path, body);
  del = <T = any>(path: string) => this.call<T>('DELETE', path);
}

export const PASSWORD = 'correct horse battery staple';

/** Register the workspace owner. */
export async function registerOwner(base: string, email = 'owner@example.com', name = 'Olga Owner'): Promise<ApiClient> {
  const c = new ApiClient(base);
  const r = await c.post('/api/auth/register', { workspaceName: 'Acme', name, email, password: PASSWORD });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
  return c;
}

/** The invitation link's token from the newest outbox mail to `email`. */
export async function invitationToken(admin: ApiClient, email: string): Promise<string> {
  const r = await admin.get('/api/admin/outbox');
  const mail = r.body.mails.find((m: any) => m.to === email);
  const m = /\/invite\/([A-Za-z0-9_-]{43})/.exec(mail?.text ?? '');
  if (!m) throw new Error(`no invitation mail for ${email}`);
  return m[1];
}

/** Invite `email` as `role` and accept as that person; returns their signed-in client. */
export async function addColleague(admin: ApiClient, email: string, name: string, role: 'employee' | 'admin' = 'employee'): Promise<ApiClient> {
  const inv = await admin.post('/api/invitations', { email, role });
  if (inv.status !== 201) throw new Error(`invite failed: ${inv.status} ${JSON.stringify(inv.body)}`);
  const token = await invitationToken(admin, email);
  const c = new ApiClient(admin.base);
  const r = await c.post('/api/invitations/accept', { token, name, password: PASSWORD });
  if (r.status !== 201) throw new Error(`accept failed: ${r.status} ${JSON.stringify(r.body)}`);
  return c;
}

/** Why a WebSocket upgrade was refused. */
export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused with ${status}: ${body}`);
  }
}

/** A realtime protocol client over a real WebSocket, recording everything the hub pushes. */
export class RealtimeClient {
  readonly frames: any[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private nextId = 1;
  private readonly pending = new Map<string, (reply: any) => void>();
  private readonly waiters = new Set<() => void>();

  /** A transport error after the socket opened (the `ws` library then closes it). */
  error: Error | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('error', (err) => (this.error = err));
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        // Nothing more will arrive: fail whatever is still waiting, saying why.
        for (const [id, settle] of this.pending) settle({ re: id, ok: false, error: { code: 'closed', message: `socket closed ${code} ${reason} ${this.error?.message ?? ''}`.trim() } });
        this.pending.clear();
        resolve({ code, reason: reason.toString() });
      }),
    );
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      this.frames.push(frame);
      if (frame.re && this.pending.has(frame.re)) {
        this.pending.get(frame.re)!(frame);
        this.pending.delete(frame.re);
      }
      for (const w of [...this.waiters]) w();
    });
  }

  /** Open /ws with a session cookie; rejects with UpgradeRefused when the hub says no. */
  static connect(base: string, cookie: string | null, origin: string | null = base, cookieName = 'artel_session'): Promise<RealtimeClient> {
    const headers: Record<string, string> = {};
    if (cookie) headers.cookie = `${cookieName}=${cookie}`;
    const ws = new WebSocket(base.replace(/^http/, 'ws') + '/ws', { headers, origin: origin ?? undefined });
    return new Promise((resolve, reject) => {
      ws.on('open', () => resolve(new RealtimeClient(ws)));
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => reject(new UpgradeRefused(res.statusCode ?? 0, body)));
      });
      ws.on('error', reject);
    });
  }

  /** Connect and say hello. */
  static async open(base: string, cookie: string | null, origin: string = base, cookieName = 'artel_session'): Promise<RealtimeClient> {
    const c = await RealtimeClient.connect(base, cookie, origin, cookieName);
    const r = await c.request({ type: 'hello', v: PROTOCOL_VERSION });
    if (!r.ok) throw new Error(`hello refused: ${JSON.stringify(r)}`);
    return c;
  }

  /** Send a request and wait for its reply. */
  request(msg: Record<string, unknown>, timeoutMs = 10_000): Promise<any> {
    const id = `r${this.nextId++}`;
    this.ws.send(JSON.stringify({ id, ...msg }));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no reply to ${JSON.stringify(msg)}`)), timeoutMs);
      this.pending.set(id, (r) => {
        clearTimeout(t);
        resolve(r);
      });
    });
  }

  /** Send a chat message with a fresh client id (extra fields: threadRootId, fileIds, forwardOf). */
  sendMessage(chatId: string, body: string, extra: Record<string, unknown> = {}): Promise<any> {
    return this.request({ type: 'message_send', chatId, clientId: randomUUID(), body, ...extra });
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Stream events received, in arrival order. */
  events(stream?: string): any[] {
    return this.frames.filter((f) => f.type === 'event' && (!stream || f.stream === stream));
  }

  /** Wait until `pred` holds over what has arrived. */
  waitFor<T>(pred: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = pred();
        if (v) {
          this.waiters.delete(check);
          clearTimeout(t);
          resolve(v);
        }
      };
      const t = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error('condition not met in time'));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** The user ids of signed-in clients, by the names the test gives them. */
export async function idsOf(clients: Record<string, ApiClient>): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, c] of Object.entries(clients)) ids[name] = (await c.get('/api/me')).body.user.id;
  return ids;
}

import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { ApiClient, PASSWORD, RealtimeClient, registerOwner, UpgradeRefused, type Answer } from '../helpers/client';
import { sql } from '../../server/db/pool';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const OWNER_EMAIL = 'olga@example.com';
const THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000;

/** The artel_session Set-Cookie lines of an answer. */
const sessionCookies = (a: Answer) => a.headers.getSetCookie().filter((c) => c.startsWith('artel_session='));

/** The attributes of a Set-Cookie line, lower-cased names. */
function cookieAttributes(line: string): { value: string; attrs: Map<string, string> } {
  const [first, ...rest] = line.split(';').map((s) => s.trim());
  const attrs = new Map<string, string>();
  for (const a of rest) {
    const i = a.indexOf('=');
    attrs.set((i < 0 ? a : a.slice(0, i)).toLowerCase(), i < 0 ? '' : a.slice(i + 1));
  }
  return { value: first.slice('artel_session='.length), attrs };
}

function expectError(a: Answer, status: number, code: string): void {
  expect(a.status, JSON.stringify(a.body)).toBe(status);
  expect(a.body?.error?.code).toBe(code);
  expect(typeof a.body.error.message).toBe('string');
}

/** A client carrying `token` as its session cookie. */
function withCookie(hub: TestHub, token: string | null, origin: string | null = hub.url): ApiClient {
  const c = new ApiClient(hub.url, origin);
  c.cookie = token;
  return c;
}

describe('auth: registration, sessions, cookies, Origin, headers', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let registered: Answer;
  let ownerId: string;
  const rows = async <T = any>(q: ReturnType<typeof sql>) => (await hub.artel.svc.db.query(q)) as T[];
  const userCount = async () => (await rows(sql`SELECT count(*)::int AS n FROM users`))[0].n as number;
  /** A session opened directly, without spending the per-address login budget. */
  const openSession = async () => (await hub.artel.svc.sessions.open(ownerId)).token;

  beforeAll(async () => {
    hub = await startTestHub();
    owner = new ApiClient(hub.url);
    registered = await owner.post('/api/auth/register', { workspaceName: 'Acme', name: 'Olga Owner', email: OWNER_EMAIL, password: PASSWORD });
    ownerId = registered.body?.user?.id;
  });
  afterAll(() => hub?.stop());

  it('the first registration creates the owner and sets an HttpOnly, SameSite=Lax, Path=/ session cookie (no Secure over http)', async () => {
    expect(registered.status).toBe(201);
    expect(registered.body.user).toMatchObject({ email: OWNER_EMAIL, name: 'Olga Owner', role: 'owner', active: true });
    expect(registered.body.workspace).toEqual({ name: 'Acme' });
    expect(registered.body.user).not.toHaveProperty('password_hash');
    expect(JSON.stringify(registered.body)).not.toContain('argon2');

    const lines = sessionCookies(registered);
    expect(lines).toHaveLength(1);
    const { value, attrs } = cookieAttributes(lines[0]);
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(attrs.has('httponly')).toBe(true);
    expect(attrs.get('samesite')?.toLowerCase()).toBe('lax');
    expect(attrs.get('path')).toBe('/');
    expect(attrs.has('secure')).toBe(false);
    expect(Number(attrs.get('max-age'))).toBe(30 * 24 * 3600);

    const me = await owner.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: ownerId, role: 'owner' });
    const setup = await new ApiClient(hub.url).get('/api/setup');
    expect(setup.body).toMatchObject({ needsSetup: false, workspaceName: 'Acme' });
  });

  it('a second registration is refused with 403 registration_closed and creates nobody', async () => {
    const before = await userCount();
    const r = await new ApiClient(hub.url).post('/api/auth/register', {
      workspaceName: 'Takeover', name: 'Mallory', email: 'mallory@example.com', password: PASSWORD,
    });
    expectError(r, 403, 'registration_closed');
    expect(sessionCookies(r)).toHaveLength(0);
    expect(await userCount()).toBe(before);
    expect(await rows(sql`SELECT id FROM users WHERE email = 'mallory@example.com'`)).toHaveLength(0);
    expect((await rows(sql`SELECT name FROM workspace`)).map((w) => w.name)).toEqual(['Acme']);
    expect((await owner.get('/api/me')).status).toBe(200);
  });

  it('login with a wrong password -> 401 invalid_credentials, no cookie', async () => {
    const c = new ApiClient(hub.url);
    const r = await c.post('/api/auth/login', { email: OWNER_EMAIL, password: 'wrong password, surely' });
    expectError(r, 401, 'invalid_credentials');
    expect(sessionCookies(r)).toHaveLength(0);
    expect(c.cookie).toBeNull();
  });

  it('login with an unknown e-mail -> 401 with the same code and message as a wrong password', async () => {
    const r = await new ApiClient(hub.url).post('/api/auth/login', { email: 'nobody@example.com', password: PASSWORD });
    expectError(r, 401, 'invalid_credentials');
    expect(sessionCookies(r)).toHaveLength(0);
    expect(r.body.error.message).toBe('Wrong e-mail or password');
  });

  it('logout clears the cookie, /api/me answers 401, and the old cookie no longer works', async () => {
    const c = new ApiClient(hub.url);
    const login = await c.post('/api/auth/login', { email: OWNER_EMAIL.toUpperCase(), password: PASSWORD });
    expect(login.status).toBe(200);
    const token = c.cookie!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await c.get('/api/me')).status).toBe(200);

    const out = await c.post('/api/auth/logout');
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ ok: true });
    const lines = sessionCookies(out);
    expect(lines).toHaveLength(1);
    const cleared = cookieAttributes(lines[0]);
    expect(cleared.value).toBe('');
    expect(cleared.attrs.get('max-age')).toBe('0');
    expect(c.cookie).toBeNull();

    expectError(await c.get('/api/me'), 401, 'unauthenticated');
    // A copy of the old cookie (stolen, or a second tab) is dead too, and its row is gone.
    expectError(await withCookie(hub, token).get('/api/me'), 401, 'unauthenticated');
    expectError(await withCookie(hub, token).patch('/api/me', { name: 'Zombie' }), 401, 'unauthenticated');
    expect(await rows(sql`SELECT id FROM sessions WHERE id = ${sha256(token)}`)).toHaveLength(0);
    // Other sessions of the same person are untouched.
    expect((await owner.get('/api/me')).status).toBe(200);
  });

  it("logout closes that session's live sockets with 4401, not the other sessions' sockets", async () => {
    const c = new ApiClient(hub.url);
    expect((await c.post('/api/auth/login', { email: OWNER_EMAIL, password: PASSWORD })).status).toBe(200);
    const token = c.cookie!;
    const rt = await RealtimeClient.open(hub.url, token);
    const other = await RealtimeClient.open(hub.url, owner.cookie);
    expect((await rt.request({ type: 'ping' })).ok).toBe(true);

    expect((await c.post('/api/auth/logout')).status).toBe(200);
    const closed = await rt.closed;
    expect(closed.code).toBe(4401);

    expect((await other.request({ type: 'ping' })).ok).toBe(true);
    // The dead session cannot open a new socket either.
    const refused = await RealtimeClient.connect(hub.url, token).catch((e) => e);
    expect(refused).toBeInstanceOf(UpgradeRefused);
    expect(refused.status).toBe(401);
    other.close();
  });

  it('the sessions table holds only the SHA-256 hex of each token, never the token', async () => {
    const token = owner.cookie!;
    const all = await rows<{ id: string; user_id: string }>(sql`SELECT id, user_id FROM sessions`);
    expect(all.length).toBeGreaterThan(0);
    for (const r of all) {
      expect(r.id).toMatch(/^[0-9a-f]{64}$/);
      expect(r.id).not.toBe(token);
    }
    expect(all.filter((r) => r.id === sha256(token))).toHaveLength(1);
    expect(all.find((r) => r.id === sha256(token))!.user_id).toBe(ownerId);
    // The token appears nowhere in the table, in any column.
    const dump = await rows(sql`SELECT s::text AS t FROM sessions s`);
    for (const d of dump) expect(d.t).not.toContain(token);
  });

  it('a forged cookie -> 401 unauthenticated, and no session is created for it', async () => {
    const before = (await rows(sql`SELECT count(*)::int AS n FROM sessions`))[0].n;
    for (const forged of [randomBytes(32).toString('base64url'), sha256(owner.cookie!), 'x', owner.cookie! + 'A']) {
      const r = await withCookie(hub, forged).get('/api/me');
      expectError(r, 401, 'unauthenticated');
      expect(sessionCookies(r)).toHaveLength(0);
    }
    // The hash stored in the database is not a usable cookie either.
    expect((await rows(sql`SELECT count(*)::int AS n FROM sessions`))[0].n).toBe(before);
  });

  it('an expired session -> 401 and its row is deleted', async () => {
    const token = await openSession();
    expect((await withCookie(hub, token).get('/api/me')).status).toBe(200);
    await hub.artel.svc.db.query(sql`UPDATE sessions SET expires_at = now() - interval '1 minute' WHERE id = ${sha256(token)}`);
    const r = await withCookie(hub, token).get('/api/me');
    expectError(r, 401, 'unauthenticated');
    expect(await rows(sql`SELECT id FROM sessions WHERE id = ${sha256(token)}`)).toHaveLength(0);
    const ws = await RealtimeClient.connect(hub.url, token).catch((e) => e);
    expect(ws).toBeInstanceOf(UpgradeRefused);
    expect(ws.status).toBe(401);
  });

  it('sliding expiry: a session past half its life is extended to 30 days and the cookie re-sent', async () => {
    const token = await openSession();
    // A fresh session (30 days left) is not re-sent.
    const fresh = await withCookie(hub, token).get('/api/me');
    expect(fresh.status).toBe(200);
    expect(sessionCookies(fresh)).toHaveLength(0);

    await hub.artel.svc.db.query(sql`UPDATE sessions SET expires_at = now() + interval '1 day' WHERE id = ${sha256(token)}`);
    const before = Date.now();
    const r = await withCookie(hub, token).get('/api/me');
    expect(r.status).toBe(200);
    const lines = sessionCookies(r);
    expect(lines).toHaveLength(1);
    const { value, attrs } = cookieAttributes(lines[0]);
    expect(value).toBe(token);
    expect(Number(attrs.get('max-age'))).toBe(30 * 24 * 3600);
    expect(attrs.has('httponly')).toBe(true);
    const [row] = await rows<{ expires_at: Date }>(sql`SELECT expires_at FROM sessions WHERE id = ${sha256(token)}`);
    expect(Math.abs(row.expires_at.getTime() - (before + THIRTY_DAYS_MS))).toBeLessThan(60_000);
    // Once extended it is not re-sent again.
    expect(sessionCookies(await withCookie(hub, token).get('/api/me'))).toHaveLength(0);
  });

  it('security headers on an API answer, an API error and GET /', async () => {
    const answers = [await owner.get('/api/setup'), await new ApiClient(hub.url).get('/api/me')];
    const page = await fetch(hub.url + '/');
    await page.text();
    for (const headers of [...answers.map((a) => a.headers), page.headers]) {
      const csp = headers.get('content-security-policy') ?? '';
      const directives = csp.split(';').map((d) => d.trim());
      expect(directives).toContain("default-src 'self'");
      expect(directives).toContain("frame-ancestors 'none'");
      expect(directives).toContain("object-src 'none'");
      expect(directives.some((d) => d.startsWith('script-src') && d.includes("'unsafe-inline'"))).toBe(false);
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('referrer-policy')).toBe('no-referrer');
      // No HSTS over plain http.
      expect(headers.get('strict-transport-security')).toBeNull();
    }
    expect(answers[0].headers.get('cache-control')).toBe('no-store');
  });

  it('state-changing calls without Origin or with a foreign Origin -> 403 bad_origin and nothing changes', async () => {
    const token = owner.cookie!;
    const origins: (string | null)[] = [null, 'http://evil.example', 'null', hub.url.replace('127.0.0.1', 'localhost'), hub.url + '.evil.example'];
    for (const origin of origins) {
      const c = withCookie(hub, token, origin);
      expectError(await c.patch('/api/me', { name: 'Mallory' }), 403, 'bad_origin');
      expectError(await c.call('PUT', '/api/me/avatar', Buffer.from('GIF89a' + 'x'.repeat(20))), 403, 'bad_origin');
      expectError(await c.post('/api/invitations', { email: 'spy@example.com' }), 403, 'bad_origin');
      expectError(await c.post('/api/auth/logout'), 403, 'bad_origin');
      // A cross-site login cannot plant a session either.
      const login = await new ApiClient(hub.url, origin).post('/api/auth/login', { email: OWNER_EMAIL, password: PASSWORD });
      expectError(login, 403, 'bad_origin');
      expect(sessionCookies(login)).toHaveLength(0);
    }
    const me = await owner.get('/api/me');
    expect(me.status).toBe(200); // the session survived the refused logouts
    expect(me.body.user).toMatchObject({ name: 'Olga Owner', avatarUrl: null });
    expect(await rows(sql`SELECT id FROM invitations`)).toHaveLength(0);
    // Reads need no Origin.
    expect((await withCookie(hub, token, null).get('/api/me')).status).toBe(200);
  });

  it('passwords are stored as argon2id hashes', async () => {
    const [row] = await rows<{ password_hash: string }>(sql`SELECT password_hash FROM users WHERE id = ${ownerId}`);
    expect(row.password_hash.startsWith('$argon2id$')).toBe(true);
    expect(row.password_hash).not.toContain(PASSWORD);
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
  });
});

describe('auth: lockout per e-mail (its own hub: it spends the per-address budget)', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
    await registerOwner(hub.url, 'locked@example.com');
  });
  afterAll(() => hub?.stop());

  it('5 failures lock the e-mail: the 6th attempt, even with the right password, is 429 locked_out with Retry-After', async () => {
    const c = new ApiClient(hub.url);
    for (let i = 0; i < 5; i++) {
      expectError(await c.post('/api/auth/login', { email: 'locked@example.com', password: `wrong password ${i}` }), 401, 'invalid_credentials');
    }
    const r = await c.post('/api/auth/login', { email: 'locked@example.com', password: PASSWORD });
    expectError(r, 429, 'locked_out');
    expect(sessionCookies(r)).toHaveLength(0);
    const retryAfter = r.body.error.retryAfter;
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(r.headers.get('retry-after')).toBe(String(retryAfter));
    // The lock is per e-mail (case-insensitively), not per address: others still sign in from here.
    expectError(await c.post('/api/auth/login', { email: 'LOCKED@example.com', password: PASSWORD }), 429, 'locked_out');
    expect(c.cookie).toBeNull();
  });
});

describe('auth: per-address rate limit (its own hub)', () => {
  let hub: TestHub;
  let owner: ApiClient;
  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url, 'rl-owner@example.com'); // attempt 1 of 10
  });
  afterAll(() => hub?.stop());

  it('after 10 attempts from one address: 429 rate_limited with Retry-After, even with the right password', async () => {
    const c = new ApiClient(hub.url);
    for (let i = 0; i < 9; i++) {
      // Distinct e-mails, so no e-mail gets locked: only the address limit can refuse.
      expectError(await c.post('/api/auth/login', { email: `guess${i}@example.com`, password: PASSWORD }), 401, 'invalid_credentials');
    }
    const r = await c.post('/api/auth/login', { email: 'rl-owner@example.com', password: PASSWORD });
    expectError(r, 429, 'rate_limited');
    expect(sessionCookies(r)).toHaveLength(0);
    const retryAfter = r.body.error.retryAfter;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(6);
    expect(r.headers.get('retry-after')).toBe(String(retryAfter));
    // Invitation previews and registration share the budget.
    expectError(await c.get(`/api/invitations/preview/${'a'.repeat(43)}`), 429, 'rate_limited');
    expectError(await c.post('/api/auth/register', { workspaceName: 'X', name: 'Y', email: 'y@example.com', password: PASSWORD }), 429, 'rate_limited');
    // Signed-in users are not affected.
    expect((await owner.get('/api/me')).status).toBe(200);
    expect((await owner.patch('/api/me', { position: 'CEO' })).status).toBe(200);
  });
});

describe('auth: concurrent first registrations (its own hub)', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub?.stop());

  it('two simultaneous first registrations: exactly one owner, the other 403 registration_closed', async () => {
    const a = new ApiClient(hub.url);
    const b = new ApiClient(hub.url);
    const [ra, rb] = await Promise.all([
      a.post('/api/auth/register', { workspaceName: 'A', name: 'Anna', email: 'anna@example.com', password: PASSWORD }),
      b.post('/api/auth/register', { workspaceName: 'B', name: 'Boris', email: 'boris@example.com', password: PASSWORD }),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([201, 403]);
    const loser = ra.status === 403 ? ra : rb;
    expect(loser.body.error.code).toBe('registration_closed');
    const users = (await hub.artel.svc.db.query(sql`SELECT email, role FROM users`)) as any[];
    expect(users).toHaveLength(1);
    expect(users[0].role).toBe('owner');
    const winner = ra.status === 201 ? a : b;
    expect((await winner.get('/api/me')).body.user.email).toBe(users[0].email);
    expect([a.cookie, b.cookie].filter(Boolean)).toHaveLength(1);
  });
});

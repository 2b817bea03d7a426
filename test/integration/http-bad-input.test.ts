import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, ApiClient, PASSWORD, registerOwner, type Answer } from '../helpers/client';
import { ROUTES } from '../../server/http/routes';
import { LIMITS } from '../../shared/api';

/** A valid 1x1 PNG (RGBA). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

function expectError(a: Answer, status: number, code: string): void {
  expect(a.status, `${status} ${code} expected, got ${a.status} ${JSON.stringify(a.body)}`).toBe(status);
  expect(a.body?.error?.code).toBe(code);
  expect(typeof a.body.error.message).toBe('string');
}

/** Send a raw body with a given content type. */
const raw = (c: ApiClient, method: string, path: string, body: string | Buffer, type = 'application/json') =>
  c.call(method, path, body, { 'content-type': type });

/** A body that passes the route's schema, so that only the permission check can refuse it. */
const SAMPLE_BODIES: Record<string, unknown> = {
  'POST /api/invitations': { email: 'sample-invitee@example.com', role: 'employee' },
  'PATCH /api/admin/users/:id': { role: 'employee' },
  'PATCH /api/me': { position: 'Sample' },
  'POST /api/auth/register': { workspaceName: 'W', name: 'N', email: 'n@example.com', password: PASSWORD },
  'POST /api/auth/login': { email: 'n@example.com', password: PASSWORD },
  'POST /api/invitations/accept': { token: 'a'.repeat(43), name: 'N', password: PASSWORD },
};

describe('http: bad input gets typed 4xx answers', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let emp: ApiClient;
  let empId: string;
  let ownerId: string;

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url, 'owner@example.com', 'Olga Owner');
    emp = await addColleague(owner, 'eve@example.com', 'Eve Employee');
    empId = (await emp.get('/api/me')).body.user.id;
    ownerId = (await owner.get('/api/me')).body.user.id;
  });
  afterAll(() => hub?.stop());

  it('a malformed JSON body -> 400 bad_request, nothing changes', async () => {
    for (const body of ['{', '{"name":', "{'name':'x'}", 'name=Mallory', '{"name":"x"}}', '\u0000']) {
      const r = await raw(owner, 'PATCH', '/api/me', body);
      expectError(r, 400, 'bad_request');
      expect(r.body.error.message).toMatch(/JSON/);
    }
    expect((await owner.get('/api/me')).body.user.name).toBe('Olga Owner');
  });

  it('JSON that is not an object, or no body at all -> 400 bad_request with fields', async () => {
    for (const body of ['null', '[]', '"name"', '42', '']) {
      const r = await raw(owner, 'PATCH', '/api/me', body);
      expectError(r, 400, 'bad_request');
      expect(r.body.error.fields).toBeDefined();
    }
    const empty = await owner.call('POST', '/api/invitations');
    expectError(empty, 400, 'bad_request');
  });

  it('schema violations -> 400 with the failing fields named', async () => {
    const anon = new ApiClient(hub.url);
    // Refused by the schema before the handler runs: these spend no per-address auth budget.
    const shortPw = await anon.post('/api/auth/login', { email: 'owner@example.com', password: '' });
    expectError(shortPw, 400, 'bad_request');
    expect(shortPw.body.error.fields).toHaveProperty('password');

    const badEmail = await anon.post('/api/auth/login', { email: 'not-an-email', password: PASSWORD });
    expectError(badEmail, 400, 'bad_request');
    expect(badEmail.body.error.fields).toHaveProperty('email');

    const shortAccept = await anon.post('/api/invitations/accept', { token: 'a'.repeat(43), name: 'X', password: 'short' });
    expectError(shortAccept, 400, 'bad_request');
    expect(shortAccept.body.error.fields).toHaveProperty('password');

    const longName = await owner.patch('/api/me', { name: 'x'.repeat(LIMITS.nameMax + 1) });
    expectError(longName, 400, 'bad_request');
    expect(longName.body.error.fields).toHaveProperty('name');

    const blankName = await owner.patch('/api/me', { name: '   ' });
    expectError(blankName, 400, 'bad_request');
    expect(blankName.body.error.fields).toHaveProperty('name');

    const badLocale = await owner.patch('/api/me', { locale: 'fr' });
    expectError(badLocale, 400, 'bad_request');
    expect(badLocale.body.error.fields).toHaveProperty('locale');

    const wrongType = await owner.patch('/api/me', { position: 7 });
    expectError(wrongType, 400, 'bad_request');
    expect(wrongType.body.error.fields).toHaveProperty('position');

    const badInvite = await owner.post('/api/invitations', { email: 'a@b' });
    expectError(badInvite, 400, 'bad_request');
    expect(badInvite.body.error.fields).toHaveProperty('email');

    const me = (await owner.get('/api/me')).body.user;
    expect(me).toMatchObject({ name: 'Olga Owner', position: '', locale: 'en' });
  });

  it('an unknown extra field -> 400 with fields (no mass assignment of role, id, password_hash...)', async () => {
    for (const extra of [{ role: 'guest' }, { id: randomUUID() }, { password_hash: 'x' }, { email: 'evil@example.com' }, { active: false }]) {
      const r = await emp.patch('/api/me', { name: 'Eve Renamed', ...extra });
      expectError(r, 400, 'bad_request');
      expect(r.body.error.fields).toBeDefined();
      expect(Object.values(r.body.error.fields).join(' ')).toContain(Object.keys(extra)[0]);
    }
    const me = (await emp.get('/api/me')).body.user;
    expect(me).toMatchObject({ id: empId, name: 'Eve Employee', role: 'employee', email: 'eve@example.com', active: true });
    const withProto = await raw(emp, 'PATCH', '/api/me', '{"name":"Eve P","__proto__":{"role":"owner"}}');
    expectError(withProto, 400, 'bad_request');
    expect((await emp.get('/api/me')).body.user).toMatchObject({ name: 'Eve Employee', role: 'employee' });
  });

  it('a JSON body over 64 KiB -> 413 payload_too_large, nothing changes', async () => {
    const big = JSON.stringify({ position: 'x'.repeat(LIMITS.jsonBodyBytes) });
    expect(Buffer.byteLength(big)).toBeGreaterThan(LIMITS.jsonBodyBytes);
    expectError(await owner.patch('/api/me', { position: 'x'.repeat(LIMITS.jsonBodyBytes) }), 413, 'payload_too_large');
    // Public routes too, before any work is done.
    expectError(await new ApiClient(hub.url).post('/api/auth/login', { email: 'a@example.com', password: 'p'.repeat(70_000) }), 413, 'payload_too_large');
    expect((await owner.get('/api/me')).body.user.position).toBe('');
  });

  it('a JSON body over 64 KiB sent without Content-Length (chunked) -> 413 as well', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 8) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(hub.url + '/api/me', {
      method: 'PATCH',
      headers: { origin: hub.url, cookie: `artel_session=${owner.cookie}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('payload_too_large');
    expect((await owner.get('/api/me')).status).toBe(200);
  });

  it('a JSON body of exactly 64 KiB is accepted (the limit is inclusive)', async () => {
    const prefix = '{"position":"';
    const suffix = '"}';
    const body = prefix + ' '.repeat(LIMITS.jsonBodyBytes - prefix.length - suffix.length) + suffix;
    expect(Buffer.byteLength(body)).toBe(LIMITS.jsonBodyBytes);
    const r = await raw(owner, 'PATCH', '/api/me', body);
    expect(r.status).toBe(200);
    expect(r.body.user.position).toBe(''); // trimmed
  });

  it('an avatar over 1 MiB -> 413, nothing stored (exactly 1 MiB is accepted)', async () => {
    const exact = Buffer.concat([PNG, Buffer.alloc(LIMITS.avatarBytes - PNG.length)]);
    expect(exact.length).toBe(LIMITS.avatarBytes);
    expect((await owner.call('PUT', '/api/me/avatar', exact)).status).toBe(200);
    expect((await owner.del('/api/me/avatar')).body.user.avatarUrl).toBeNull();

    const big = Buffer.concat([PNG, Buffer.alloc(LIMITS.avatarBytes)]);
    expectError(await emp.call('PUT', '/api/me/avatar', big), 413, 'payload_too_large');
    expectError(await emp.call('PUT', '/api/me/avatar', Buffer.concat([exact, Buffer.from([0])])), 413, 'payload_too_large');
    expect((await emp.get('/api/me')).body.user.avatarUrl).toBeNull();
    expectError(await emp.get(`/api/users/${empId}/avatar`), 404, 'not_found');
  });

  it('a non-image avatar (SVG, text, HTML, even labelled image/png) -> 400, nothing stored', async () => {
    const before = (await emp.get('/api/me')).body.user;
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const html = Buffer.from('<!doctype html><script>alert(document.cookie)</script>');
    for (const [body, type] of [[svg, 'image/svg+xml'], [Buffer.from('just some text, not an image'), 'image/png'], [html, 'image/gif'], [Buffer.from('\x89PNG'), 'image/png'], [Buffer.alloc(0), 'image/png']] as const) {
      const r = await raw(emp, 'PUT', '/api/me/avatar', body, type);
      expectError(r, 400, 'bad_request');
    }
    const after = (await emp.get('/api/me')).body.user;
    expect(after).toEqual(before);
    expect(after.avatarUrl).toBeNull();
    expectError(await emp.get(`/api/users/${empId}/avatar`), 404, 'not_found');
  });

  it('a valid PNG avatar -> 200; GET /api/users/:id/avatar returns image/png with identical bytes', async () => {
    const r = await raw(emp, 'PUT', '/api/me/avatar', PNG, 'application/octet-stream');
    expect(r.status).toBe(200);
    expect(r.body.user.avatarUrl).toMatch(new RegExp(`^/api/users/${empId}/avatar\\?v=\\d+$`));
    for (const viewer of [emp, owner]) {
      const res = await fetch(hub.url + r.body.user.avatarUrl, { headers: { cookie: `artel_session=${viewer.cookie}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    }
    // A later refused upload leaves the stored image as it was.
    expectError(await raw(emp, 'PUT', '/api/me/avatar', Buffer.from('<svg/>'.repeat(5)), 'image/svg+xml'), 400, 'bad_request');
    const again = await fetch(hub.url + `/api/users/${empId}/avatar`, { headers: { cookie: `artel_session=${owner.cookie}` } });
    expect(Buffer.from(await again.arrayBuffer()).equals(PNG)).toBe(true);
    // Anonymous readers get nothing.
    const anon = await fetch(hub.url + `/api/users/${empId}/avatar`);
    expect(anon.status).toBe(401);
  });

  it('unknown endpoints -> 404 not_found', async () => {
    for (const path of ['/api/nope', '/api/users/x/y/z', '/api/admin', '/api/me/password', '/api/invitations/preview/a/b']) {
      expectError(await owner.get(path), 404, 'not_found');
    }
    expectError(await owner.post('/api/nope', {}), 404, 'not_found');
    expectError(await owner.call('DELETE', '/api/admin/everything'), 404, 'not_found');
  });

  it('a wrong method on a known path -> 405 method_not_allowed, nothing changes', async () => {
    const cases: [string, string][] = [
      ['DELETE', '/api/me'],
      ['PUT', '/api/setup'],
      ['GET', '/api/auth/login'],
      ['GET', '/api/auth/logout'],
      ['POST', '/api/users'],
      ['PATCH', '/api/invitations'],
      ['GET', '/api/invitations/accept'],
      ['DELETE', '/api/admin/outbox'],
    ];
    for (const [method, path] of cases) {
      const r = await owner.call(method, path, method === 'GET' ? undefined : {});
      expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBe(405);
      expect(r.body.error.code).toBe('method_not_allowed');
    }
    expect((await owner.get('/api/me')).status).toBe(200); // GET logout did not sign out
  });

  it('invalid UUID path parameters -> 404 not_found', async () => {
    for (const id of ['not-a-uuid', '1', '00000000-0000-0000-0000-00000000000g', "1'%20OR%20'1'='1", '..']) {
      expectError(await owner.get(`/api/users/${id}/avatar`), 404, 'not_found');
      expectError(await owner.del(`/api/invitations/${id}`), 404, 'not_found');
      expectError(await owner.patch(`/api/admin/users/${id}`, { role: 'admin' }), 404, 'not_found');
      expectError(await owner.post(`/api/admin/users/${id}/deactivate`), 404, 'not_found');
      expectError(await owner.post(`/api/admin/users/${id}/reactivate`), 404, 'not_found');
    }
    // Well-formed but unknown ids are 404 too.
    expectError(await owner.get(`/api/users/${randomUUID()}/avatar`), 404, 'not_found');
    expectError(await owner.del(`/api/invitations/${randomUUID()}`), 404, 'not_found');
    expectError(await owner.post(`/api/admin/users/${randomUUID()}/deactivate`), 404, 'not_found');
    expect((await emp.get('/api/me')).body.user).toMatchObject({ role: 'employee', active: true });
  });

  describe('every session route refuses anonymous callers with 401 unauthenticated', () => {
    const sessionRoutes = ROUTES.filter((r) => r.access === 'session');

    it('the route table has session routes, and its public routes are exactly the expected ones', () => {
      expect(sessionRoutes.length).toBeGreaterThanOrEqual(14);
      // A new public endpoint must be added here deliberately.
      expect(ROUTES.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.path}`).sort()).toEqual([
        'GET /api/invitations/preview/:token',
        'GET /api/setup',
        'POST /api/auth/login',
        'POST /api/auth/register',
        'POST /api/call-guest/session',
        'POST /api/doc-guest/session',
        'POST /api/guest/session',
        'POST /api/invitations/accept',
      ]);
    });

    for (const route of sessionRoutes) {
      it(`${route.method} ${route.path}`, async () => {
        const path = route.path.replace(/:[a-z]+/gi, randomUUID());
        const body = route.body === 'raw' ? PNG : route.body === 'json' ? (SAMPLE_BODIES[`${route.method} ${route.path}`] ?? {}) : undefined;
        for (const client of [new ApiClient(hub.url), Object.assign(new ApiClient(hub.url), { cookie: 'forged-' + 'x'.repeat(36) })]) {
          const r = await client.call(route.method, path, body);
          expectError(r, 401, 'unauthenticated');
          expect(r.headers.getSetCookie().filter((c) => /^artel_session=[^;]+/.test(c))).toHaveLength(0);
        }
      });
    }

    it('nothing was changed by the anonymous calls', async () => {
      const users = (await owner.get('/api/admin/users')).body.users;
      expect(users.map((u: any) => [u.email, u.role, u.active]).sort()).toEqual([
        ['eve@example.com', 'employee', true],
        ['owner@example.com', 'owner', true],
      ]);
      expect((await owner.get('/api/invitations')).body.invitations.filter((i: any) => !i.acceptedAt && !i.revokedAt)).toHaveLength(0);
    });
  });

  describe('an employee is refused (403 forbidden) by every admin and invitation route', () => {
    const guarded = ROUTES.filter(
      (r) => (r.path.startsWith('/api/admin') || r.path.startsWith('/api/invitations')) &&
        r.path !== '/api/invitations/preview/:token' && r.path !== '/api/invitations/accept',
    );
    let pendingId = '';

    beforeAll(async () => {
      const inv = await owner.post('/api/invitations', { email: 'pending@example.com' });
      pendingId = inv.body.invitation.id;
    });

    it('the guarded set covers users, roles, activation, outbox and invitations', () => {
      const names = guarded.map((r) => `${r.method} ${r.path}`);
      for (const n of ['GET /api/admin/users', 'PATCH /api/admin/users/:id', 'POST /api/admin/users/:id/deactivate',
        'POST /api/admin/users/:id/reactivate', 'GET /api/admin/outbox', 'POST /api/invitations', 'GET /api/invitations',
        'DELETE /api/invitations/:id']) {
        expect(names).toContain(n);
      }
    });

    for (const route of guarded) {
      it(`${route.method} ${route.path}`, async () => {
        // Real targets, so that a missing check would really do something.
        const id = route.path.startsWith('/api/invitations') ? pendingId : ownerId;
        const path = route.path.replace(/:[a-z]+/gi, id);
        const key = `${route.method} ${route.path}`;
        if (route.body === 'json') expect(SAMPLE_BODIES, `add a valid sample body for ${key}`).toHaveProperty([key]);
        const body = route.body === 'raw' ? PNG : route.body === 'json' ? SAMPLE_BODIES[key] : undefined;
        expectError(await emp.call(route.method, path, body), 403, 'forbidden');
      });
    }

    it('nothing was changed by the refused calls, and the employee still works normally', async () => {
      const users = (await owner.get('/api/admin/users')).body.users;
      expect(users.find((u: any) => u.id === ownerId)).toMatchObject({ role: 'owner', active: true });
      const invs = (await owner.get('/api/invitations')).body.invitations;
      expect(invs.find((i: any) => i.id === pendingId)).toMatchObject({ revokedAt: null, acceptedAt: null });
      expect(invs.some((i: any) => i.email === 'sample-invitee@example.com')).toBe(false);
      expect((await emp.get('/api/users')).status).toBe(200);
      expect((await emp.patch('/api/me', { position: 'Still here' })).status).toBe(200);
    });
  });
});

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, ApiClient, invitationToken, PASSWORD, registerOwner, type Answer } from '../helpers/client';
import { sql } from '../../server/db/pool';

// Preview and accept spend the per-address auth budget (10 at once, then one per 6 s); each describe below
// has its own hub and stays within 10 such calls.

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function expectError(a: Answer, status: number, code: string): void {
  expect(a.status, JSON.stringify(a.body)).toBe(status);
  expect(a.body?.error?.code).toBe(code);
}

const query = (hub: TestHub, q: ReturnType<typeof sql>) => hub.artel.svc.db.query(q) as Promise<any[]>;
const userCount = async (hub: TestHub) => (await query(hub, sql`SELECT count(*)::int AS n FROM users`))[0].n as number;

describe('invitations: the happy path and who may invite', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let employee: ApiClient;
  let bobToken: string;

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url, 'owner@example.com', 'Olga Owner'); // budget: 1
  });
  afterAll(() => hub?.stop());

  it('the owner invites: the outbox mail holds <PUBLIC_URL>/invite/<43-char token>', async () => {
    const r = await owner.post('/api/invitations', { email: 'Bob@Example.com' });
    expect(r.status).toBe(201);
    expect(r.body.invitation).toMatchObject({
      email: 'bob@example.com', role: 'employee', invitedBy: 'Olga Owner', acceptedAt: null, revokedAt: null,
    });
    expect(r.body.invitation).not.toHaveProperty('token');
    expect(JSON.stringify(r.body)).not.toMatch(/[A-Za-z0-9_-]{43}/);
    const expires = Date.parse(r.body.invitation.expiresAt) - Date.now();
    expect(expires).toBeGreaterThan(6.9 * 24 * 3600e3);
    expect(expires).toBeLessThan(7.1 * 24 * 3600e3);

    const mails = await owner.get('/api/admin/outbox');
    expect(mails.status).toBe(200);
    const mail = mails.body.mails.find((m: any) => m.to === 'bob@example.com');
    expect(mail).toBeDefined();
    expect(mail.status).toBe('outbox');
    expect(mail.subject).toContain('Acme');
    const links = [...mail.text.matchAll(/https?:\/\/\S+/g)].map((m) => m[0]);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(link).toMatch(new RegExp(`^${hub.url.replace(/\./g, '\\.')}/invite/[A-Za-z0-9_-]{43}$`));
    bobToken = await invitationToken(owner, 'bob@example.com');
    expect(links[0]).toBe(`${hub.url}/invite/${bobToken}`);
  });

  it('the preview shows the e-mail, the workspace and the inviter, to anyone with the link', async () => {
    const r = await new ApiClient(hub.url).get(`/api/invitations/preview/${bobToken}`); // budget: 2
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ email: 'bob@example.com', workspaceName: 'Acme', invitedBy: 'Olga Owner' });
    expect(Date.parse(r.body.expiresAt)).toBeGreaterThan(Date.now());
  });

  it('accepting creates an employee and signs them in; /api/me and the directory work', async () => {
    const bob = new ApiClient(hub.url);
    const r = await bob.post('/api/invitations/accept', { token: bobToken, name: 'Bob Builder', password: PASSWORD }); // 3
    expect(r.status).toBe(201);
    expect(r.body.user).toMatchObject({ email: 'bob@example.com', name: 'Bob Builder', role: 'employee', active: true });
    expect(r.body.workspace).toEqual({ name: 'Acme' });
    expect(bob.cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const me = await bob.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe('bob@example.com');
    const users = await bob.get('/api/users');
    expect(users.status).toBe(200);
    expect(users.body.users.map((u: any) => u.email).sort()).toEqual(['bob@example.com', 'owner@example.com']);
    const [inv] = await query(hub, sql`SELECT accepted_at, accepted_by FROM invitations WHERE email = 'bob@example.com'`);
    expect(inv.accepted_at).not.toBeNull();
    expect(inv.accepted_by).toBe(me.body.user.id);
    const [row] = await query(hub, sql`SELECT password_hash FROM users WHERE email = 'bob@example.com'`);
    expect(row.password_hash.startsWith('$argon2id$')).toBe(true);
    const list = await owner.get('/api/invitations');
    expect(list.body.invitations.find((i: any) => i.email === 'bob@example.com').acceptedAt).not.toBeNull();
    employee = bob;
  });

  it('replaying the same token -> 410 invitation_invalid and no second user', async () => {
    const before = await userCount(hub);
    const c = new ApiClient(hub.url);
    const r = await c.post('/api/invitations/accept', { token: bobToken, name: 'Bob Again', password: PASSWORD }); // 4
    expectError(r, 410, 'invitation_invalid');
    expect(c.cookie).toBeNull();
    expect(await userCount(hub)).toBe(before);
    expect((await query(hub, sql`SELECT name FROM users WHERE email = 'bob@example.com'`)).map((u) => u.name)).toEqual(['Bob Builder']);
  });

  it('an employee cannot invite, list invitations, revoke them or read the outbox (403 forbidden)', async () => {
    expectError(await employee.post('/api/invitations', { email: 'friend@example.com' }), 403, 'forbidden');
    expectError(await employee.post('/api/invitations', { email: 'friend@example.com', role: 'admin' }), 403, 'forbidden');
    expectError(await employee.get('/api/invitations'), 403, 'forbidden');
    expectError(await employee.get('/api/admin/outbox'), 403, 'forbidden');
    const pending = await owner.post('/api/invitations', { email: 'pending@example.com' });
    expectError(await employee.del(`/api/invitations/${pending.body.invitation.id}`), 403, 'forbidden');
    // Nothing was created, sent or revoked.
    expect(await query(hub, sql`SELECT id FROM invitations WHERE email = 'friend@example.com'`)).toHaveLength(0);
    expect((await hub.outbox()).some((m) => m.to === 'friend@example.com')).toBe(false);
    const [p] = await query(hub, sql`SELECT revoked_at FROM invitations WHERE id = ${pending.body.invitation.id}`);
    expect(p.revoked_at).toBeNull();
  });

  it('an admin invites employees but not admins; only the owner invites admins', async () => {
    const admin = await addColleague(owner, 'ada@example.com', 'Ada Admin', 'admin'); // 5
    expect((await admin.get('/api/me')).body.user.role).toBe('admin');
    expectError(await admin.post('/api/invitations', { email: 'second-admin@example.com', role: 'admin' }), 403, 'forbidden');
    expect(await query(hub, sql`SELECT id FROM invitations WHERE email = 'second-admin@example.com'`)).toHaveLength(0);
    const ok = await admin.post('/api/invitations', { email: 'carol@example.com', role: 'employee' });
    expect(ok.status).toBe(201);
    expect(ok.body.invitation).toMatchObject({ role: 'employee', invitedBy: 'Ada Admin' });
    const byOwner = await owner.post('/api/invitations', { email: 'second-admin@example.com', role: 'admin' });
    expect(byOwner.status).toBe(201);
    expect(byOwner.body.invitation.role).toBe('admin');
    // Roles other than admin / employee are not invitable at all.
    for (const role of ['owner', 'guest']) {
      const r = await owner.post('/api/invitations', { email: 'x@example.com', role });
      expectError(r, 400, 'bad_request');
      expect(r.body.error.fields).toHaveProperty('role');
    }
  });

  it('inviting an e-mail already in the workspace -> 409 conflict (any case), and no mail goes out', async () => {
    const mailsBefore = (await hub.outbox()).length;
    for (const email of ['bob@example.com', 'BOB@example.com', 'owner@example.com']) {
      expectError(await owner.post('/api/invitations', { email }), 409, 'conflict');
    }
    expect((await hub.outbox()).length).toBe(mailsBefore);
  });

  it('two concurrent accepts of one token: exactly one 201 and one 410, one user created', async () => {
    await owner.post('/api/invitations', { email: 'dan@example.com' });
    const token = await invitationToken(owner, 'dan@example.com');
    const before = await userCount(hub);
    const a = new ApiClient(hub.url);
    const b = new ApiClient(hub.url);
    const results = await Promise.all([
      a.post('/api/invitations/accept', { token, name: 'Dan A', password: PASSWORD }), // 6
      b.post('/api/invitations/accept', { token, name: 'Dan B', password: PASSWORD }), // 7
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 410]);
    expect(results.find((r) => r.status === 410)!.body.error.code).toBe('invitation_invalid');
    expect(await userCount(hub)).toBe(before + 1);
    const dans = await query(hub, sql`SELECT name FROM users WHERE email = 'dan@example.com'`);
    expect(dans).toHaveLength(1);
    expect(dans[0].name).toBe(results.find((r) => r.status === 201)!.body.user.name);
    // Only the winner holds a session.
    expect([a.cookie, b.cookie].filter(Boolean)).toHaveLength(1);
  });

  it('the token is stored as its SHA-256 only: it appears nowhere in the invitations table', async () => {
    const r = await owner.post('/api/invitations', { email: 'erin@example.com' });
    const token = await invitationToken(owner, 'erin@example.com');
    const [row] = await query(hub, sql`SELECT token_hash FROM invitations WHERE id = ${r.body.invitation.id}`);
    expect(row.token_hash).toBe(sha256(token));
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    const dump = await query(hub, sql`SELECT i::text AS t FROM invitations i`);
    expect(dump.length).toBeGreaterThan(1);
    for (const d of dump) expect(d.t).not.toContain(token);
    for (const d of dump) expect(d.t).not.toContain(bobToken);
  });
});

describe('invitations: links that no longer work', () => {
  let hub: TestHub;
  let owner: ApiClient;

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url, 'owner2@example.com', 'Oscar Owner'); // budget: 1
  });
  afterAll(() => hub?.stop());

  async function invite(email: string): Promise<{ id: string; token: string }> {
    const r = await owner.post('/api/invitations', { email });
    expect(r.status).toBe(201);
    return { id: r.body.invitation.id, token: await invitationToken(owner, email) };
  }

  it('an expired invitation -> 410 on preview and accept, and no user is created', async () => {
    const { id, token } = await invite('late@example.com');
    await hub.artel.svc.db.query(sql`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = ${id}`);
    const before = await userCount(hub);
    expectError(await new ApiClient(hub.url).get(`/api/invitations/preview/${token}`), 410, 'invitation_invalid'); // 2
    const c = new ApiClient(hub.url);
    expectError(await c.post('/api/invitations/accept', { token, name: 'Late', password: PASSWORD }), 410, 'invitation_invalid'); // 3
    expect(c.cookie).toBeNull();
    expect(await userCount(hub)).toBe(before);
  });

  it('a revoked invitation (DELETE /api/invitations/:id) -> 410, and it cannot be revoked twice', async () => {
    const { id, token } = await invite('revoked@example.com');
    const del = await owner.del(`/api/invitations/${id}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ ok: true });
    const list = await owner.get('/api/invitations');
    expect(list.body.invitations.find((i: any) => i.id === id).revokedAt).not.toBeNull();
    const before = await userCount(hub);
    expectError(await new ApiClient(hub.url).get(`/api/invitations/preview/${token}`), 410, 'invitation_invalid'); // 4
    expectError(await new ApiClient(hub.url).post('/api/invitations/accept', { token, name: 'Rev', password: PASSWORD }), 410, 'invitation_invalid'); // 5
    expect(await userCount(hub)).toBe(before);
    expectError(await owner.del(`/api/invitations/${id}`), 404, 'not_found');
  });

  it('a new invitation to the same address replaces the pending one: the old link is dead', async () => {
    const first = await invite('twice@example.com');
    const second = await invite('twice@example.com');
    expect(second.token).not.toBe(first.token);
    expectError(await new ApiClient(hub.url).get(`/api/invitations/preview/${first.token}`), 410, 'invitation_invalid'); // 6
    expect((await new ApiClient(hub.url).get(`/api/invitations/preview/${second.token}`)).status).toBe(200); // 7
  });

  it('malformed tokens -> 410 invitation_invalid on preview, 400 bad_request naming the token on accept', async () => {
    // These are refused before the per-address budget is touched.
    for (const bad of ['abc', 'a'.repeat(42), 'a'.repeat(44), '!'.repeat(43), 'a'.repeat(2000), "'%20OR%201=1--" + 'a'.repeat(30)]) {
      expectError(await new ApiClient(hub.url).get(`/api/invitations/preview/${bad}`), 410, 'invitation_invalid');
    }
    for (const bad of ['abc', 'a'.repeat(44), '!'.repeat(43), '', 42, null]) {
      const r = await new ApiClient(hub.url).post('/api/invitations/accept', { token: bad, name: 'X', password: PASSWORD });
      expectError(r, 400, 'bad_request');
      expect(r.body.error.fields).toHaveProperty('token');
    }
    // A well-formed token nobody issued.
    expectError(await new ApiClient(hub.url).get(`/api/invitations/preview/${'Z'.repeat(43)}`), 410, 'invitation_invalid'); // 8
  });

  it('after all that, the server still serves: a fresh invitation works end to end', async () => {
    const carol = await addColleague(owner, 'carol2@example.com', 'Carol'); // 9
    expect((await carol.get('/api/me')).body.user.role).toBe('employee');
    expect((await new ApiClient(hub.url).get('/healthz')).status).toBe(200);
  });
});

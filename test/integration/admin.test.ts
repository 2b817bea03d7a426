import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, ApiClient, PASSWORD, RealtimeClient, registerOwner } from '../helpers/client';

describe('administration: roles, deactivation, outbox', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let admin: ApiClient;
  let emp: ApiClient;
  const idOf = async (c: ApiClient) => (await c.get('/api/me')).body.user.id as string;

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url);
    admin = await addColleague(owner, 'ada@example.com', 'Ada', 'admin');
    emp = await addColleague(owner, 'eve@example.com', 'Eve');
  });
  afterAll(() => hub.stop());

  it('lists every user with roles for staff, and refuses employees', async () => {
    const r = await owner.get('/api/admin/users');
    expect(r.status).toBe(200);
    expect(r.body.users.map((u: any) => [u.email, u.role]).sort()).toEqual([
      ['ada@example.com', 'admin'],
      ['eve@example.com', 'employee'],
      ['owner@example.com', 'owner'],
    ]);
    expect((await emp.get('/api/admin/users')).status).toBe(403);
  });

  it('the owner promotes and demotes; an admin cannot touch admins or the owner; nobody changes their own role', async () => {
    const eveId = await idOf(emp);
    const adaId = await idOf(admin);
    const ownerId = await idOf(owner);
    expect((await owner.patch(`/api/admin/users/${eveId}`, { role: 'admin' })).body.user.role).toBe('admin');
    expect((await admin.patch(`/api/admin/users/${eveId}`, { role: 'employee' })).status).toBe(403);
    expect((await owner.patch(`/api/admin/users/${eveId}`, { role: 'employee' })).body.user.role).toBe('employee');
    expect((await admin.patch(`/api/admin/users/${ownerId}`, { role: 'employee' })).status).toBe(403);
    expect((await admin.patch(`/api/admin/users/${adaId}`, { role: 'employee' })).status).toBe(403);
    expect((await owner.patch(`/api/admin/users/${adaId}`, { role: 'owner' })).status).toBe(400);
    expect((await emp.patch(`/api/admin/users/${adaId}`, { role: 'employee' })).status).toBe(403);
    const users = (await owner.get('/api/admin/users')).body.users;
    expect(users.find((u: any) => u.id === ownerId).role).toBe('owner');
    expect(users.find((u: any) => u.id === adaId).role).toBe('admin');
  });

  it('deactivation ends the sessions and closes live sockets at once (4403), announces it, and blocks login; reactivation restores login', async () => {
    const dan = await addColleague(owner, 'dan@example.com', 'Dan');
    const danId = await idOf(dan);
    const watcher = await RealtimeClient.open(hub.url, owner.cookie);
    await watcher.request({ type: 'subscribe', streams: [{ stream: 'directory' }] });
    const danSocket = await RealtimeClient.open(hub.url, dan.cookie);
    const r = await admin.post(`/api/admin/users/${danId}/deactivate`);
    expect(r.status).toBe(200);
    expect(r.body.user.active).toBe(false);
    expect((await danSocket.closed).code).toBe(4403);
    await watcher.waitFor(() => watcher.events('directory').find((e) => e.event.type === 'user_deactivated' && e.event.payload.userId === danId));
    expect((await dan.get('/api/me')).status).toBe(401);
    expect((await new ApiClient(hub.url).post('/api/auth/login', { email: 'dan@example.com', password: PASSWORD })).status).toBe(403);
    expect((await owner.get('/api/users')).body.users.some((u: any) => u.id === danId)).toBe(false);
    expect((await owner.post(`/api/admin/users/${danId}/reactivate`)).body.user.active).toBe(true);
    expect((await new ApiClient(hub.url).post('/api/auth/login', { email: 'dan@example.com', password: PASSWORD })).status).toBe(200);
    watcher.close();
  });

  it('nobody can deactivate the owner or themselves; an admin cannot deactivate another admin', async () => {
    const ownerId = await idOf(owner);
    const adaId = await idOf(admin);
    expect((await admin.post(`/api/admin/users/${ownerId}/deactivate`)).status).toBe(403);
    expect((await owner.post(`/api/admin/users/${ownerId}/deactivate`)).status).toBe(403);
    expect((await admin.post(`/api/admin/users/${adaId}/deactivate`)).status).toBe(403);
    const second = await addColleague(owner, 'abe@example.com', 'Abe', 'admin');
    expect((await admin.post(`/api/admin/users/${await idOf(second)}/deactivate`)).status).toBe(403);
    expect((await owner.get('/api/me')).status).toBe(200);
  });

  it('without a relay the invitation mail waits in the outbox, with its link', async () => {
    await owner.post('/api/invitations', { email: 'fred@example.com' });
    const mails = (await owner.get('/api/admin/outbox')).body.mails;
    const mail = mails.find((m: any) => m.to === 'fred@example.com');
    expect(mail.status).toBe('outbox');
    expect(mail.text).toMatch(new RegExp(`${hub.url}/invite/[A-Za-z0-9_-]{43}`));
    expect(mail.subject).toContain('Acme');
  });
});

describe('with an SMTP relay', () => {
  it('sends the invitation through the relay and marks it sent', async () => {
    const { SMTPServer } = await import('smtp-server');
    const received: string[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, cb) {
        let data = '';
        stream.on('data', (d) => (data += d));
        stream.on('end', () => {
          received.push(data);
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
    const port = (smtp.server.address() as any).port;
    const hub = await startTestHub({ env: { SMTP_RELAY_URL: `smtp://127.0.0.1:${port}` } });
    try {
      const owner = await registerOwner(hub.url);
      expect((await owner.post('/api/invitations', { email: 'gina@example.com' })).status).toBe(201);
      for (let i = 0; i < 100 && !received.length; i++) await new Promise((r) => setTimeout(r, 50));
      expect(received).toHaveLength(1);
      expect(received[0]).toContain('gina@example.com');
      expect(received[0]).toMatch(/invite\//);
      let mail: any;
      for (let i = 0; i < 50; i++) {
        mail = (await owner.get('/api/admin/outbox')).body.mails[0];
        if (mail.status === 'sent') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(mail.status).toBe('sent');
    } finally {
      await hub.stop();
      await new Promise<void>((r) => smtp.close(() => r()));
    }
  });
});

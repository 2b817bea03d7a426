import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../server/db/pool';
import { startTestHub, type TestHub } from '../helpers/hub';
import { RealtimeClient, type ApiClient } from '../helpers/client';
import { create, crmTeam, expectRefused } from '../fixtures/crm/team';
import * as crm from '../../server/domains/crm';
import { normalizePhone } from '../../server/domains/crm/normalize';

describe('CRM records: create, duplicates, edit, timeline, bad input', () => {
  let hub: TestHub;
  let c: Record<string, ApiClient>;
  let ids: Record<string, string>;

  beforeAll(async () => {
    hub = await startTestHub();
    ({ clients: c, ids } = await crmTeam(hub, ['ann', 'ben']));
  });
  afterAll(() => hub.stop());

  it('normalises phones to E.164 however they are typed, and e-mails to lowercase', () => {
    for (const typed of ['+7 (916) 123-45-67', '8 916 123 45 67', '89161234567', '916-123-45-67', '7 916 1234567', '+7 916 123 45 67 доб. 12', '0079161234567']) {
      expect(normalizePhone(typed, '7'), typed).toBe('+79161234567');
    }
    expect(normalizePhone('020 7946 0958', '44')).toBe('+442079460958');
    for (const bad of ['call me', '12345', '+7 916 abc', '1+2345678', '']) expect(normalizePhone(bad, '7'), bad).toBeNull();
  });

  it('creates a contact with normalised points, its title, creator and a first timeline entry', async () => {
    const rec = await create(c.ann, 'contacts', {
      firstName: ' Ivan ', lastName: 'Petrov', middleName: 'Sergeevich', position: 'CEO', source: 'website',
      phones: ['8 (916) 123-45-67', { value: '+44 20 7946 0958', label: 'mobile' }], emails: ['Ivan.Petrov@Example.COM'],
    });
    expect(rec).toMatchObject({
      kind: 'contact', title: 'Ivan Petrov', firstName: 'Ivan', lastName: 'Petrov', middleName: 'Sergeevich', position: 'CEO',
      responsible: { id: ids.ann, name: 'Ann' }, createdBy: { id: ids.ann }, status: null, amount: null, stage: null, head: 1,
      can: { edit: true, share: true }, sharedWith: [],
    });
    expect(rec.phones).toEqual([
      { value: '8 (916) 123-45-67', normalized: '+79161234567', label: 'work' },
      { value: '+44 20 7946 0958', normalized: '+442079460958', label: 'mobile' },
    ]);
    expect(rec.emails).toEqual([{ value: 'Ivan.Petrov@Example.COM', normalized: 'ivan.petrov@example.com', label: 'work' }]);
    const tl = (await c.ann.get(`/api/crm/contacts/${rec.id}/timeline`)).body;
    expect(tl.entries.map((e: any) => [e.type, e.seq])).toEqual([['created', 1]]);
    expect(tl.head).toBe(1);
  });

  it('warns of duplicates by e-mail and phone across formats; force creates anyway; the check endpoint agrees', async () => {
    const first = await create(c.ann, 'contacts', { firstName: 'Olga', phones: ['+7 903 555-12-34'], emails: ['olga@client.example'] });
    const dup = await c.ben.post('/api/crm/leads', { title: 'Olga again', phones: ['8(903)5551234'] });
    expectRefused(dup, 409);
    expect(dup.body.error.code).toBe('conflict');
    // Ben may not see Ann's contact (own_and_shared): he learns it exists and whose it is, not its name.
    expect(dup.body.duplicates).toEqual([{ id: first.id, kind: 'contact', title: null, responsibleId: ids.ann, matches: [{ field: 'phone', value: '+79035551234' }] }]);
    const byMail = await c.ann.post('/api/crm/companies', { title: 'Client Ltd', emails: ['OLGA@client.example'] });
    expect(byMail.body.duplicates).toEqual([{ id: first.id, kind: 'contact', title: 'Olga', responsibleId: ids.ann, matches: [{ field: 'email', value: 'olga@client.example' }] }]);
    const forced = await c.ben.post('/api/crm/leads', { title: 'Olga again', phones: ['8(903)5551234'], force: true });
    expect(forced.status).toBe(201);
    expect(forced.body.duplicates.map((d: any) => d.id)).toEqual([first.id]);
    const check = await c.ann.get(`/api/crm/duplicates?phone=${encodeURIComponent('+7 (903) 555 12 34')}&email=OLGA@CLIENT.EXAMPLE`);
    expect(check.body.duplicates.map((d: any) => [d.id, d.matches.length])).toEqual([[first.id, 2], [forced.body.record.id, 1]]);
    expectRefused(await c.ann.get('/api/crm/duplicates?phone=nope'), 400, 'phone');
    expectRefused(await c.ann.get('/api/crm/duplicates'), 400, 'email');
  });

  it('is idempotent by client id, even when retries race', async () => {
    const body = { clientId: randomUUID(), title: 'Supply', amount: '100' };
    const replies = await Promise.all([1, 2, 3].map(() => c.ann.post('/api/crm/deals', body)));
    expect(replies.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(new Set(replies.map((r) => r.body.record.id)).size).toBe(1);
    expectRefused(await c.ann.post('/api/crm/leads', { clientId: body.clientId, title: 'Other kind' }), 409);
  });

  it('deals: exact amounts, currency by default RUB, the default pipeline\'s first stage on top of its column', async () => {
    const d1 = await create(c.ann, 'deals', { title: 'A', amount: '150000.1' });
    const d2 = await create(c.ann, 'deals', { title: 'B', amount: 99.99, currency: 'usd' });
    expect(d1).toMatchObject({ amount: '150000.10', currency: 'RUB', stage: { code: 'new', kind: 'open', name: 'New' }, outcome: 'open' });
    expect(d2).toMatchObject({ amount: '99.99', currency: 'USD' });
    expect(d2.boardRank).toBeLessThan(d1.boardRank);
    expect((await create(c.ann, 'deals', { title: 'Big', amount: '9999999999999999.99' })).amount).toBe('9999999999999999.99');
  });

  it('refuses bad input, naming the field, and creates nothing', async () => {
    const before = (await hub.artel.svc.db.query(sql`SELECT count(*)::int AS n FROM crm_records`))[0].n;
    const deal = (b: Record<string, unknown>) => c.ann.post('/api/crm/deals', { title: 'X', ...b });
    expectRefused(await deal({ amount: -5 }), 400, 'amount');
    expectRefused(await deal({ amount: '-5.00' }), 400, 'amount');
    expectRefused(await deal({ amount: 0.1 + 0.2 }), 400, 'amount');
    expectRefused(await deal({ amount: '1.234' }), 400, 'amount');
    expectRefused(await deal({ amount: '1e5' }), 400, 'amount');
    expectRefused(await deal({ amount: '1', currency: 'XYZ' }), 400, 'currency');
    expectRefused(await deal({ responsibleId: randomUUID() }), 400, 'responsibleId');
    expectRefused(await deal({ stageId: randomUUID() }), 400, 'stageId');
    expectRefused(await deal({ pipelineId: randomUUID() }), 400, 'pipelineId');
    expectRefused(await deal({ companyId: randomUUID() }), 400, 'companyId');
    expectRefused(await deal({ closeDate: '2025-02-30' }), 400, 'closeDate');
    expectRefused(await deal({ title: '  ' }), 400, 'title');
    expectRefused(await deal({ colour: 'red' }), 400);
    expectRefused(await c.ann.post('/api/crm/contacts', { position: 'nobody' }), 400, 'firstName');
    expectRefused(await c.ann.post('/api/crm/contacts', { firstName: 'A', phones: ['+7 916 123 45 67', 'not a phone'] }), 400, 'phones.1');
    expectRefused(await c.ann.post('/api/crm/contacts', { firstName: 'A', emails: ['nope@'] }), 400, 'emails.0');
    expectRefused(await c.ann.post('/api/crm/leads', { source: 'web' }), 400, 'title');
    expectRefused(await c.ann.post('/api/crm/leads', { title: 'L', status: 'converted' }), 400, 'status');
    const other = await crm.createRecord(hub.artel.svc, { id: ids.ben, role: 'employee', active: true }, 'company', { title: 'Ben Co', force: false } as any);
    // A company Ann cannot see is as unknown to her as a made-up one.
    expectRefused(await c.ann.post('/api/crm/contacts', { firstName: 'A', companyId: other.record!.id }), 400, 'companyId');
    expect((await hub.artel.svc.db.query(sql`SELECT count(*)::int AS n FROM crm_records`))[0].n).toBe(before + 1);
    expectRefused(await c.ann.get('/api/crm/deals/not-a-uuid'), 404);
    expectRefused(await c.ann.get(`/api/crm/deals/${randomUUID()}`), 404);
  });

  it('edits record changed fields on the timeline, live on the record stream; PATCH refuses non-editors', async () => {
    const company = await create(c.ann, 'companies', { title: 'Acme' });
    const rec = await create(c.ann, 'contacts', { firstName: 'Pavel', phones: ['+7 916 000 00 01'] });
    const rt = await RealtimeClient.open(hub.url, c.ann.cookie);
    const sub = await rt.request({ type: 'subscribe', streams: [{ stream: `crm:contact:${rec.id}`, after: rec.head }] });
    expect(sub.ok, JSON.stringify(sub)).toBe(true);
    const r = await c.ann.patch(`/api/crm/contacts/${rec.id}`, { lastName: 'Durov', companyId: company.id, phones: ['+7 916 000 00 02'], position: '' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.record).toMatchObject({ title: 'Pavel Durov', company: { id: company.id, kind: 'company', title: 'Acme' }, companyId: company.id });
    const ev = await rt.waitFor(() => rt.events(`crm:contact:${rec.id}`).find((e) => e.event.type === 'record_updated'));
    expect(ev.event.payload.record).toMatchObject({ id: rec.id, title: 'Pavel Durov' });
    expect(ev.event.payload.entry.type).toBe('fields_changed');
    const byField = (a: any, b: any) => a.field.localeCompare(b.field);
    expect([...ev.event.payload.entry.data.changes].sort(byField)).toEqual([
      { field: 'companyId', from: null, to: company.id },
      { field: 'lastName', from: '', to: 'Durov' },
      { field: 'phones', from: ['+7 916 000 00 01'], to: ['+7 916 000 00 02'] },
      { field: 'title', from: 'Pavel', to: 'Pavel Durov' },
    ]);
    // No change, no entry.
    await c.ann.patch(`/api/crm/contacts/${rec.id}`, { lastName: 'Durov' });
    expect((await c.ann.get(`/api/crm/contacts/${rec.id}/timeline`)).body.entries.map((e: any) => e.type)).toEqual(['fields_changed', 'created']);
    expectRefused(await c.ben.patch(`/api/crm/contacts/${rec.id}`, { lastName: 'X' }), 403);
    expectRefused(await c.ann.patch(`/api/crm/contacts/${rec.id}`, {}), 400, '_');
    expectRefused(await c.ann.patch(`/api/crm/contacts/${rec.id}`, { firstName: '', lastName: '' }), 400, 'firstName');
    expectRefused(await c.ann.patch(`/api/crm/companies/${company.id}`, { title: '' }), 400, 'title');
    rt.close();
  });

  it('timeline: comments, calls, meetings and e-mails by whoever sees the record, idempotent, paged newest first', async () => {
    const rec = await create(c.ann, 'leads', { title: 'Website request' });
    await c.ann.call('PUT', `/api/crm/leads/${rec.id}/shares`, { userIds: [ids.ben] });
    const clientId = randomUUID();
    const twice = await Promise.all([1, 2].map(() => c.ben.post(`/api/crm/leads/${rec.id}/timeline`, { clientId, type: 'comment', body: '**Call** them' })));
    expect(twice.map((r) => r.status)).toEqual([201, 201]);
    expect(twice[0].body.entry.id).toBe(twice[1].body.entry.id);
    const call = await c.ann.post(`/api/crm/leads/${rec.id}/timeline`, {
      clientId: randomUUID(), type: 'call', body: 'Discussed prices', direction: 'outgoing', durationMinutes: 12, at: '2026-03-01T10:00:00+03:00',
    });
    expect(call.body.entry).toMatchObject({ type: 'call', author: { id: ids.ann, name: 'Ann' }, data: { direction: 'outgoing', durationMinutes: 12 } });
    await c.ann.post(`/api/crm/leads/${rec.id}/timeline`, { clientId: randomUUID(), type: 'meeting', subject: 'Demo' });
    await c.ann.post(`/api/crm/leads/${rec.id}/timeline`, { clientId: randomUUID(), type: 'email', subject: 'Offer', body: 'Sent the offer', direction: 'outgoing' });
    const all = (await c.ann.get(`/api/crm/leads/${rec.id}/timeline`)).body;
    expect(all.entries.map((e: any) => e.type)).toEqual(['email', 'meeting', 'call', 'comment', 'created']);
    const page = (await c.ann.get(`/api/crm/leads/${rec.id}/timeline?limit=2`)).body;
    expect(page.entries.map((e: any) => e.type)).toEqual(['email', 'meeting']);
    const older = (await c.ann.get(`/api/crm/leads/${rec.id}/timeline?limit=2&before=${page.nextBefore}`)).body;
    expect(older.entries.map((e: any) => e.type)).toEqual(['call', 'comment']);
    const other = await create(c.ben, 'leads', { title: 'Another' });
    expectRefused(await c.ben.post(`/api/crm/leads/${other.id}/timeline`, { clientId, type: 'comment', body: 'again' }), 409);
    expectRefused(await c.ann.post(`/api/crm/leads/${rec.id}/timeline`, { clientId: randomUUID(), type: 'comment', body: ' ' }), 400, 'body');
    expectRefused(await c.ann.post(`/api/crm/leads/${rec.id}/timeline`, { clientId: randomUUID(), type: 'stage_changed' }), 400, 'type');
    expectRefused(await c.ann.post(`/api/crm/leads/${rec.id}/timeline`, { clientId: randomUUID(), type: 'call', durationMinutes: -1 }), 400, 'durationMinutes');
  });

  it('lists records newest first with search and filters, paged by cursor, visible ones only', async () => {
    for (const [i, n] of ['Alpha', 'Beta', 'Gamma'].entries()) await create(c.ben, 'companies', { title: `${n} Trading`, phones: [`+7 495 000 00 0${i}`] });
    const page1 = (await c.ben.get('/api/crm/companies?q=trading&limit=2')).body;
    expect(page1.records.map((r: any) => r.title)).toEqual(['Gamma Trading', 'Beta Trading']);
    const page2 = (await c.ben.get(`/api/crm/companies?q=trading&limit=2&cursor=${page1.nextCursor}`)).body;
    expect(page2.records.map((r: any) => r.title)).toEqual(['Alpha Trading']);
    expect(page2.nextCursor).toBeNull();
    expect((await c.ben.get('/api/crm/companies?q=%2B7495')).body.records.length).toBe(3);
    expect((await c.ann.get('/api/crm/companies?q=trading')).body.records).toEqual([]);
    expect((await c.owner.get('/api/crm/companies?q=trading')).body.records.length).toBe(3);
    expectRefused(await c.ben.get('/api/crm/companies?limit=1000'), 400, 'limit');
    expectRefused(await c.ben.get('/api/crm/leads?status=won'), 400, 'status');
    expectRefused(await c.ben.get('/api/crm/companies?cursor=bogus'), 400, 'cursor');
  });

  it('deletes a record (editors only); links to it are cleared and followers told', async () => {
    const company = await create(c.ann, 'companies', { title: 'Doomed' });
    const contact = await create(c.ann, 'contacts', { firstName: 'Kept', companyId: company.id });
    await c.ann.patch(`/api/crm/companies/${company.id}`, { comments: 'Secret plans' });
    const rt = await RealtimeClient.open(hub.url, c.owner.cookie);
    await rt.request({ type: 'subscribe', streams: [{ stream: 'crm:all' }, { stream: `crm:company:${company.id}` }] });
    expectRefused(await c.ben.del(`/api/crm/companies/${company.id}`), 403);
    expect((await c.ann.del(`/api/crm/companies/${company.id}`)).status).toBe(200);
    await rt.waitFor(() => rt.events('crm:all').find((e) => e.event.type === 'record_removed' && e.event.payload.id === company.id));
    await rt.waitFor(() => rt.events(`crm:company:${company.id}`).find((e) => e.event.type === 'record_deleted'));
    // Its data is gone from every stored event too: nothing to bring back by resuming.
    for (const stream of ['crm:all', `user:${ids.ann}`]) {
      const annRt = stream === 'crm:all' ? rt : await RealtimeClient.open(hub.url, c.ann.cookie);
      const events = (await annRt.request({ type: 'fetch', stream, after: 0 })).events;
      expect(JSON.stringify(events), stream).not.toContain('Doomed');
      expect(events.some((e: any) => e.event.payload.id === company.id && e.event.payload.scrubbed), stream).toBe(true);
      if (annRt !== rt) annRt.close();
    }
    const stored = await hub.artel.svc.db.query(sql`SELECT payload::text AS p FROM events WHERE stream_id = ${`crm:company:${company.id}`}`);
    expect(stored.map((r) => r.p).join()).not.toMatch(/Doomed|Secret/);
    rt.close();
    expectRefused(await c.ann.get(`/api/crm/companies/${company.id}`), 404);
    expect((await c.ann.get(`/api/crm/contacts/${contact.id}`)).body.record.company).toBeNull();
  });
});

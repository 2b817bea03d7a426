import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { ApiClient, RealtimeClient, UpgradeRefused } from '../helpers/client';
import { create, crmTeam, expectRefused, guestRoleClient } from '../fixtures/crm/team';
import * as crm from '../../server/domains/crm';
import { recordAccess } from '../../server/domains/crm/repo';
import type { Role } from '../../shared/types';

/**
 * Who sees, edits and follows CRM records, for every role and relation, under both visibility settings.
 * Each record is created by `creator` with `resp` responsible and shared with `shared`.
 */
describe('CRM permissions: the visibility matrix', () => {
  let hub: TestHub;
  let c: Record<string, ApiClient>;
  let ids: Record<string, string>;
  const records: { kind: string; plural: string; id: string }[] = [];
  const roles: Record<string, Role> = { owner: 'owner', admin: 'admin', guest: 'guest' };
  const anonymous = () => new ApiClient(hub.url);

  beforeAll(async () => {
    hub = await startTestHub();
    ({ clients: c, ids } = await crmTeam(hub, ['resp', 'creator', 'shared', 'other', 'gone']));
    const guest = await guestRoleClient(hub);
    c.guest = guest.client;
    ids.guest = guest.id;
    const bodies: Record<string, Record<string, unknown>> = {
      leads: { title: 'Matrix lead' }, contacts: { firstName: 'Matrix' }, companies: { title: 'Matrix Co' }, deals: { title: 'Matrix deal', amount: '10' },
    };
    for (const [plural, body] of Object.entries(bodies)) {
      const rec = await create(c.creator, plural, { ...body, responsibleId: ids.resp });
      const shared = await c.resp.call('PUT', `/api/crm/${plural}/${rec.id}/shares`, { userIds: [ids.shared] });
      expect(shared.status, JSON.stringify(shared.body)).toBe(200);
      records.push({ kind: rec.kind, plural, id: rec.id });
    }
    expect((await c.owner.post(`/api/admin/users/${ids.gone}/deactivate`)).status).toBe(200);
  });
  afterAll(() => hub.stop());

  const setVisibility = async (visibility: string) => {
    const r = await c.admin.patch('/api/crm/settings', { visibility });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  };

  /** Status of each call, by viewer: 200 allowed, 403 forbidden, 401 not signed in. */
  const READ_OWN: Record<string, number> = { owner: 200, admin: 200, resp: 200, creator: 200, shared: 200, other: 403, gone: 401, guest: 403, anonymous: 401 };
  const READ_ALL: Record<string, number> = { ...READ_OWN, other: 200 };
  const EDIT: Record<string, number> = { owner: 200, admin: 200, resp: 200, creator: 200, shared: 403, other: 403, gone: 401, guest: 403, anonymous: 401 };
  const SHARE: Record<string, number> = { ...EDIT, creator: 403 };
  const viewers = () => Object.keys(READ_OWN);
  const client = (v: string) => (v === 'anonymous' ? anonymous() : c[v]);

  for (const visibility of ['own_and_shared', 'all_employees'] as const) {
    describe(`visibility ${visibility}`, () => {
      const read: Record<string, number> = visibility === 'all_employees' ? READ_ALL : READ_OWN;
      beforeAll(() => setVisibility(visibility));

      it('get, timeline and list', async () => {
        for (const rec of records) {
          for (const v of viewers()) {
            const get = await client(v).get(`/api/crm/${rec.plural}/${rec.id}`);
            expect([rec.kind, v, get.status]).toEqual([rec.kind, v, read[v]]);
            const tl = await client(v).get(`/api/crm/${rec.plural}/${rec.id}/timeline`);
            expect([rec.kind, v, 'timeline', tl.status]).toEqual([rec.kind, v, 'timeline', read[v]]);
            const list = await client(v).get(`/api/crm/${rec.plural}?limit=100`);
            const listed = list.status === 200 ? list.body.records.some((r: any) => r.id === rec.id) : list.status;
            expect([rec.kind, v, 'list', listed]).toEqual([rec.kind, v, 'list', read[v] === 200 ? true : read[v] === 403 && v === 'other' ? false : read[v]]);
          }
        }
      });

      it('edit and share', async () => {
        for (const rec of records) {
          for (const v of viewers()) {
            const body = rec.kind === 'contact' ? { position: `by ${v}` } : { source: `by ${v}` };
            const edit = await client(v).patch(`/api/crm/${rec.plural}/${rec.id}`, body);
            expect([rec.kind, v, 'edit', edit.status]).toEqual([rec.kind, v, 'edit', EDIT[v]]);
            const share = await client(v).call('PUT', `/api/crm/${rec.plural}/${rec.id}/shares`, { userIds: [ids.shared] });
            expect([rec.kind, v, 'share', share.status]).toEqual([rec.kind, v, 'share', SHARE[v]]);
          }
        }
        // An employee who sees everything still edits only their own.
        const deal = records.find((r) => r.kind === 'deal')!;
        expect((await c.shared.post(`/api/crm/deals/${deal.id}/stage`, { stageId: (await c.resp.get(`/api/crm/deals/${deal.id}`)).body.record.stage.id })).status).toBe(403);
      });

      it('subscribe to the record streams and crm:all', async () => {
        for (const v of ['owner', 'admin', 'resp', 'creator', 'shared', 'other', 'guest']) {
          const rt = await RealtimeClient.open(hub.url, c[v].cookie);
          for (const rec of records) {
            const r = await rt.request({ type: 'subscribe', streams: [{ stream: `crm:${rec.kind}:${rec.id}`, after: 0 }] });
            expect([rec.kind, v, r.ok ? 200 : r.error.code]).toEqual([rec.kind, v, read[v] === 200 ? 200 : 'forbidden']);
          }
          const board = await rt.request({ type: 'subscribe', streams: [{ stream: 'crm:all' }] });
          const boardOk = v === 'owner' || v === 'admin' || (visibility === 'all_employees' && v !== 'guest');
          expect([v, 'crm:all', board.ok ? 200 : board.error.code]).toEqual([v, 'crm:all', boardOk ? 200 : 'forbidden']);
          if (v !== 'guest') {
            const streams = (await c[v].get('/api/crm/streams')).body.streams;
            expect(streams).toEqual(boardOk ? ['crm:all', `user:${ids[v]}`] : [`user:${ids[v]}`]);
          }
          rt.close();
        }
        for (const cookie of [null, c.gone.cookie]) {
          await expect(RealtimeClient.open(hub.url, cookie)).rejects.toBeInstanceOf(UpgradeRefused);
        }
        expectRefused(await c.guest.get('/api/crm/streams'), 403);
      });

      it('the SQL rule and its pure twin agree for every viewer and record; deactivated people see nothing', async () => {
        const people = ['owner', 'admin', 'resp', 'creator', 'shared', 'other', 'gone', 'guest'];
        for (const rec of records) {
          for (const v of people) {
            const access = (await recordAccess(hub.artel.svc.db, rec.id, ids[v]))!;
            const viewer = { id: ids[v], role: roles[v] ?? 'employee', active: v !== 'gone' };
            const pure = crm.canSeeRecord(viewer, visibility, { responsibleId: ids.resp, createdBy: ids.creator, sharedWith: [ids.shared] });
            expect([rec.kind, v, access.visible]).toEqual([rec.kind, v, pure]);
          }
          await expect(crm.getRecord(hub.artel.svc, { id: ids.gone, role: 'employee', active: false }, rec.kind as any, rec.id)).rejects.toMatchObject({ code: 'forbidden' });
          await expect(crm.getRecord(hub.artel.svc, { id: ids.resp, role: 'employee', active: false }, rec.kind as any, rec.id)).rejects.toMatchObject({ code: 'forbidden' });
        }
      });
    });
  }

  it('settings: owner and admins only; guests refused everywhere', async () => {
    expectRefused(await c.resp.patch('/api/crm/settings', { visibility: 'all_employees' }), 403);
    expectRefused(await c.admin.patch('/api/crm/settings', { visibility: 'everyone' }), 400, 'visibility');
    expectRefused(await c.admin.patch('/api/crm/settings', { defaultCurrency: 'ABC' }), 400, 'defaultCurrency');
    expect((await c.resp.get('/api/crm/settings')).body.settings).toMatchObject({ defaultCurrency: 'RUB', phoneCountryCode: '7' });
    for (const path of ['/api/crm/settings', '/api/crm/pipelines', '/api/crm/leads', '/api/crm/reports/funnel', '/api/crm/duplicates?email=a@b.example']) {
      expectRefused(await c.guest.get(path), 403);
    }
    expectRefused(await c.guest.post('/api/crm/leads', { title: 'Guest lead' }), 403);
  });

  it('narrowing the visibility revokes crm:all from employees at once; losing a record revokes its stream', async () => {
    await setVisibility('all_employees');
    const rt = await RealtimeClient.open(hub.url, c.other.cookie);
    expect((await rt.request({ type: 'subscribe', streams: [{ stream: 'crm:all' }] })).ok).toBe(true);
    await setVisibility('own_and_shared');
    await rt.waitFor(() => rt.events('crm:all').find((e) => e.event.type === 'crm_settings_changed'));
    await rt.waitFor(() => rt.frames.find((f) => f.type === 'stream_revoked' && f.stream === 'crm:all'));
    rt.close();

    const deal = records.find((r) => r.kind === 'deal')!;
    const sharedRt = await RealtimeClient.open(hub.url, c.shared.cookie);
    await sharedRt.request({ type: 'subscribe', streams: [{ stream: `crm:deal:${deal.id}` }, { stream: `user:${ids.shared}` }] });
    const respRt = await RealtimeClient.open(hub.url, c.resp.cookie);
    await respRt.request({ type: 'subscribe', streams: [{ stream: `user:${ids.resp}` }] });
    expect((await c.resp.call('PUT', `/api/crm/deals/${deal.id}/shares`, { userIds: [] })).status).toBe(200);
    await sharedRt.waitFor(() => sharedRt.frames.find((f) => f.type === 'stream_revoked' && f.stream === `crm:deal:${deal.id}`));
    await sharedRt.waitFor(() => sharedRt.events(`user:${ids.shared}`).find((e) => e.event.type === 'crm_record_left' && e.event.payload.id === deal.id));
    expect((await c.shared.get(`/api/crm/deals/${deal.id}`)).status).toBe(403);
    // Handing the deal to someone else: the old responsible (not its creator) loses it, the new one gains it.
    expect((await c.admin.patch(`/api/crm/deals/${deal.id}`, { responsibleId: ids.other })).status).toBe(200);
    await respRt.waitFor(() => respRt.events(`user:${ids.resp}`).find((e) => e.event.type === 'crm_record_left' && e.event.payload.id === deal.id));
    expect((await c.resp.get(`/api/crm/deals/${deal.id}`)).status).toBe(403);
    expect((await c.other.get(`/api/crm/deals/${deal.id}`)).body.record.can).toEqual({ edit: true, share: true });
    sharedRt.close();
    respRt.close();
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../server/db/pool';
import { startTestHub, type TestHub } from '../helpers/hub';
import { RealtimeClient, type ApiClient } from '../helpers/client';
import { create, crmTeam, expectRefused } from '../fixtures/crm/team';
import * as crm from '../../server/domains/crm';
import { rankFor } from '../../server/domains/crm/deals';
import type { Actor } from '../../server/domains/people/policy';

describe('CRM deals: stages, kanban, pipelines, lead conversion, chat links', () => {
  let hub: TestHub;
  let c: Record<string, ApiClient>;
  let ids: Record<string, string>;
  let stages: Record<string, any>;
  let pipelineId: string;
  const actor = (name: string): Actor => ({ id: ids[name], role: name === 'owner' ? 'owner' : name === 'admin' ? 'admin' : 'employee', active: true });
  const count = async (where = sql`true`) => (await hub.artel.svc.db.query(sql`SELECT count(*)::int AS n FROM crm_records WHERE ${where}`))[0].n as number;

  beforeAll(async () => {
    hub = await startTestHub();
    ({ clients: c, ids } = await crmTeam(hub, ['ann', 'ben']));
    const pipelines = (await c.ann.get('/api/crm/pipelines')).body.pipelines;
    expect(pipelines.map((p: any) => [p.name, p.isDefault, p.stages.map((s: any) => `${s.code}:${s.kind}`)])).toEqual([
      ['Sales', true, ['new:open', 'negotiation:open', 'proposal:open', 'won:won', 'lost:lost']],
    ]);
    pipelineId = pipelines[0].id;
    stages = Object.fromEntries(pipelines[0].stages.map((s: any) => [s.code, s]));
  });
  afterAll(() => hub.stop());

  const move = (cl: ApiClient, id: string, body: Record<string, unknown>) => cl.post(`/api/crm/deals/${id}/stage`, body);
  const column = async (cl: ApiClient, code: string) => {
    const b = (await cl.get(`/api/crm/pipelines/${pipelineId}/board`)).body;
    return b.columns.find((col: any) => col.stage.code === code).deals.map((d: any) => d.title);
  };

  it('places a dropped card among the cards the mover sees, keeping hidden cards in place (pure)', () => {
    const col = [{ id: 'a', rank: 0, visible: true }, { id: 'h', rank: 10, visible: false }, { id: 'b', rank: 20, visible: true }];
    expect(rankFor([], 3)).toBe(0);
    expect(rankFor(col, undefined)).toBe(-1024);
    expect(rankFor(col, 0)).toBe(-1024);
    expect(rankFor(col, 1)).toBe(15);
    expect(rankFor(col, 2)).toBe(1044);
    expect(rankFor([{ id: 'a', rank: 1, visible: true }, { id: 'b', rank: 1 + 1e-9, visible: true }], 1)).toBeNull();
  });

  it('moves deals between stages: ordered in the column, recorded on the timeline, live to followers', async () => {
    const shared = await create(c.ann, 'deals', { title: 'Shared deal', amount: '1000' });
    await c.ann.call('PUT', `/api/crm/deals/${shared.id}/shares`, { userIds: [ids.ben] });
    const changes: crm.CrmChange[] = [];
    const stop = crm.onCrmChange(hub.artel.svc, async (_u, change) => void changes.push(change));
    const benRt = await RealtimeClient.open(hub.url, c.ben.cookie);
    const ownerRt = await RealtimeClient.open(hub.url, c.owner.cookie);
    const annRt = await RealtimeClient.open(hub.url, c.ann.cookie);
    expect((await benRt.request({ type: 'subscribe', streams: [{ stream: `crm:deal:${shared.id}`, after: 1 }] })).ok).toBe(true);
    expect((await ownerRt.request({ type: 'subscribe', streams: [{ stream: 'crm:all' }] })).ok).toBe(true);
    expect((await annRt.request({ type: 'subscribe', streams: [{ stream: `user:${ids.ann}` }] })).ok).toBe(true);

    const r = await move(c.ann, shared.id, { stageId: stages.negotiation.id });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.record).toMatchObject({ stage: { code: 'negotiation' }, outcome: 'open', closedAt: null });
    const ev = await benRt.waitFor(() => benRt.events(`crm:deal:${shared.id}`).find((e) => e.event.type === 'stage_changed'));
    expect(ev.event.payload.record).toMatchObject({ id: shared.id, stage: { code: 'negotiation' } });
    expect(ev.event.payload.entry).toMatchObject({
      type: 'stage_changed', seq: ev.seq, author: { id: ids.ann },
      data: { from: { code: 'new', name: 'New' }, to: { code: 'negotiation', name: 'Negotiation' }, reason: null },
    });
    await ownerRt.waitFor(() => ownerRt.events('crm:all').find((e) => e.event.type === 'record_upserted' && e.event.payload.record.stage?.code === 'negotiation'));
    await annRt.waitFor(() => annRt.events(`user:${ids.ann}`).find((e) => e.event.type === 'crm_record' && e.event.payload.record.stage?.code === 'negotiation'));
    expect(changes.map((x) => [x.type, x.record.id])).toEqual([['stage_changed', shared.id]]);
    stop();

    const won = await move(c.ann, shared.id, { stageId: stages.won.id, reason: 'Signed after the demo' });
    expect(won.body.record).toMatchObject({ outcome: 'won', closeReason: 'Signed after the demo' });
    expect(won.body.record.closedAt).not.toBeNull();
    const reopened = (await move(c.ann, shared.id, { stageId: stages.new.id })).body.record;
    expect(reopened).toMatchObject({ outcome: 'open', closedAt: null, closeReason: '' });
    const tl = (await c.ben.get(`/api/crm/deals/${shared.id}/timeline`)).body.entries;
    expect(tl.map((e: any) => [e.type, e.data.to?.code ?? null])).toEqual([['stage_changed', 'new'], ['stage_changed', 'won'], ['stage_changed', 'negotiation'], ['created', null]]);
    expect(tl[1].body).toBe('Signed after the demo');
    for (const rt of [benRt, ownerRt, annRt]) rt.close();
  });

  it('orders the kanban column by drops; a move within the column only reorders', async () => {
    const [a, b, d] = [await create(c.ann, 'deals', { title: 'K-a' }), await create(c.ann, 'deals', { title: 'K-b' }), await create(c.ann, 'deals', { title: 'K-c' })];
    await move(c.ann, a.id, { stageId: stages.proposal.id });
    await move(c.ann, b.id, { stageId: stages.proposal.id, position: 1 });
    await move(c.ann, d.id, { stageId: stages.proposal.id, position: 1 });
    expect(await column(c.ann, 'proposal')).toEqual(['K-a', 'K-c', 'K-b']);
    const entries = (await c.ann.get(`/api/crm/deals/${b.id}/timeline`)).body.entries.length;
    await move(c.ann, b.id, { stageId: stages.proposal.id, position: 0 });
    expect(await column(c.ann, 'proposal')).toEqual(['K-b', 'K-a', 'K-c']);
    expect((await c.ann.get(`/api/crm/deals/${b.id}/timeline`)).body.entries.length).toBe(entries);
    // Ben sees none of these: his view of the column is empty, the owner's is whole.
    expect(await column(c.ben, 'proposal')).toEqual([]);
    const board = (await c.owner.get(`/api/crm/pipelines/${pipelineId}/board`)).body;
    expect(board.columns.find((col: any) => col.stage.code === 'proposal')).toMatchObject({ count: 3, amounts: {} });
    expectRefused(await move(c.ben, a.id, { stageId: stages.new.id }), 403);
    expectRefused(await move(c.ann, a.id, { stageId: randomUUID() }), 400, 'stageId');
    expectRefused(await move(c.ann, a.id, { stageId: stages.new.id, position: -1 }), 400, 'position');
  });

  it('sums board amounts per currency, exactly', async () => {
    const p = (await c.owner.post('/api/crm/pipelines', { name: 'Sums' })).body.pipeline;
    for (const [amount, currency] of [['0.10', 'RUB'], ['0.20', 'RUB'], ['150000.70', 'RUB'], ['5', 'USD']]) {
      await create(c.ann, 'deals', { title: `S ${amount}`, amount, currency, pipelineId: p.id });
    }
    await create(c.ann, 'deals', { title: 'S none', pipelineId: p.id });
    const col = (await c.ann.get(`/api/crm/pipelines/${p.id}/board`)).body.columns[0];
    expect(col).toMatchObject({ count: 5, amounts: { RUB: '150001.00', USD: '5.00' } });
  });

  it('pipelines and stages: owner and admins configure them, with an open, a won and a lost stage always', async () => {
    expectRefused(await c.ann.post('/api/crm/pipelines', { name: 'Mine' }), 403);
    expectRefused(await c.admin.post('/api/crm/pipelines', { name: 'No won', stages: [{ name: 'A', kind: 'open' }, { name: 'B', kind: 'lost' }, { name: 'C', kind: 'open' }] }), 400, 'stages');
    const made = await c.admin.post('/api/crm/pipelines', { name: 'Partners', stages: [{ name: 'Talk', kind: 'open' }, { name: 'Signed', kind: 'won' }, { name: 'Dropped', kind: 'lost' }] });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const p = made.body.pipeline;
    const withPilot = (await c.admin.post(`/api/crm/pipelines/${p.id}/stages`, { name: 'Pilot', kind: 'open', position: 1 })).body.pipeline;
    expect(withPilot.stages.map((s: any) => [s.name, s.position])).toEqual([['Talk', 0], ['Pilot', 1], ['Signed', 2], ['Dropped', 3]]);
    const signed = withPilot.stages.find((s: any) => s.name === 'Signed');
    expectRefused(await c.admin.patch(`/api/crm/stages/${signed.id}`, { kind: 'open' }), 409);
    const renamed = (await c.admin.patch(`/api/crm/stages/${signed.id}`, { name: 'Contract', position: 0 })).body.pipeline;
    expect(renamed.stages.map((s: any) => s.name)).toEqual(['Contract', 'Talk', 'Pilot', 'Dropped']);
    const deal = await create(c.ann, 'deals', { title: 'Partner deal', pipelineId: p.id });
    expect(deal.stage.name).toBe('Talk');
    const moved = (await move(c.ann, deal.id, { stageId: withPilot.stages[1].id })).body.record;
    expect(moved).toMatchObject({ pipelineId: p.id, stage: { name: 'Pilot' } });
    expectRefused(await c.admin.del(`/api/crm/stages/${withPilot.stages[1].id}`), 409);
    expectRefused(await c.admin.del(`/api/crm/pipelines/${p.id}`), 409);
    expectRefused(await c.admin.del(`/api/crm/pipelines/${pipelineId}`), 409);
    expect((await move(c.ann, deal.id, { stageId: stages.new.id })).body.record.pipelineId).toBe(pipelineId);
    expect((await c.admin.del(`/api/crm/stages/${withPilot.stages[1].id}`)).status).toBe(200);
    expectRefused(await c.ann.post('/api/crm/deals', { title: 'X', pipelineId, stageId: withPilot.stages[0].id }), 400, 'stageId');
    const def = (await c.owner.patch(`/api/crm/pipelines/${p.id}`, { isDefault: true, position: 0 })).body.pipeline;
    expect(def).toMatchObject({ isDefault: true, position: 0 });
    expect((await c.ann.get('/api/crm/pipelines')).body.pipelines.filter((x: any) => x.isDefault).map((x: any) => x.id)).toEqual([p.id]);
    await c.owner.patch(`/api/crm/pipelines/${pipelineId}`, { isDefault: true });
    expect((await c.owner.del(`/api/crm/pipelines/${p.id}`)).status).toBe(200);
    expectRefused(await c.admin.patch(`/api/crm/stages/${randomUUID()}`, { name: 'x' }), 404);
    expectRefused(await c.admin.patch(`/api/crm/pipelines/${pipelineId}`, {}), 400, '_');
  });

  it('converts a lead into contact, company and deal in one step, linked both ways', async () => {
    const lead = await create(c.ann, 'leads', {
      title: 'Inbound: Acme', firstName: 'Maria', lastName: 'Ivanova', companyName: 'Acme LLC', position: 'Buyer', source: 'website',
      phones: ['+7 916 777 00 11'], emails: ['maria@acme.example'], amount: '50000', currency: 'EUR', comments: 'Wants a demo',
    });
    await c.ann.call('PUT', `/api/crm/leads/${lead.id}/shares`, { userIds: [ids.ben] });
    expectRefused(await c.ben.post(`/api/crm/leads/${lead.id}/convert`, {}), 403);
    const benRt = await RealtimeClient.open(hub.url, c.ben.cookie);
    await benRt.request({ type: 'subscribe', streams: [{ stream: `user:${ids.ben}` }] });
    const r = await c.ann.post(`/api/crm/leads/${lead.id}/convert`, {});
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const { contact, company, deal } = r.body;
    expect(r.body.lead).toMatchObject({ status: 'converted' });
    expect(r.body.lead.convertedAt).not.toBeNull();
    expect(contact).toMatchObject({
      title: 'Maria Ivanova', position: 'Buyer', lead: { id: lead.id }, company: { id: company.id, title: 'Acme LLC' }, responsible: { id: ids.ann },
      phones: [{ normalized: '+79167770011' }], emails: [{ normalized: 'maria@acme.example' }], comments: 'Wants a demo',
    });
    expect(company).toMatchObject({ title: 'Acme LLC', lead: { id: lead.id }, phones: [], emails: [] });
    expect(deal).toMatchObject({ title: 'Inbound: Acme', amount: '50000.00', currency: 'EUR', stage: { code: 'new' }, contact: { id: contact.id }, company: { id: company.id } });
    // Shared with Ben, as the lead was, and he hears of it.
    expect((await c.ben.get(`/api/crm/deals/${deal.id}`)).status).toBe(200);
    await benRt.waitFor(() => benRt.events(`user:${ids.ben}`).find((e) => e.event.type === 'crm_record' && e.event.payload.record.id === deal.id));
    benRt.close();
    const tl = (await c.ann.get(`/api/crm/leads/${lead.id}/timeline`)).body.entries[0];
    expect(tl).toMatchObject({ type: 'converted', data: { contactId: contact.id, companyId: company.id, dealId: deal.id } });
    expect((await c.ann.get(`/api/crm/contacts/${contact.id}/timeline`)).body.entries[0]).toMatchObject({ type: 'created', data: { leadId: lead.id } });
    expectRefused(await c.ann.post(`/api/crm/leads/${lead.id}/convert`, {}), 409);
    expectRefused(await c.ann.patch(`/api/crm/leads/${lead.id}`, { status: 'new' }), 400, 'status');
  });

  it('rolls a failed conversion back whole: nothing half-created, the lead unchanged', async () => {
    const before = await count();
    const lead = await create(c.ann, 'leads', { title: 'Half', firstName: 'Half', companyName: 'Half Co' });
    const bad = await c.ann.post(`/api/crm/leads/${lead.id}/convert`, { deal: { stageId: randomUUID() } });
    expectRefused(bad, 400, 'deal.stageId');
    const nameless = await create(c.ann, 'leads', { title: 'Only a company', companyName: 'Lonely Co' });
    expectRefused(await c.ann.post(`/api/crm/leads/${nameless.id}/convert`, { company: true, contact: true }), 400, 'contact.firstName');
    expectRefused(await c.ann.post(`/api/crm/leads/${nameless.id}/convert`, { company: false, contact: false, deal: false }), 400, '_');
    expect(await count()).toBe(before + 2);
    expect(await count(sql`lead_id IN (${lead.id}, ${nameless.id})`)).toBe(0);
    expect((await c.ann.get(`/api/crm/leads/${lead.id}`)).body.record).toMatchObject({ status: 'new', convertedAt: null });
    expect((await c.ann.get(`/api/crm/leads/${lead.id}/timeline`)).body.entries.map((e: any) => e.type)).toEqual(['created']);
    const ok = await c.ann.post(`/api/crm/leads/${lead.id}/convert`, { deal: { title: 'Half deal', amount: '10', currency: 'USD' } });
    expect(ok.body.deal).toMatchObject({ title: 'Half deal', amount: '10.00', currency: 'USD' });
  });

  it('warns of duplicates on conversion; links an existing contact instead, or forces', async () => {
    const existing = await create(c.ann, 'contacts', { firstName: 'Dup', emails: ['dup@client.example'] });
    const lead = await create(c.ann, 'leads', { firstName: 'Dup', lastName: 'Lead', emails: ['DUP@client.example'], force: true });
    const twin = await create(c.ann, 'leads', { firstName: 'Dup', lastName: 'Twin', emails: ['dup@client.example'], force: true });
    const warned = await c.ann.post(`/api/crm/leads/${lead.id}/convert`, {});
    expectRefused(warned, 409);
    expect(warned.body.duplicates.map((d: any) => d.id)).toEqual([existing.id, twin.id]);
    const linked = await c.ann.post(`/api/crm/leads/${lead.id}/convert`, { contact: { id: existing.id } });
    expect(linked.status, JSON.stringify(linked.body)).toBe(200);
    expect(linked.body.contact.id).toBe(existing.id);
    expect(linked.body.deal.contact.id).toBe(existing.id);
    const forced = await c.ann.post(`/api/crm/leads/${twin.id}/convert`, { force: true, deal: false });
    expect(forced.status, JSON.stringify(forced.body)).toBe(200);
    expect(forced.body).toMatchObject({ contact: { title: 'Dup Twin', emails: [{ normalized: 'dup@client.example' }] }, deal: null, company: null });
  });

  it('links chats to records both ways (the integrator\'s entry point)', async () => {
    const chat = (await c.ann.post('/api/chats', { kind: 'group', title: 'Deal talk', memberIds: [ids.ben] })).body.chat;
    const msg = (await c.ann.post(`/api/chats/${chat.id}/messages`, { clientId: randomUUID(), body: 'Let us make a deal' })).body.message;
    const other = (await c.ben.post('/api/chats', { kind: 'direct', userId: ids.admin })).body.chat;
    const otherMsg = (await c.ben.post(`/api/chats/${other.id}/messages`, { clientId: randomUUID(), body: 'elsewhere' })).body.message;
    const deal = await create(c.ann, 'deals', { title: 'From chat' });
    const entry = await crm.linkChat(hub.artel.svc, actor('ann'), { kind: 'deal', id: deal.id }, { chatId: chat.id, messageId: msg.id });
    expect(entry).toMatchObject({ type: 'chat_linked', data: { chatId: chat.id, messageId: msg.id } });
    const again = await crm.linkChat(hub.artel.svc, actor('ann'), { kind: 'deal', id: deal.id }, { chatId: chat.id, messageId: msg.id });
    expect(again.id).toBe(entry.id);
    expect((await crm.linkedRecords(hub.artel.svc, actor('ann'), chat.id)).map((l) => [l.record.id, l.messageId])).toEqual([[deal.id, msg.id]]);
    // Ben is in the chat but may not see the deal.
    expect(await crm.linkedRecords(hub.artel.svc, actor('ben'), chat.id)).toEqual([]);
    await expect(crm.linkChat(hub.artel.svc, actor('ben'), { kind: 'deal', id: deal.id }, { chatId: chat.id })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(crm.linkChat(hub.artel.svc, actor('owner'), { kind: 'deal', id: deal.id }, { chatId: chat.id })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(crm.linkChat(hub.artel.svc, actor('ann'), { kind: 'deal', id: deal.id }, { chatId: chat.id, messageId: otherMsg.id })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(crm.linkChat(hub.artel.svc, actor('ann'), { kind: 'lead', id: deal.id }, { chatId: chat.id })).rejects.toMatchObject({ code: 'not_found' });
    expect(await crm.chatsOfRecord(hub.artel.svc, deal.id)).toEqual([{ chatId: chat.id, messageId: msg.id }]);
    expect((await c.ann.get(`/api/crm/deals/${deal.id}/timeline`)).body.entries[0]).toMatchObject({ id: entry.id, type: 'chat_linked' });
  });
});

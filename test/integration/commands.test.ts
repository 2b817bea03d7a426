/**
 * Slash commands in a chat: the hub parses the text itself, makes the record through its domain, and
 * posts a live card into the chat; unclear text asks for confirmation and makes nothing; retries make
 * one record; only chat members may run them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, idsOf, RealtimeClient, registerOwner, type ApiClient } from '../helpers/client';

describe('slash commands in chats', () => {
  let hub: TestHub;
  let owner: ApiClient;
  let bob: ApiClient;
  let eve: ApiClient;
  let ids: Record<string, string>;
  let chatId: string;
  let rt: RealtimeClient;
  let bobRt: RealtimeClient;
  const run = (c: RealtimeClient, text: string, extra: Record<string, unknown> = {}) =>
    c.request({ type: 'command_run', chatId, clientId: randomUUID(), text, timeZone: 'Europe/Moscow', ...extra });

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url);
    bob = await addColleague(owner, 'bob@example.com', 'Bob Builder');
    eve = await addColleague(owner, 'eve@example.com', 'Eve Adams');
    await addColleague(owner, 'ann1@example.com', 'Ann Lee');
    await addColleague(owner, 'ann2@example.com', 'Ann Smith');
    ids = await idsOf({ owner, bob, eve });
    chatId = (await owner.post('/api/chats', { kind: 'group', title: 'Contract', memberIds: [ids.bob] })).body.chat.id;
    rt = await RealtimeClient.open(hub.url, owner.cookie);
    bobRt = await RealtimeClient.open(hub.url, bob.cookie);
    expect((await bobRt.request({ type: 'subscribe', streams: [{ stream: `chat:${chatId}` }] })).ok).toBe(true);
  });
  afterAll(async () => {
    rt.close();
    bobRt.close();
    await hub.stop();
  });

  it('/task with a person and a deadline makes the task and posts its card live', async () => {
    const clientId = randomUUID();
    const r = await run(rt, '/task Prepare the contract tomorrow 15:00 @Bob', { clientId });
    expect(r).toMatchObject({ ok: true, status: 'created' });
    expect(r.card).toMatchObject({ kind: 'task', title: 'Prepare the contract', status: 'new', responsibleId: ids.bob });
    expect(r.message).toMatchObject({ chatId, authorId: ids.owner, card: r.card, body: 'Task: Prepare the contract' });
    await bobRt.waitFor(() => bobRt.events(`chat:${chatId}`).some((e) => e.event.payload.message?.card?.id === r.card.id));
    const task = (await bob.get(`/api/tasks/${r.card.id}`)).body.task;
    expect(task).toMatchObject({ title: 'Prepare the contract', responsible: { id: ids.bob } });
    // 15:00 in Moscow is 12:00 UTC.
    expect(new Date(task.deadline).getUTCHours()).toBe(12);

    const again = await run(rt, '/task Prepare the contract tomorrow 15:00 @Bob', { clientId });
    expect(again.message.id).toBe(r.message.id);
    const mine = (await owner.get('/api/tasks?filter=assigned_by_me')).body.tasks.filter((t: any) => t.title === 'Prepare the contract');
    expect(mine).toHaveLength(1);
  });

  it('later changes of the task update its card and are told in the card\'s thread', async () => {
    const r = await run(rt, '/task Send the invoice tomorrow @Bob');
    expect(r.status).toBe('created');
    const started = await bob.post(`/api/tasks/${r.card.id}/status`, { action: 'start' });
    expect(started.status).toBe(200);
    await bobRt.waitFor(() =>
      bobRt.events(`chat:${chatId}`).some((e) => e.event.type === 'card_updated' && e.event.payload.message.card.status === 'in_progress'),
    );
    const deadline = new Date(Date.now() + 3 * 86_400_000).toISOString();
    expect((await owner.patch(`/api/tasks/${r.card.id}`, { deadline })).status).toBe(200);
    const thread = (await owner.get(`/api/chats/${chatId}/messages?thread=${r.message.id}`)).body.messages;
    const notes = thread.filter((m: any) => m.threadRootId === r.message.id).map((m: any) => [m.authorId, m.body]);
    expect(notes).toEqual([
      [ids.bob, 'Status: in progress · Статус: в работе'],
      [ids.owner, expect.stringMatching(/^Deadline: .* · Срок: /)],
    ]);
    const card = (await owner.get(`/api/chats/${chatId}/messages`)).body.messages.find((m: any) => m.id === r.message.id).card;
    expect(card).toMatchObject({ status: 'in_progress', due: deadline });
  });

  it('/сделка makes a deal in the named stage; a stage move updates its card and is told in the thread', async () => {
    const r = await run(rt, '/сделка Поставка 150 000 ₽ @Bob #переговоры');
    expect(r).toMatchObject({ ok: true, status: 'created' });
    expect(r.card).toMatchObject({ kind: 'deal', title: 'Поставка', status: 'Negotiation', amount: { value: '150000.00', currency: 'RUB' }, responsibleId: ids.bob });
    const deal = (await owner.get(`/api/crm/deals/${r.card.id}`)).body.record;
    expect(deal).toMatchObject({ amount: '150000.00', currency: 'RUB', stage: { code: 'negotiation' } });
    const timeline = (await owner.get(`/api/crm/deals/${r.card.id}/timeline`)).body.entries;
    expect(timeline.some((e: any) => e.type === 'chat_linked')).toBe(true);
    const pipeline = (await owner.get('/api/crm/pipelines')).body.pipelines.find((p: any) => p.isDefault);
    const won = pipeline.stages.find((s: any) => s.code === 'won');
    expect((await owner.post(`/api/crm/deals/${r.card.id}/stage`, { stageId: won.id })).status).toBe(200);
    await bobRt.waitFor(() => bobRt.events(`chat:${chatId}`).some((e) => e.event.type === 'card_updated' && e.event.payload.message.card.closed === true));
    const thread = (await owner.get(`/api/chats/${chatId}/messages?thread=${r.message.id}`)).body.messages;
    expect(thread.filter((m: any) => m.threadRootId === r.message.id).map((m: any) => m.body)).toEqual(['Stage: Won · Стадия: Успешно']);
    for (const [text, kind] of [['/лид Ромашка 2k $ +7 999 123-45-67', 'lead'], ['/контакт Иван Петров ivan@romashka.ru', 'contact'], ['/компания ООО Ромашка', 'company']] as const) {
      expect(await run(rt, text)).toMatchObject({ status: 'created', card: { kind } });
    }
  });

  it('Russian aliases work the same way', async () => {
    const r = await run(rt, '/задача Позвонить в банк в пятницу 10:00 @Bob !');
    expect(r).toMatchObject({ ok: true, status: 'created', card: { kind: 'task', title: 'Позвонить в банк', responsibleId: ids.bob } });
  });

  it('asks to confirm what it cannot read without doubt, and makes nothing until confirmed', async () => {
    const before = (await owner.get('/api/tasks?filter=assigned_by_me')).body.tasks.length;
    const r = await run(rt, '/task Review the offer @Ann');
    expect(r).toMatchObject({ ok: true, status: 'confirm', command: 'task' });
    expect(r.problems.map((p: any) => p.code)).toContain('ambiguous_person');
    expect((await owner.get('/api/tasks?filter=assigned_by_me')).body.tasks.length).toBe(before);
    // The user picks one of the offered people on the preview card.
    const ann = r.problems.find((p: any) => p.code === 'ambiguous_person').options[0].value;
    const confirmed = await run(rt, '/task Review the offer @Ann', { draft: { ...r.draft, responsibleId: ann } });
    expect(confirmed).toMatchObject({ status: 'created', card: { title: 'Review the offer', responsibleId: ann } });
  });

  it('refuses what it cannot make, with reasons: unknown commands, empty titles, past deadlines, forged drafts', async () => {
    expect(await run(rt, '/tsak do it')).toMatchObject({ ok: true, status: 'invalid', suggestions: expect.arrayContaining(['/task']) });
    expect(await run(rt, '/task')).toMatchObject({ ok: true, status: 'invalid' });
    const past = await run(rt, '/task Pay the invoice 2020-01-10');
    expect(past.status).not.toBe('created');
    const forged = await run(rt, '/task x', { draft: { kind: 'task', title: 42 } });
    expect(forged).toMatchObject({ ok: true, status: 'invalid' });
    const pastDraft = await run(rt, '/task x', {
      draft: { kind: 'task', title: 'Too late', participantIds: [], priority: 'normal', due: { at: '2020-01-10T12:00:00+03:00', allDay: false, date: '2020-01-10' } },
    });
    expect(pastDraft).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('only members of the chat may run commands in it', async () => {
    const eveRt = await RealtimeClient.open(hub.url, eve.cookie);
    const r = await eveRt.request({ type: 'command_run', chatId, clientId: randomUUID(), text: '/task Sneak in' });
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    eveRt.close();
    expect((await owner.get(`/api/chats/${chatId}/messages`)).body.messages.some((m: any) => m.body.includes('Sneak'))).toBe(false);
  });
});

describe('slash commands in feed and task comments', () => {
  it('make the record and a comment linking to it, only where the writer may comment', async () => {
    const hub = await startTestHub();
    try {
      const owner = await registerOwner(hub.url);
      const bob = await addColleague(owner, 'bob@example.com', 'Bob Builder');
      const eve = await addColleague(owner, 'eve@example.com', 'Eve Adams');
      const ids = await idsOf({ bob });
      const post = (await owner.post('/api/feed/posts', { clientId: randomUUID(), body: 'Supplier meeting', audience: { userIds: [ids.bob] } })).body.post;
      const clientId = randomUUID();
      const body = { context: { kind: 'post', id: post.id }, clientId, text: '/task Send the minutes tomorrow @Bob', timeZone: 'Europe/Moscow' };
      const r = await owner.post('/api/commands/run', body);
      expect(r.body).toMatchObject({ status: 'created', card: { kind: 'task', title: 'Send the minutes' }, comment: { body: `[Task: Send the minutes](/app/tasks/${r.body.card.id})` } });
      expect((await owner.post('/api/commands/run', body)).body.comment.id).toBe(r.body.comment.id);
      expect((await bob.get(`/api/tasks/${r.body.card.id}`)).status).toBe(200);
      // Eve cannot see the post: nothing is made.
      const refused = await eve.post('/api/commands/run', { ...body, clientId: randomUUID(), text: '/task Sneak' });
      expect(refused.status).toBe(403);
      expect((await owner.get('/api/tasks?filter=all&q=Sneak')).body.tasks).toEqual([]);

      const inTask = await bob.post('/api/commands/run', { context: { kind: 'task', id: r.body.card.id }, clientId: randomUUID(), text: '/сделка Протокол 10 тыс ₽' });
      expect(inTask.body).toMatchObject({ status: 'created', card: { kind: 'deal', title: 'Протокол' } });
      const comments = (await bob.get(`/api/tasks/${r.body.card.id}/comments`)).body.comments;
      expect(comments.map((c: any) => c.body)).toEqual([`[Deal: Протокол](/app/crm/deals/${inTask.body.card.id})`]);
    } finally {
      await hub.stop();
    }
  });
});

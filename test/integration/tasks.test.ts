import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, RealtimeClient, type ApiClient } from '../helpers/client';
import { team } from '../helpers/team';
import { onTaskChanged, type TaskChange } from '../../server/domains/tasks';
import { TASK_LIMITS } from '../../shared/tasks';
import { sql } from '../../server/db/pool';

/**
 * Tasks end to end over HTTP and the task's stream: creation (idempotent, from a chat message),
 * status transitions with control, field edits, the checklist, comments, lists and the board,
 * counters, and bad input.
 */
describe('tasks', () => {
  let hub: TestHub;
  let db: pg.Client;
  let owner: ApiClient, admin: ApiClient, ann: ApiClient, ben: ApiClient, cid: ApiClient, dan: ApiClient;
  let ids: Record<string, string>;
  const changes: TaskChange[] = [];
  const inTx = new Map<string, string>();
  const inHour = () => new Date(Date.now() + 3_600_000).toISOString();
  const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();

  beforeAll(async () => {
    hub = await startTestHub();
    ({ owner, admin, ann, ben, cid, dan, ids } = await team(hub.url, ['admin', 'ann', 'ben', 'cid', 'dan']));
    db = new pg.Client({ connectionString: hub.db.url });
    await db.connect();
    onTaskChanged(hub.artel.svc, async (u, change) => {
      // Runs inside the writing transaction: it sees the change before anyone else does.
      const [row] = await u.tx.query(sql`SELECT status FROM tasks WHERE id = ${change.summary.id}`);
      inTx.set(`${change.summary.id}:${change.summary.status}`, row.status);
      changes.push(change);
    });
  });
  afterAll(async () => {
    await db.end();
    await hub.stop();
  });

  const create = async (c: ApiClient, body: Record<string, unknown>) => {
    const r = await c.post('/api/tasks', { clientId: randomUUID(), ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.task;
  };
  const act = (c: ApiClient, id: string, action: string) => c.post(`/api/tasks/${id}/status`, { action });

  it('creates a task: defaults, people, checklist, first event of its stream, the responsible told live', async () => {
    const benRt = await RealtimeClient.open(hub.url, ben.cookie);
    await benRt.request({ type: 'subscribe', streams: [{ stream: `user:${ids.ben}` }] });
    const task = await create(ann, {
      title: '  Prepare the offer ', description: '**Terms** and prices', responsibleId: ids.ben, participantIds: [ids.cid, ids.ben],
      observerIds: [ids.dan], deadline: inDays(3), priority: 'high', plannedMinutes: 90, checklist: ['Draft', 'Review'],
    });
    expect(task).toMatchObject({
      title: 'Prepare the offer', description: '**Terms** and prices', status: 'new', priority: 'high', requireControl: true,
      plannedMinutes: 90, spentSeconds: 0, group: null, origin: null, closedAt: null, overdue: false, head: 1, commentCount: 0,
      creator: { id: ids.ann, name: 'Ann', avatarUrl: null }, responsible: { id: ids.ben, name: 'Ben' }, checklist: { done: 0, total: 2 },
    });
    // The responsible is not also a participant.
    expect(task.participants.map((p: any) => p.id)).toEqual([ids.cid]);
    expect(task.observers.map((p: any) => p.id)).toEqual([ids.dan]);
    expect(task.allowedActions).toEqual(['complete', 'defer']);
    expect(task.can).toEqual({ edit: true, comment: true, editChecklist: true, toggleChecklist: true, trackTime: true });
    const note = await benRt.waitFor(() => benRt.events(`user:${ids.ben}`).find((e) => e.event.type === 'task_assigned'));
    expect(note.event.payload).toMatchObject({ role: 'responsible', task: { id: task.id, title: 'Prepare the offer', status: 'new' } });
    const first = (await benRt.request({ type: 'fetch', stream: `task:${task.id}`, after: 0 })).events[0];
    expect(first).toMatchObject({ seq: 1, event: { type: 'task_created', payload: { task: { id: task.id, allowedActions: [] }, summary: { id: task.id } } } });
    const got = (await ben.get(`/api/tasks/${task.id}`)).body;
    expect(got.checklist.map((i: any) => [i.text, i.done])).toEqual([['Draft', false], ['Review', false]]);
    expect(got.task.allowedActions).toEqual(['start', 'complete']);
    expect(got.task.can).toMatchObject({ edit: false, editChecklist: false, toggleChecklist: true, trackTime: true });
    // My own task: I am responsible, and it needs no control.
    const own = await create(cid, { title: 'Mine' });
    expect(own).toMatchObject({ responsible: { id: ids.cid }, requireControl: false });
    expect(changes.find((c) => c.summary.id === task.id)?.changes).toEqual(['created']);
    benRt.close();
  });

  it('is idempotent by client id, even when retries race', async () => {
    const body = { clientId: randomUUID(), title: 'Once' };
    const replies = await Promise.all([1, 2, 3].map(() => dan.post('/api/tasks', body)));
    expect(replies.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(new Set(replies.map((r) => r.body.task.id)).size).toBe(1);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM tasks WHERE title = 'Once'`);
    expect(rows[0].n).toBe(1);
  });

  it('links a task to the chat message it came from', async () => {
    const chat = (await ann.post('/api/chats', { kind: 'group', title: 'Sales', memberIds: [ids.ben] })).body.chat;
    const msg = (await ann.post(`/api/chats/${chat.id}/messages`, { clientId: randomUUID(), body: 'We should call them' })).body.message;
    const origin = { chatId: chat.id, messageId: msg.id };
    const task = await create(ben, { title: 'Call them', origin });
    expect(task.origin).toEqual(origin);
    const summary = changes.find((c) => c.summary.id === task.id)!.summary;
    expect(summary).toMatchObject({ id: task.id, title: 'Call them', status: 'new', origin, responsible: { id: ids.ben } });
    // Someone outside the chat, or a message of another chat: unknown.
    const outside = await cid.post('/api/tasks', { clientId: randomUUID(), title: 'x', origin });
    expect(outside.status).toBe(400);
    expect(outside.body.error.fields).toHaveProperty(['origin.chatId']);
    const other = (await ann.post('/api/chats', { kind: 'direct', userId: ids.ben })).body.chat;
    const wrong = await ben.post('/api/tasks', { clientId: randomUUID(), title: 'x', origin: { chatId: other.id, messageId: msg.id } });
    expect(wrong.body.error.fields).toHaveProperty(['origin.messageId']);
  });

  it('moves through the statuses with control by the creator; other steps are refused', async () => {
    const t = await create(ann, { title: 'Controlled', responsibleId: ids.ben, observerIds: [ids.dan], participantIds: [ids.cid] });
    const rt = await RealtimeClient.open(hub.url, ann.cookie);
    await rt.request({ type: 'subscribe', streams: [{ stream: `task:${t.id}`, after: t.head }] });
    const step = async (c: ApiClient, action: string, status: string) => {
      const r = await act(c, t.id, action);
      expect(r.status, `${action}: ${JSON.stringify(r.body)}`).toBe(200);
      expect(r.body.task.status).toBe(status);
      return r.body.task;
    };
    await step(ben, 'start', 'in_progress');
    await step(ben, 'pause', 'new');
    await step(ben, 'start', 'in_progress');
    expect((await step(ben, 'complete', 'waiting_control')).allowedActions).toEqual([]);
    expect((await ann.get(`/api/tasks/${t.id}`)).body.task.allowedActions).toEqual(['accept', 'return', 'defer']);
    await step(ann, 'return', 'in_progress');
    await step(ben, 'complete', 'waiting_control');
    const done = await step(ann, 'accept', 'done');
    expect(done.closedAt).not.toBeNull();
    expect((await step(ann, 'reopen', 'new')).closedAt).toBeNull();
    await step(ann, 'defer', 'deferred');
    await step(ann, 'renew', 'new');
    // Not theirs: forbidden whatever the status.
    expect((await act(cid, t.id, 'start')).status).toBe(403);
    expect((await act(dan, t.id, 'complete')).status).toBe(403);
    expect((await act(ben, t.id, 'defer')).status).toBe(403);
    expect((await act(ann, t.id, 'start')).status).toBe(403);
    // Theirs, but not from this status: a conflict naming what is allowed now.
    const refused = await act(ann, t.id, 'accept');
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('allowed now: complete, defer');
    expect(refused.body.error.fields.action).toBe('allowed: complete, defer');
    expect((await act(ben, t.id, 'pause')).status).toBe(409);
    expect((await act(ben, t.id, 'bogus')).status).toBe(400);
    // The stream carried every step, in order.
    const steps = await rt.waitFor(() => {
      const s = rt.events(`task:${t.id}`).filter((e) => e.event.type === 'task_changed').map((e) => e.event.payload.transition.action);
      return s.length === 10 && s;
    });
    expect(steps).toEqual(['start', 'pause', 'start', 'complete', 'return', 'complete', 'accept', 'reopen', 'defer', 'renew']);
    const last = rt.events(`task:${t.id}`).at(-1);
    expect(last.event.payload).toMatchObject({ changes: ['status'], transition: { from: 'deferred', to: 'new' }, summary: { status: 'new' } });
    expect(changes.filter((c) => c.summary.id === t.id && c.transition).map((c) => c.transition!.to)).toContain('waiting_control');
    expect(inTx.get(`${t.id}:waiting_control`)).toBe('waiting_control');
    rt.close();
  });

  it('completes without control: straight to done; the creator closes at once; admins act for others', async () => {
    const free = await create(ann, { title: 'No control', responsibleId: ids.ben, requireControl: false });
    expect((await act(ben, free.id, 'complete')).body.task.status).toBe('done');
    const mine = await create(ann, { title: 'Creator closes', responsibleId: ids.ben });
    expect((await act(ann, mine.id, 'complete')).body.task.status).toBe('done');
    const other = await create(ann, { title: 'Admin steps in', responsibleId: ids.ben });
    expect((await act(admin, other.id, 'start')).body.task.status).toBe('in_progress');
    expect((await act(admin, other.id, 'complete')).body.task.status).toBe('waiting_control');
    expect((await act(admin, other.id, 'accept')).body.task.status).toBe('done');
  });

  it('two people completing at once: one wins, the other gets a conflict', async () => {
    const t = await create(ann, { title: 'Race', responsibleId: ids.ben });
    const [a, b] = await Promise.all([act(ben, t.id, 'complete'), act(ann, t.id, 'complete')]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
  });

  it('edits: the creator and admins; changes announced once, people told when they join or leave', async () => {
    const t = await create(ann, { title: 'Edit me', responsibleId: ids.ben, participantIds: [ids.cid], deadline: inDays(2) });
    const danRt = await RealtimeClient.open(hub.url, dan.cookie);
    await danRt.request({ type: 'subscribe', streams: [{ stream: `user:${ids.dan}` }] });
    const benRt = await RealtimeClient.open(hub.url, ben.cookie);
    await benRt.request({ type: 'subscribe', streams: [{ stream: `user:${ids.ben}` }, { stream: `task:${t.id}`, after: t.head }] });
    expect((await ben.patch(`/api/tasks/${t.id}`, { title: 'Hijack' })).status).toBe(403);
    expect((await cid.patch(`/api/tasks/${t.id}`, { title: 'Hijack' })).status).toBe(403);
    const r = await ann.patch(`/api/tasks/${t.id}`, { title: 'Edited', priority: 'high', description: 'More', plannedMinutes: 30 });
    expect(r.body.task).toMatchObject({ title: 'Edited', priority: 'high', description: 'More', plannedMinutes: 30 });
    const ev = await benRt.waitFor(() => benRt.events(`task:${t.id}`).find((e) => e.event.type === 'task_changed'));
    expect(ev.event.payload.changes).toEqual(['title', 'description', 'priority', 'plannedMinutes']);
    // The same values again: nothing written, nothing announced.
    const head = (await ann.get(`/api/tasks/${t.id}`)).body.task.head;
    await ann.patch(`/api/tasks/${t.id}`, { title: 'Edited', priority: 'high' });
    expect((await ann.get(`/api/tasks/${t.id}`)).body.task.head).toBe(head);
    // Hand over to Dan; Ben leaves the task, Cid moves to observers.
    const handed = await admin.patch(`/api/tasks/${t.id}`, { responsibleId: ids.dan, observerIds: [ids.cid] });
    expect(handed.body.task).toMatchObject({ responsible: { id: ids.dan }, participants: [], observers: [{ id: ids.cid }] });
    await danRt.waitFor(() => danRt.events(`user:${ids.dan}`).find((e) => e.event.type === 'task_assigned' && e.event.payload.task.id === t.id && e.event.payload.role === 'responsible'));
    await benRt.waitFor(() => benRt.events(`user:${ids.ben}`).find((e) => e.event.type === 'task_unassigned' && e.event.payload.taskId === t.id));
    expect((await ben.get(`/api/tasks/${t.id}`)).status).toBe(403);
    // Ben can no longer see it: his following of the task's stream ends at once.
    await benRt.waitFor(() => benRt.frames.find((f) => f.type === 'stream_revoked' && f.stream === `task:${t.id}`));
    const cleared = await ann.patch(`/api/tasks/${t.id}`, { deadline: null, plannedMinutes: null });
    expect(cleared.body.task).toMatchObject({ deadline: null, plannedMinutes: null });
    danRt.close();
    benRt.close();
  });

  it('checklist: editors add, edit, reorder and delete; doers tick; the list goes out whole', async () => {
    const t = await create(ann, { title: 'Checklist', responsibleId: ids.ben, participantIds: [ids.cid], observerIds: [ids.dan], checklist: ['One', 'Two'] });
    const rt = await RealtimeClient.open(hub.url, dan.cookie);
    await rt.request({ type: 'subscribe', streams: [{ stream: `task:${t.id}`, after: t.head }] });
    const add = await ann.post(`/api/tasks/${t.id}/checklist`, { text: 'Three' });
    expect(add.status).toBe(201);
    const [one, two, three] = add.body.checklist;
    expect((await ben.post(`/api/tasks/${t.id}/checklist`, { text: 'Four' })).status).toBe(403);
    expect((await cid.patch(`/api/tasks/${t.id}/checklist/${one.id}`, { text: 'Renamed' })).status).toBe(403);
    const ticked = await cid.patch(`/api/tasks/${t.id}/checklist/${one.id}`, { done: true });
    expect(ticked.body.checklist[0]).toMatchObject({ text: 'One', done: true, doneBy: ids.cid });
    expect((await ben.patch(`/api/tasks/${t.id}/checklist/${two.id}`, { done: true })).status).toBe(200);
    expect((await dan.patch(`/api/tasks/${t.id}/checklist/${two.id}`, { done: false })).status).toBe(403);
    expect((await ann.patch(`/api/tasks/${t.id}/checklist/${two.id}`, { text: 'Two!', done: false })).body.checklist[1]).toMatchObject({ text: 'Two!', done: false, doneBy: null });
    const order = await ann.call('PUT', `/api/tasks/${t.id}/checklist/order`, { itemIds: [three.id, one.id, two.id] });
    expect(order.body.checklist.map((i: any) => i.text)).toEqual(['Three', 'One', 'Two!']);
    expect((await ann.call('PUT', `/api/tasks/${t.id}/checklist/order`, { itemIds: [three.id, one.id] })).status).toBe(400);
    expect((await ben.call('PUT', `/api/tasks/${t.id}/checklist/order`, { itemIds: [one.id, two.id, three.id] })).status).toBe(403);
    expect((await ann.del(`/api/tasks/${t.id}/checklist/${three.id}`)).body.checklist.map((i: any) => i.text)).toEqual(['One', 'Two!']);
    expect((await ann.del(`/api/tasks/${t.id}/checklist/${three.id}`)).status).toBe(404);
    expect((await ann.get(`/api/tasks/${t.id}`)).body.task.checklist).toEqual({ done: 1, total: 2 });
    const last = await rt.waitFor(() => {
      const evs = rt.events(`task:${t.id}`).filter((e) => e.event.type === 'checklist_changed');
      return evs.length === 6 && evs.at(-1);
    });
    expect(last.event.payload).toMatchObject({ taskId: t.id, done: 1, total: 2 });
    expect(last.event.payload.items.map((i: any) => i.text)).toEqual(['One', 'Two!']);
    // At most 200 items.
    const full = await create(ann, { title: 'Full', checklist: Array.from({ length: TASK_LIMITS.checklistMax }, (_, i) => `item ${i}`) });
    const over = await ann.post(`/api/tasks/${full.id}/checklist`, { text: 'one too many' });
    expect(over.status).toBe(400);
    expect(over.body.error.message).toContain('200');
    rt.close();
  });

  it('comments: live on the task stream, idempotent, edited by their author, deleted with their text scrubbed', async () => {
    const t = await create(ann, { title: 'Discuss', responsibleId: ids.ben, observerIds: [ids.dan] });
    const rt = await RealtimeClient.open(hub.url, ben.cookie);
    await rt.request({ type: 'subscribe', streams: [{ stream: `task:${t.id}`, after: t.head }] });
    const clientId = randomUUID();
    const twice = await Promise.all([1, 2].map(() => dan.post(`/api/tasks/${t.id}/comments`, { clientId, body: 'An observer says hi' })));
    expect(twice.map((r) => r.status)).toEqual([201, 201]);
    expect(twice[0].body.comment.id).toBe(twice[1].body.comment.id);
    const c = twice[0].body.comment;
    const ev = await rt.waitFor(() => rt.events(`task:${t.id}`).find((e) => e.event.type === 'comment_created'));
    expect(ev.seq).toBe(c.seq);
    expect(ev.event.payload).toMatchObject({ comment: { id: c.id, body: 'An observer says hi', authorId: ids.dan }, commentCount: 1 });
    const other = await create(ann, { title: 'Other' });
    expect((await dan.post(`/api/tasks/${other.id}/comments`, { clientId, body: 'reuse' })).status).toBe(403);
    expect((await ann.post(`/api/tasks/${other.id}/comments`, { clientId, body: 'reuse' })).status).toBe(201);
    expect((await ben.patch(`/api/tasks/${t.id}/comments/${c.id}`, { body: 'not mine' })).status).toBe(403);
    expect((await dan.patch(`/api/tasks/${t.id}/comments/${c.id}`, { body: 'Edited hi' })).body.comment).toMatchObject({ body: 'Edited hi' });
    expect((await ben.del(`/api/tasks/${t.id}/comments/${c.id}`)).status).toBe(403);
    const gone = await ann.del(`/api/tasks/${t.id}/comments/${c.id}`);
    expect(gone.body.comment).toMatchObject({ body: '' });
    expect((await dan.patch(`/api/tasks/${t.id}/comments/${c.id}`, { body: 'again' })).status).toBe(409);
    await ben.post(`/api/tasks/${t.id}/comments`, { clientId: randomUUID(), body: 'Second' });
    const page = (await dan.get(`/api/tasks/${t.id}/comments`)).body;
    expect(page.comments.map((x: any) => [x.body, x.deletedAt !== null])).toEqual([['', true], ['Second', false]]);
    expect(page.head).toBe(page.comments[1].seq);
    const events = (await rt.request({ type: 'fetch', stream: `task:${t.id}`, after: 0 })).events;
    expect(JSON.stringify(events)).not.toContain('observer says hi');
    expect((await ben.get(`/api/tasks/${t.id}`)).body.task.commentCount).toBe(1);
    rt.close();
  });

  it('counters: new comments until read, waiting for my control, due within 24 h, overdue; pushed live', async () => {
    const before = (await ann.get('/api/tasks/counters')).body;
    const annRt = await RealtimeClient.open(hub.url, ann.cookie);
    await annRt.request({ type: 'subscribe', streams: [{ stream: `user:${ids.ann}` }] });
    const t = await create(ann, { title: 'Counted', responsibleId: ids.ben });
    await ben.post(`/api/tasks/${t.id}/comments`, { clientId: randomUUID(), body: 'Question for you' });
    const pushed = await annRt.waitFor(() =>
      annRt.events(`user:${ids.ann}`).find((e) => e.event.type === 'task_counters' && e.event.payload.newComments === before.newComments + 1));
    expect(pushed.event.payload).toMatchObject({ overdue: before.overdue, needsAttention: before.needsAttention + 1 });
    expect((await ann.get(`/api/tasks/${t.id}`)).body.task).toMatchObject({ unreadComments: 1, readSeq: 0 });
    const read = await ann.post(`/api/tasks/${t.id}/read`, {});
    expect(read.body.readSeq).toBeGreaterThan(0);
    expect((await ann.get('/api/tasks/counters')).body.newComments).toBe(before.newComments);
    await annRt.waitFor(() => annRt.events(`user:${ids.ann}`).find((e) => e.event.type === 'task_read' && e.event.payload.taskId === t.id));
    // Waiting for my control.
    await act(ben, t.id, 'complete');
    expect((await ann.get('/api/tasks/counters')).body).toMatchObject({ waitingControl: before.waitingControl + 1, needsAttention: before.needsAttention + 1 });
    // Due within 24 hours, for the responsible; overdue once the deadline has passed.
    const cidBefore = (await cid.get('/api/tasks/counters')).body;
    const soon = await create(ann, { title: 'Soon', responsibleId: ids.cid, deadline: inHour() });
    expect((await cid.get('/api/tasks/counters')).body).toMatchObject({ dueSoon: cidBefore.dueSoon + 1, overdue: cidBefore.overdue });
    await db.query(`UPDATE tasks SET deadline = now() - interval '1 hour' WHERE id = $1`, [soon.id]);
    expect((await cid.get('/api/tasks/counters')).body).toMatchObject({ dueSoon: cidBefore.dueSoon, overdue: cidBefore.overdue + 1 });
    expect((await cid.get(`/api/tasks/${soon.id}`)).body.task.overdue).toBe(true);
    annRt.close();
  });

  it('lists: filters, status, group, search, keyset pages, and the board', async () => {
    const eve = await addColleague(owner, 'eve@example.com', 'Eve');
    const eveId = (await eve.get('/api/me')).body.user.id;
    const group = (await eve.post('/api/groups', { name: 'Board group', visibility: 'closed', memberIds: [ids.ann] })).body.group;
    const mine = await create(eve, { title: 'Eve alpha' });
    const assigned = await create(eve, { title: 'Eve beta', responsibleId: ids.ann, groupId: group.id });
    const participating = await create(ann, { title: 'Eve gamma', participantIds: [eveId] });
    const observing = await create(ann, { title: 'Eve delta 100%', observerIds: [eveId] });
    await act(ann, participating.id, 'start');
    const titles = async (q: string) => (await eve.get(`/api/tasks?${q}`)).body.tasks.map((t: any) => t.id);
    expect(await titles('filter=mine')).toEqual([mine.id]);
    expect(await titles('filter=assigned_by_me')).toEqual([assigned.id]);
    expect(await titles('filter=participating')).toEqual([participating.id]);
    expect(await titles('filter=observing')).toEqual([observing.id]);
    expect(await titles('')).toEqual([observing.id, participating.id, assigned.id, mine.id]);
    expect(await titles('status=in_progress')).toEqual([participating.id]);
    expect(await titles('status=new,in_progress&filter=all')).toHaveLength(4);
    expect(await titles(`groupId=${group.id}`)).toEqual([assigned.id]);
    expect(await titles('q=BETA')).toEqual([assigned.id]);
    expect(await titles('q=100%25')).toEqual([observing.id]);
    expect(await titles('q=%25')).toEqual([observing.id]);
    await db.query(`UPDATE tasks SET deadline = now() - interval '1 minute' WHERE id = ANY($1)`, [[mine.id, observing.id]]);
    expect(await titles('filter=overdue')).toEqual([mine.id]);
    // Pages of two, newest first, no gaps, no repeats.
    const first = (await eve.get('/api/tasks?limit=2')).body;
    const second = (await eve.get(`/api/tasks?limit=2&cursor=${first.nextCursor}`)).body;
    expect([...first.tasks, ...second.tasks].map((t: any) => t.id)).toEqual([observing.id, participating.id, assigned.id, mine.id]);
    expect(second.nextCursor).toBeNull();
    // The board: a column per status with its count and first page.
    const board = (await eve.get('/api/tasks?groupBy=status&limit=1')).body;
    expect(board.columns.map((c: any) => [c.status, c.count, c.tasks.length])).toEqual([
      ['new', 3, 1], ['in_progress', 1, 1], ['waiting_control', 0, 0], ['done', 0, 0], ['deferred', 0, 0],
    ]);
    const more = (await eve.get(`/api/tasks?status=new&limit=1&cursor=${board.columns[0].nextCursor}`)).body.tasks;
    expect(more).toHaveLength(1);
    expect(more[0].id).not.toBe(board.columns[0].tasks[0].id);
    // Admins see every task.
    expect((await admin.get('/api/tasks?q=Eve&limit=100')).body.tasks).toHaveLength(4);
  });

  it('bad input: clear 400s naming the field, 404s for unknown tasks, 429 for floods', async () => {
    const bad = async (p: Promise<any>, field?: string, status = 400) => {
      const r = await p;
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      if (field) expect(r.body.error.fields, JSON.stringify(r.body)).toHaveProperty([field]);
      return r;
    };
    const post = (body: Record<string, unknown>) => dan.post('/api/tasks', { clientId: randomUUID(), title: 'T', ...body });
    const past = await bad(post({ deadline: new Date(Date.now() - 60_000).toISOString() }), 'deadline');
    expect(past.body.error.message).toMatch(/deadline .* is in the past/);
    await bad(post({ deadline: 'tomorrow' }), 'deadline');
    await bad(post({ deadline: inDays(5000) }), 'deadline');
    await bad(post({ responsibleId: randomUUID() }), 'responsibleId');
    await bad(post({ participantIds: [ids.ann, randomUUID()] }), 'participantIds');
    await bad(post({ observerIds: [randomUUID()] }), 'observerIds');
    await bad(post({ participantIds: [ids.ann], observerIds: [ids.ann] }), 'observerIds');
    await bad(post({ participantIds: [ids.ann, ids.ann] }), 'participantIds');
    await bad(post({ title: '   ' }), 'title');
    await bad(post({ title: 'x'.repeat(TASK_LIMITS.titleMax + 1) }), 'title');
    await bad(post({ description: 'x'.repeat(TASK_LIMITS.descriptionMax + 1) }), 'description');
    await bad(post({ checklist: Array.from({ length: TASK_LIMITS.checklistMax + 1 }, () => 'x') }), 'checklist');
    await bad(post({ plannedMinutes: -1 }), 'plannedMinutes');
    await bad(post({ priority: 'urgent' }), 'priority');
    await bad(post({ status: 'done' }));
    await bad(post({ groupId: randomUUID() }), 'groupId');
    const closed = (await ann.post('/api/groups', { name: 'Not for Dan', visibility: 'closed' })).body.group;
    const open = (await ann.post('/api/groups', { name: 'Open, Dan outside' })).body.group;
    await bad(post({ groupId: closed.id }), 'groupId');
    await bad(post({ groupId: open.id }), undefined, 403);
    const deactivated = await addColleague(owner, 'gone@example.com', 'Gone');
    const goneId = (await deactivated.get('/api/me')).body.user.id;
    await owner.post(`/api/admin/users/${goneId}/deactivate`);
    await bad(post({ responsibleId: goneId }), 'responsibleId');
    const t = await create(dan, { title: 'Target', deadline: inDays(1) });
    await bad(dan.patch(`/api/tasks/${t.id}`, { deadline: new Date(Date.now() - 1000).toISOString() }), 'deadline');
    await bad(dan.patch(`/api/tasks/${t.id}`, {}), '_');
    await bad(dan.patch(`/api/tasks/${t.id}`, { participantIds: [randomUUID()] }), 'participantIds');
    await bad(dan.get('/api/tasks?filter=everything'), 'filter');
    await bad(dan.get('/api/tasks?status=new,finished'), 'status');
    await bad(dan.get('/api/tasks?limit=101'), 'limit');
    await bad(dan.get('/api/tasks?cursor=bogus'), 'cursor');
    await bad(dan.get('/api/tasks?groupId=nope'), 'groupId');
    await bad(dan.get(`/api/tasks?q=${'x'.repeat(201)}`), 'q');
    await bad(dan.get('/api/tasks?groupBy=priority'), 'groupBy');
    await bad(dan.get('/api/tasks/not-a-uuid'), undefined, 404);
    await bad(dan.get(`/api/tasks/${randomUUID()}`), undefined, 404);
    await bad(dan.post(`/api/tasks/${randomUUID()}/status`, { action: 'start' }), undefined, 404);
    await bad(dan.post(`/api/tasks/${t.id}/comments`, { clientId: randomUUID(), body: 'x'.repeat(TASK_LIMITS.commentMax + 1) }), 'body');
    await bad(dan.post(`/api/tasks/${t.id}/checklist`, { text: '' }), 'text');
    await bad(dan.patch(`/api/tasks/${t.id}/checklist/${randomUUID()}`, { done: true }), undefined, 404);
    // Comments are rate limited per person; others are not affected.
    const target = await create(cid, { title: 'Flood target' });
    const flood = await Promise.all(Array.from({ length: 40 }, () => cid.post(`/api/tasks/${target.id}/comments`, { clientId: randomUUID(), body: 'spam' })));
    expect(flood.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(30);
    const limited = flood.find((r) => r.status === 429)!;
    expect(limited.body.error).toMatchObject({ code: 'rate_limited' });
    expect(limited.body.error.retryAfter).toBeGreaterThan(0);
    expect((await owner.post(`/api/tasks/${target.id}/comments`, { clientId: randomUUID(), body: 'fine' })).status).toBe(201);
  });
});

describe('the overdue report', () => {
  it('counts overdue tasks by responsible person over the tasks the viewer sees, as JSON and CSV', async () => {
    const { startTestHub } = await import('../helpers/hub');
    const { addColleague, idsOf, registerOwner } = await import('../helpers/client');
    const pg = (await import('pg')).default;
    const hub = await startTestHub();
    try {
      const owner = await registerOwner(hub.url);
      const bob = await addColleague(owner, 'bob@example.com', 'Bob Builder');
      const eve = await addColleague(owner, 'eve@example.com', 'Eve Adams');
      const ids = await idsOf({ bob, eve });
      const soon = new Date(Date.now() + 3_600_000).toISOString();
      const made: string[] = [];
      for (const [title, responsibleId] of [['Late one', ids.bob], ['Late two', ids.bob], ['Fine', ids.bob], ['Eve late', ids.eve]] as const) {
        const r = await owner.post('/api/tasks', { clientId: crypto.randomUUID(), title, responsibleId, deadline: soon });
        expect(r.status).toBe(201);
        made.push(r.body.task.id);
      }
      const c = new pg.Client({ connectionString: hub.db.url });
      await c.connect();
      await c.query(`UPDATE tasks SET deadline = now() - interval '2 days' WHERE title IN ('Late one', 'Late two', 'Eve late')`);
      await c.end();
      const all = (await owner.get('/api/tasks/reports/overdue')).body;
      expect(all.map((r: any) => [r.name, r.open, r.overdue])).toEqual([['Bob Builder', 3, 2], ['Eve Adams', 1, 1]]);
      // Eve sees only her own task.
      expect((await eve.get('/api/tasks/reports/overdue')).body.map((r: any) => r.name)).toEqual(['Eve Adams']);
      const csv = await owner.call('GET', '/api/tasks/reports/overdue?format=csv');
      expect(csv.headers.get('content-type')).toContain('text/csv');
      expect(csv.body).toContain('Bob Builder;3;2;');
    } finally {
      await hub.stop();
    }
  });
});

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addColleague, ApiClient, idsOf, RealtimeClient, registerOwner } from '../helpers/client';
import { dueSoonKey, JOB_KINDS, overdueKey } from '../../server/domains/tasks';

/**
 * Deadline notices and personal reminders from the persistent scheduler, with two hub nodes on one
 * database (each polls every second): every notice is sent exactly once, moving the deadline moves its
 * jobs, closing the task cancels them, and the overdue counter lights up when the deadline passes.
 */
describe('task deadlines and reminders across two nodes', () => {
  let dbHandle: TestDatabase;
  let a: TestHub;
  let b: TestHub;
  let db: pg.Client;
  let owner: ApiClient;
  let ann: ApiClient;
  let ben: ApiClient;
  let dan: ApiClient;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    dbHandle = await createTestDatabase();
    a = await startTestHub({ db: dbHandle, nodeId: 'tasks-a' });
    b = await startTestHub({ db: dbHandle, nodeId: 'tasks-b' });
    owner = await registerOwner(a.url);
    ann = await addColleague(owner, 'ann@example.com', 'Ann');
    ben = await addColleague(owner, 'ben@example.com', 'Ben');
    dan = await addColleague(owner, 'dan@example.com', 'Dan');
    Object.assign(ids, await idsOf({ owner, ann, ben, dan }));
    // Ben reads Russian.
    await ben.patch('/api/me', { locale: 'ru' });
    db = new pg.Client({ connectionString: dbHandle.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await a.stop();
    await b.stop();
    await dbHandle.drop();
  });

  const create = async (body: Record<string, unknown>) => {
    const r = await ann.post('/api/tasks', { clientId: randomUUID(), responsibleId: ids.ben, ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.task;
  };
  const until = async <T>(check: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await check();
      if (v) return v;
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((ok) => setTimeout(ok, 100));
    }
  };
  const stored = async (stream: string, type: string) => {
    const { rows } = await db.query(`SELECT payload FROM events WHERE stream_id = $1 AND type = $2 ORDER BY seq`, [stream, type]);
    return rows.map((r) => r.payload);
  };
  const mailsTo = async (to: string, subject: string) =>
    (await a.outbox()).filter((m) => m.to === to && m.subject.startsWith(subject));
  const pending = async (key: string) => {
    const { rows } = await db.query(`SELECT run_at FROM jobs WHERE key = $1 AND done_at IS NULL`, [key]);
    return rows[0]?.run_at as Date | undefined;
  };
  /** Both nodes have had time for a few more polls. */
  const settle = () => new Promise((ok) => setTimeout(ok, 2_500));

  it('a deadline within 24 hours: the due-soon notice goes at once, exactly once, by stream and by mail (in Russian)', async () => {
    const deadline = new Date(Date.now() + 3_600_000);
    const t = await create({ title: 'Due soon', deadline: deadline.toISOString() });
    expect((await pending(overdueKey(t.id)))?.getTime()).toBe(deadline.getTime());
    await until(async () => (await stored(`task:${t.id}`, 'task_reminder')).length > 0);
    await settle();
    const onTask = await stored(`task:${t.id}`, 'task_reminder');
    expect(onTask).toHaveLength(1);
    expect(onTask[0]).toMatchObject({ kind: 'due_soon', task: { id: t.id, title: 'Due soon', responsible: { id: ids.ben } } });
    expect(await stored(`user:${ids.ben}`, 'task_reminder')).toHaveLength(1);
    const mails = await mailsTo('ben@example.com', 'Скоро срок задачи: Due soon');
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe('Скоро срок задачи: Due soon');
    expect(mails[0].text).toContain(`/app/tasks/${t.id}`);
    expect(await pending(dueSoonKey(t.id))).toBeUndefined();
  });

  it('the deadline passes: task_overdue once, the responsible\'s overdue counter lights up live', async () => {
    const rts = await Promise.all([a, b].map((n) => RealtimeClient.open(n.url, ben.cookie)));
    for (const rt of rts) await rt.request({ type: 'subscribe', streams: [{ stream: `user:${ids.ben}` }] });
    const before = (await ben.get('/api/tasks/counters')).body.overdue;
    const t = await create({ title: 'Late', deadline: new Date(Date.now() + 1_500).toISOString() });
    const seen = (rt: RealtimeClient) => rt.events(`user:${ids.ben}`).find((e) => e.event.type === 'task_overdue' && e.event.payload.task.id === t.id);
    await until(async () => rts.some(seen), 15_000);
    const lit = (rt: RealtimeClient) => rt.events(`user:${ids.ben}`).find((e) => e.event.type === 'task_counters' && e.event.payload.overdue === before + 1);
    await until(async () => rts.some(lit));
    expect((await ben.get('/api/tasks/counters')).body.overdue).toBe(before + 1);
    expect((await ben.get(`/api/tasks/${t.id}`)).body.task.overdue).toBe(true);
    await settle();
    expect(await stored(`task:${t.id}`, 'task_overdue')).toHaveLength(1);
    expect(await stored(`user:${ids.ben}`, 'task_overdue')).toHaveLength(1);
    expect(await mailsTo('ben@example.com', 'Задача просрочена: Late')).toHaveLength(1);
    // Rescheduling the same deadline (returned to work, a job revived) says nothing twice.
    await ben.post(`/api/tasks/${t.id}/status`, { action: 'start' });
    await a.artel.svc.jobs.schedule(a.artel.svc.db, { kind: JOB_KINDS.overdue, key: overdueKey(t.id), runAt: new Date(), payload: { taskId: t.id } });
    await a.artel.svc.jobs.runDue();
    await b.artel.svc.jobs.runDue();
    expect(await stored(`task:${t.id}`, 'task_overdue')).toHaveLength(1);
    // Done: no longer overdue.
    await ann.post(`/api/tasks/${t.id}/status`, { action: 'complete' });
    expect((await ben.get('/api/tasks/counters')).body.overdue).toBe(before);
    for (const rt of rts) rt.close();
  });

  it('moving the deadline moves both jobs (same keys); completing, deferring or clearing cancels them; reopening brings them back', async () => {
    const d1 = new Date(Date.now() + 3 * 86_400_000);
    const t = await create({ title: 'Moving', deadline: d1.toISOString() });
    expect((await pending(dueSoonKey(t.id)))?.getTime()).toBe(d1.getTime() - 86_400_000);
    expect((await pending(overdueKey(t.id)))?.getTime()).toBe(d1.getTime());
    const d2 = new Date(Date.now() + 5 * 86_400_000);
    await ann.patch(`/api/tasks/${t.id}`, { deadline: d2.toISOString() });
    expect((await pending(dueSoonKey(t.id)))?.getTime()).toBe(d2.getTime() - 86_400_000);
    expect((await pending(overdueKey(t.id)))?.getTime()).toBe(d2.getTime());
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM jobs WHERE key LIKE $1`, [`task:${t.id}:%`]);
    expect(rows[0].n).toBe(2);
    // Other edits leave the jobs alone.
    await ann.patch(`/api/tasks/${t.id}`, { title: 'Moving on' });
    expect((await pending(overdueKey(t.id)))?.getTime()).toBe(d2.getTime());
    await ann.post(`/api/tasks/${t.id}/status`, { action: 'complete' });
    expect(await pending(dueSoonKey(t.id))).toBeUndefined();
    expect(await pending(overdueKey(t.id))).toBeUndefined();
    await ann.post(`/api/tasks/${t.id}/status`, { action: 'reopen' });
    expect((await pending(overdueKey(t.id)))?.getTime()).toBe(d2.getTime());
    await ann.post(`/api/tasks/${t.id}/status`, { action: 'defer' });
    expect(await pending(overdueKey(t.id))).toBeUndefined();
    await ann.post(`/api/tasks/${t.id}/status`, { action: 'renew' });
    expect(await pending(dueSoonKey(t.id))).toBeDefined();
    await ann.patch(`/api/tasks/${t.id}`, { deadline: null });
    expect(await pending(dueSoonKey(t.id))).toBeUndefined();
    expect(await pending(overdueKey(t.id))).toBeUndefined();
    // Waiting for control is not "being late": the responsible has handed it in.
    await ann.patch(`/api/tasks/${t.id}`, { deadline: d1.toISOString() });
    await ben.post(`/api/tasks/${t.id}/status`, { action: 'complete' });
    expect(await pending(overdueKey(t.id))).toBeUndefined();
    await ann.post(`/api/tasks/${t.id}/status`, { action: 'return' });
    expect((await pending(overdueKey(t.id)))?.getTime()).toBe(d1.getTime());
  });

  it('a job that finds its task closed meanwhile says nothing', async () => {
    const t = await create({ title: 'Closed before', deadline: new Date(Date.now() + 2 * 86_400_000).toISOString() });
    await db.query(`UPDATE tasks SET status = 'done' WHERE id = $1`, [t.id]);
    await db.query(`UPDATE jobs SET run_at = now() WHERE key IN ($1, $2)`, [dueSoonKey(t.id), overdueKey(t.id)]);
    await until(async () => (await pending(overdueKey(t.id))) === undefined && (await pending(dueSoonKey(t.id))) === undefined);
    expect(await stored(`task:${t.id}`, 'task_reminder')).toEqual([]);
    expect(await stored(`task:${t.id}`, 'task_overdue')).toEqual([]);
  });

  it('personal reminders: at their time, once, for the one who asked; deleted ones never fire', async () => {
    const t = await create({ title: 'Remind me', observerIds: [ids.dan] });
    const past = await dan.post(`/api/tasks/${t.id}/reminders`, { at: new Date(Date.now() - 1000).toISOString() });
    expect(past.status).toBe(400);
    expect(past.body.error.fields).toHaveProperty('at');
    const r = await dan.post(`/api/tasks/${t.id}/reminders`, { at: new Date(Date.now() + 1_500).toISOString() });
    expect(r.status).toBe(201);
    const dropped = (await dan.post(`/api/tasks/${t.id}/reminders`, { at: new Date(Date.now() + 2_000).toISOString() })).body.reminder;
    expect((await dan.get(`/api/tasks/${t.id}/reminders`)).body.reminders.map((x: any) => x.id)).toEqual([r.body.reminder.id, dropped.id]);
    expect((await ben.get(`/api/tasks/${t.id}/reminders`)).body.reminders).toEqual([]);
    expect((await ben.del(`/api/tasks/${t.id}/reminders/${dropped.id}`)).status).toBe(404);
    expect((await dan.del(`/api/tasks/${t.id}/reminders/${dropped.id}`)).status).toBe(200);
    await until(async () => (await stored(`user:${ids.dan}`, 'task_reminder')).length > 0);
    await settle();
    const notes = await stored(`user:${ids.dan}`, 'task_reminder');
    expect(notes).toEqual([expect.objectContaining({ kind: 'personal', reminderId: r.body.reminder.id, task: expect.objectContaining({ id: t.id }) })]);
    expect(await mailsTo('dan@example.com', 'Reminder: Remind me')).toHaveLength(1);
    expect((await dan.get(`/api/tasks/${t.id}/reminders`)).body.reminders[0].sentAt).not.toBeNull();
    // Someone who can no longer see the task is not reminded of it.
    const later = (await dan.post(`/api/tasks/${t.id}/reminders`, { at: new Date(Date.now() + 3_600_000).toISOString() })).body.reminder;
    await ann.patch(`/api/tasks/${t.id}`, { observerIds: [] });
    await db.query(`UPDATE jobs SET run_at = now() WHERE key = $1`, [`task-reminder:${later.id}`]);
    await until(async () => (await db.query(`SELECT sent_at FROM task_reminders WHERE id = $1`, [later.id])).rows[0].sent_at !== null);
    expect(await stored(`user:${ids.dan}`, 'task_reminder')).toHaveLength(1);
  });
});

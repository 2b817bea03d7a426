import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, idsOf, RealtimeClient, registerOwner, type ApiClient } from '../helpers/client';

/**
 * Time tracking: a timer per person (start, pause, resume, stop), one running timer per person across
 * all tasks, manual entries, planned against actual per task and per person, and who may do what.
 */
describe('task time tracking', () => {
  let hub: TestHub;
  let db: pg.Client;
  let owner: ApiClient;
  let ann: ApiClient;
  let ben: ApiClient;
  let cid: ApiClient;
  let dan: ApiClient;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    hub = await startTestHub();
    owner = await registerOwner(hub.url);
    ann = await addColleague(owner, 'ann@example.com', 'Ann');
    ben = await addColleague(owner, 'ben@example.com', 'Ben');
    cid = await addColleague(owner, 'cid@example.com', 'Cid');
    dan = await addColleague(owner, 'dan@example.com', 'Dan');
    Object.assign(ids, await idsOf({ owner, ann, ben, cid, dan }));
    db = new pg.Client({ connectionString: hub.db.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await hub.stop();
  });

  const create = async (body: Record<string, unknown>) => {
    const r = await ann.post('/api/tasks', { clientId: randomUUID(), responsibleId: ids.ben, participantIds: [ids.cid], observerIds: [ids.dan], ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.task;
  };
  /** Pretend a timer has been running (or counted) longer than it has. */
  const backdate = (userId: string, seconds: number) =>
    db.query(`UPDATE task_timers SET started_at = started_at - make_interval(secs => $2) WHERE user_id = $1 AND started_at IS NOT NULL`, [userId, seconds]);
  const timer = (c: ApiClient, id: string, what: 'start' | 'pause' | 'stop') => c.post(`/api/tasks/${id}/timer/${what}`);

  it('start, pause, resume, stop: the counted time becomes one entry; my other devices see my timer', async () => {
    const t = await create({ title: 'Timed', plannedMinutes: 60 });
    const rt = await RealtimeClient.open(hub.url, ben.cookie);
    await rt.request({ type: 'subscribe', streams: [{ stream: `user:${ids.ben}` }, { stream: `task:${t.id}`, after: t.head }] });
    const started = await timer(ben, t.id, 'start');
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ timer: { taskId: t.id, userId: ids.ben, accumulatedSeconds: 0 }, stopped: null });
    expect(started.body.timer.startedAt).not.toBeNull();
    // Starting again while running changes nothing.
    expect((await timer(ben, t.id, 'start')).body.timer.startedAt).toBe(started.body.timer.startedAt);
    await backdate(ids.ben, 600);
    const paused = await timer(ben, t.id, 'pause');
    expect(paused.body.timer).toMatchObject({ startedAt: null });
    expect(paused.body.timer.accumulatedSeconds).toBeGreaterThanOrEqual(600);
    expect((await ben.get('/api/tasks/timer')).body.timer).toMatchObject({ taskId: t.id, startedAt: null });
    await timer(ben, t.id, 'start');
    await backdate(ids.ben, 300);
    const stopped = await timer(ben, t.id, 'stop');
    expect(stopped.body.entry).toMatchObject({ taskId: t.id, userId: ids.ben, source: 'timer' });
    expect(stopped.body.entry.seconds).toBeGreaterThanOrEqual(900);
    expect(stopped.body.entry.seconds).toBeLessThan(910);
    expect((await ben.get('/api/tasks/timer')).body.timer).toBeNull();
    expect((await timer(ben, t.id, 'stop')).status).toBe(409);
    expect((await timer(ben, t.id, 'pause')).status).toBe(409);
    const timers = await rt.waitFor(() => {
      const evs = rt.events(`user:${ids.ben}`).filter((e) => e.event.type === 'task_timer');
      return evs.length === 4 && evs;
    });
    expect(timers.map((e) => e.event.payload.timer?.startedAt === null ? 'paused' : e.event.payload.timer ? 'running' : 'none')).toEqual(['running', 'paused', 'running', 'none']);
    const last = await rt.waitFor(() => rt.events(`task:${t.id}`).find((e) => e.event.type === 'time_changed' && e.event.payload.entry));
    expect(last.event.payload.totals).toMatchObject({ plannedMinutes: 60, byPerson: [{ userId: ids.ben }] });
    expect(last.event.payload.timers).toEqual([]);
    expect((await ben.get(`/api/tasks/${t.id}`)).body.task.spentSeconds).toBe(stopped.body.entry.seconds);
    rt.close();
  });

  it('one running timer per person: starting on another task stops the first, which logs its time', async () => {
    const a = await create({ title: 'First' });
    const b = await create({ title: 'Second' });
    await timer(ben, a.id, 'start');
    await backdate(ids.ben, 120);
    const moved = await timer(ben, b.id, 'start');
    expect(moved.body.timer).toMatchObject({ taskId: b.id });
    expect(moved.body.stopped).toMatchObject({ taskId: a.id, source: 'timer' });
    expect(moved.body.stopped.seconds).toBeGreaterThanOrEqual(120);
    expect((await ben.get('/api/tasks/timer')).body.timer.taskId).toBe(b.id);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM task_timers WHERE user_id = $1`, [ids.ben]);
    expect(rows[0].n).toBe(1);
    // Many starts at once across tasks still leave one timer.
    const c = await create({ title: 'Third' });
    const raced = await Promise.all([a, b, c, a, b, c].map((t) => timer(ben, t.id, 'start')));
    expect(raced.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const after = await db.query(`SELECT count(*)::int AS n FROM task_timers WHERE user_id = $1`, [ids.ben]);
    expect(after.rows[0].n).toBe(1);
    // Other people's timers are their own.
    await timer(cid, a.id, 'start');
    expect((await ben.get('/api/tasks/timer')).body.timer).not.toBeNull();
    expect((await cid.get('/api/tasks/timer')).body.timer.taskId).toBe(a.id);
    await timer(cid, a.id, 'stop');
    await timer(ben, (await ben.get('/api/tasks/timer')).body.timer.taskId, 'stop');
  });

  it('manual entries and totals: planned against actual, per person; entries deleted by their author, the creator, admins', async () => {
    const t = await create({ title: 'Logged', plannedMinutes: 120 });
    const e1 = await ben.post(`/api/tasks/${t.id}/time`, { minutes: 45, note: 'Research' });
    expect(e1.status).toBe(201);
    expect(e1.body.entry).toMatchObject({ seconds: 2700, note: 'Research', source: 'manual', userId: ids.ben });
    await cid.post(`/api/tasks/${t.id}/time`, { minutes: 30 });
    await ann.post(`/api/tasks/${t.id}/time`, { minutes: 15 });
    await timer(cid, t.id, 'start');
    await backdate(ids.cid, 60);
    const time = (await dan.get(`/api/tasks/${t.id}/time`)).body;
    expect(time.entries.map((e: any) => e.seconds)).toEqual([900, 1800, 2700]);
    expect(time.timers).toMatchObject([{ userId: ids.cid, taskId: t.id }]);
    expect(time.totals.plannedMinutes).toBe(120);
    expect(time.totals.byPerson.map((p: any) => p.userId)).toEqual([ids.ben, ids.cid, ids.ann]);
    // Running timers count towards the totals.
    expect(time.totals.byPerson[1].seconds).toBeGreaterThanOrEqual(1860);
    expect(time.totals.spentSeconds).toBeGreaterThanOrEqual(5460);
    expect((await dan.post(`/api/tasks/${t.id}/time`, { minutes: 5 })).status).toBe(403);
    expect((await cid.del(`/api/tasks/${t.id}/time/${e1.body.entry.id}`)).status).toBe(403);
    expect((await dan.del(`/api/tasks/${t.id}/time/${e1.body.entry.id}`)).status).toBe(403);
    expect((await ann.del(`/api/tasks/${t.id}/time/${e1.body.entry.id}`)).status).toBe(200);
    expect((await ann.del(`/api/tasks/${t.id}/time/${e1.body.entry.id}`)).status).toBe(404);
    const own = (await cid.get(`/api/tasks/${t.id}/time`)).body.entries.find((e: any) => e.userId === ids.cid);
    expect((await cid.del(`/api/tasks/${t.id}/time/${own.id}`)).status).toBe(200);
    await timer(cid, t.id, 'stop');
  });

  it('the timer runs only on active tasks; completing a task stops the timers on it', async () => {
    const t = await create({ title: 'Closing', requireControl: false });
    await timer(ben, t.id, 'start');
    await timer(cid, t.id, 'start');
    await backdate(ids.ben, 60);
    const done = await ben.post(`/api/tasks/${t.id}/status`, { action: 'complete' });
    expect(done.body.task.status).toBe('done');
    expect((await ben.get('/api/tasks/timer')).body.timer).toBeNull();
    expect((await cid.get('/api/tasks/timer')).body.timer).toBeNull();
    const time = (await ben.get(`/api/tasks/${t.id}/time`)).body;
    expect(time.entries.map((e: any) => [e.userId, e.source]).sort()).toEqual([[ids.ben, 'timer'], [ids.cid, 'timer']].sort());
    expect(time.timers).toEqual([]);
    const refused = await timer(ben, t.id, 'start');
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('done');
    // Time is still logged by hand after the fact.
    expect((await ben.post(`/api/tasks/${t.id}/time`, { minutes: 10 })).status).toBe(201);
  });

  it('who may track time: the responsible, participants and the creator; bad entries are refused', async () => {
    const t = await create({ title: 'Who' });
    expect((await timer(dan, t.id, 'start')).status).toBe(403);
    expect((await timer(owner, t.id, 'start')).status).toBe(403);
    expect((await timer(ann, t.id, 'start')).status).toBe(200);
    await timer(ann, t.id, 'stop');
    expect((await timer(ben, randomUUID(), 'start')).status).toBe(404);
    for (const body of [{ minutes: 0 }, { minutes: 1441 }, { minutes: 1.5 }, { minutes: 10, note: 'x'.repeat(501) }, { minutes: 10, userId: ids.cid }]) {
      expect((await ben.post(`/api/tasks/${t.id}/time`, body)).status, JSON.stringify(body)).toBe(400);
    }
  });
});

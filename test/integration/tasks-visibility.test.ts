import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, ApiClient, idsOf, RealtimeClient, registerOwner, UpgradeRefused } from '../helpers/client';
import { canSeeTask, type TaskViewerFacts } from '../../server/domains/tasks/policy';

/**
 * The visibility matrix of tasks: each kind of person x each kind of task, for every way of touching a
 * task (list, get, edit, comment, tick the checklist, log time, subscribe). The SQL rule and its pure
 * twin must agree.
 */

type Who = 'owner' | 'admin' | 'creator' | 'responsible' | 'participant' | 'observer' | 'groupMember' | 'outsider';
type Kind = 'closedGroup' | 'openGroup' | 'noGroup';

const PEOPLE: Who[] = ['owner', 'admin', 'creator', 'responsible', 'participant', 'observer', 'groupMember', 'outsider'];
const KINDS: Kind[] = ['closedGroup', 'openGroup', 'noGroup'];
const NAMED: Who[] = ['owner', 'admin', 'creator', 'responsible', 'participant', 'observer'];

/** Who sees which task: the expectation, written out by hand. An open group widens nothing. */
const SEES: Record<Kind, Who[]> = {
  closedGroup: [...NAMED, 'groupMember'],
  openGroup: [...NAMED, 'groupMember'],
  noGroup: NAMED,
};
/** What each may do, on tasks they see. */
const EDITS: Who[] = ['owner', 'admin', 'creator'];
const TICKS: Who[] = ['owner', 'admin', 'creator', 'responsible', 'participant'];
const LOGS_TIME: Who[] = ['creator', 'responsible', 'participant'];

describe('task visibility', () => {
  let hub: TestHub;
  const c = {} as Record<Who, ApiClient>;
  const ids = {} as Record<Who | 'deactivated' | 'guest', string>;
  let deactivated: ApiClient;
  let guest: ApiClient;
  let db: pg.Client;
  const groups = {} as Record<'closed' | 'open', string>;
  const tasks = {} as Record<Kind, any>;

  beforeAll(async () => {
    hub = await startTestHub();
    c.owner = await registerOwner(hub.url);
    c.admin = await addColleague(c.owner, 'admin@example.com', 'Adam Admin', 'admin');
    for (const who of PEOPLE.slice(2)) c[who] = await addColleague(c.owner, `${who.toLowerCase()}@example.com`, who);
    deactivated = await addColleague(c.owner, 'gone@example.com', 'Gone Soon');
    Object.assign(ids, await idsOf({ ...c, deactivated }));
    db = new pg.Client({ connectionString: hub.db.url });
    await db.connect();
    ids.guest = randomUUID();
    await db.query(`INSERT INTO users (id, email, name, password_hash, role) VALUES ($1, 'guest@partner.example', 'Gus', 'x', 'guest')`, [ids.guest]);
    guest = new ApiClient(hub.url);
    guest.cookie = (await hub.artel.svc.sessions.open(ids.guest)).token;

    groups.closed = (await c.creator.post('/api/groups', { name: 'Closed', visibility: 'closed', memberIds: [ids.groupMember] })).body.group.id;
    groups.open = (await c.creator.post('/api/groups', { name: 'Open', visibility: 'open', memberIds: [ids.groupMember] })).body.group.id;
    const groupOf: Record<Kind, string | null> = { closedGroup: groups.closed, openGroup: groups.open, noGroup: null };
    for (const kind of KINDS) {
      const r = await c.creator.post('/api/tasks', {
        clientId: randomUUID(), title: `Matrix ${kind}`, responsibleId: ids.responsible, participantIds: [ids.participant, ids.deactivated],
        observerIds: [ids.observer], groupId: groupOf[kind], checklist: ['step'],
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      tasks[kind] = (await c.creator.get(`/api/tasks/${r.body.task.id}`)).body;
    }
    expect((await c.owner.post(`/api/admin/users/${ids.deactivated}/deactivate`)).status).toBe(200);
  });
  afterAll(async () => {
    await db.end();
    await hub.stop();
  });

  const sees = (kind: Kind, who: Who) => SEES[kind].includes(who);
  const expected = (kind: Kind, who: Who, allowed: Who[], ok: number) => (!sees(kind, who) ? 403 : allowed.includes(who) ? ok : 403);

  describe.each(PEOPLE)('%s', (who) => {
    it('lists exactly the tasks they see', async () => {
      const listed = (await c[who].get('/api/tasks?q=Matrix&limit=100')).body.tasks.map((t: any) => t.title);
      for (const kind of KINDS) expect(listed.includes(`Matrix ${kind}`), `${who} lists ${kind}`).toBe(sees(kind, who));
      const board = (await c[who].get('/api/tasks?q=Matrix&groupBy=status')).body.columns;
      expect(board[0].count, `${who} board`).toBe(KINDS.filter((k) => sees(k, who)).length);
    });

    it('gets, edits, comments, ticks and logs time only as their part allows', async () => {
      for (const kind of KINDS) {
        const { task, checklist } = tasks[kind];
        const got = [
          (await c[who].get(`/api/tasks/${task.id}`)).status,
          (await c[who].get(`/api/tasks/${task.id}/comments`)).status,
          (await c[who].patch(`/api/tasks/${task.id}`, { description: `edited by ${who}` })).status,
          (await c[who].post(`/api/tasks/${task.id}/comments`, { clientId: randomUUID(), body: `${who} was here` })).status,
          (await c[who].patch(`/api/tasks/${task.id}/checklist/${checklist[0].id}`, { done: true })).status,
          (await c[who].post(`/api/tasks/${task.id}/time`, { minutes: 5 })).status,
          (await c[who].post(`/api/tasks/${task.id}/reminders`, { at: new Date(Date.now() + 86_400_000).toISOString() })).status,
        ];
        const see = sees(kind, who) ? 200 : 403;
        expect(got, `${who} on ${kind}: get, comments, edit, comment, tick, time, remind`).toEqual([
          see, see, expected(kind, who, EDITS, 200), sees(kind, who) ? 201 : 403, expected(kind, who, TICKS, 200),
          expected(kind, who, LOGS_TIME, 201), sees(kind, who) ? 201 : 403,
        ]);
      }
    });

    it('follows the streams of the tasks they see, and no other', async () => {
      const rt = await RealtimeClient.open(hub.url, c[who].cookie);
      for (const kind of KINDS) {
        const stream = `task:${tasks[kind].task.id}`;
        const r = await rt.request({ type: 'subscribe', streams: [{ stream }] });
        if (sees(kind, who)) expect(r.ok, `${who} follows ${kind}`).toBe(true);
        else expect(r.error?.code, `${who} follows ${kind}`).toBe('forbidden');
        expect((await rt.request({ type: 'fetch', stream, after: 0 })).ok, `${who} fetches ${kind}`).toBe(sees(kind, who));
      }
      expect((await rt.request({ type: 'subscribe', streams: [{ stream: `task:${randomUUID()}` }] })).error?.code).toBe('not_found');
      rt.close();
    });

    it('the pure rule agrees with the SQL rule', async () => {
      const { rows } = await db.query(`SELECT group_id FROM work_group_members WHERE user_id = $1`, [ids[who]]);
      const role = who === 'owner' ? 'owner' : who === 'admin' ? 'admin' : 'employee';
      const viewer: TaskViewerFacts = { id: ids[who], role, active: true, groupIds: rows.map((r) => r.group_id) };
      for (const kind of KINDS) {
        const t = tasks[kind].task;
        const facts = {
          creatorId: t.creator.id, responsibleId: t.responsible.id, participantIds: t.participants.map((p: any) => p.id),
          observerIds: t.observers.map((p: any) => p.id), groupId: t.group?.id ?? null,
        };
        expect(canSeeTask(viewer, facts), `${who} / ${kind}`).toBe(sees(kind, who));
        // Deactivated people and guests see nothing, whatever they are named as.
        expect(canSeeTask({ ...viewer, active: false }, facts)).toBe(false);
        expect(canSeeTask({ ...viewer, role: 'guest' }, facts)).toBe(false);
      }
    });
  });

  it('a deactivated participant sees nothing: no session, no socket, and the SQL rule says no', async () => {
    const id = tasks.noGroup.task.id;
    for (const path of ['/api/tasks', `/api/tasks/${id}`, '/api/tasks/counters']) expect((await deactivated.get(path)).status).toBe(401);
    expect((await deactivated.post(`/api/tasks/${id}/comments`, { clientId: randomUUID(), body: 'x' })).status).toBe(401);
    await expect(RealtimeClient.open(hub.url, deactivated.cookie)).rejects.toBeInstanceOf(UpgradeRefused);
    // A session opened anyway (as if it had survived) is refused by the rule itself.
    const revived = new ApiClient(hub.url);
    revived.cookie = (await hub.artel.svc.sessions.open(ids.deactivated)).token;
    expect((await revived.get(`/api/tasks/${id}`)).status).not.toBe(200);
  });

  it('a guest-role account is forbidden everything, and cannot be named on a task', async () => {
    const id = tasks.openGroup.task.id;
    const itemId = tasks.openGroup.checklist[0].id;
    for (const [method, path, body] of [
      ['GET', '/api/tasks', undefined],
      ['GET', '/api/tasks/counters', undefined],
      ['GET', '/api/tasks/timer', undefined],
      ['GET', `/api/tasks/${id}`, undefined],
      ['GET', `/api/tasks/${id}/comments`, undefined],
      ['POST', '/api/tasks', { clientId: randomUUID(), title: 'x' }],
      ['PATCH', `/api/tasks/${id}`, { title: 'x' }],
      ['POST', `/api/tasks/${id}/status`, { action: 'start' }],
      ['POST', `/api/tasks/${id}/comments`, { clientId: randomUUID(), body: 'x' }],
      ['PATCH', `/api/tasks/${id}/checklist/${itemId}`, { done: true }],
      ['POST', `/api/tasks/${id}/timer/start`, {}],
      ['POST', `/api/tasks/${id}/read`, {}],
    ] as const) {
      expect((await guest.call(method, path, body)).status, `${method} ${path}`).toBe(403);
    }
    const rt = await RealtimeClient.open(hub.url, guest.cookie);
    expect((await rt.request({ type: 'subscribe', streams: [{ stream: `task:${id}` }] })).error?.code).toBe('forbidden');
    rt.close();
    const named = await c.creator.post('/api/tasks', { clientId: randomUUID(), title: 'x', observerIds: [ids.guest] });
    expect(named.status).toBe(400);
    expect(named.body.error.fields).toHaveProperty(['observerIds']);
  });

  it('anonymous callers are unauthenticated everywhere', async () => {
    const id = tasks.noGroup.task.id;
    const anon = new ApiClient(hub.url);
    for (const [method, path, body] of [
      ['GET', '/api/tasks', undefined],
      ['GET', `/api/tasks/${id}`, undefined],
      ['PATCH', `/api/tasks/${id}`, { title: 'x' }],
      ['POST', `/api/tasks/${id}/comments`, { clientId: randomUUID(), body: 'x' }],
      ['POST', `/api/tasks/${id}/status`, { action: 'start' }],
    ] as const) {
      expect((await anon.call(method, path, body)).status, `${method} ${path}`).toBe(401);
    }
    await expect(RealtimeClient.open(hub.url, null)).rejects.toBeInstanceOf(UpgradeRefused);
  });

  it('leaving the workgroup takes the task away; joining the task list brings it', async () => {
    const id = tasks.closedGroup.task.id;
    expect((await c.groupMember.get(`/api/tasks/${id}`)).status).toBe(200);
    expect((await c.creator.del(`/api/groups/${groups.closed}/members/${ids.groupMember}`)).status).toBe(200);
    expect((await c.groupMember.get(`/api/tasks/${id}`)).status).toBe(403);
    expect((await c.creator.patch(`/api/tasks/${id}`, { observerIds: [ids.observer, ids.outsider] })).status).toBe(200);
    expect((await c.outsider.get(`/api/tasks/${id}`)).status).toBe(200);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { RealtimeClient, type ApiClient } from '../helpers/client';
import { team } from '../helpers/team';

describe('live feed: important announcements and polls', () => {
  let hub: TestHub;
  let owner: ApiClient, admin: ApiClient, ann: ApiClient, ben: ApiClient, cid: ApiClient, dan: ApiClient;
  let ids: Record<string, string>;

  beforeAll(async () => {
    hub = await startTestHub();
    ({ owner, admin, ann, ben, cid, dan, ids } = await team(hub.url, ['admin', 'ann', 'ben', 'cid', 'dan']));
    await ben.patch('/api/me', { department: 'Finance' });
    await cid.patch('/api/me', { department: 'finance ' });
  });
  afterAll(() => hub.stop());

  const publish = async (c: ApiClient, body: Record<string, unknown>) => {
    const r = await c.post('/api/feed/posts', { clientId: randomUUID(), ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.post;
  };
  const pinnedIds = async (c: ApiClient) => (await c.get('/api/feed')).body.pinned.map((p: any) => p.id);

  describe('important posts', () => {
    it('stay pinned for each reader until that reader marks them read; "read by N of M" moves live', async () => {
      const post = await publish(ann, { body: 'Office closed on Friday', audience: { departments: ['Finance'] }, important: true });
      expect(post).toMatchObject({ important: true, readCount: 0, audienceCount: 2, read: false });
      expect(await pinnedIds(ben)).toEqual([post.id]);
      expect(await pinnedIds(cid)).toEqual([post.id]);
      expect(await pinnedIds(ann)).toEqual([]); // the author confirms nothing
      expect(await pinnedIds(dan)).toEqual([]); // not in the audience
      expect((await ben.get('/api/feed')).body.posts.map((p: any) => p.id)).toContain(post.id);

      const annRt = await RealtimeClient.open(hub.url, ann.cookie);
      await annRt.request({ type: 'subscribe', streams: [{ stream: `post:${post.id}`, after: post.head }] });
      const benRt = await RealtimeClient.open(hub.url, ben.cookie);
      await benRt.request({ type: 'subscribe', streams: [{ stream: `user:${ids.ben}` }] });

      expect((await ben.post(`/api/feed/posts/${post.id}/read`)).body).toEqual({ readCount: 1, audienceCount: 2 });
      const ev = await annRt.waitFor(() => annRt.events(`post:${post.id}`).find((e) => e.event.type === 'post_read'));
      expect(ev.event.payload).toEqual({ postId: post.id, userId: ids.ben, readCount: 1, audienceCount: 2 });
      await benRt.waitFor(() => benRt.events(`user:${ids.ben}`).find((e) => e.event.type === 'feed_read' && e.event.payload.postId === post.id));
      expect(await pinnedIds(ben)).toEqual([]);
      expect(await pinnedIds(cid)).toEqual([post.id]);
      expect((await ben.get(`/api/feed/posts/${post.id}`)).body.post).toMatchObject({ read: true, readCount: 1, audienceCount: 2 });
      // Marking again changes nothing and announces nothing.
      expect((await ben.post(`/api/feed/posts/${post.id}/read`)).body).toEqual({ readCount: 1, audienceCount: 2 });
      expect((await cid.post(`/api/feed/posts/${post.id}/read`)).body).toEqual({ readCount: 2, audienceCount: 2 });
      await annRt.waitFor(() => annRt.events(`post:${post.id}`).filter((e) => e.event.type === 'post_read').length === 2);
      await new Promise((r) => setTimeout(r, 100));
      expect(annRt.events(`post:${post.id}`).filter((e) => e.event.type === 'post_read')).toHaveLength(2);
      annRt.close();
      benRt.close();
    });

    it('the readers list is for the author and the admins who can see the post', async () => {
      const post = await publish(ann, { body: 'Read me', audience: { everyone: true }, important: true });
      await dan.post(`/api/feed/posts/${post.id}/read`);
      await ben.post(`/api/feed/posts/${post.id}/read`);
      const r = await ann.get(`/api/feed/posts/${post.id}/readers`);
      expect(r.body).toMatchObject({ readCount: 2, audienceCount: 5 });
      expect(r.body.readers.map((x: any) => x.userId)).toEqual([ids.dan, ids.ben]);
      expect((await admin.get(`/api/feed/posts/${post.id}/readers`)).status).toBe(200);
      expect((await owner.get(`/api/feed/posts/${post.id}/readers`)).status).toBe(200);
      expect((await ben.get(`/api/feed/posts/${post.id}/readers`)).status).toBe(403);
    });

    it('the important filter lists important posts, read or not; a person leaving the audience leaves M', async () => {
      const post = await publish(dan, { body: 'Finance only', audience: { departments: ['FINANCE'] }, important: true });
      expect((await ben.get('/api/feed?filter=important')).body.posts.map((p: any) => p.id)).toContain(post.id);
      expect((await ann.get('/api/feed?filter=important')).body.posts.map((p: any) => p.id)).not.toContain(post.id);
      await cid.post(`/api/feed/posts/${post.id}/read`);
      await cid.patch('/api/me', { department: 'Sales' });
      expect((await dan.get(`/api/feed/posts/${post.id}`)).body.post).toMatchObject({ readCount: 0, audienceCount: 1 });
      expect((await cid.get(`/api/feed/posts/${post.id}`)).status).toBe(403);
      await cid.patch('/api/me', { department: 'finance ' });
    });
  });

  describe('polls', () => {
    it('single choice: vote, change, retract; live results without anyone\'s choices', async () => {
      const post = await publish(ann, { body: 'Lunch?', audience: { everyone: true }, poll: { question: 'Where?', options: ['Pizza', 'Sushi', 'Salad'] } });
      expect(post.poll).toMatchObject({ question: 'Where?', multiple: false, totalVoters: 0, myChoices: [] });
      const [pizza, sushi, salad] = post.poll.options.map((o: any) => o.id);
      const rt = await RealtimeClient.open(hub.url, ann.cookie);
      await rt.request({ type: 'subscribe', streams: [{ stream: `post:${post.id}`, after: post.head }] });

      const voted = await ben.post(`/api/feed/posts/${post.id}/poll/vote`, { optionIds: [pizza] });
      expect(voted.body.poll).toMatchObject({ totalVoters: 1, myChoices: [pizza] });
      expect(voted.body.poll.options.map((o: any) => [o.text, o.votes])).toEqual([['Pizza', 1], ['Sushi', 0], ['Salad', 0]]);
      await cid.post(`/api/feed/posts/${post.id}/poll/vote`, { optionIds: [pizza] });
      const changed = await ben.post(`/api/feed/posts/${post.id}/poll/vote`, { optionIds: [sushi] });
      expect(changed.body.poll.options.map((o: any) => o.votes)).toEqual([1, 1, 0]);
      expect(changed.body.poll).toMatchObject({ totalVoters: 2, myChoices: [sushi] });
      expect((await ben.post(`/api/feed/posts/${post.id}/poll/vote`, { optionIds: [pizza, salad] })).status).toBe(400);
      const retracted = await cid.del(`/api/feed/posts/${post.id}/poll/vote`);
      expect(retracted.body.poll).toMatchObject({ totalVoters: 1, myChoices: [] });

      const live = await rt.waitFor(() => {
        const list = rt.events(`post:${post.id}`).filter((e) => e.event.type === 'poll_changed');
        return list.length === 4 && list;
      });
      expect(live.map((e: any) => e.event.payload.poll.options.map((o: any) => o.votes))).toEqual([[1, 0, 0], [2, 0, 0], [1, 1, 0], [0, 1, 0]]);
      expect(live.every((e: any) => e.event.payload.poll.myChoices.length === 0)).toBe(true);
      // Each viewer sees their own choices in the feed.
      expect((await ben.get(`/api/feed/posts/${post.id}`)).body.post.poll.myChoices).toEqual([sushi]);
      expect((await ann.get(`/api/feed/posts/${post.id}`)).body.post.poll.myChoices).toEqual([]);
      rt.close();
    });

    it('multiple choice counts each voter once; options of another poll are refused', async () => {
      const post = await publish(ann, { body: 'Skills', audience: { everyone: true }, poll: { question: 'Which?', options: ['TS', 'Go', 'SQL'], multiple: true } });
      const other = await publish(ann, { body: 'Other', audience: { everyone: true }, poll: { question: '?', options: ['x', 'y'] } });
      const [ts, go, sqlOpt] = post.poll.options.map((o: any) => o.id);
      expect((await ben.post(`/api/feed/posts/${post.id}/poll/vote`, { optionIds: [ts, sqlOpt] })).body.poll).toMatchObject({ totalVoters: 1, myChoices: [ts, sqlOpt] });
      const r = await cid.post(`/api/feed/posts/${post.id}/poll/vote`, { optionIds: [ts, go, sqlOpt] });
      expect(r.body.poll.totalVoters).toBe(2);
      expect(r.body.poll.options.map((o: any) => o.votes)).toEqual([2, 1, 2]);
      const cross = await dan.post(`/api/feed/posts/${post.id}/poll/vote`, { optionIds: [other.poll.options[0].id] });
      expect(cross.status).toBe(400);
      expect(cross.body.error.fields).toHaveProperty('optionIds');
      expect((await dan.post(`/api/feed/posts/${post.id}/poll/vote`, { optionIds: [ts, ts] })).status).toBe(400);
      expect((await dan.post(`/api/feed/posts/${post.id}/poll/vote`, { optionIds: [] })).status).toBe(400);
      const noPoll = await publish(ann, { body: 'No poll', audience: { everyone: true } });
      expect((await dan.post(`/api/feed/posts/${noPoll.id}/poll/vote`, { optionIds: [ts] })).status).toBe(404);
    });

    it('only those who can see the post vote; deleted posts take no votes', async () => {
      const post = await publish(ann, { body: 'Finance vote', audience: { departments: ['Finance'] }, poll: { question: 'Budget?', options: ['up', 'down'] } });
      const up = post.poll.options[0].id;
      expect((await dan.post(`/api/feed/posts/${post.id}/poll/vote`, { optionIds: [up] })).status).toBe(403);
      expect((await admin.post(`/api/feed/posts/${post.id}/poll/vote`, { optionIds: [up] })).status).toBe(403);
      expect((await ben.post(`/api/feed/posts/${post.id}/poll/vote`, { optionIds: [up] })).status).toBe(200);
      await ann.del(`/api/feed/posts/${post.id}`);
      expect((await cid.post(`/api/feed/posts/${post.id}/poll/vote`, { optionIds: [up] })).status).toBe(409);
    });
  });
});

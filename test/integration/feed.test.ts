import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { RealtimeClient, type ApiClient } from '../helpers/client';
import { team } from '../helpers/team';
import { FEED_LIMITS } from '../../shared/feed';
import { externalRecipients } from '../../server/domains/feed';

describe('live feed: posts, comments, reactions, mentions, live updates', () => {
  let hub: TestHub;
  let owner: ApiClient, admin: ApiClient, ann: ApiClient, ben: ApiClient, cid: ApiClient, dan: ApiClient;
  let ids: Record<string, string>;

  beforeAll(async () => {
    hub = await startTestHub();
    ({ owner, admin, ann, ben, cid, dan, ids } = await team(hub.url, ['admin', 'ann', 'ben', 'cid', 'dan']));
  });
  afterAll(() => hub.stop());

  const publish = async (c: ApiClient, body: Record<string, unknown>) => {
    const r = await c.post('/api/feed/posts', { clientId: randomUUID(), ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.post;
  };
  const comment = async (c: ApiClient, postId: string, body: string, extra: Record<string, unknown> = {}) => {
    const r = await c.post(`/api/feed/posts/${postId}/comments`, { clientId: randomUUID(), body, ...extra });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.comment;
  };

  it('publishes a post with its author, audience summary, Markdown body and counters', async () => {
    const post = await publish(ann, {
      title: '  Quarterly results ', body: '**Great** quarter, thanks to <@' + ids.ben + '>',
      audience: { userIds: [ids.cid], emails: ['Partner@Client.example', 'partner@client.example'] },
    });
    expect(post).toMatchObject({
      title: 'Quarterly results', body: '**Great** quarter, thanks to <@' + ids.ben + '>',
      author: { id: ids.ann, name: 'Ann', avatarUrl: null }, important: false, editedAt: null, deletedAt: null,
      commentCount: 0, lastComments: [], reactions: [], myReactions: [], poll: null, read: false, readCount: null, head: 1,
      mentions: [ids.ben],
    });
    expect(post.audience).toMatchObject({ everyone: false, departments: [], groups: [], emails: ['partner@client.example'], externalCount: 1 });
    expect(post.audience.users).toEqual([{ id: ids.ben, name: 'Ben', mentioned: true }, { id: ids.cid, name: 'Cid', mentioned: false }]);
    // Other readers see how many external people, not their addresses.
    const seen = (await cid.get(`/api/feed/posts/${post.id}`)).body.post;
    expect(seen.audience).toMatchObject({ emails: [], externalCount: 1 });
    expect(await externalRecipients(hub.artel.svc, post.id)).toEqual(['partner@client.example']);
  });

  it('a retried publish with the same client id stores one post, even when the retries race', async () => {
    const body = { clientId: randomUUID(), body: 'Once only', audience: { everyone: true } };
    const replies = await Promise.all([ben.post('/api/feed/posts', body), ben.post('/api/feed/posts', body), ben.post('/api/feed/posts', body)]);
    expect(replies.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(new Set(replies.map((r) => r.body.post.id)).size).toBe(1);
    const again = await ben.post('/api/feed/posts', body);
    expect(again.body.post.id).toBe(replies[0].body.post.id);
    const mine = (await ben.get('/api/feed?filter=mine')).body.posts.filter((p: any) => p.body === 'Once only');
    expect(mine).toHaveLength(1);
  });

  it('comments with one level of replies, idempotent by client id, newest three on the feed item', async () => {
    const post = await publish(ann, { body: 'Discuss', audience: { everyone: true } });
    const first = await comment(ben, post.id, 'First');
    const reply = await comment(cid, post.id, 'A reply', { replyTo: first.id });
    const replyToReply = await comment(dan, post.id, 'Reply to the reply', { replyTo: reply.id });
    expect(reply.replyTo).toBe(first.id);
    expect(replyToReply.replyTo).toBe(first.id);
    const clientId = randomUUID();
    const twice = await Promise.all([1, 2].map(() => ann.post(`/api/feed/posts/${post.id}/comments`, { clientId, body: 'Last' })));
    expect(twice[0].body.comment.id).toBe(twice[1].body.comment.id);
    const other = await publish(ann, { body: 'Another', audience: { everyone: true } });
    expect((await ann.post(`/api/feed/posts/${other.id}/comments`, { clientId, body: 'Last' })).status).toBe(409);
    expect((await ann.post(`/api/feed/posts/${other.id}/comments`, { clientId: randomUUID(), body: 'x', replyTo: first.id })).status).toBe(400);
    expect((await ann.post(`/api/feed/posts/${other.id}/comments`, { clientId: randomUUID(), body: 'x', replyTo: randomUUID() })).status).toBe(400);

    const item = (await ben.get(`/api/feed/posts/${post.id}`)).body.post;
    expect(item.commentCount).toBe(4);
    expect(item.lastComments.map((c: any) => c.body)).toEqual(['A reply', 'Reply to the reply', 'Last']);
    const all = (await ben.get(`/api/feed/posts/${post.id}/comments`)).body;
    expect(all.comments.map((c: any) => c.body)).toEqual(['First', 'A reply', 'Reply to the reply', 'Last']);
    expect(all.head).toBe(all.comments[3].seq);
    const older = (await ben.get(`/api/feed/posts/${post.id}/comments?before=${all.comments[2].seq}&limit=1`)).body.comments;
    expect(older.map((c: any) => c.body)).toEqual(['A reply']);
  });

  it('edits and deletes comments: authors edit; authors, the post author and admins delete; tombstones keep replies in place', async () => {
    const post = await publish(ann, { body: 'Moderated', audience: { everyone: true } });
    const c1 = await comment(ben, post.id, 'Typo hre');
    const c2 = await comment(cid, post.id, 'Off topic');
    await comment(dan, post.id, 'Reply', { replyTo: c1.id });
    expect((await cid.patch(`/api/feed/comments/${c1.id}`, { body: 'Not mine' })).status).toBe(403);
    const edited = await ben.patch(`/api/feed/comments/${c1.id}`, { body: 'Typo here' });
    expect(edited.body.comment).toMatchObject({ body: 'Typo here' });
    expect(edited.body.comment.editedAt).not.toBeNull();
    expect((await dan.del(`/api/feed/comments/${c2.id}`)).status).toBe(403);
    expect((await ann.del(`/api/feed/comments/${c2.id}`)).status).toBe(200);
    const gone = (await admin.del(`/api/feed/comments/${c1.id}`)).body.comment;
    expect(gone).toMatchObject({ body: '', reactions: [] });
    expect(gone.deletedAt).not.toBeNull();
    expect((await ben.patch(`/api/feed/comments/${c1.id}`, { body: 'again' })).status).toBe(409);
    expect((await ben.post(`/api/feed/posts/${post.id}/comments`, { clientId: randomUUID(), body: 'x', replyTo: c1.id })).status).toBe(409);
    const list = (await ben.get(`/api/feed/posts/${post.id}/comments`)).body.comments;
    expect(list.map((c: any) => [c.body, c.deletedAt !== null])).toEqual([['', true], ['', true], ['Reply', false]]);
    expect((await ben.get(`/api/feed/posts/${post.id}`)).body.post.commentCount).toBe(1);
    // The deleted text is gone from the stream too.
    const rt = await RealtimeClient.open(hub.url, ben.cookie);
    const events = (await rt.request({ type: 'fetch', stream: `post:${post.id}`, after: 0 })).events;
    expect(JSON.stringify(events)).not.toContain('Typo');
    expect(JSON.stringify(events)).not.toContain('Off topic');
    rt.close();
  });

  it('reactions toggle on posts and comments, with who reacted, live on the post stream', async () => {
    const post = await publish(ann, { body: 'React!', audience: { everyone: true } });
    const c = await comment(ann, post.id, 'Me too');
    const rt = await RealtimeClient.open(hub.url, ann.cookie);
    await rt.request({ type: 'subscribe', streams: [{ stream: `post:${post.id}`, after: 0 }] });
    expect((await ben.post(`/api/feed/posts/${post.id}/reactions`, { emoji: '👍' })).body).toEqual({ added: true, reactions: [{ emoji: '👍', userIds: [ids.ben] }] });
    await cid.post(`/api/feed/posts/${post.id}/reactions`, { emoji: '👍' });
    await cid.post(`/api/feed/posts/${post.id}/reactions`, { emoji: '🎉' });
    const off = await ben.post(`/api/feed/posts/${post.id}/reactions`, { emoji: '👍' });
    expect(off.body).toEqual({ added: false, reactions: [{ emoji: '👍', userIds: [ids.cid] }, { emoji: '🎉', userIds: [ids.cid] }] });
    const onComment = await dan.post(`/api/feed/comments/${c.id}/reactions`, { emoji: '❤️' });
    expect(onComment.body.reactions).toEqual([{ emoji: '❤️', userIds: [ids.dan] }]);
    const ev = await rt.waitFor(() => rt.events(`post:${post.id}`).find((e) => e.event.type === 'reactions_changed' && e.event.payload.commentId === c.id));
    expect(ev.event.payload.reactions).toEqual([{ emoji: '❤️', userIds: [ids.dan] }]);
    const seenByCid = (await cid.get(`/api/feed/posts/${post.id}`)).body.post;
    expect(seenByCid.myReactions).toEqual(['👍', '🎉']);
    expect(seenByCid.lastComments[0].reactions).toEqual([{ emoji: '❤️', userIds: [ids.dan] }]);
    expect((await ben.post(`/api/feed/posts/${post.id}/reactions`, { emoji: 'no spaces' })).status).toBe(400);
    rt.close();
  });

  it('@mentions notify on the person\'s own stream and add them to the audience', async () => {
    const benRt = await RealtimeClient.open(hub.url, ben.cookie);
    await benRt.request({ type: 'subscribe', streams: [{ stream: `user:${ids.ben}` }, { stream: `feed:user:${ids.ben}` }] });
    // For Cid only; Ben is brought in by a mention in a comment.
    const post = await publish(ann, { body: 'Between us', audience: { userIds: [ids.cid] } });
    expect((await ben.get(`/api/feed/posts/${post.id}`)).status).toBe(403);
    const c = await comment(cid, post.id, `What do you think, <@${ids.ben}>? ` + 'long '.repeat(60));
    const note = await benRt.waitFor(() => benRt.events(`user:${ids.ben}`).find((e) => e.event.type === 'feed_mention' && e.event.payload.postId === post.id));
    expect(note.event.payload).toMatchObject({ postId: post.id, commentId: c.id, authorId: ids.cid });
    expect(note.event.payload.excerpt.length).toBeLessThanOrEqual(FEED_LIMITS.excerptChars);
    expect(note.event.payload.excerpt.startsWith('What do you think')).toBe(true);
    await benRt.waitFor(() => benRt.events(`feed:user:${ids.ben}`).find((e) => e.event.type === 'post_created' && e.event.payload.post.id === post.id));
    expect((await ben.get(`/api/feed/posts/${post.id}`)).status).toBe(200);
    expect((await ben.get('/api/feed?filter=mentions')).body.posts.map((p: any) => p.id)).toContain(post.id);
    // Mentioning in an edit: Dan joins and is told; unknown ids stay plain text.
    const edited = await ann.patch(`/api/feed/posts/${post.id}`, { body: `Between us and <@${ids.dan}> <@${randomUUID()}>` });
    expect(edited.status).toBe(200);
    expect(edited.body.post.editedAt).not.toBeNull();
    expect(edited.body.post.mentions).toEqual([ids.dan]);
    expect((await dan.get(`/api/feed/posts/${post.id}`)).status).toBe(200);
    expect((await dan.get('/api/feed?filter=mentions')).body.posts.map((p: any) => p.id)).toEqual([post.id]);
    benRt.close();
  });

  it('edits: the author only, marked edited, live on the post stream', async () => {
    const post = await publish(ann, { title: 'Draft', body: 'v1', audience: { everyone: true } });
    const rt = await RealtimeClient.open(hub.url, ben.cookie);
    await rt.request({ type: 'subscribe', streams: [{ stream: `post:${post.id}`, after: post.head }] });
    expect((await ben.patch(`/api/feed/posts/${post.id}`, { body: 'hijack' })).status).toBe(403);
    expect((await owner.patch(`/api/feed/posts/${post.id}`, { body: 'hijack' })).status).toBe(403);
    const r = await ann.patch(`/api/feed/posts/${post.id}`, { title: '', body: 'v2', important: true });
    expect(r.body.post).toMatchObject({ title: null, body: 'v2', important: true });
    const ev = await rt.waitFor(() => rt.events(`post:${post.id}`).find((e) => e.event.type === 'post_edited'));
    expect(ev.event.payload.post).toMatchObject({ id: post.id, body: 'v2' });
    // Resuming feed:all later gives the current text, not the first one.
    const announced = (await rt.request({ type: 'fetch', stream: 'feed:all', after: 0 })).events.filter((e: any) => e.event.payload.post?.id === post.id);
    expect(announced.map((e: any) => e.event.payload.post.body)).toEqual(['v2']);
    expect((await ann.patch(`/api/feed/posts/${post.id}`, {})).status).toBe(400);
    rt.close();
  });

  it('deletes: the author or an admin who sees it; a tombstone, scrubbed from every stream', async () => {
    const post = await publish(ann, { body: 'Regrettable', audience: { everyone: true } });
    await comment(ben, post.id, `Indeed <@${ids.cid}>`);
    const rt = await RealtimeClient.open(hub.url, ben.cookie);
    await rt.request({ type: 'subscribe', streams: [{ stream: `post:${post.id}`, after: post.head }, { stream: 'feed:all' }] });
    expect((await ben.del(`/api/feed/posts/${post.id}`)).status).toBe(403);
    expect((await admin.del(`/api/feed/posts/${post.id}`)).status).toBe(200);
    await rt.waitFor(() => rt.events(`post:${post.id}`).find((e) => e.event.type === 'post_deleted'));
    await rt.waitFor(() => rt.events('feed:all').find((e) => e.event.type === 'post_deleted' && e.event.payload.postId === post.id));
    const tomb = (await ben.get(`/api/feed/posts/${post.id}`)).body.post;
    expect(tomb).toMatchObject({ body: '', title: null, lastComments: [], reactions: [] });
    expect(tomb.deletedAt).not.toBeNull();
    expect((await ben.get('/api/feed?limit=50')).body.posts.map((p: any) => p.id)).not.toContain(post.id);
    expect((await ben.post(`/api/feed/posts/${post.id}/comments`, { clientId: randomUUID(), body: 'x' })).status).toBe(409);
    expect((await ann.del(`/api/feed/posts/${post.id}`)).status).toBe(409);
    for (const stream of [`post:${post.id}`, 'feed:all']) {
      const events = (await rt.request({ type: 'fetch', stream, after: 0 })).events;
      expect(JSON.stringify(events), stream).not.toContain('Regrettable');
      expect(JSON.stringify(events), stream).not.toContain('Indeed');
    }
    const cidRt = await RealtimeClient.open(hub.url, cid.cookie);
    const notes = (await cidRt.request({ type: 'fetch', stream: `user:${ids.cid}`, after: 0 })).events;
    expect(notes.find((e: any) => e.event.type === 'feed_mention' && e.event.payload.postId === post.id).event.payload.excerpt).toBe('');
    rt.close();
    cidRt.close();
  });

  it('live: followers of feed:all get new posts, followers of the post its comments, in seq order, resumable', async () => {
    const rt = await RealtimeClient.open(hub.url, dan.cookie);
    const streams = (await dan.get('/api/feed/streams')).body.streams;
    expect(streams).toEqual(['feed:all', `feed:user:${ids.dan}`]);
    await rt.request({ type: 'subscribe', streams: streams.map((stream: string) => ({ stream })) });
    const post = await publish(ann, { body: 'Live!', audience: { everyone: true } });
    const created = await rt.waitFor(() => rt.events('feed:all').find((e) => e.event.payload.post?.id === post.id));
    expect(created.event.type).toBe('post_created');
    expect(created.event.payload.post).toMatchObject({ body: 'Live!', head: 1 });
    const sub = await rt.request({ type: 'subscribe', streams: [{ stream: `post:${post.id}`, after: created.event.payload.post.head }] });
    expect(sub.streams[0].head).toBe(1);
    const c1 = await comment(ben, post.id, 'one');
    const c2 = await comment(cid, post.id, 'two');
    const got = await rt.waitFor(() => {
      const list = rt.events(`post:${post.id}`).filter((e) => e.event.type === 'comment_created');
      return list.length === 2 && list;
    });
    expect(got.map((e: any) => [e.seq, e.event.payload.comment.id, e.event.payload.commentCount])).toEqual([[c1.seq, c1.id, 1], [c2.seq, c2.id, 2]]);
    // A reconnecting client gets exactly what it missed.
    const late = await RealtimeClient.open(hub.url, dan.cookie);
    await late.request({ type: 'subscribe', streams: [{ stream: `post:${post.id}`, after: c1.seq }] });
    expect(late.events(`post:${post.id}`).map((e) => e.seq)).toEqual([c2.seq]);
    rt.close();
    late.close();
  });

  it('pages the feed newest first with a keyset cursor; filters mine and group', async () => {
    const group = (await cid.post('/api/groups', { name: 'Pager', visibility: 'closed', memberIds: [ids.dan] })).body.group.id;
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await publish(cid, { body: `page ${i}`, audience: i % 2 ? { groupIds: [group] } : { userIds: [ids.dan] } })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/feed?filter=mine&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page: any = (await cid.get(q)).body;
      expect(page.posts.length).toBeLessThanOrEqual(3);
      seen.push(...page.posts.map((p: any) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...made].reverse());
    const inGroup = (await dan.get(`/api/feed?group=${group}`)).body.posts.map((p: any) => p.body);
    expect(inGroup).toEqual(['page 5', 'page 3', 'page 1']);
    expect((await ann.get(`/api/feed?group=${group}`)).status).toBe(404);
    expect((await dan.get('/api/feed/streams')).body.streams).toContain(`feed:group:${group}`);
  });

  it('refuses bad input with typed errors', async () => {
    const bad = async (r: Promise<any>, field?: string, status = 400) => {
      const a = await r;
      expect(a.status, JSON.stringify(a.body)).toBe(status);
      if (status === 400) expect(a.body.error.code).toBe('bad_request');
      if (field) expect(Object.keys(a.body.error.fields ?? {}), JSON.stringify(a.body)).toContain(field);
    };
    const post = (body: Record<string, unknown>) => dan.post('/api/feed/posts', { clientId: randomUUID(), body: 'ok', audience: { everyone: true }, ...body });
    await bad(post({ body: 'x'.repeat(FEED_LIMITS.bodyMax + 1) }), 'body');
    await bad(post({ body: '   ' }), 'body');
    await bad(post({ title: 'x'.repeat(FEED_LIMITS.titleMax + 1) }), 'title');
    await bad(post({ clientId: 'not-a-uuid' }), 'clientId');
    await bad(post({ audience: {} }), 'audience._');
    await bad(post({ audience: { userIds: [randomUUID()] } }), 'audience.userIds');
    await bad(post({ audience: { groupIds: [randomUUID()] } }), 'audience.groupIds');
    await bad(post({ audience: { departments: ['Nobody works here'] } }), 'audience.departments');
    await bad(post({ audience: { emails: ['not an address'] } }), 'audience.emails.0');
    await bad(post({ audience: { everyone: true, colour: 'red' } }));
    await bad(post({ poll: { question: 'One?', options: ['only'] } }), 'poll.options');
    await bad(post({ poll: { question: 'Many?', options: Array.from({ length: 11 }, (_, i) => `o${i}`) } }), 'poll.options');
    await bad(post({ poll: { question: 'Same?', options: ['a', 'A'] } }), 'poll.options');
    await bad(post({ author: ids.ann }));
    const closed = (await ann.post('/api/groups', { name: 'Closed to Dan', visibility: 'closed' })).body.group.id;
    const open = (await ann.post('/api/groups', { name: 'Open, Dan not in' })).body.group.id;
    await bad(post({ audience: { groupIds: [closed] } }), 'audience.groupIds');
    await bad(post({ audience: { groupIds: [open] } }), undefined, 403);
    const p = await publish(dan, { body: 'target', audience: { everyone: true } });
    await bad(dan.post(`/api/feed/posts/${p.id}/comments`, { clientId: randomUUID(), body: 'x'.repeat(FEED_LIMITS.commentMax + 1) }), 'body');
    await bad(dan.post(`/api/feed/posts/${p.id}/comments`, { clientId: randomUUID(), body: '' }), 'body');
    await bad(dan.get('/api/feed?filter=everything'), 'filter');
    await bad(dan.get('/api/feed?limit=51'), 'limit');
    await bad(dan.get('/api/feed?cursor=bogus'), 'cursor');
    await bad(dan.get(`/api/feed?cursor=${Buffer.from('["2024-01-01", "x"]').toString('base64url')}`), 'cursor');
    await bad(dan.get(`/api/feed/posts/${p.id}/comments?limit=0`), 'limit');
    await bad(dan.get('/api/feed/posts/not-a-uuid'), undefined, 404);
    await bad(dan.get(`/api/feed/posts/${randomUUID()}`), undefined, 404);
    await bad(dan.post(`/api/feed/posts/${p.id}/poll/vote`, { optionIds: [randomUUID()] }), undefined, 404);
  });

  it('rate limits posts and comments per person', async () => {
    const target = await publish(owner, { body: 'Comment flood target', audience: { everyone: true } });
    const posts = await Promise.all(Array.from({ length: 25 }, () => admin.post('/api/feed/posts', { clientId: randomUUID(), body: 'spam', audience: { userIds: [ids.owner] } })));
    const limited = posts.filter((r) => r.status === 429);
    expect(posts.filter((r) => r.status === 201).length).toBe(20);
    expect(limited[0].body.error).toMatchObject({ code: 'rate_limited' });
    expect(limited[0].body.error.retryAfter).toBeGreaterThan(0);
    const comments = await Promise.all(Array.from({ length: 35 }, () => owner.post(`/api/feed/posts/${target.id}/comments`, { clientId: randomUUID(), body: 'spam' })));
    expect(comments.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(30);
    expect(comments.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    // Someone else is not affected.
    expect((await ben.post(`/api/feed/posts/${target.id}/comments`, { clientId: randomUUID(), body: 'fine' })).status).toBe(201);
  });
});

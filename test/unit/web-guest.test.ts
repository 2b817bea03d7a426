import { describe, expect, it } from 'vitest';
import type { FeedComment } from '../../shared/feed';
import type { GuestThread } from '../../shared/guests';
import { applyThreadEvent, commentTree, nameOf } from '../../web/src/lib/guest/model';

const comment = (seq: number, extra: Partial<FeedComment> = {}): FeedComment => ({
  id: `c${seq}`, postId: 'p', seq, authorId: 'bob', guestName: null, clientId: `k${seq}`, body: `b${seq}`, replyTo: null, mentions: [],
  createdAt: '2026-11-27T10:00:00.000Z', editedAt: null, deletedAt: null, reactions: [], attachments: [], ...extra,
});
const thread = (comments: FeedComment[] = []): GuestThread => ({
  me: { id: 'g', name: 'Carla', email: 'c@x.example', postId: 'p', expiresAt: '2027-01-01T00:00:00.000Z' },
  workspace: 'Acme',
  post: { id: 'p', title: 'T', body: 'B', audience: { everyone: false, departments: [], groups: [], users: [], emails: [], externalCount: 0 } } as unknown as GuestThread['post'],
  comments,
  people: { bob: { name: 'Bob', guest: false } },
});
const ev = (type: string, payload: unknown) => ({ event: { type, payload, actorId: null, at: '' } });

describe('the guest page model', () => {
  it('adds, edits and tombstones comments in seq order; a guest comment names its author', () => {
    let t = applyThreadEvent(thread([comment(1)]), ev('comment_created', { comment: comment(3, { authorId: 'g', guestName: 'Carla' }) }));
    t = applyThreadEvent(t, ev('comment_created', { comment: comment(2) }));
    expect(t.comments.map((c) => c.seq)).toEqual([1, 2, 3]);
    expect(nameOf(t, 'g', null)).toBe('Carla');
    t = applyThreadEvent(t, ev('comment_deleted', { comment: comment(2, { body: '', deletedAt: '2026-11-27T11:00:00.000Z' }) }));
    expect(t.comments[1].deletedAt).not.toBeNull();
  });

  it('ignores other posts, unknown events, and keeps the audience it had on edits', () => {
    const t = thread();
    expect(applyThreadEvent(t, ev('comment_created', { comment: comment(1, { postId: 'other' }) }))).toBe(t);
    expect(applyThreadEvent(t, ev('something_new', {}))).toBe(t);
    const edited = applyThreadEvent(t, ev('post_edited', { post: { ...t.post, body: 'B2', audience: undefined } }));
    expect(edited.post.body).toBe('B2');
    expect(edited.post.audience).toEqual(t.post.audience);
  });

  it('groups replies under their comment, one level', () => {
    const tree = commentTree([comment(1), comment(2, { replyTo: 'c1' }), comment(3), comment(4, { replyTo: 'c1' })]);
    expect(tree.map((n) => [n.comment.id, n.replies.map((r) => r.id)])).toEqual([['c1', ['c2', 'c4']], ['c3', []]]);
  });
});

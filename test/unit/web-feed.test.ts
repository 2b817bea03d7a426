import { describe, expect, it } from 'vitest';
import type { FeedComment, FeedPost, GroupMember, PollState, WorkGroup } from '../../shared/feed';
import {
  addChips,
  addPost,
  appendPage,
  applyAudienceEvent,
  applyPostEvent,
  audienceSuggestions,
  canDeleteComment,
  canModeratePost,
  chipsToAudience,
  departmentsOf,
  hiddenComments,
  isEmail,
  markedRead,
  matchesFilter,
  mergePinned,
  mergePost,
  mergeTop,
  nextChoice,
  parseEmails,
  patchPost,
  pollPercents,
  replyTarget,
  shownComments,
  type FeedItem,
  type FeedState,
  type ListContext,
} from '../../web/src/lib/feed/model';
import { applyGroupEvent, canChangeRole, canRemoveMember, groupRights, sortGroups, upsertGroup } from '../../web/src/lib/groups/model';
import { carriesFiles, filesProblem, FILES_MAX, pastedFiles, roomFor, uploadLimit } from '../../web/src/lib/feed/attachments';
import { guestStatus, showsGuests, withInvited } from '../../web/src/lib/feed/guests';

const ME = 'me';
const OTHER = 'other';
const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 12, min)).toISOString();

const audience = (extra: Partial<FeedPost['audience']> = {}): FeedPost['audience'] => ({
  everyone: true,
  departments: [],
  groups: [],
  users: [],
  emails: [],
  externalCount: 0,
  ...extra,
});

const post = (n: number, extra: Partial<FeedPost> = {}): FeedPost => ({
  id: `p${n}`,
  author: { id: OTHER, name: 'Other', position: '', avatarUrl: null },
  clientId: `c${n}`,
  title: null,
  body: `body ${n}`,
  audience: audience(),
  mentions: [],
  important: false,
  createdAt: at(n),
  editedAt: null,
  deletedAt: null,
  head: 1,
  commentCount: 0,
  lastComments: [],
  reactions: [],
  myReactions: [],
  attachments: [],
  poll: null,
  read: false,
  readCount: null,
  audienceCount: null,
  ...extra,
});

const comment = (seq: number, extra: Partial<FeedComment> = {}): FeedComment => ({
  id: `k${seq}`,
  postId: 'p1',
  seq,
  authorId: OTHER,
  clientId: `kc${seq}`,
  body: `comment ${seq}`,
  replyTo: null,
  mentions: [],
  createdAt: at(seq),
  editedAt: null,
  deletedAt: null,
  reactions: [],
  attachments: [],
  guestName: null,
  ...extra,
});

const item = (n: number, extra: Partial<FeedPost> = {}): FeedItem => mergePost(undefined, post(n, extra), ME);
const ev = (type: string, seq: number, payload: unknown) => ({ stream: 'post:p1', seq, event: { type, payload, actorId: null, at: at(seq) } });
const ctx = (extra: Partial<ListContext> = {}): ListContext => ({ myId: ME, filter: 'all', groupId: null, pinning: true, complete: false, ...extra });
const ids = (list: { id: string }[]) => list.map((p) => p.id);

describe('feed list: pages, cursor merges and new posts', () => {
  it('appends older pages newest first, keeping each post once and its fresher copy', () => {
    let list = appendPage([], [post(9), post(8)], ME);
    const live = applyPostEvent(list[0], ev('comment_created', 2, { comment: comment(2, { postId: 'p9' }), commentCount: 1 }), ME)!;
    list = [live, list[1]];
    list = appendPage(list, [post(8), post(7), post(9)], ME); // a page overlapping what we have
    expect(ids(list)).toEqual(['p9', 'p8', 'p7']);
    expect(list[0].commentCount).toBe(1); // head 2 beats the page's head 1
  });

  it('orders posts of the same time by id, newest id first', () => {
    const list = appendPage([], [post(1, { id: 'a' }), post(1, { id: 'b' })], ME);
    expect(ids(list)).toEqual(['b', 'a']);
  });

  it('merges a reloaded first page on top, or starts over when a full page cannot reach the list', () => {
    const list = appendPage([], [post(5), post(4)], ME);
    const touching = mergeTop(list, [post(7), post(6), post(5)], ME, true);
    expect(touching.replaced).toBe(false);
    expect(ids(touching.posts)).toEqual(['p7', 'p6', 'p5', 'p4']);
    const hole = mergeTop(list, [post(9), post(8)], ME, true);
    expect(hole.replaced).toBe(true);
    expect(ids(hole.posts)).toEqual(['p9', 'p8']);
    // A short page is the whole newest part: no hole possible.
    expect(mergeTop(list, [post(9)], ME, false)).toMatchObject({ replaced: false });
  });

  it('keeps a post announced on several audience streams once', () => {
    let state: FeedState = { posts: appendPage([], [post(1)], ME), pinned: [] };
    const created = { event: { type: 'post_created', payload: { post: post(2) }, actorId: null, at: at(2) } };
    state = applyAudienceEvent(state, created, ctx()); // feed:all
    state = applyAudienceEvent(state, created, ctx()); // feed:group:x
    expect(ids(state.posts)).toEqual(['p2', 'p1']);
    state = applyAudienceEvent(state, { event: { type: 'post_deleted', payload: { postId: 'p2' }, actorId: null, at: at(3) } }, ctx());
    expect(ids(state.posts)).toEqual(['p1']);
    const unknown = applyAudienceEvent(state, { event: { type: 'group_updated', payload: {}, actorId: null, at: at(3) } }, ctx());
    expect(unknown).toBe(state);
  });

  it('places new posts by the filter, the group, and the loaded range', () => {
    const empty: FeedState = { posts: [], pinned: [] };
    expect(addPost(empty, post(1), ctx({ filter: 'mine' })).posts).toEqual([]);
    expect(addPost(empty, post(1, { author: { id: ME, name: 'Me', position: '', avatarUrl: null } }), ctx({ filter: 'mine' })).posts).toHaveLength(1);
    expect(addPost(empty, post(1, { mentions: [ME] }), ctx({ filter: 'mentions' })).posts).toHaveLength(1);
    expect(addPost(empty, post(1), ctx({ filter: 'important' })).posts).toHaveLength(0);
    const inGroup = post(1, { audience: audience({ everyone: false, groups: [{ id: 'g1', name: 'G' }] }) });
    expect(addPost(empty, inGroup, ctx({ groupId: 'g1' })).posts).toHaveLength(1);
    expect(addPost(empty, post(1), ctx({ groupId: 'g1' })).posts).toHaveLength(0);
    // Older than everything loaded while older pages remain: it waits for its page.
    const loaded: FeedState = { posts: appendPage([], [post(5)], ME), pinned: [] };
    expect(ids(addPost(loaded, post(2), ctx()).posts)).toEqual(['p5']);
    expect(ids(addPost(loaded, post(2), ctx({ complete: true })).posts)).toEqual(['p5', 'p2']);
    expect(matchesFilter(post(1, { important: true }), 'important', ME)).toBe(true);
  });

  it('pins important posts of others until read, never my own', () => {
    let state: FeedState = { posts: [], pinned: [] };
    state = addPost(state, post(1, { important: true }), ctx());
    state = addPost(state, post(2, { important: true, author: { id: ME, name: 'Me', position: '', avatarUrl: null } }), ctx());
    expect(ids(state.pinned)).toEqual(['p1']);
    expect(addPost({ posts: [], pinned: [] }, post(1, { important: true }), ctx({ pinning: false })).pinned).toEqual([]);
    state = patchPost(state, 'p1', (p) => markedRead(p, { readCount: 1, audienceCount: 3 }));
    expect(state.pinned).toEqual([]);
    expect(state.posts.find((p) => p.id === 'p1')).toMatchObject({ read: true, readCount: 1, audienceCount: 3 });
    // A fresh first page that still lists it (read elsewhere meanwhile) does not pin it again.
    const known = state.posts.find((p) => p.id === 'p1')!;
    expect(mergePinned([known], [post(1, { important: true })], ME)).toEqual([]);
  });
});

describe('post stream events', () => {
  const base = () => item(1, { head: 3, reactions: [], lastComments: [comment(2)], commentCount: 1 });

  it('ignores events the post already contains and moves the head', () => {
    const p = base();
    expect(applyPostEvent(p, ev('comment_created', 3, { comment: comment(3), commentCount: 2 }), ME)).toBe(p);
    const next = applyPostEvent(p, ev('something_new', 4, {}), ME)!;
    expect(next.head).toBe(4);
  });

  it('applies comments: created (once), edited, deleted with the live count', () => {
    let p = base();
    p = applyPostEvent(p, ev('comment_created', 4, { comment: comment(4), commentCount: 2 }), ME)!;
    expect(p.comments.map((c) => c.id)).toEqual(['k2', 'k4']);
    expect(p.commentCount).toBe(2);
    p = applyPostEvent(p, ev('comment_edited', 5, { comment: comment(4, { body: 'new', editedAt: at(5) }) }), ME)!;
    expect(p.comments[1].body).toBe('new');
    // An edit of a comment we never loaded does not make it appear out of place.
    p = applyPostEvent(p, ev('comment_edited', 6, { comment: comment(1, { body: 'old', editedAt: at(6) }) }), ME)!;
    expect(p.comments.map((c) => c.id)).toEqual(['k2', 'k4']);
    p = applyPostEvent(p, ev('comment_deleted', 7, { comment: comment(4, { body: '', deletedAt: at(7) }), commentCount: 1 }), ME)!;
    expect(p.comments[1].deletedAt).toBe(at(7));
    expect(p.commentCount).toBe(1);
  });

  it('applies reactions of the post and of comments, deriving mine', () => {
    let p = base();
    p = applyPostEvent(p, ev('reactions_changed', 4, { postId: 'p1', commentId: null, reactions: [{ emoji: '👍', userIds: [ME, OTHER] }] }), ME)!;
    expect(p.myReactions).toEqual(['👍']);
    p = applyPostEvent(p, ev('reactions_changed', 5, { postId: 'p1', commentId: 'k2', reactions: [{ emoji: '🎉', userIds: [OTHER] }] }), ME)!;
    expect(p.comments[0].reactions).toEqual([{ emoji: '🎉', userIds: [OTHER] }]);
  });

  it('keeps my poll choices when a neutral poll arrives, and drops options that vanished', () => {
    const poll: PollState = { question: 'Q', multiple: false, options: [{ id: 'o1', text: 'A', votes: 1 }, { id: 'o2', text: 'B', votes: 0 }], totalVoters: 1, myChoices: ['o1'] };
    let p = item(1, { head: 1, poll });
    p = applyPostEvent(p, ev('poll_changed', 2, { postId: 'p1', poll: { ...poll, options: [{ id: 'o1', text: 'A', votes: 1 }, { id: 'o2', text: 'B', votes: 1 }], totalVoters: 2, myChoices: [] } }), ME)!;
    expect(p.poll).toMatchObject({ totalVoters: 2, myChoices: ['o1'] });
  });

  it('applies reads (mine marks the post read) and edits keeping my own view', () => {
    let p = item(1, { head: 1, important: true, readCount: 0, audienceCount: 2, myReactions: ['👍'], reactions: [{ emoji: '👍', userIds: [ME] }] });
    p = applyPostEvent(p, ev('post_read', 2, { postId: 'p1', userId: OTHER, readCount: 1, audienceCount: 2 }), ME)!;
    expect(p).toMatchObject({ readCount: 1, read: false });
    p = applyPostEvent(p, ev('post_read', 3, { postId: 'p1', userId: ME, readCount: 2, audienceCount: 2 }), ME)!;
    expect(p).toMatchObject({ readCount: 2, read: true });
    // The post stream carries the post without its audience: ours stays.
    const blank = audience({ everyone: false });
    const edited = post(1, { title: 'T', body: 'changed', editedAt: at(4), myReactions: [], read: false, important: true, readCount: 2, audienceCount: 2, audience: blank });
    p = applyPostEvent(p, ev('post_edited', 4, { post: edited }), ME)!;
    expect(p).toMatchObject({ title: 'T', body: 'changed', editedAt: at(4), read: true, myReactions: ['👍'] });
    expect(p.audience.everyone).toBe(true);
  });

  it('removes a deleted post; scrubbed history only moves the head', () => {
    const p = base();
    expect(applyPostEvent(p, ev('comment_created', 4, { postId: 'p1', scrubbed: true }), ME)).toMatchObject({ head: 4, comments: p.comments });
    expect(applyPostEvent(p, ev('post_deleted', 4, { postId: 'p1' }), ME)).toBeNull();
    const state: FeedState = { posts: [p], pinned: [p] };
    expect(patchPost(state, 'p1', () => null)).toEqual({ posts: [], pinned: [] });
    expect(patchPost(state, 'nope', () => null)).toBe(state);
  });

  it('keeps the external addresses only the author sees when a neutral copy arrives', () => {
    const mine = mergePost(undefined, post(1, { audience: audience({ emails: ['x@example.com'], externalCount: 1 }) }), ME);
    const neutral = mergePost(mine, post(1, { head: 2, audience: audience({ externalCount: 1 }) }), ME, true);
    expect(neutral.audience.emails).toEqual(['x@example.com']);
  });
});

describe('comments as shown', () => {
  const list = [
    comment(1),
    comment(2, { replyTo: 'k1' }),
    comment(3),
    comment(4, { replyTo: 'k1', authorId: ME }),
    comment(5, { deletedAt: at(5), body: '' }),
    comment(6),
  ];

  it('threads every comment, one level deep, leaving out deleted ones without replies', () => {
    expect(shownComments(list, true).map((s) => [s.comment.id, s.depth])).toEqual([
      ['k1', 0],
      ['k2', 1],
      ['k4', 1],
      ['k3', 0],
      ['k6', 0],
    ]);
    const tomb = [comment(1, { deletedAt: at(9), body: '' }), comment(2, { replyTo: 'k1' })];
    expect(shownComments(tomb, true).map((s) => s.comment.id)).toEqual(['k1', 'k2']);
  });

  it('shows the latest three live ones collapsed, naming whom an orphan reply answers', () => {
    const shown = shownComments(list, false);
    expect(shown.map((s) => s.comment.id)).toEqual(['k3', 'k4', 'k6']);
    expect(shown[1]).toMatchObject({ depth: 1, orphan: true, answers: { id: 'k1', authorId: OTHER } });
    expect(shown[0]).toMatchObject({ depth: 0, orphan: false });
    // The comment it answers is not known here at all: still marked as a reply.
    expect(shownComments([comment(7, { replyTo: 'gone' })], false)[0]).toMatchObject({ depth: 1, orphan: true, answers: null });
    expect(hiddenComments({ commentCount: 5, comments: list, allComments: false })).toBe(2);
    expect(hiddenComments({ commentCount: 5, comments: list, allComments: true })).toBe(0);
  });

  it('attaches a reply to a reply to its top-level comment', () => {
    expect(replyTarget(comment(2, { replyTo: 'k1' }))).toBe('k1');
    expect(replyTarget(comment(1))).toBe('k1');
  });
});

describe('polls', () => {
  const poll = (votes: number[], totalVoters: number, multiple = false) => ({
    multiple,
    totalVoters,
    options: votes.map((v, i) => ({ id: `o${i}`, text: `${i}`, votes: v })),
  });

  it('gives single-choice shares that add up to 100', () => {
    expect(pollPercents(poll([1, 1, 1], 3))).toEqual([34, 33, 33]);
    expect(pollPercents(poll([2, 1], 3))).toEqual([67, 33]);
    expect(pollPercents(poll([0, 0], 0))).toEqual([0, 0]);
    expect(pollPercents(poll([1, 0], 1))).toEqual([100, 0]);
  });

  it('gives each multiple-choice option its own share of the voters', () => {
    expect(pollPercents(poll([2, 1, 2], 2, true))).toEqual([100, 50, 100]);
  });

  it('replaces a single choice and toggles a multiple one', () => {
    expect(nextChoice({ multiple: false }, ['a'], 'b')).toEqual(['b']);
    expect(nextChoice({ multiple: true }, ['a'], 'b')).toEqual(['a', 'b']);
    expect(nextChoice({ multiple: true }, ['a', 'b'], 'a')).toEqual(['b']);
  });
});

describe('audience chips', () => {
  it('parses pasted addresses, lowercased, once, and reports what is not one', () => {
    expect(parseEmails('Ann@Example.com, <bob@example.org>; ann@example.com  nope x@y')).toEqual({
      emails: ['ann@example.com', 'bob@example.org'],
      invalid: ['nope', 'x@y'],
    });
    expect(isEmail('a.b+c@mail.example.ru')).toBe(true);
    expect(isEmail('a@b')).toBe(false);
    expect(isEmail('<script>@x.com')).toBe(false);
  });

  it('keeps each chip once and builds the audience', () => {
    const chips = addChips(
      [{ kind: 'everyone' }],
      [
        { kind: 'everyone' },
        { kind: 'department', name: 'Sales ' },
        { kind: 'department', name: 'sales' },
        { kind: 'group', id: 'g1', name: 'G' },
        { kind: 'user', id: 'u1', name: 'U' },
        { kind: 'email', email: 'x@example.com' },
      ],
    );
    expect(chips).toHaveLength(5);
    expect(chipsToAudience(chips)).toEqual({ everyone: true, departments: ['Sales'], groupIds: ['g1'], userIds: ['u1'], emails: ['x@example.com'] });
  });

  it('lists departments once whatever their case', () => {
    expect(departmentsOf([{ department: 'Sales' }, { department: ' sales ' }, { department: '' }, { department: 'Design' }])).toEqual(['Design', 'Sales']);
  });

  it('suggests Everyone, departments, groups, colleagues and an external address', () => {
    const from = {
      everyoneLabel: 'Everyone',
      departments: ['Sales', 'Design'],
      groups: [{ id: 'g1', name: 'Sales leads' }],
      users: [
        { id: ME, name: 'Me Myself', email: 'me@example.com', position: '', department: '' },
        { id: 'u1', name: 'Sam Salesman', email: 'sam@example.com', position: '', department: 'Sales' },
      ],
      myId: ME,
      chosen: [{ kind: 'group', id: 'g1', name: 'Sales leads' }] as const,
    };
    const s = audienceSuggestions('sa', { ...from, chosen: [...from.chosen] });
    expect(s).toEqual([
      { kind: 'department', name: 'Sales' },
      { kind: 'user', id: 'u1', name: 'Sam Salesman' },
    ]);
    expect(audienceSuggestions('ext@partner.com', { ...from, chosen: [] })[0]).toEqual({ kind: 'email', email: 'ext@partner.com' });
    // A colleague's address offers the colleague, not an external address.
    expect(audienceSuggestions('sam@example.com', { ...from, chosen: [] })).toEqual([{ kind: 'user', id: 'u1', name: 'Sam Salesman' }]);
    expect(audienceSuggestions('', { ...from, chosen: [] })[0]).toEqual({ kind: 'everyone' });
  });
});

describe('feed permissions', () => {
  it('lets the author and staff moderate posts and comments', () => {
    const p = post(1);
    expect(canModeratePost(p, { id: ME, role: 'employee' })).toBe(false);
    expect(canModeratePost(p, { id: ME, role: 'admin' })).toBe(true);
    expect(canModeratePost(p, { id: OTHER, role: 'employee' })).toBe(true);
    expect(canDeleteComment(comment(1), post(1, { author: { id: ME, name: '', position: '', avatarUrl: null } }), { id: ME, role: 'employee' })).toBe(true);
    expect(canDeleteComment(comment(1), p, { id: ME, role: 'employee' })).toBe(false);
  });
});

describe('workgroups', () => {
  const group = (extra: Partial<WorkGroup> = {}): WorkGroup => ({
    id: 'g1',
    name: 'Alpha',
    description: '',
    kind: 'group',
    visibility: 'open',
    createdBy: OTHER,
    createdAt: at(0),
    archivedAt: null,
    memberCount: 1,
    myRole: null,
    ...extra,
  });
  const member = (userId: string, role: GroupMember['role'], min = 0): GroupMember => ({ userId, role, joinedAt: at(min) });
  const gev = (type: string, payload: unknown) => ({ event: { type, payload, actorId: null, at: at(30) } });

  it('sorts active before archived, by name; events keep my role', () => {
    const list = sortGroups([group({ id: 'b', name: 'beta', archivedAt: at(1) }), group({ id: 'c', name: 'Gamma' }), group({ id: 'a', name: 'alpha' })]);
    expect(list.map((g) => g.id)).toEqual(['a', 'c', 'b']);
    const mine = upsertGroup([], group({ myRole: 'owner' }), true);
    expect(upsertGroup(mine, group({ name: 'Renamed' }))[0]).toMatchObject({ name: 'Renamed', myRole: 'owner' });
  });

  it('applies member events, following my own role', () => {
    let s = { group: group({ myRole: 'owner' }), members: [member(ME, 'owner')] };
    s = applyGroupEvent(s, gev('group_members_added', { groupId: 'g1', userIds: [OTHER], role: 'member' }), ME);
    expect(s.members.map((m) => m.userId)).toEqual([ME, OTHER]);
    expect(s.group.memberCount).toBe(2);
    s = applyGroupEvent(s, gev('group_member_role_changed', { groupId: 'g1', userId: OTHER, role: 'moderator' }), ME);
    expect(s.members[1].role).toBe('moderator');
    s = applyGroupEvent(s, gev('group_member_removed', { groupId: 'g1', userId: ME }), ME);
    expect(s.group).toMatchObject({ myRole: null, memberCount: 1 });
    s = applyGroupEvent(s, gev('group_updated', { group: group({ name: 'New', archivedAt: at(9) }) }), ME);
    expect(s.group).toMatchObject({ name: 'New', archivedAt: at(9), myRole: null });
    expect(applyGroupEvent(s, gev('post_created', {}), ME)).toBe(s);
  });

  it('mirrors the server: owners and moderators manage, only owners change roles', () => {
    expect(groupRights(group({ myRole: null }), 'employee')).toMatchObject({ join: true, leave: false, post: false, manage: false });
    expect(groupRights(group({ myRole: 'moderator' }), 'employee')).toMatchObject({ manage: true, own: false, archive: false, post: true });
    expect(groupRights(group({ myRole: null }), 'admin').archive).toBe(true);
    expect(groupRights(group({ myRole: 'owner', archivedAt: at(1) }), 'employee')).toMatchObject({ manage: false, post: false, archive: true });
    const mod = group({ myRole: 'moderator' });
    expect(canRemoveMember(mod, member(OTHER, 'member'), ME)).toBe(true);
    expect(canRemoveMember(mod, member(OTHER, 'moderator'), ME)).toBe(false);
    expect(canChangeRole(mod, member(OTHER, 'member'), ME)).toBe(false);
    expect(canChangeRole(group({ myRole: 'owner' }), member(OTHER, 'member'), ME)).toBe(true);
    expect(canChangeRole(group({ myRole: 'owner' }), member(ME, 'owner'), ME)).toBe(false);
  });
});

describe('feed files', () => {
  it('takes dragged and pasted files, but leaves text to the field', () => {
    expect(carriesFiles(['Files', 'application/x-moz-file'])).toBe(true);
    expect(carriesFiles(['text/plain', 'text/uri-list'])).toBe(false);
    expect(carriesFiles(undefined)).toBe(false);
    // A screenshot, or files copied in a file manager.
    expect(pastedFiles(['Files'], ['shot.png'])).toEqual(['shot.png']);
    expect(pastedFiles(['text/html', 'Files'], ['image.png'])).toEqual(['image.png']);
    // An office suite's copy: the text, with a picture of it.
    expect(pastedFiles(['text/plain', 'text/html', 'Files'], ['render.png'])).toEqual([]);
    expect(pastedFiles(['text/plain'], [])).toEqual([]);
  });

  it('attaches at most FEED_LIMITS.attachmentsMax files', () => {
    expect(FILES_MAX).toBe(10);
    expect(roomFor(0, 3)).toBe(3);
    expect(roomFor(8, 5)).toBe(2);
    expect(roomFor(10, 1)).toBe(0);
    expect(roomFor(12, 1)).toBe(0);
  });

  it('reads the upload limit from a payload_too_large refusal', () => {
    expect(uploadLimit('The body is larger than 1048576 bytes')).toBe(1_048_576);
    expect(uploadLimit('HTTP 413')).toBeNull();
    expect(uploadLimit(undefined)).toBeNull();
  });

  it('holds a draft while a file uploads or after one was refused', () => {
    expect(filesProblem([])).toBeNull();
    expect(filesProblem(['done', 'done'])).toBeNull();
    expect(filesProblem(['done', 'uploading', 'failed'])).toBe('uploading');
    expect(filesProblem(['failed', 'done'])).toBe('failed');
  });
});

describe('feed guests', () => {
  const external = audience({ everyone: false, emails: ['client@partner.example'], externalCount: 1 });

  it('offers the guest list to the author and admins of a post with external recipients', () => {
    const mine = post(1, { author: { id: ME, name: 'Me', position: '', avatarUrl: null }, audience: external });
    expect(showsGuests(mine, { id: ME, role: 'employee' })).toBe(true);
    expect(showsGuests({ ...mine, audience: audience() }, { id: ME, role: 'employee' })).toBe(false);
    expect(showsGuests({ ...mine, deletedAt: at(2) }, { id: ME, role: 'employee' })).toBe(false);
    // Others see how many, not the addresses.
    const theirs = post(2, { audience: audience({ externalCount: 2 }) });
    expect(showsGuests(theirs, { id: ME, role: 'employee' })).toBe(false);
    expect(showsGuests(theirs, { id: ME, role: 'admin' })).toBe(true);
    expect(showsGuests(theirs, { id: ME, role: 'owner' })).toBe(true);
    expect(showsGuests(theirs, null)).toBe(false);
  });

  it('tells active, revoked and expired links apart', () => {
    const now = Date.parse(at(30));
    expect(guestStatus({ revokedAt: null, expiresAt: at(40) }, now)).toBe('active');
    expect(guestStatus({ revokedAt: null, expiresAt: at(20) }, now)).toBe('expired');
    expect(guestStatus({ revokedAt: at(10), expiresAt: at(40) }, now)).toBe('revoked');
  });

  it('counts an invited address once, listing it for the author only', () => {
    const before = [{ email: 'client@partner.example' }];
    expect(withInvited(external, ' New@Partner.example ', before, true)).toMatchObject({
      emails: ['client@partner.example', 'new@partner.example'],
      externalCount: 2,
    });
    expect(withInvited(audience({ externalCount: 1 }), 'new@partner.example', before, false)).toMatchObject({ emails: [], externalCount: 2 });
    // A fresh link for someone invited before changes nothing.
    expect(withInvited(external, 'CLIENT@partner.example', before, true)).toBe(external);
    expect(withInvited(audience({ externalCount: 1 }), 'client@partner.example', before, false).externalCount).toBe(1);
  });
});

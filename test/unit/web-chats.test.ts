import { describe, expect, it } from 'vitest';
import type { ChatSummary, Message } from '../../shared/messenger';
import {
  applyChatEvent,
  applyChatEventToList,
  applyRead,
  applyUserEvent,
  badgeTitle,
  continuesGroup,
  insertMention,
  mentionQuery,
  mergePage,
  sortChats,
  threadReplies,
  timeline,
  totalUnread,
  upsertMessage,
  withPending,
} from '../../web/src/lib/chats/model';

const ME = 'me';
const OTHER = 'other';
const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 12, min)).toISOString();

const msg = (seq: number, extra: Partial<Message> = {}): Message => ({
  id: `m${seq}`,
  chatId: 'c1',
  seq,
  authorId: OTHER,
  clientId: `cid${seq}`,
  body: `body ${seq}`,
  threadRootId: null,
  mentions: [],
  mentionsAll: false,
  createdAt: at(seq),
  editedAt: null,
  deletedAt: null,
  reactions: [],
  attachments: [],
  pinnedAt: null,
  pinnedBy: null,
  forwardedFrom: null,
  replyCount: 0,
  lastReplySeq: null,
  ...extra,
});

const chat = (id: string, extra: Partial<ChatSummary> = {}): ChatSummary => ({
  id,
  kind: 'group',
  title: id,
  avatarUrl: null,
  memberIds: [ME, OTHER],
  myRole: 'member',
  head: 10,
  readSeq: 10,
  unread: 0,
  mentions: 0,
  threadUnread: 0,
  lastMessageAt: at(10),
  ...extra,
});

const ev = (type: string, seq: number, payload: unknown) => ({ stream: 'chat:c1', seq, event: { type, payload, actorId: null, at: at(seq) } });

describe('message list', () => {
  it('upserts by id and keeps seq order, also for events out of place', () => {
    let list = [msg(1), msg(3)];
    list = upsertMessage(list, msg(2));
    expect(list.map((m) => m.seq)).toEqual([1, 2, 3]);
    list = upsertMessage(list, msg(2, { body: 'edited', editedAt: at(5) }));
    expect(list).toHaveLength(3);
    expect(list[1].body).toBe('edited');
  });

  it('replaces a message by its author and client id (the send reply and its event never show twice)', () => {
    const list = upsertMessage([msg(1)], msg(2, { id: 'x', clientId: 'c' }));
    expect(upsertMessage(list, msg(2, { id: 'x', clientId: 'c', body: 'again' }))).toHaveLength(2);
  });

  it('applies created, edited, deleted and reaction events; ignores others', () => {
    let list: Message[] = [];
    list = applyChatEvent(list, ev('message_created', 1, { message: msg(1) }));
    list = applyChatEvent(list, ev('message_edited', 2, { message: msg(1, { body: 'b', editedAt: at(2) }) }));
    list = applyChatEvent(list, ev('reactions_changed', 3, { message: msg(1, { body: 'b', reactions: [{ emoji: '👍', userIds: [ME] }] }) }));
    expect(list).toEqual([msg(1, { body: 'b', reactions: [{ emoji: '👍', userIds: [ME] }] })]);
    list = applyChatEvent(list, ev('message_deleted', 4, { message: msg(1, { body: '', deletedAt: at(4) }) }));
    expect(list[0].deletedAt).toBe(at(4));
    expect(applyChatEvent(list, ev('chat_created', 5, { chatId: 'c1' }))).toBe(list);
  });

  it('merges an older page without replacing fresher live copies', () => {
    const live = [msg(5, { body: 'live edit' }), msg(6)];
    const merged = mergePage(live, [msg(3), msg(4), msg(5)]);
    expect(merged.map((m) => m.seq)).toEqual([3, 4, 5, 6]);
    expect(merged[2].body).toBe('live edit');
  });

  it('separates threads from the timeline', () => {
    const list = [msg(1), msg(2, { threadRootId: 'm1' }), msg(3, { threadRootId: 'm1' })];
    expect(timeline(list).map((m) => m.id)).toEqual(['m1']);
    expect(threadReplies(list, 'm1').map((m) => m.id)).toEqual(['m2', 'm3']);
  });

  it('counts live replies on their first message once, and uncounts a deleted one', () => {
    let list = [msg(1, { replyCount: 1, lastReplySeq: 2 })];
    const reply = msg(5, { threadRootId: 'm1' });
    list = applyChatEvent(list, ev('message_created', 5, { message: reply }));
    list = applyChatEvent(list, ev('message_created', 5, { message: reply })); // delivered again
    list = applyChatEvent(list, ev('message_created', 2, { message: msg(2, { threadRootId: 'm1' }) })); // already counted
    expect(list[0]).toMatchObject({ replyCount: 2, lastReplySeq: 5 });
    list = applyChatEvent(list, ev('message_deleted', 6, { message: { ...reply, body: '', deletedAt: at(6) } }));
    expect(list[0].replyCount).toBe(1);
  });

  it('groups consecutive messages of one author within five minutes', () => {
    expect(continuesGroup(msg(1), msg(3))).toBe(true);
    expect(continuesGroup(msg(1), msg(9))).toBe(false);
    expect(continuesGroup(msg(1), msg(2, { authorId: ME }))).toBe(false);
    expect(continuesGroup(undefined, msg(2))).toBe(false);
  });

  it('shows queued messages after the stored ones, and a delivered one only once', () => {
    const queue = [
      { clientId: 'q1', chatId: 'c1', body: 'one', createdAt: at(20), state: 'queued' as const },
      { clientId: 'q2', chatId: 'c1', body: 'two', createdAt: at(21), state: 'failed' as const },
    ];
    const shown = withPending([msg(1)], queue, ME);
    expect(shown.map((m) => [m.body, m.pending])).toEqual([['body 1', undefined], ['one', 'queued'], ['two', 'failed']]);
    const delivered = withPending([msg(1), msg(2, { authorId: ME, clientId: 'q1', body: 'one' })], queue, ME);
    expect(delivered.map((m) => m.body)).toEqual(['body 1', 'one', 'two']);
    expect(withPending([msg(1)], [], ME)).toEqual([msg(1)]);
  });
});

describe('chat list counters', () => {
  it('counts a new message from someone else after my read position, and mentions of me', () => {
    let list = [chat('c1'), chat('c2', { lastMessageAt: at(30) })];
    list = applyChatEventToList(list, 'c1', ev('message_created', 11, { message: msg(11, { createdAt: at(40) }) }), ME);
    list = applyChatEventToList(list, 'c1', ev('message_created', 12, { message: msg(12, { mentions: [ME], createdAt: at(41) }) }), ME);
    list = applyChatEventToList(list, 'c1', ev('message_created', 13, { message: msg(13, { mentionsAll: true, createdAt: at(42) }) }), ME);
    expect(list[0]).toMatchObject({ id: 'c1', unread: 3, mentions: 2, head: 13, lastMessageAt: at(42) });
    expect(totalUnread(list)).toBe(3);
  });

  it('the total counts unread thread replies too, each once', () => {
    const list = [chat('c1', { unread: 2, threadUnread: 3, mentions: 1 }), chat('c2', { unread: 0, threadUnread: 1 })];
    // Mentions are among the unread messages already: not added again.
    expect(totalUnread(list)).toBe(6);
    // A reply from someone else in a thread counts in the thread, not in the main list: still once.
    const after = applyChatEventToList(list, 'c1', ev('message_created', 11, { message: msg(11, { threadRootId: 'm1' }) }), ME);
    expect(totalUnread(after)).toBe(6);
    expect(totalUnread([])).toBe(0);
  });

  it('counts a reply only as a mention, not as unread in the main list', () => {
    const list = applyChatEventToList([chat('c1')], 'c1', ev('message_created', 11, { message: msg(11, { threadRootId: 'm1', mentions: [ME] }) }), ME);
    expect(list[0]).toMatchObject({ unread: 0, mentions: 1 });
  });

  it('does not count my own messages, events already in the summary, or non-message events', () => {
    let list = [chat('c1')];
    list = applyChatEventToList(list, 'c1', ev('message_created', 11, { message: msg(11, { authorId: ME }) }), ME);
    list = applyChatEventToList(list, 'c1', ev('message_created', 9, { message: msg(9) }), ME);
    list = applyChatEventToList(list, 'c1', ev('message_edited', 12, { message: msg(5) }), ME);
    expect(list[0]).toMatchObject({ unread: 0, mentions: 0, head: 12 });
  });

  it('uncounts an unread message when it is deleted', () => {
    let list = [chat('c1')];
    const m = msg(11, { mentions: [ME] });
    list = applyChatEventToList(list, 'c1', ev('message_created', 11, { message: m }), ME);
    list = applyChatEventToList(list, 'c1', ev('message_deleted', 12, { message: { ...m, body: '', mentions: [], deletedAt: at(12) } }), ME, m);
    expect(list[0]).toMatchObject({ unread: 0, mentions: 0 });
  });

  it('follows renames, members and my role', () => {
    let list = [chat('c1')];
    list = applyChatEventToList(list, 'c1', ev('chat_renamed', 11, { chatId: 'c1', title: 'New' }), ME);
    list = applyChatEventToList(list, 'c1', ev('members_added', 12, { chatId: 'c1', userIds: ['x'] }), ME);
    list = applyChatEventToList(list, 'c1', ev('member_removed', 13, { chatId: 'c1', userId: OTHER }), ME);
    list = applyChatEventToList(list, 'c1', ev('member_role_changed', 14, { chatId: 'c1', userId: ME, role: 'owner' }), ME);
    expect(list[0]).toMatchObject({ title: 'New', memberIds: [ME, 'x'], myRole: 'owner', head: 14 });
  });

  it('reading up to the head clears the counters; a partial read recounts from loaded messages or asks for a reload', () => {
    const list = [chat('c1', { head: 13, readSeq: 10, unread: 3, mentions: 1 })];
    expect(applyRead(list, 'c1', 13, ME)).toEqual({ chats: [chat('c1', { head: 13, readSeq: 13 })], exact: true });
    const loaded = [msg(10), msg(11), msg(12, { mentions: [ME] }), msg(13)];
    expect(applyRead(list, 'c1', 11, ME, loaded).chats[0]).toMatchObject({ readSeq: 11, unread: 2, mentions: 1 });
    expect(applyRead(list, 'c1', 11, ME).exact).toBe(false);
    expect(applyRead(list, 'c1', 9, ME).chats).toBe(list); // never backwards
  });

  it('applies chat_added, chat_read and chat_removed from my own stream', () => {
    let list = [chat('c1', { lastMessageAt: at(5) })];
    list = applyUserEvent(list, ev('chat_added', 1, { chat: chat('c2', { lastMessageAt: at(50) }) }), ME).chats;
    expect(list.map((c) => c.id)).toEqual(['c2', 'c1']);
    list = applyUserEvent(list, ev('chat_added', 2, { chat: chat('c2', { title: 'again', lastMessageAt: at(50) }) }), ME).chats;
    expect(list).toHaveLength(2);
    list = applyChatEventToList(list, 'c1', ev('message_created', 11, { message: msg(11) }), ME);
    list = applyUserEvent(list, ev('chat_read', 3, { chatId: 'c1', readSeq: 11 }), ME).chats;
    expect(list.find((c) => c.id === 'c1')).toMatchObject({ unread: 0, readSeq: 11 });
    list = applyUserEvent(list, ev('chat_removed', 4, { chatId: 'c2' }), ME).chats;
    expect(list.map((c) => c.id)).toEqual(['c1']);
  });

  it('sorts by last activity', () => {
    expect(sortChats([chat('a', { lastMessageAt: at(1) }), chat('b', { lastMessageAt: at(2) })]).map((c) => c.id)).toEqual(['b', 'a']);
  });

  it('prefixes the tab title with the unread count', () => {
    expect(badgeTitle('Chats · Artel', 3)).toBe('(3) Chats · Artel');
    expect(badgeTitle('(3) Chats · Artel', 5)).toBe('(5) Chats · Artel');
    expect(badgeTitle('(3) Chats · Artel', 0)).toBe('Chats · Artel');
  });
});

describe('mentions in the composer', () => {
  it('finds the @query before the caret', () => {
    expect(mentionQuery('hi @Bo', 6)).toEqual({ start: 3, query: 'Bo' });
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('mail me@example', 15)).toBeNull();
    expect(mentionQuery('hi @Bo there', 12)).toBeNull();
    expect(mentionQuery('привет @Ан', 10)).toEqual({ start: 7, query: 'Ан' });
  });

  it('inserts the mention token and moves the caret after it', () => {
    expect(insertMention('hi @Bo!', 3, 6, 'u1')).toEqual({ text: 'hi <@u1> !', caret: 9 });
  });
});

import { describe, expect, it } from 'vitest';
import type { ChatSummary, Message } from '../../shared/messenger';
import {
  addTyping, applyThreadRead, clearTyping, countThreadReply, humanSize, seenBy, shouldNotify, snippetHtml, takesPart, typingUsers,
  unreadReplyIds, TYPING_TTL_MS,
} from '../../web/src/lib/chats/extras';

const msg = (seq: number, authorId: string, extra: Partial<Message> = {}): Message => ({
  id: `m${seq}`, chatId: 'c', seq, authorId, clientId: `k${seq}`, body: `b${seq}`, threadRootId: null, mentions: [], mentionsAll: false,
  createdAt: new Date(2026, 0, 1, 10, seq).toISOString(), editedAt: null, deletedAt: null, reactions: [], attachments: [],
  pinnedAt: null, pinnedBy: null, forwardedFrom: null, replyCount: 0, lastReplySeq: null, ...extra,
});
const chat = (extra: Partial<ChatSummary> = {}): ChatSummary => ({
  id: 'c', kind: 'group', title: 'G', avatarUrl: null, memberIds: ['me', 'ann', 'bob'], myRole: 'member', head: 10, readSeq: 10,
  unread: 0, mentions: 0, threadUnread: 3, lastMessageAt: '2026-01-01T00:00:00.000Z', ...extra,
});

describe('search snippets as safe HTML', () => {
  it('escapes the text and wraps matches in <mark>', () => {
    expect(snippetHtml('Мы подписали \u0002договоры\u0003 с <b>"клиентами"</b> & co')).toBe(
      'Мы подписали <mark>договоры</mark> с &lt;b&gt;&quot;клиентами&quot;&lt;/b&gt; &amp; co',
    );
  });
  it('never lets markup through, even inside a match; unpaired markers are harmless', () => {
    expect(snippetHtml('\u0002<img src=x onerror=alert(1)>\u0003')).toBe('<mark>&lt;img src=x onerror=alert(1)&gt;</mark>');
    expect(snippetHtml('a\u0003b\u0002c')).toBe('ab<mark>c</mark>');
    expect(snippetHtml("it's")).toBe('it&#39;s');
  });
});

describe('file sizes', () => {
  const units = ['B', 'KB', 'MB', 'GB'] as const;
  it('picks a unit and rounds', () => {
    expect(humanSize(512, units)).toBe('512 B');
    expect(humanSize(1536, units)).toBe('1.5 KB');
    expect(humanSize(25 * 1024 * 1024, units)).toBe('25 MB');
    expect(humanSize(1536, ['Б', 'КБ', 'МБ', 'ГБ'], 'ru')).toBe('1,5 КБ');
  });
});

describe('typing indicators', () => {
  it('shows others for a few seconds, never me, and clears on their message', () => {
    let map = addTyping({}, 'c', 'ann', 1000);
    map = addTyping(map, 'c', 'me', 1000);
    map = addTyping(map, 'c', 'bob', 3000);
    expect(typingUsers(map, 'c', 'me', 3000)).toEqual(['ann', 'bob']);
    expect(typingUsers(map, 'c', 'me', 1000 + TYPING_TTL_MS)).toEqual(['bob']);
    expect(typingUsers(map, 'c', 'me', 3000 + TYPING_TTL_MS)).toEqual([]);
    expect(typingUsers(map, 'other', 'me', 3000)).toEqual([]);
    expect(typingUsers(clearTyping(map, 'c', 'ann'), 'c', 'me', 3000)).toEqual(['bob']);
    // Expired entries are dropped when the chat gets a new push.
    expect(Object.keys(addTyping(map, 'c', 'bob', 9000).c)).toEqual(['bob']);
  });
});

describe('thread unread state', () => {
  const replies = [msg(4, 'ann', { threadRootId: 'm1' }), msg(5, 'me', { threadRootId: 'm1' }), msg(6, 'bob', { threadRootId: 'm1' }), msg(7, 'ann', { threadRootId: 'm1', deletedAt: 'x' }), msg(8, 'ann', { threadRootId: 'm1' })];

  it('marks replies from others past the thread read position; without one, the newest N', () => {
    expect([...unreadReplyIds(replies, 'me', 5, 0)]).toEqual(['m6', 'm8']);
    expect([...unreadReplyIds(replies, 'me', null, 1)]).toEqual(['m8']);
    expect([...unreadReplyIds(replies, 'me', null, 0)]).toEqual([]);
  });

  it('a thread read lowers the chat counter by the replies it covers', () => {
    const r = applyThreadRead([chat()], 'c', replies, 3, 6, 'me');
    expect(r).toMatchObject({ exact: true, chats: [{ threadUnread: 1 }] });
    expect(applyThreadRead([chat()], 'c', replies, 3, 8, 'me').chats[0].threadUnread).toBe(0);
    // Not past what was read: nothing changes.
    const same = [chat()];
    expect(applyThreadRead(same, 'c', replies, 8, 6, 'me')).toEqual({ chats: same, exact: true });
  });

  it('is inexact (the caller reloads) without the old position or the replies', () => {
    expect(applyThreadRead([chat()], 'c', replies, null, 8, 'me').exact).toBe(false);
    expect(applyThreadRead([chat()], 'c', null, 3, 8, 'me').exact).toBe(false);
    expect(applyThreadRead([chat()], 'nope', null, null, 8, 'me').exact).toBe(true);
  });

  it('counts a new reply in a thread I take part in', () => {
    expect(takesPart([msg(1, 'ann'), ...replies], 'm1', 'me')).toBe(true);
    expect(takesPart([msg(1, 'ann'), replies[0]], 'm1', 'me')).toBe(false);
    expect(takesPart([msg(1, 'me')], 'm1', 'me')).toBe(true);
    expect(countThreadReply([chat()], 'c')[0].threadUnread).toBe(4);
  });
});

describe('seen by', () => {
  const list = [msg(1, 'me'), msg(2, 'ann'), msg(3, 'me'), msg(4, 'me')];
  it('direct: my latest message the other has read', () => {
    expect(seenBy(list, { me: 4, ann: 3 }, 'me', true)).toEqual({ messageId: 'm3', userIds: ['ann'] });
    expect(seenBy(list, { me: 4, ann: 0 }, 'me', true)).toBeNull();
  });
  it('group: who has read my latest message', () => {
    expect(seenBy(list, { me: 4, ann: 4, bob: 9 }, 'me', false)).toEqual({ messageId: 'm4', userIds: ['ann', 'bob'] });
    expect(seenBy(list, { me: 4, ann: 3 }, 'me', false)).toBeNull();
  });
});

describe('notifications', () => {
  it('only while hidden, for direct messages and mentions of me, never my own', () => {
    const direct = { kind: 'direct' as const };
    const group = { kind: 'group' as const };
    expect(shouldNotify(msg(1, 'ann'), direct, 'me', true)).toBe(true);
    expect(shouldNotify(msg(1, 'ann'), direct, 'me', false)).toBe(false);
    expect(shouldNotify(msg(1, 'me'), direct, 'me', true)).toBe(false);
    expect(shouldNotify(msg(1, 'ann'), group, 'me', true)).toBe(false);
    expect(shouldNotify(msg(1, 'ann', { mentions: ['me'] }), group, 'me', true)).toBe(true);
    expect(shouldNotify(msg(1, 'ann', { mentionsAll: true }), group, 'me', true)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import type { ChatSummary } from '../../shared/messenger';
import { applyChatEventToList, applyMemberEvent, applyUserEvent, chatRights, sortMembers, totalUnread, type ChatMember } from '../../web/src/lib/chats/model';

const ME = 'me';

const chat = (extra: Partial<ChatSummary> = {}): ChatSummary => ({
  id: 'c1',
  kind: 'group',
  title: 'Team',
  avatarUrl: null,
  memberIds: [ME, 'ann', 'ben'],
  myRole: 'member',
  head: 10,
  readSeq: 10,
  unread: 0,
  mentions: 0,
  threadUnread: 0,
  lastMessageAt: '2026-01-01T12:00:00.000Z',
  ...extra,
});

const event = (type: string, payload: unknown, actorId: string | null = 'ann') => ({ type, payload, actorId, at: '2026-01-01T12:00:00.000Z' });
const members: ChatMember[] = [
  { userId: 'own', role: 'owner' },
  { userId: 'ann', role: 'admin' },
  { userId: 'ben', role: 'member' },
];

describe('chat settings: live changes to the chat list', () => {
  it('a rename and a new or removed picture reach the list through my own stream', () => {
    let list = [chat(), chat({ id: 'c2', title: 'Other' })];
    list = applyUserEvent(list, { event: event('chat_renamed', { chatId: 'c1', title: 'Команда' }) }, ME).chats;
    expect(list.find((c) => c.id === 'c1')?.title).toBe('Команда');
    list = applyUserEvent(list, { event: event('chat_avatar_changed', { chatId: 'c1', avatarUrl: '/api/chats/c1/avatar?v=2' }) }, ME).chats;
    expect(list.find((c) => c.id === 'c1')?.avatarUrl).toBe('/api/chats/c1/avatar?v=2');
    list = applyUserEvent(list, { event: event('chat_avatar_changed', { chatId: 'c1', avatarUrl: null }) }, ME).chats;
    expect(list.find((c) => c.id === 'c1')?.avatarUrl).toBeNull();
    expect(list.find((c) => c.id === 'c2')).toMatchObject({ title: 'Other', avatarUrl: null });
  });

  it('ignores changes of chats I do not have and malformed payloads', () => {
    const list = [chat()];
    expect(applyUserEvent(list, { event: event('chat_renamed', { chatId: 'zz', title: 'x' }) }, ME).chats).toBe(list);
    expect(applyUserEvent(list, { event: event('chat_avatar_changed', { chatId: 'c1' }) }, ME).chats).toBe(list);
    expect(applyUserEvent(list, { event: event('chat_renamed', { chatId: 'c1', title: 5 }) }, ME).chats).toBe(list);
  });

  it('membership events on the chat stream move the member ids and my role', () => {
    let list = [chat()];
    list = applyChatEventToList(list, 'c1', { seq: 11, event: event('members_added', { chatId: 'c1', userIds: ['cid'] }) }, ME);
    list = applyChatEventToList(list, 'c1', { seq: 12, event: event('member_removed', { chatId: 'c1', userId: 'ben' }) }, ME);
    list = applyChatEventToList(list, 'c1', { seq: 13, event: event('member_role_changed', { chatId: 'c1', userId: ME, role: 'admin' }) }, ME);
    expect(list[0]).toMatchObject({ memberIds: [ME, 'ann', 'cid'], myRole: 'admin', head: 13 });
    expect(totalUnread(list)).toBe(0);
  });
});

describe('chat settings: the member list', () => {
  it('follows additions, removals and role changes, and applying an event twice changes nothing more', () => {
    let list = applyMemberEvent(members, event('members_added', { userIds: ['cid', 'ann'] }));
    expect(list.map((m) => [m.userId, m.role])).toEqual([['own', 'owner'], ['ann', 'admin'], ['ben', 'member'], ['cid', 'member']]);
    expect(applyMemberEvent(list, event('members_added', { userIds: ['cid'] }))).toBe(list);
    list = applyMemberEvent(list, event('member_role_changed', { userId: 'ben', role: 'admin' }));
    expect(list.find((m) => m.userId === 'ben')?.role).toBe('admin');
    expect(applyMemberEvent(list, event('member_role_changed', { userId: 'ben', role: 'admin' }))).toEqual(list);
    list = applyMemberEvent(list, event('member_removed', { userId: 'ann' }));
    expect(list.map((m) => m.userId)).toEqual(['own', 'ben', 'cid']);
    expect(applyMemberEvent(list, event('member_removed', { userId: 'ann' }))).toBe(list);
  });

  it('ignores other events and bad roles', () => {
    expect(applyMemberEvent(members, event('message_created', { message: {} }))).toBe(members);
    expect(applyMemberEvent(members, event('member_role_changed', { userId: 'ben', role: 'king' }))).toBe(members);
    expect(applyMemberEvent(members, event('members_added', { userIds: 'cid' }))).toBe(members);
  });

  it('sorts the owner first, then admins, then members, each by name', () => {
    const names: Record<string, string> = { own: 'Zoe', ann: 'Ann', ben: 'Ben', cid: 'Abe', dan: 'Dan' };
    const list: ChatMember[] = [...members, { userId: 'cid', role: 'member' }, { userId: 'dan', role: 'admin' }];
    expect(sortMembers(list, (id) => names[id]).map((m) => m.userId)).toEqual(['own', 'ann', 'dan', 'cid', 'ben']);
  });
});

describe('chat settings: what I may do (as the hub decides)', () => {
  const [owner, admin, member] = members;

  it('the owner manages, sets roles and removes anyone else', () => {
    const r = chatRights(chat({ myRole: 'owner' }), 'own');
    expect(r).toMatchObject({ manage: true, leave: true });
    expect([r.remove(admin), r.remove(member), r.remove(owner)]).toEqual([true, true, false]);
    expect([r.setRole(admin), r.setRole(member), r.setRole(owner)]).toEqual([true, true, false]);
  });

  it('an admin manages and removes plain members only; roles are not theirs to give', () => {
    const r = chatRights(chat({ myRole: 'admin' }), 'ann');
    expect(r.manage).toBe(true);
    expect([r.remove(owner), r.remove(member), r.remove({ userId: 'dan', role: 'admin' })]).toEqual([false, true, false]);
    expect([r.setRole(member), r.setRole(owner)]).toEqual([false, false]);
  });

  it('a plain member only leaves', () => {
    const r = chatRights(chat({ myRole: 'member' }), 'ben');
    expect(r).toMatchObject({ manage: false, leave: true });
    expect(members.some((m) => r.remove(m) || r.setRole(m))).toBe(false);
  });

  it('nobody changes or leaves a direct chat', () => {
    const r = chatRights(chat({ kind: 'direct', myRole: 'owner' }), 'own');
    expect(r).toMatchObject({ manage: false, leave: false });
    expect(members.some((m) => r.remove(m) || r.setRole(m))).toBe(false);
  });
});

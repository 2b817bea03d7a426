/**
 * Presence aggregation: a node's status for a user from their sockets' idle flags, the cluster-wide status
 * as the strongest over nodes, and a node that stops announcing (killed) dropping out after the expiry.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nodeStatus, Presence, strongest } from '../../server/hub/presence';
import type { ControlMessage, Services } from '../../server/services';
import type { PresenceStatus } from '../../shared/types';

describe('presence aggregation', () => {
  it('a node: offline without sockets, online with one active, away when all are idle', () => {
    expect(nodeStatus([])).toBe('offline');
    expect(nodeStatus([false])).toBe('online');
    expect(nodeStatus([true])).toBe('away');
    expect(nodeStatus([true, true, true])).toBe('away');
    expect(nodeStatus([true, false, true])).toBe('online');
  });

  it('the cluster: online > away > offline', () => {
    const all: PresenceStatus[] = ['online', 'away', 'offline'];
    expect(strongest([])).toBe('offline');
    for (const s of all) expect(strongest([s])).toBe(s);
    expect(strongest(['offline', 'away'])).toBe('away');
    expect(strongest(['away', 'online', 'offline'])).toBe('online');
    expect(strongest(['away', 'away'])).toBe('away');
  });
});

describe('Presence across nodes', () => {
  let sent: ControlMessage[];
  let pushed: { statuses: Record<string, PresenceStatus> }[];
  let presence: Presence;
  let svc: Services;

  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    pushed = [];
    // The node's own announcements come back to it as they would over the bus.
    svc = {
      config: { nodeId: 'a' },
      control: async (m: ControlMessage) => {
        sent.push(m);
        if (m.type === 'presence' || m.type === 'presence_sync') presence.handle(m);
      },
    } as unknown as Services;
    presence = new Presence(svc, (_topic, frame) => pushed.push(JSON.parse(frame)));
  });
  afterEach(() => {
    presence.stop();
    vi.useRealTimers();
  });

  it('announces only changes of the node status, and pushes only changes of the cluster status', () => {
    presence.connected('u', 's1');
    presence.connected('u', 's2');
    presence.setIdle('u', 's1', true);
    expect(sent).toEqual([{ type: 'presence', node: 'a', userId: 'u', online: true, away: false }]);
    presence.setIdle('u', 's2', true);
    presence.setIdle('u', 's2', true);
    expect(presence.status('u')).toBe('away');
    presence.disconnected('u', 's2');
    expect(presence.status('u')).toBe('away');
    presence.setIdle('u', 's1', false);
    presence.disconnected('u', 's1');
    expect(pushed.map((p) => p.statuses)).toEqual(['online', 'away', 'online', 'offline'].map((u) => ({ u })));
    expect(sent).toHaveLength(4);
    // An unknown socket (closed, or a guest's) changes nothing.
    presence.setIdle('u', 's1', false);
    expect(presence.status('u')).toBe('offline');
  });

  it('online on another node wins over away here; a node that stops announcing expires', () => {
    presence.connected('u', 's1');
    presence.setIdle('u', 's1', true);
    presence.handle({ type: 'presence', node: 'b', userId: 'u', online: true, away: false });
    expect(presence.status('u')).toBe('online');
    // An older node that knows nothing of "away" announces a plain online.
    presence.handle({ type: 'presence', node: 'c', userId: 'v', online: true });
    expect(presence.status('v')).toBe('online');
    // Node B and C fall silent (killed) while node A keeps syncing: after the expiry only A's word counts.
    vi.advanceTimersByTime(90_000);
    expect(presence.status('u')).toBe('away');
    expect(presence.status('v')).toBe('offline');
    const sync = sent.filter((m) => m.type === 'presence_sync').at(-1);
    expect(sync).toEqual({ type: 'presence_sync', node: 'a', userIds: ['u'], away: ['u'] });
  });

  it('the hub gathers changes: one frame per window, the latest status per person, nothing when it is unchanged', () => {
    presence.stop();
    presence = new Presence(svc, (_topic, frame) => pushed.push(JSON.parse(frame)), 250);
    for (let i = 0; i < 500; i++) presence.connected(`u${i}`, `s${i}`);
    presence.connected('x', 'sx');
    presence.setIdle('x', 'sx', true);
    expect(pushed).toEqual([]);
    vi.advanceTimersByTime(250);
    expect(pushed).toHaveLength(1);
    expect(Object.keys(pushed[0].statuses)).toHaveLength(501);
    expect(pushed[0].statuses.x).toBe('away');
    vi.advanceTimersByTime(1000);
    expect(pushed).toHaveLength(1);
    presence.disconnected('u7', 's7');
    vi.advanceTimersByTime(250);
    expect(pushed[1]).toEqual({ type: 'presence', statuses: { u7: 'offline' } });
  });

  it('a sync converges: listed users with their away flags, unlisted ones of that node dropped', () => {
    presence.handle({ type: 'presence', node: 'b', userId: 'gone', online: true, away: false });
    presence.handle({ type: 'presence_sync', node: 'b', userIds: ['u', 'w'], away: ['w'] });
    expect([presence.status('u'), presence.status('w'), presence.status('gone')]).toEqual(['online', 'away', 'offline']);
  });
});

import { describe, expect, it } from 'vitest';
import type { CallParticipant, CallState } from '../../shared/calls';
import type { Card } from '../../shared/cards';
import {
  applyCallEvent, callCardView, groupCalls, callIdOf, callMinutes, defaultScheduleInput, fromState, gridShape, healthyLeg, initials, legChanged,
  levelFromEnergy, MAX_ICE_RESTARTS, publishedSignature, recoveryStep, restarted, RESTART_TIMEOUT_MS, scheduleInputToIso, slotOf,
  SPEAKER_SWITCH_MS, SpeakerTracker, speakerLayout, subscriptionTargets, tilesOf, unavailableKey,
} from '../../web/src/lib/calls/model';
import { LayerChoice, wantedQualities } from '../../web/src/lib/calls/quality';
import { en } from '../../web/src/lib/i18n/en';
import { ru } from '../../web/src/lib/i18n/ru';

const CALL = '11111111-1111-4111-8111-111111111111';
const person = (id: string, extra: Partial<CallParticipant> = {}): CallParticipant => ({
  id, userId: `u-${id}`, name: `Person ${id}`, guest: false, joinedAt: `2026-11-27T10:00:0${id.length % 10}.000Z`,
  audio: true, video: true, screen: false, hand: false, published: true, tracks: [{ mid: '0', source: 'mic' }, { mid: '1', source: 'camera' }], ...extra,
});
const state = (participants: CallParticipant[]): CallState => ({
  call: { id: CALL, chatId: 'c', title: 'Standup', status: 'live', scheduledFor: null, startedAt: '2026-11-27T10:00:00.000Z', endedAt: null, startedBy: 'u-a', participantCount: participants.length },
  participants, lobby: [], video: { available: true },
});
const ev = (type: string, payload: unknown) => ({ event: { type, payload } });

describe('the call model', () => {
  it('applies joins, updates, departures, the lobby and the end; unknown events change nothing', () => {
    let m = fromState(state([person('a')]));
    m = applyCallEvent(m, ev('call_joined', { participant: person('bb') }));
    m = applyCallEvent(m, ev('call_joined', { participant: person('bb') }));
    expect(m.participants.map((p) => p.id)).toEqual(['a', 'bb']);
    m = applyCallEvent(m, ev('call_updated', { participant: person('a', { hand: true, audio: false }) }));
    expect(m.participants.find((p) => p.id === 'a')).toMatchObject({ hand: true, audio: false });
    expect(m.participants.map((p) => p.id)).toEqual(['a', 'bb']);
    m = applyCallEvent(m, ev('call_lobby', { lobby: [{ id: 'g', name: 'Guest', since: '' }] }));
    expect(m.lobby.map((g) => g.name)).toEqual(['Guest']);
    m = applyCallEvent(m, ev('call_left', { participantId: 'a', reason: 'left' }));
    expect(m.participants.map((p) => p.id)).toEqual(['bb']);
    expect(applyCallEvent(m, ev('call_something', { x: 1 }))).toBe(m);
    expect(applyCallEvent(m, ev('call_joined', {}))).toBe(m);
    const ended = applyCallEvent(m, ev('call_ended', { call: { ...m.call, status: 'ended', endedAt: '2026-11-27T10:23:00.000Z' } }));
    expect(ended.call.status).toBe('ended');
    expect(ended.participants).toEqual([]);
    // Another call's end is not this one's.
    expect(applyCallEvent(m, ev('call_ended', { call: { ...m.call, id: 'other', status: 'ended' } }))).toBe(m);
  });

  it('subscribes to the others who publish, and notices when what they publish changes', () => {
    const list = [person('a'), person('bb', { published: false }), person('ccc')];
    expect(subscriptionTargets(list, 'a')).toEqual(['ccc']);
    expect(subscriptionTargets(list, null)).toEqual(['a', 'ccc']);
    const before = publishedSignature(list, ['a', 'ccc']);
    const sharing = list.map((p) => (p.id === 'ccc' ? { ...p, screen: true, tracks: [...p.tracks, { mid: '2', source: 'screen' as const }] } : p));
    expect(publishedSignature(sharing, ['a', 'ccc'])).not.toBe(before);
    expect(publishedSignature(list.map((p) => ({ ...p, hand: true })), ['a', 'ccc'])).toBe(before);
    expect(slotOf({ kind: 'audio', source: 'mic' })).toBe('audio');
    expect(slotOf({ kind: 'video', source: 'screen' })).toBe('screen');
    expect(slotOf({ kind: 'video', source: 'camera' })).toBe('camera');
  });
});

describe('layouts', () => {
  it('gives each participant a camera tile and each shared screen a tile of its own', () => {
    const tiles = tilesOf([person('a'), person('bb', { screen: true })]);
    expect(tiles.map((t) => t.key)).toEqual(['a:camera', 'bb:camera', 'bb:screen']);
  });

  it('stages a pinned tile, else a screen, else the active speaker, else someone other than me', () => {
    const tiles = tilesOf([person('a'), person('bb'), person('ccc', { screen: true })]);
    expect(speakerLayout(tiles, { speaker: 'bb', pinned: 'a:camera', me: 'a' }).main?.key).toBe('a:camera');
    expect(speakerLayout(tiles, { speaker: 'bb', pinned: null, me: 'a' }).main?.key).toBe('ccc:screen');
    const noScreen = tilesOf([person('a'), person('bb'), person('ccc')]);
    expect(speakerLayout(noScreen, { speaker: 'ccc', pinned: null, me: 'a' }).main?.key).toBe('ccc:camera');
    expect(speakerLayout(noScreen, { speaker: 'a', pinned: null, me: 'a' }).main?.key).toBe('bb:camera');
    const staged = speakerLayout(noScreen, { speaker: null, pinned: null, me: 'a' });
    expect(staged.main?.key).toBe('bb:camera');
    expect(staged.strip.map((t) => t.key)).toEqual(['a:camera', 'ccc:camera']);
    expect(speakerLayout([], { speaker: null, pinned: null, me: null })).toEqual({ main: null, strip: [] });
  });

  it('shapes the grid to the area', () => {
    expect(gridShape(1, 1600, 900)).toEqual({ cols: 1, rows: 1 });
    expect(gridShape(2, 1600, 900)).toEqual({ cols: 2, rows: 1 });
    expect(gridShape(4, 1600, 900)).toEqual({ cols: 2, rows: 2 });
    expect(gridShape(2, 500, 900)).toEqual({ cols: 1, rows: 2 });
    const nine = gridShape(9, 1600, 900);
    expect(nine.cols * nine.rows).toBeGreaterThanOrEqual(9);
    expect(gridShape(0, 100, 100)).toEqual({ cols: 1, rows: 1 });
  });
});

describe('who is speaking', () => {
  it('highlights at once, stages the first speaker, and switches only after someone else spoke a while', () => {
    const s = new SpeakerTracker();
    s.feed({ a: 0.3, b: 0 }, 0);
    expect([...s.speaking(0)]).toEqual(['a']);
    expect(s.active).toBe('a');
    // b coughs while a is silent: highlighted, but the stage stays with a.
    s.feed({ a: 0, b: 0.3 }, 2_000);
    expect(s.speaking(2_000).has('b')).toBe(true);
    expect(s.active).toBe('a');
    // b keeps talking past the switch time: the stage moves.
    for (let t = 2_400; t <= 2_000 + SPEAKER_SWITCH_MS + 400; t += 400) s.feed({ b: 0.3 }, t);
    expect(s.active).toBe('b');
    // Silence ends the highlight after the hold time; the stage stays.
    s.feed({}, 10_000);
    expect(s.speaking(10_000).size).toBe(0);
    expect(s.active).toBe('b');
    s.forget('b');
    expect(s.active).toBeNull();
  });

  it('does not take the stage from someone who is still speaking', () => {
    const s = new SpeakerTracker();
    for (let t = 0; t <= 5_000; t += 400) s.feed({ a: 0.2, b: t >= 1_000 ? 0.2 : 0 }, t);
    expect(s.active).toBe('a');
  });

  it('turns audio energy into a level', () => {
    expect(levelFromEnergy(undefined, { energy: 1, duration: 1 })).toBe(0);
    expect(levelFromEnergy({ energy: 0, duration: 0 }, { energy: 0.25, duration: 1 })).toBeCloseTo(0.5);
    expect(levelFromEnergy({ energy: 1, duration: 1 }, { energy: 1, duration: 1 })).toBe(0);
  });
});

describe('recovery of a peer connection', () => {
  it('waits through a short disconnection, restarts ICE, and rejoins when restarts do not help', () => {
    let w = legChanged(healthyLeg(), 'connected', 0);
    expect(recoveryStep(w, 0)).toBe('wait');
    w = legChanged(w, 'disconnected', 1_000);
    expect(recoveryStep(w, 2_000)).toBe('wait');
    expect(recoveryStep(w, 4_000)).toBe('restart');
    w = restarted(w, 4_000);
    expect(recoveryStep(w, 5_000)).toBe('wait');
    w = legChanged(w, 'failed', 6_000);
    expect(recoveryStep(w, 7_000)).toBe('wait');
    expect(recoveryStep(w, 4_000 + RESTART_TIMEOUT_MS + 1)).toBe('restart');
    for (let i = 1; i < MAX_ICE_RESTARTS; i++) w = restarted(w, 20_000);
    expect(recoveryStep(w, 20_000 + RESTART_TIMEOUT_MS + 1)).toBe('rejoin');
    // Connected again: all is forgiven.
    w = legChanged(w, 'connected', 30_000);
    expect(w).toMatchObject({ badSince: null, restarts: 0 });
  });

  it('restarts a failed leg at once, and counts a restart stuck connecting as failed', () => {
    const failed = legChanged(legChanged(healthyLeg(), 'connected', 0), 'failed', 100);
    expect(recoveryStep(failed, 100)).toBe('restart');
    let w = restarted(failed, 100);
    w = legChanged(w, 'connecting', 200);
    expect(recoveryStep(w, 300)).toBe('wait');
    expect(recoveryStep(w, 100 + RESTART_TIMEOUT_MS + 1)).toBe('restart');
    // A leg still setting up for the first time is left alone.
    expect(recoveryStep(legChanged(healthyLeg(), 'connecting', 0), 60_000)).toBe('wait');
  });
});

describe('call cards and texts', () => {
  const card = (extra: Partial<Card>): Card => ({ kind: 'call', id: CALL, title: 'Standup', url: `/app/calls/${CALL}`, ...extra });

  it('reads live, scheduled and ended cards', () => {
    expect(callCardView(card({ status: 'live' }))).toEqual({ state: 'live' });
    expect(callCardView(card({ status: 'scheduled', due: '2026-12-01T10:00:00.000Z' }))).toEqual({ state: 'scheduled', at: '2026-12-01T10:00:00.000Z' });
    expect(
      callCardView(card({ status: 'ended', closed: true, call: { startedAt: '2026-11-27T10:00:00.000Z', endedAt: '2026-11-27T10:23:10.000Z', participantCount: 4 } })),
    ).toEqual({ state: 'ended', minutes: 23, participants: 4 });
    expect(callMinutes('2026-11-27T10:00:00.000Z', '2026-11-27T10:00:05.000Z')).toBe(1);
    expect(callMinutes(null, '2026-11-27T10:00:05.000Z')).toBe(0);
    expect(callIdOf(`/app/calls/${CALL}`)).toBe(CALL);
    expect(callIdOf('/app/tasks/x')).toBeNull();
  });

  it('explains every unavailability code in both languages', () => {
    for (const code of ['not_installed', 'disabled', 'crashed', 'unreachable', 'restarting']) {
      const key = unavailableKey(code);
      expect(key).toBe(`calls.unavailable.${code}`);
      expect(en[key]).toBeTruthy();
      expect(ru[key]).toBeTruthy();
    }
    expect(unavailableKey('martian')).toBe('calls.unavailable.unreachable');
    expect(unavailableKey(undefined)).toBe('calls.unavailable.unreachable');
  });

  it('makes initials and schedule times', () => {
    expect(initials('Anna Petrova')).toBe('AP');
    expect(initials('  cher ')).toBe('C');
    expect(initials('Jean Claude Van Damme')).toBe('JD');
    expect(initials('')).toBe('?');
    const now = new Date(2026, 10, 27, 10, 7);
    expect(defaultScheduleInput(now)).toBe('2026-11-27T11:15');
    const iso = scheduleInputToIso('2026-11-27T11:15')!;
    expect(new Date(iso).getTime()).toBe(new Date(2026, 10, 27, 11, 15).getTime());
    expect(iso).toMatch(/^2026-11-27T11:15:00[+-]\d\d:\d\d$/);
    expect(scheduleInputToIso('tomorrow')).toBeNull();
  });
});

describe('the calls page', () => {
  it('lists live calls, scheduled ones soonest first, and the last that ended', () => {
    const call = (id: string, status: 'live' | 'scheduled' | 'ended', at: string) => ({
      id, chatId: 'c', title: id, status, participantCount: 0, startedBy: null,
      scheduledFor: status === 'scheduled' ? at : null, startedAt: status !== 'scheduled' ? at : null, endedAt: status === 'ended' ? at : null,
    });
    const g = groupCalls([
      call('s2', 'scheduled', '2026-12-02T10:00:00Z'), call('e1', 'ended', '2026-11-01T10:00:00Z'), call('l', 'live', '2026-11-27T10:00:00Z'),
      call('s1', 'scheduled', '2026-12-01T10:00:00Z'), call('e2', 'ended', '2026-11-02T10:00:00Z'),
    ], 1);
    expect(g.live.map((c) => c.id)).toEqual(['l']);
    expect(g.scheduled.map((c) => c.id)).toEqual(['s1', 's2']);
    expect(g.ended.map((c) => c.id)).toEqual(['e2']);
  });
});

describe('simulcast layers by tile size', () => {
  const people = ['me', 'a', 'b', 'c'].map((id) => person(id));
  const tiles = tilesOf([...people.slice(0, 3), { ...people[3], screen: true }]);

  it('a grid of wide tiles takes every camera at the top layer; a crowded grid the small one; never my own or a screen', () => {
    const wide = wantedQualities({ layout: 'grid', tiles, main: null, cols: 2, width: 1200, me: 'me' });
    expect([...wide]).toEqual([['a', 'high'], ['b', 'high'], ['c', 'high']]);
    const crowded = wantedQualities({ layout: 'grid', tiles, main: null, cols: 3, width: 1000, me: 'me' });
    expect([...crowded]).toEqual([['a', 'low'], ['b', 'low'], ['c', 'low']]);
  });

  it('the speaker layout: the stage high, the strip low', () => {
    const main = tiles.find((t) => t.key === 'b:camera')!;
    const q = wantedQualities({ layout: 'speaker', tiles, main, cols: 1, width: 1200, me: 'me' });
    expect([...q]).toEqual([['a', 'low'], ['b', 'high'], ['c', 'low']]);
  });

  it('asks only for what differs from what the server does (the top layer for a newly received camera), grouped', () => {
    const layers = new LayerChoice();
    layers.want(new Map([['a', 'low'], ['b', 'high'], ['c', 'low']]));
    expect(layers.pending(['a', 'b', 'c', 'c'])).toEqual([{ participantIds: ['a', 'c'], quality: 'low' }]);
    layers.sentAs(['a', 'c'], 'low');
    expect(layers.pending(['a', 'b', 'c'])).toEqual([]);
    // A camera not received yet is not asked about; one going back to the stage is, and so is one no
    // longer laid out at all (the server's default again).
    layers.want(new Map([['a', 'high'], ['d', 'low']]));
    expect(layers.pending(['a', 'b', 'c'])).toEqual([{ participantIds: ['a', 'c'], quality: 'high' }]);
    // A new subscription: the server starts cameras at the top layer again, so the small ones are asked anew.
    layers.want(new Map([['a', 'low'], ['c', 'low']]));
    layers.sentAs(['a'], 'low');
    layers.forget();
    expect(layers.pending(['a', 'c'])).toEqual([{ participantIds: ['a', 'c'], quality: 'low' }]);
  });
});

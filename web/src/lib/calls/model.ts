/**
 * Calls in the browser, the pure part: a call's state as `call_join` returns it and the `call:<id>`
 * stream updates it; whom to receive; which tiles the stage shows in each layout; who is speaking (from
 * audio levels, with hysteresis so the highlight does not flicker); when a broken peer connection needs
 * an ICE restart or a full rejoin; how a call's chat card reads.
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import type { CallParticipant, CallState, CallSummary, LobbyGuest, TrackSource, VideoAvailability } from '../../../../shared/calls';
import type { Card } from '../../../../shared/cards';
import type { MessageKey } from '../i18n/en';

// ---- state ----

/** A call as the page shows it. `ended` once the stream said so. */
export interface CallModel {
  call: CallSummary;
  participants: CallParticipant[];
  lobby: LobbyGuest[];
  video: VideoAvailability;
}

/** What the model reads of a stream event. */
export interface CallStreamEvent {
  event: { type: string; payload: unknown };
}

export function fromState(state: CallState): CallModel {
  return { call: state.call, participants: sortParticipants(state.participants), lobby: state.lobby, video: state.video };
}

/** Participants in the order they joined (ties by id, so every browser agrees). */
function sortParticipants(list: CallParticipant[]): CallParticipant[] {
  return [...list].sort((a, b) => a.joinedAt.localeCompare(b.joinedAt) || a.id.localeCompare(b.id));
}

function upsert(list: CallParticipant[], p: CallParticipant): CallParticipant[] {
  return sortParticipants([...list.filter((x) => x.id !== p.id), p]);
}

/** Apply one `call:<id>` event; unknown events and other calls' events leave the model as it is. */
export function applyCallEvent(model: CallModel, ev: CallStreamEvent): CallModel {
  const payload = (ev.event.payload ?? {}) as Record<string, unknown>;
  switch (ev.event.type) {
    case 'call_joined':
    case 'call_updated': {
      const p = payload.participant as CallParticipant | undefined;
      return p?.id ? { ...model, participants: upsert(model.participants, p) } : model;
    }
    case 'call_left': {
      const id = payload.participantId as string | undefined;
      return id ? { ...model, participants: model.participants.filter((p) => p.id !== id) } : model;
    }
    case 'call_lobby':
      return Array.isArray(payload.lobby) ? { ...model, lobby: payload.lobby as LobbyGuest[] } : model;
    case 'call_ended': {
      const call = payload.call as CallSummary | undefined;
      return call?.id === model.call.id ? { ...model, call, participants: [], lobby: [] } : model;
    }
    default:
      return model;
  }
}

/** The other participants whose media can be received (published), sorted: what `call_subscribe` asks for. */
export function subscriptionTargets(participants: CallParticipant[], myId: string | null): string[] {
  return participants
    .filter((p) => p.id !== myId && p.published)
    .map((p) => p.id)
    .sort();
}

/**
 * A participant's published tracks, keyed by mid: what they publish changed (a screen added or
 * removed) when this differs from the last subscription's.
 */
export function publishedSignature(participants: CallParticipant[], ids: string[]): string {
  const byId = new Map(participants.map((p) => [p.id, p]));
  return ids.map((id) => `${id}:${(byId.get(id)?.tracks ?? []).map((t) => `${t.mid}=${t.source}`).sort().join(',')}`).join(';');
}

// ---- what the subscriber leg receives ----

/** One m-line of the subscription offer: whose track it carries. */
export interface ReceivedTrack {
  mid: string;
  participantId: string;
  kind: 'audio' | 'video';
  source: TrackSource;
}

/** Which media element shows a received track: a participant's camera, screen or audio. */
export type MediaSlot = 'camera' | 'screen' | 'audio';

export function slotOf(t: Pick<ReceivedTrack, 'kind' | 'source'>): MediaSlot {
  if (t.kind === 'audio') return 'audio';
  return t.source === 'screen' ? 'screen' : 'camera';
}

// ---- layout ----

export type Layout = 'grid' | 'speaker';

/** A tile of the stage: a participant's camera (or their initials) or a shared screen. */
export interface Tile {
  key: string;
  participantId: string;
  kind: 'camera' | 'screen';
}

/** Every tile: each participant's camera tile, and a tile for each screen being shared. */
export function tilesOf(participants: CallParticipant[]): Tile[] {
  const tiles: Tile[] = [];
  for (const p of participants) {
    tiles.push({ key: `${p.id}:camera`, participantId: p.id, kind: 'camera' });
    if (p.screen) tiles.push({ key: `${p.id}:screen`, participantId: p.id, kind: 'screen' });
  }
  return tiles;
}

/**
 * The speaker layout: one main tile (a pinned tile; else a shared screen; else whoever spoke last; else
 * the first other person) and the rest in a strip. The grid layout shows `tiles` as they are.
 */
export function speakerLayout(tiles: Tile[], opts: { speaker: string | null; pinned: string | null; me: string | null }): { main: Tile | null; strip: Tile[] } {
  if (!tiles.length) return { main: null, strip: [] };
  const main =
    tiles.find((t) => t.key === opts.pinned) ??
    tiles.find((t) => t.kind === 'screen') ??
    // My own face is in the strip: nobody needs themselves on the stage while they talk.
    tiles.find((t) => t.kind === 'camera' && t.participantId === opts.speaker && t.participantId !== opts.me) ??
    tiles.find((t) => t.participantId !== opts.me) ??
    tiles[0];
  return { main, strip: tiles.filter((t) => t !== main) };
}

/** Columns and rows of a grid of `n` tiles that fills a `width`×`height` area with 16:9 tiles best. */
export function gridShape(n: number, width: number, height: number): { cols: number; rows: number } {
  if (n <= 0) return { cols: 1, rows: 1 };
  let best = { cols: 1, rows: n, size: 0 };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    // The tile's width when both the row and the column constraints hold.
    const w = Math.min(width / cols, ((height / rows) * 16) / 9);
    // On a tie the wider arrangement wins (screens are wider than tall).
    if (w >= best.size) best = { cols, rows, size: w };
  }
  return { cols: best.cols, rows: best.rows };
}

// ---- who is speaking ----

/** Audio level (0..1, as getStats' `audioLevel`) above which a participant counts as speaking. */
export const SPEAKING_LEVEL = 0.02;
/** The highlight stays this long after the last sound above the level. */
export const SPEAKING_HOLD_MS = 800;
/** The speaker layout's main tile changes only after someone else spoke this long. */
export const SPEAKER_SWITCH_MS = 1_200;

/**
 * Who is speaking: fed audio levels every few hundred milliseconds (from getStats or an analyser), it
 * says who speaks now (for the tile highlight) and the active speaker (for the speaker layout), which
 * moves only when someone else has been speaking a while, so a cough does not switch the stage.
 */
export class SpeakerTracker {
  private lastLoud = new Map<string, number>();
  private loudSince = new Map<string, number>();
  private _active: string | null = null;

  /** Levels seen at `now` (ms); participants missing from `levels` are silent. */
  feed(levels: Record<string, number>, now: number): void {
    for (const [id, level] of Object.entries(levels)) {
      if (level >= SPEAKING_LEVEL) {
        this.lastLoud.set(id, now);
        if (!this.loudSince.has(id)) this.loudSince.set(id, now);
      }
    }
    for (const id of [...this.loudSince.keys()]) {
      if (now - (this.lastLoud.get(id) ?? 0) > SPEAKING_HOLD_MS) this.loudSince.delete(id);
    }
    // The one who has been speaking longest without a pause takes the stage once past the switch time.
    let candidate: string | null = null;
    let since = Infinity;
    for (const [id, s] of this.loudSince) {
      if (s < since) {
        since = s;
        candidate = id;
      }
    }
    if (!candidate || candidate === this._active) return;
    if (this._active === null) this._active = candidate;
    else if (!this.loudSince.has(this._active) && now - since >= SPEAKER_SWITCH_MS) this._active = candidate;
  }

  /** Participants speaking now (for the highlight). */
  speaking(now: number): Set<string> {
    const out = new Set<string>();
    for (const [id, at] of this.lastLoud) if (now - at <= SPEAKING_HOLD_MS) out.add(id);
    return out;
  }

  /** The active speaker (for the speaker layout), sticky until someone else speaks a while. */
  get active(): string | null {
    return this._active;
  }

  /** Someone left: forget them. */
  forget(id: string): void {
    this.lastLoud.delete(id);
    this.loudSince.delete(id);
    if (this._active === id) this._active = null;
  }
}

/** Audio energy between two getStats samples as a level 0..1 (for browsers without `audioLevel`). */
export function levelFromEnergy(prev: { energy: number; duration: number } | undefined, now: { energy: number; duration: number }): number {
  if (!prev) return 0;
  const dt = now.duration - prev.duration;
  if (dt <= 0) return 0;
  // totalAudioEnergy sums level² × seconds: the mean level over the interval is sqrt(ΔE / Δt).
  return Math.sqrt(Math.max(0, now.energy - prev.energy) / dt);
}

// ---- recovery ----

/** A leg counts as broken after being 'disconnected' this long ('failed' counts at once). */
export const DISCONNECTED_GRACE_MS = 2_500;
/** ICE restarts tried on one leg before giving up and rejoining. */
export const MAX_ICE_RESTARTS = 2;
/** A restart that has not reconnected after this long counts as failed. */
export const RESTART_TIMEOUT_MS = 8_000;

export type LegHealth = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

/** What the session knows of one peer connection, to decide on recovery. */
export interface LegWatch {
  state: LegHealth;
  /** When the leg last left 'connected' (ms), null while connected. */
  badSince: number | null;
  /** ICE restarts tried since it was last connected. */
  restarts: number;
  /** When the last restart was sent (ms). */
  restartAt: number | null;
}

export const healthyLeg = (): LegWatch => ({ state: 'new', badSince: null, restarts: 0, restartAt: null });

/** A state change of the leg's RTCPeerConnection. */
export function legChanged(w: LegWatch, state: LegHealth, now: number): LegWatch {
  if (state === 'connected') return { state, badSince: null, restarts: 0, restartAt: null };
  const bad = state === 'disconnected' || state === 'failed';
  return { ...w, state, badSince: bad ? (w.badSince ?? now) : w.badSince };
}

/**
 * What to do about a leg now: wait, restart ICE, or rejoin the call (restarts did not help). A leg that
 * never connected yet is left to connect; a restart in flight is given its time.
 */
export function recoveryStep(w: LegWatch, now: number): 'wait' | 'restart' | 'rejoin' {
  if (w.badSince === null || (w.state !== 'failed' && w.state !== 'disconnected')) {
    // Stuck connecting after a restart: count it as failed once the restart's time is up.
    if (w.restartAt !== null && w.state !== 'connected' && now - w.restartAt > RESTART_TIMEOUT_MS) {
      return w.restarts >= MAX_ICE_RESTARTS ? 'rejoin' : 'restart';
    }
    return 'wait';
  }
  if (w.state === 'disconnected' && now - w.badSince < DISCONNECTED_GRACE_MS) return 'wait';
  if (w.restartAt !== null && now - w.restartAt < RESTART_TIMEOUT_MS) return 'wait';
  return w.restarts >= MAX_ICE_RESTARTS ? 'rejoin' : 'restart';
}

export function restarted(w: LegWatch, now: number): LegWatch {
  return { ...w, restarts: w.restarts + 1, restartAt: now };
}

// ---- cards, availability, names ----

/** Whole minutes a call ran (at least 1 once it started). */
export function callMinutes(startedAt: string | null | undefined, endedAt: string | null | undefined): number {
  const a = Date.parse(startedAt ?? '');
  const b = Date.parse(endedAt ?? '');
  if (!Number.isFinite(a) || !Number.isFinite(b)) return 0;
  return Math.max(1, Math.round((b - a) / 60_000));
}

/** How a call's card reads: live (join), scheduled for a time, or ended with its length and count. */
export type CallCardView =
  | { state: 'live' }
  | { state: 'scheduled'; at: string | null }
  | { state: 'ended'; minutes: number; participants: number };

export function callCardView(card: Pick<Card, 'status' | 'due' | 'closed' | 'call'>): CallCardView {
  if (card.status === 'ended' || card.closed) {
    return { state: 'ended', minutes: callMinutes(card.call?.startedAt, card.call?.endedAt), participants: card.call?.participantCount ?? 0 };
  }
  if (card.status === 'live') return { state: 'live' };
  return { state: 'scheduled', at: card.due ?? null };
}

/** The call id in a card's url (`/app/calls/<id>`). */
export function callIdOf(url: string): string | null {
  return /^\/app\/calls\/([0-9a-f-]{36})$/i.exec(url)?.[1] ?? null;
}

export type UnavailableCode = NonNullable<VideoAvailability['code']>;
const UNAVAILABLE: Record<UnavailableCode, MessageKey> = {
  not_installed: 'calls.unavailable.not_installed',
  disabled: 'calls.unavailable.disabled',
  crashed: 'calls.unavailable.crashed',
  unreachable: 'calls.unavailable.unreachable',
  restarting: 'calls.unavailable.restarting',
};

/** Why video is unavailable, as a dictionary key (an unknown code reads as "unreachable"). */
export function unavailableKey(code: string | null | undefined): MessageKey {
  return code && Object.hasOwn(UNAVAILABLE, code) ? UNAVAILABLE[code as UnavailableCode] : 'calls.unavailable.unreachable';
}

/** Initials for a tile without video. */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0], parts[parts.length - 1]] : parts;
  return letters.map((p) => p[0]!.toUpperCase()).join('') || '?';
}

/** The value of a datetime-local input for a time `minutes` from `now`, on the quarter hour (local time). */
export function defaultScheduleInput(now: Date, minutes = 60): string {
  const d = new Date(now.getTime() + minutes * 60_000);
  d.setMinutes(Math.ceil(d.getMinutes() / 15) * 15, 0, 0);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (local wall time) as ISO 8601 with this browser's offset; null when invalid. */
export function scheduleInputToIso(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return null;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return null;
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const pad = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  const local = `${value.slice(0, 16)}:00`;
  return `${local}${sign}${pad(off / 60)}:${pad(off % 60)}`;
}

/**
 * The calls page's sections from the calls of my chats: live now, scheduled (soonest first), and the
 * last ones that ended (newest first, at most `recent`).
 */
export function groupCalls(calls: CallSummary[], recent = 10): { live: CallSummary[]; scheduled: CallSummary[]; ended: CallSummary[] } {
  const at = (s: string | null) => (s ? Date.parse(s) : 0);
  return {
    live: calls.filter((c) => c.status === 'live').sort((a, b) => at(b.startedAt) - at(a.startedAt)),
    scheduled: calls.filter((c) => c.status === 'scheduled').sort((a, b) => at(a.scheduledFor) - at(b.scheduledFor)),
    ended: calls
      .filter((c) => c.status === 'ended')
      .sort((a, b) => at(b.endedAt) - at(a.endedAt))
      .slice(0, recent),
  };
}

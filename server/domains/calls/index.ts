/**
 * Video calls, the hub's side: a chat's calls (started, scheduled, live, ended) and their participants
 * and lobby in PostgreSQL, signalling between the browser and the media engine (svc.media), guest links,
 * and the call cards in chats. See shared/calls.ts for the protocol and docs/api.md, "Calls".
 *
 * - actions.ts: start, schedule, join (or knock), leave, admit; the call card.
 * - signal.ts: what a joined participant's socket asks of the media engine (publish, subscribe, answer,
 *   candidates, restarts, layers) and its mic/camera/screen/hand state.
 * - engine.ts: video availability, and engine failures as typed errors.
 * - links.ts: guest links and call guests' sessions.
 * - node.ts: the media peers this node holds (one per participant whose socket is here).
 * - sweep.ts: heartbeat, the sweep of stale participants and abandoned calls, the due job.
 * - access.ts: who may follow `call:`, `door:` and `lobby:` streams.
 */
export {
  admit, callCard, callCardMessage, callState, getCall, joinCall, leaveCall, listChatCalls, scheduleCall, socketClosed, startCall, DROP_GRACE_MS,
} from './actions';
export { answer, ice, publish, quality, restart, subscribe, update } from './signal';
export { availability } from './engine';
export { CALL_GUEST_COOKIE, callGuestFromToken, createLink, listLinks, revokeLink, openLink, guestMe, setGuestName, closeSession, blankCallGuestCookie } from './links';
export type { CallGuest } from './links';
export { startCalls, sweepCalls, SWEEP_LIMITS } from './sweep';
export { callStreamAccess, doorStreamAccess, lobbyStreamAccess } from './access';
export type { CallSocket } from './node';

/**
 * What the parts of a call session share to talk to the hub: the realtime client and the call, the ICE
 * servers the last join gave, the generation of that join (work begun for an older join, before a rejoin,
 * must not touch the new one) and a trace of the signalling steps, newest last (browser tests print it
 * when media does not arrive). Signalling goes only through the hub's realtime requests, never to the
 * media server: see shared/calls.ts.
 */
import type { IceServer } from '$shared/calls';
import type { RealtimeClient } from '../realtime/socket';

export type CallLog = (message: string, detail?: unknown) => void;

/** How many trace lines are kept. */
const TRACE_LINES = 200;

export class CallLink {
  /** Fixed before joining (a guest learns it from their link only when they open it). */
  callId: string;
  /** From the last `call_join`; every new peer connection uses them. */
  iceServers: IceServer[] = [];
  /** A generation counter: raised by each join and each closing of the connections. */
  epoch = 0;
  readonly trace: string[] = [];

  constructor(
    readonly client: RealtimeClient,
    callId: string,
    readonly log: CallLog,
  ) {
    this.callId = callId;
  }

  note(line: string): void {
    this.trace.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (this.trace.length > TRACE_LINES) this.trace.splice(0, this.trace.length - TRACE_LINES);
  }
}

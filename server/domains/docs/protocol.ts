import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { YJS_MESSAGE } from '../../../shared/docs';

/**
 * The y-websocket wire format (y-protocols/sync, awareness and auth framed by a lib0 var-uint message
 * type). Decoding never trusts the peer: every reader throws a DocProtocolError on malformed input,
 * before anything is applied.
 */

/** Sync sub-messages of y-protocols/sync. */
export const SYNC = { step1: 0, step2: 1, update: 2 } as const;

/** A frame that does not decode; the socket is closed with 4400. */
export class DocProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocProtocolError';
  }
}

/** One decoded client message. */
export type DocClientMessage =
  | { type: 'sync_step1'; stateVector: Uint8Array }
  | { type: 'update'; update: Uint8Array; step2: boolean }
  | { type: 'awareness'; update: Uint8Array; clients: { clientId: number; removed: boolean }[] }
  | { type: 'query_awareness' };

/** Decode a client's binary frame; throws DocProtocolError when it is not a message we accept. */
export function decodeClientMessage(data: Uint8Array): DocClientMessage {
  try {
    const d = decoding.createDecoder(data);
    const type = decoding.readVarUint(d);
    switch (type) {
      case YJS_MESSAGE.sync: {
        const sub = decoding.readVarUint(d);
        const body = decoding.readVarUint8Array(d);
        if (sub === SYNC.step1) {
          Y.decodeStateVector(body);
          return { type: 'sync_step1', stateVector: body };
        }
        if (sub === SYNC.step2 || sub === SYNC.update) {
          checkUpdate(body);
          return { type: 'update', update: body, step2: sub === SYNC.step2 };
        }
        throw new DocProtocolError(`unknown sync message ${sub}`);
      }
      case YJS_MESSAGE.awareness: {
        const update = decoding.readVarUint8Array(d);
        return { type: 'awareness', update, clients: readAwarenessClients(update) };
      }
      case YJS_MESSAGE.queryAwareness:
        return { type: 'query_awareness' };
      default:
        throw new DocProtocolError(`unknown message type ${type}`);
    }
  } catch (err) {
    if (err instanceof DocProtocolError) throw err;
    throw new DocProtocolError(`malformed message: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Decode a whole update (its structs and delete set) so a corrupt one is refused before it is applied. */
function checkUpdate(update: Uint8Array): void {
  const { structs } = Y.decodeUpdate(update);
  for (const s of structs) {
    if (!(s instanceof Y.Item || s instanceof Y.GC || s instanceof Y.Skip)) throw new DocProtocolError('unknown struct');
  }
}

/** True when an update carries nothing: no structs, no deletions (a fresh client's SyncStep2). */
export function isEmptyUpdate(update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update);
  return structs.length === 0 && ds.clients.size === 0;
}

/** The clients an awareness update speaks for (and whether it removes them); validates every entry. */
function readAwarenessClients(update: Uint8Array): { clientId: number; removed: boolean }[] {
  const d = decoding.createDecoder(update);
  const n = decoding.readVarUint(d);
  const out: { clientId: number; removed: boolean }[] = [];
  for (let i = 0; i < n; i++) {
    const clientId = decoding.readVarUint(d);
    decoding.readVarUint(d);
    const state: unknown = JSON.parse(decoding.readVarString(d));
    if (state !== null && typeof state !== 'object') throw new DocProtocolError('awareness state is not an object');
    out.push({ clientId, removed: state === null });
  }
  return out;
}

const frame = (write: (e: encoding.Encoder) => void): Uint8Array => {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
};

/** Our SyncStep1: the server's state vector, so the client sends what we lack. */
export const encodeSyncStep1 = (doc: Y.Doc) =>
  frame((e) => {
    encoding.writeVarUint(e, YJS_MESSAGE.sync);
    encoding.writeVarUint(e, SYNC.step1);
    encoding.writeVarUint8Array(e, Y.encodeStateVector(doc));
  });

/** SyncStep2: what the client lacks, given its state vector. */
export const encodeSyncStep2 = (doc: Y.Doc, stateVector: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, YJS_MESSAGE.sync);
    encoding.writeVarUint(e, SYNC.step2);
    encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(doc, stateVector));
  });

/** A relayed document update. */
export const encodeUpdate = (update: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, YJS_MESSAGE.sync);
    encoding.writeVarUint(e, SYNC.update);
    encoding.writeVarUint8Array(e, update);
  });

/** An awareness update (already encoded by y-protocols/awareness). */
export const encodeAwareness = (update: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, YJS_MESSAGE.awareness);
    encoding.writeVarUint8Array(e, update);
  });

/** y-protocols/auth's "permission denied" with a reason: the protocol's only way to tell a client why. */
export const encodePermissionDenied = (reason: string) =>
  frame((e) => {
    encoding.writeVarUint(e, YJS_MESSAGE.auth);
    encoding.writeVarUint(e, 0);
    encoding.writeVarString(e, reason);
  });

/**
 * A load-generator thread of the documents bench: holds whole documents' clients (real y-websocket
 * WebsocketProviders over `ws`, no BroadcastChannel), has each client type into its Y.Text on a fixed
 * schedule, and measures at every other client of the document when the typed text arrives (the send
 * time is in the text; the clock is monotonic and shared by every thread of the machine).
 */
import { parentPort } from 'node:worker_threads';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { nowUs } from '../lib/common';
import { parseTyped, typed, type DocClientSpec, type DocRunResult, type DocWorkerCommand, type DocWorkerEvent } from './common';

if (!parentPort) throw new Error('bench/docs/worker.ts runs as a worker thread');
const port = parentPort;
const say = (m: DocWorkerEvent, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
// Each provider adds a process 'exit' listener in Node; a worker holds hundreds.
process.setMaxListeners(0);

/** A `ws` class that sends the session cookie and Origin a browser would. */
function cookieSocket(token: string | null, origin: string): typeof WebSocket {
  const headers: Record<string, string> = { origin };
  if (token) headers.cookie = `artel_session=${token}`;
  class CookieWS extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers, perMessageDeflate: false });
    }
  }
  return CookieWS as unknown as typeof WebSocket;
}

interface Client {
  spec: DocClientSpec;
  doc: Y.Doc;
  text: Y.Text;
  provider: WebsocketProvider;
  next: number;
}

/** What the current step counts; receipts of other steps' text (the warm-up, a late drain) are ignored. */
const current = { step: -1, windowEnd: Infinity, received: 0, inWindow: 0, latencies: [] as number[], closed: 0 };
let clients: Client[] = [];

function open(spec: DocClientSpec, serverUrl: string, origin: string, timeoutMs: number): Promise<Client> {
  const doc = new Y.Doc();
  const text = doc.getText('body');
  const provider = new WebsocketProvider(serverUrl, spec.doc, doc, { WebSocketPolyfill: cookieSocket(spec.token, origin) as any, disableBc: true });
  const client: Client = { spec, doc, text, provider, next: 0 };
  text.observe((event) => {
    if (event.transaction.local) return;
    const t = nowUs();
    for (const d of event.delta) {
      if (typeof d.insert !== 'string') continue;
      for (const m of parseTyped(d.insert)) {
        if (m.step !== current.step || m.client === spec.member) continue;
        current.received++;
        if (t <= current.windowEnd) current.inWindow++;
        current.latencies.push(t - m.tUs);
      }
    }
  });
  provider.on('connection-close', () => {
    current.closed++;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      provider.destroy();
      doc.destroy();
      reject(new Error(`${spec.doc}#${spec.member}: not synced within ${timeoutMs} ms`));
    }, timeoutMs);
    const onSync = (synced: boolean) => {
      if (!synced) return;
      clearTimeout(timer);
      provider.off('sync', onSync);
      resolve(client);
    };
    provider.on('sync', onSync);
  });
}

async function connect(cmd: Extract<DocWorkerCommand, { cmd: 'connect' }>): Promise<void> {
  const t0 = performance.now();
  const errors: string[] = [];
  let ok = 0;
  let at = 0;
  const lane = async () => {
    while (at < cmd.clients.length) {
      const spec = cmd.clients[at++];
      try {
        clients.push(await open(spec, cmd.serverUrl, cmd.origin, cmd.timeoutSeconds * 1000));
        ok++;
      } catch (err) {
        if (errors.length < 5) errors.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: cmd.concurrency }, lane));
  say({ ev: 'connected', ok, failed: cmd.clients.length - ok, errors, ms: Math.round(performance.now() - t0) });
}

async function run(cmd: Extract<DocWorkerCommand, { cmd: 'run' }>): Promise<void> {
  const period = 1e6 / cmd.rate;
  const start = nowUs() + 20_000;
  const end = start + cmd.seconds * 1e6;
  Object.assign(current, { step: cmd.step, windowEnd: end, received: 0, inWindow: 0, latencies: [], closed: 0 });
  // Clients of a document in this worker, for the receipts each update should make.
  const perDoc = new Map<string, number>();
  for (const c of clients) perDoc.set(c.spec.doc, (perDoc.get(c.spec.doc) ?? 0) + 1);
  // Spread the clients over the period so the load is even, not in bursts.
  for (const c of clients) c.next = start + Math.random() * period;
  let sent = 0;
  let expected = 0;
  let lag = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = nowUs();
      for (const c of clients) {
        while (c.next <= now && c.next < end) {
          lag = Math.max(lag, now - c.next);
          c.text.insert(c.text.length, typed(cmd.step, c.spec.member, nowUs()));
          sent++;
          expected += perDoc.get(c.spec.doc)! - 1;
          c.next += period;
        }
      }
      if (now < end) setTimeout(tick, 1);
      else resolve();
    };
    setTimeout(tick, Math.max(0, (start - nowUs()) / 1000));
  });
  const drainUntil = Date.now() + cmd.drainSeconds * 1000;
  while (current.received < expected && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
  const latencies = Float64Array.from(current.latencies);
  const result: DocRunResult = {
    ev: 'ran',
    sent,
    expected,
    receivedInWindow: current.inWindow,
    received: current.received,
    latencies,
    generatorLagUs: lag,
    socketsClosed: current.closed,
  };
  current.step = -1;
  current.latencies = [];
  say(result, [latencies.buffer as ArrayBuffer]);
}

function close(): void {
  for (const c of clients) {
    c.provider.destroy();
    c.doc.destroy();
  }
  clients = [];
  say({ ev: 'closed' });
}

port.on('message', (cmd: DocWorkerCommand) => {
  const work = cmd.cmd === 'connect' ? connect(cmd) : cmd.cmd === 'run' ? run(cmd) : Promise.resolve(close());
  work.catch((err) => say({ ev: 'error', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
});

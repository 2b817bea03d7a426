/**
 * Before measuring: the hub must read the seeded data exactly like live data. One seeded person lists
 * their chats, pages back through their busiest one (contiguous, newest first), opens a thread, searches
 * in both languages, and resumes the chat's stream over the socket (the stored events after a seq).
 */
import WebSocket from 'ws';

interface Msg {
  id: string;
  seq: number;
  threadRootId: string | null;
  replyCount: number;
  reactions: unknown[];
}

async function get<T>(url: string, token: string, path: string): Promise<T> {
  const res = await fetch(url + path, { headers: { cookie: `artel_session=${token}` } });
  if (!res.ok) throw new Error(`seed check: GET ${path} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`seed check failed: ${what}`);
}

/** The events the hub sends on subscribe with `after` (at most RESUME_CAP of them). */
async function resume(url: string, origin: string, token: string, stream: string, after: number): Promise<{ seq: number; type: string }[]> {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws', { headers: { cookie: `artel_session=${token}` }, origin });
  const events: { seq: number; type: string }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('seed check: no subscribe reply in 10 s')), 10_000);
      ws.on('message', (data) => {
        const f = JSON.parse(data.toString());
        if (f.type === 'event' && f.stream === stream) events.push({ seq: f.seq, type: f.event.type });
        if (f.re === 'h' && f.ok) ws.send(JSON.stringify({ id: 's', type: 'subscribe', streams: [{ stream, after }] }));
        if (f.re === 's') {
          clearTimeout(t);
          if (f.ok) resolve(events);
          else reject(new Error(`seed check: subscribe refused ${JSON.stringify(f.error)}`));
        }
      });
      ws.send(JSON.stringify({ id: 'h', type: 'hello', v: 1 }));
    });
  } finally {
    ws.terminate();
  }
}

/** Checks the seeded data through the hub's own API; returns one line saying what was read. */
export async function verifySeed(url: string, origin: string, token: string): Promise<string> {
  const { chats } = await get<{ chats: { id: string; head: number; unread: number }[] }>(url, token, '/api/chats');
  check(chats.length > 0, 'the first person has no chats');
  const busiest = chats.reduce((a, c) => (c.head > a.head ? c : a));
  const first = await get<{ messages: Msg[]; head: number }>(url, token, `/api/chats/${busiest.id}/messages?limit=50`);
  check(first.head === busiest.head && first.messages.length > 0, 'the newest page does not match the chat head');
  const seqs = first.messages.map((m) => m.seq);
  check(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), 'a page is not in seq order');
  check(first.messages.every((m) => m.threadRootId === null), 'thread replies in the main list');
  const older = await get<{ messages: Msg[] }>(url, token, `/api/chats/${busiest.id}/messages?before=${seqs[0]}&limit=50`);
  check(older.messages.every((m) => m.seq < seqs[0]), 'the older page overlaps the newest');
  const all = [...older.messages, ...first.messages];
  const root = all.find((m) => m.replyCount > 0);
  let threadLine = 'no thread on the first two pages';
  if (root) {
    const thread = await get<{ messages: Msg[] }>(url, token, `/api/chats/${busiest.id}/messages?thread=${root.id}&limit=50`);
    check(thread.messages.length === root.replyCount + 1, `thread ${root.id} has ${thread.messages.length - 1} replies, its root says ${root.replyCount}`);
    threadLine = `a thread of ${root.replyCount} replies`;
  }
  const ru = await get<{ results: unknown[] }>(url, token, `/api/search?q=${encodeURIComponent('договоры')}`);
  const en = await get<{ results: unknown[] }>(url, token, `/api/search?q=invoices`);
  check(ru.results.length > 0 && en.results.length > 0, 'search found nothing in Russian or English');
  const after = Math.max(0, busiest.head - 20);
  const events = await resume(url, origin, token, `chat:${busiest.id}`, after);
  check(events.length === busiest.head - after, `resume after ${after} gave ${events.length} events, expected ${busiest.head - after}`);
  check(events.every((e, i) => e.seq === after + 1 + i), 'resumed events are not contiguous');
  const types = [...new Set(events.map((e) => e.type))].join(', ');
  return (
    `seed check passed: ${chats.length} chats; busiest has ${busiest.head} events; two pages of ${all.length} messages in seq order; ${threadLine}; ` +
    `search: ${ru.results.length} hits for «договоры», ${en.results.length} for «invoices»; resume gave ${events.length} contiguous events (${types})`
  );
}

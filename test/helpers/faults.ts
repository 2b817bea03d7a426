import { expect } from 'vitest';
import { ApiClient, invitationToken, PASSWORD } from './client';
import { ResilientChatClient } from './resilient';

/**
 * The fault tests' common ground: a workspace of four on two hub nodes (registered through node A, three
 * colleagues accepting through node B), one group chat of all four, and a resilient client per person,
 * two starting on each node; then the check that survives any fault: every send acknowledged and stored
 * exactly once, every client holding the same contiguous history, each sender's order kept.
 */
export async function chatOnTwoNodes(a: string, b: string, origin: string, title: string) {
  const owner = new ApiClient(a, origin);
  expect((await owner.post('/api/auth/register', { workspaceName: title, name: 'Owner', email: 'o@example.com', password: PASSWORD })).status).toBe(201);
  const people = [owner];
  for (const name of ['p1', 'p2', 'p3']) {
    await owner.post('/api/invitations', { email: `${name}@example.com` });
    const c = new ApiClient(b, origin);
    expect((await c.post('/api/invitations/accept', { token: await invitationToken(owner, `${name}@example.com`), name, password: PASSWORD })).status).toBe(201);
    people.push(c);
  }
  const memberIds = [];
  for (const p of people.slice(1)) memberIds.push((await p.get('/api/me')).body.user.id);
  const chatId = (await owner.post('/api/chats', { kind: 'group', title, memberIds })).body.chat.id as string;
  const clients = people.map((p, i) => new ResilientChatClient(i % 2 ? [b, a] : [a, b], p.cookie!, chatId, origin));
  return { owner, people, chatId, clients };
}

/** What every client sends: `c<client>-m<k>`, k from 0. */
export const bodiesOf = (client: number, n: number) => Array.from({ length: n }, (_, k) => `c${client}-m${k}`);

/** Acknowledged messages so far, over all clients. */
export const ackedCount = (clients: ResilientChatClient[]) => clients.reduce((n, c) => n + c.acked.size, 0);

export async function expectIntactHistory(owner: ApiClient, chatId: string, clients: ResilientChatClient[], perClient: number): Promise<void> {
  const head = (await owner.get(`/api/chats/${chatId}/messages?limit=1`)).body.head;
  await Promise.all(clients.map((c) => c.catchUp(head)));
  const stored = [];
  for (let before: number | null = null; ; ) {
    const page: any = await owner.get(`/api/chats/${chatId}/messages?limit=200${before ? `&before=${before}` : ''}`);
    stored.unshift(...page.body.messages);
    if (page.body.messages.length < 200) break;
    before = page.body.messages[0].seq;
  }
  // Every acknowledged message is stored exactly once, and every send was acknowledged.
  expect(stored).toHaveLength(clients.length * perClient);
  const byClientId = new Map<string, number>();
  for (const m of stored) byClientId.set(m.clientId, (byClientId.get(m.clientId) ?? 0) + 1);
  for (const c of clients) {
    expect(c.acked.size).toBe(perClient);
    for (const id of c.acked.keys()) expect(byClientId.get(id)).toBe(1);
  }
  // Each client's view: every seq from 1 to head, the same events as everyone else's.
  const view = (c: ResilientChatClient) => [...c.received.entries()].sort((x, y) => x[0] - y[0]).map(([seq, f]) => `${seq}:${f.event.type}:${f.event.payload.message?.id ?? ''}`);
  const reference = view(clients[0]);
  expect(reference).toHaveLength(head);
  for (const c of clients) expect(view(c)).toEqual(reference);
  // Each sender's messages appear in the order it sent them.
  for (let i = 0; i < clients.length; i++) expect(stored.filter((m) => m.body.startsWith(`c${i}-`)).map((m) => m.body)).toEqual(bodiesOf(i, perClient));
}

/**
 * The reference: @y/websocket-server 0.1.1 as its own bin runs it (an http server, `ws` in noServer mode,
 * setupWSConnection for every upgrade; document name = URL path), in a child process of its own. No
 * authentication and, unless YPERSISTENCE is set (the `reference-leveldb` variant: a fresh LevelDB
 * directory, every update written through y-leveldb), no persistence.
 * The cold-load documents (LevelDB variant only) are stored through the same persistence layer before
 * the clients come.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { need, serveChild } from '../../servers/child';
import { readUpdates } from '../bigdoc';

serveChild(async () => {
  const t0 = Date.now();
  const clients = Number(need('BENCH_DOCS_CLIENTS'));
  const docCount = Number(need('BENCH_DOCS_COUNT'));
  const dir = process.env.YPERSISTENCE;
  // utils.js reads YPERSISTENCE when it is first imported: the orchestrator sets it in this child's environment.
  const { setupWSConnection, getPersistence } = await import('@y/websocket-server/utils');
  const wss = new WebSocketServer({ noServer: true });
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('okay');
  });
  wss.on('connection', setupWSConnection);
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const members = Array.from({ length: clients }, (_, i) => i);
  const docs = Array.from({ length: docCount }, (_, i) => ({ id: `bench-doc-${i}`, members }));

  const cold = { updates: [] as string[], snapshot: [] as string[], updateCount: 0, storedBytes: { updates: [] as number[], snapshot: [] as number[] } };
  const coldFile = process.env.BENCH_DOCS_COLD_FILE || '';
  const coldCopies = Number(process.env.BENCH_DOCS_LOAD_COPIES || 0);
  const persistence = getPersistence() as { provider: { storeUpdate(name: string, u: Uint8Array): Promise<unknown> } } | null;
  if (dir && persistence && coldFile && coldCopies > 0) {
    // y-leveldb keeps every update as its own key until a document is flushed into one: the two stored
    // forms of the cold-load page, like Artel's. The flushed form is written as the one merged update a
    // flush writes; the copies are written side by side (each write reads the document's clock first).
    const updates = readUpdates(coldFile);
    cold.updateCount = updates.length;
    const merged = Y.mergeUpdates(updates);
    const updateBytes = updates.reduce((a, u) => a + u.byteLength, 0);
    await Promise.all(
      Array.from({ length: coldCopies }, async (_, c) => {
        for (const u of updates) await persistence.provider.storeUpdate(`cold-updates-${c}`, u);
        await persistence.provider.storeUpdate(`cold-snapshot-${c}`, merged);
      }),
    );
    for (let c = 0; c < coldCopies; c++) {
      cold.updates.push(`cold-updates-${c}`);
      cold.snapshot.push(`cold-snapshot-${c}`);
      cold.storedBytes.updates.push(updateBytes);
      cold.storedBytes.snapshot.push(merged.byteLength);
    }
  }
  return {
    ready: { url, origin: url, tokens: null, chats: docs, setupMs: Date.now() - t0, detail: { persistence: dir ? 'leveldb' : 'none', cold } },
    stop: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (persistence) await (persistence.provider as unknown as { destroy(): Promise<void> }).destroy().catch(() => {});
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

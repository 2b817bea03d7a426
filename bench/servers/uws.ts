/**
 * Baseline: raw uWebSockets.js pub/sub. It speaks the few frames of Artel's realtime protocol the bench
 * uses (hello, subscribe, unsubscribe, message_send) so the very same client drives it, and fans each
 * message out with app.publish on a topic per chat. Skipped on purpose: authentication, validation
 * schemas, membership checks, rate limits, persistence, seq allocation in a database, presence.
 */
import { randomUUID } from 'node:crypto';
import uWS, { type us_listen_socket } from 'uWebSockets.js';
import { layoutChats } from '../lib/common';
import { messageEventFrame } from '../lib/frame';
import { need, serveChild } from './child';

interface Conn {
  userId: string;
}

serveChild(async () => {
  const clients = Number(need('BENCH_CLIENTS'));
  const chatSize = Number(need('BENCH_CHAT_SIZE'));
  const seqs = new Map<string, number>();
  const app = uWS.App();
  app.ws<Conn>('/ws', {
    maxPayloadLength: 256 * 1024,
    maxBackpressure: 4 * 1024 * 1024,
    closeOnBackpressureLimit: true,
    idleTimeout: 60,
    upgrade: (res, req, context) => {
      res.upgrade<Conn>(
        { userId: randomUUID() },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    message: (ws, data) => {
      let msg: any;
      try {
        msg = JSON.parse(Buffer.from(data).toString('utf8'));
      } catch {
        return;
      }
      switch (msg?.type) {
        case 'hello':
          ws.send(JSON.stringify({ re: msg.id, ok: true, v: 1 }));
          return;
        case 'subscribe':
          for (const s of msg.streams) ws.subscribe(s.stream);
          ws.send(JSON.stringify({ re: msg.id, ok: true, streams: msg.streams.map((s: { stream: string }) => ({ stream: s.stream, head: seqs.get(s.stream) ?? 0, reload: false })) }));
          return;
        case 'unsubscribe':
          for (const s of msg.streams) ws.unsubscribe(s);
          ws.send(JSON.stringify({ re: msg.id, ok: true }));
          return;
        case 'message_send': {
          const stream = `chat:${msg.chatId}`;
          const seq = (seqs.get(stream) ?? 0) + 1;
          seqs.set(stream, seq);
          const { message, frame } = messageEventFrame(msg.chatId, seq, ws.getUserData().userId, msg.clientId, msg.body);
          app.publish(stream, JSON.stringify(frame), false);
          ws.send(JSON.stringify({ re: msg.id, ok: true, message }));
          return;
        }
        default:
          ws.send(JSON.stringify({ re: msg?.id ?? null, ok: false, error: { code: 'unknown_type', message: 'not in the bench' } }));
      }
    },
  });
  const listen = await new Promise<us_listen_socket>((resolve, reject) =>
    app.listen('127.0.0.1', Number(process.env.BENCH_PORT || 0), (s) => (s ? resolve(s) : reject(new Error('uWS cannot listen')))),
  );
  const port = uWS.us_socket_local_port(listen);
  const url = `http://127.0.0.1:${port}`;
  const chats = layoutChats(clients, chatSize, () => randomUUID());
  return {
    ready: { url, origin: url, tokens: null, chats, setupMs: 0, detail: {} },
    stop: async () => {
      uWS.us_listen_socket_close(listen);
      app.close();
    },
  };
});

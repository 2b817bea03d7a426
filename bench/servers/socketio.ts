/**
 * Baseline: Socket.IO on Node's HTTP server, WebSocket transport only, a room per chat and
 * io.to(room).emit for the fan-out (the sender is in the room too, like Artel's subscribers).
 * Skipped on purpose: authentication, validation, membership checks, rate limits, persistence.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Server } from 'socket.io';
import { layoutChats } from '../lib/common';
import { messageEventFrame } from '../lib/frame';
import { need, serveChild } from './child';

serveChild(async () => {
  const clients = Number(need('BENCH_CLIENTS'));
  const chatSize = Number(need('BENCH_CHAT_SIZE'));
  const seqs = new Map<string, number>();
  const server = http.createServer();
  const io = new Server(server, { transports: ['websocket'], serveClient: false, perMessageDeflate: false, maxHttpBufferSize: 256 * 1024 });
  io.on('connection', (socket) => {
    const userId = randomUUID();
    socket.on('join', (chatId: string, ack: (r: unknown) => void) => {
      void socket.join(chatId);
      ack({ ok: true, head: seqs.get(chatId) ?? 0 });
    });
    socket.on('leave', (chatId: string, ack: (r: unknown) => void) => {
      void socket.leave(chatId);
      ack({ ok: true });
    });
    socket.on('send', (msg: { chatId: string; clientId: string; body: string }, ack: (r: unknown) => void) => {
      if (!msg || typeof msg.chatId !== 'string' || typeof ack !== 'function') return;
      const seq = (seqs.get(msg.chatId) ?? 0) + 1;
      seqs.set(msg.chatId, seq);
      const { message, frame } = messageEventFrame(msg.chatId, seq, userId, msg.clientId, msg.body);
      io.to(msg.chatId).emit('event', frame);
      ack({ ok: true, message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as import('node:net').AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const chats = layoutChats(clients, chatSize, () => randomUUID());
  return {
    ready: { url, origin: url, tokens: null, chats, setupMs: 0, detail: {} },
    stop: async () => {
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
});

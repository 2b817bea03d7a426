import * as chats from '../../domains/chats/actions';
import type { Handler } from '../dispatch';

type Family = {
  message_send: Handler<'message_send'>;
  message_edit: Handler<'message_edit'>;
  message_delete: Handler<'message_delete'>;
  reaction_toggle: Handler<'reaction_toggle'>;
  mark_read: Handler<'mark_read'>;
  typing: Handler<'typing'>;
  message_pin: Handler<'message_pin'>;
  thread_read: Handler<'thread_read'>;
};

/** The messenger's realtime requests: thin adapters into the chats domain, like its HTTP routes. */
export const messengerHandlers: Family = {
  message_send: async ({ svc }, ws, msg) => ({
    message: await chats.sendMessage(svc, ws.getUserData().actor, msg),
  }),
  message_edit: async ({ svc }, ws, msg) => ({
    message: await chats.editMessage(svc, ws.getUserData().actor, msg.messageId, msg.body),
  }),
  message_delete: async ({ svc }, ws, msg) => ({
    message: await chats.deleteMessage(svc, ws.getUserData().actor, msg.messageId),
  }),
  reaction_toggle: async ({ svc }, ws, msg) => ({
    message: await chats.toggleReaction(svc, ws.getUserData().actor, msg.messageId, msg.emoji),
  }),
  mark_read: async ({ svc }, ws, msg) => ({
    readSeq: await chats.markRead(svc, ws.getUserData().actor, msg.chatId, msg.seq),
  }),
  message_pin: async ({ svc }, ws, msg) => ({
    message: await chats.pinMessage(svc, ws.getUserData().actor, msg.messageId, msg.pinned),
  }),
  thread_read: async ({ svc }, ws, msg) => ({
    readSeq: await chats.markThreadRead(svc, ws.getUserData().actor, msg.rootId, msg.seq),
  }),
  typing: async ({ svc }, ws, msg) => {
    await chats.announceTyping(svc, ws.getUserData().actor, msg.chatId);
    return {};
  },
};

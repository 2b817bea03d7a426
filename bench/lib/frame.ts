import { randomUUID } from 'node:crypto';

/**
 * The frame the baselines fan out: the same shape (and so about the same size) as the `message_created`
 * event frame Artel pushes (a `Message` of shared/messenger.ts, kept untyped so the bench does not break when
 * that type grows), built in memory: no database, no seq from a stream row.
 */
export function messageEventFrame(chatId: string, seq: number, authorId: string, clientId: string, body: string) {
  const at = new Date().toISOString();
  const message = {
    id: randomUUID(),
    chatId,
    seq,
    authorId,
    clientId,
    body,
    threadRootId: null,
    mentions: [],
    mentionsAll: false,
    createdAt: at,
    editedAt: null,
    deletedAt: null,
    reactions: [],
    attachments: [],
    pinnedAt: null,
    pinnedBy: null,
    forwardedFrom: null,
    replyCount: 0,
    lastReplySeq: null,
  };
  return {
    message,
    frame: { type: 'event' as const, stream: `chat:${chatId}`, seq, event: { type: 'message_created', payload: { message }, actorId: authorId, at } },
  };
}

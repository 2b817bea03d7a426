import { AppError } from '../../../shared/errors';
import type { Card, CommandInInput } from '../../../shared/cards';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { accessPost } from '../feed/actions';
import { addComment as addPostComment } from '../feed/comments';
import { canInteract } from '../feed/policy';
import { accessTask } from '../tasks/access';
import { addComment as addTaskComment } from '../tasks/comments';
import { canComment } from '../tasks/policy';
import { cardText } from './cards';
import { makeRecord } from './run';

/** The comment that shows a record made from a comment box: its kind and title, linking to it. */
const linkText = (card: Card) => `[${cardText(card).replace(/[[\]]/g, '')}](${card.url})`;

/**
 * A slash command typed in a feed post's or a task's comment box: the writer must be able to comment
 * there (checked before anything is made), then the record is made as from a chat and a comment linking
 * to it is added. Idempotent by client id (the record and the comment each keep it).
 */
export async function runCommandIn(svc: Services, actor: Actor, input: CommandInInput) {
  const { kind, id } = input.context;
  if (kind === 'post') {
    const post = await accessPost(svc, actor, id);
    enforce(canInteract(actor, post.visible, post), 'comment on this post');
  } else {
    const { rel } = await accessTask(svc.db, actor, id);
    enforce(canComment(actor, rel), 'comment on this task');
  }
  const made = await makeRecord(svc, actor, input, { chatId: null, clientId: input.clientId, sourceId: null });
  if ('reply' in made) return made.reply;
  const body = linkText(made.card);
  const comment =
    kind === 'post'
      ? await addPostComment(svc, actor, id, { clientId: input.clientId, body })
      : await addTaskComment(svc, actor, id, { clientId: input.clientId, body });
  if (!comment) throw new AppError('internal', 'The comment was not stored');
  return { status: 'created' as const, comment, card: made.card };
}

import { AppError } from '../../../shared/errors';
import { postStream, type PollState } from '../../../shared/feed';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { canInteract } from './policy';
import { accessPost } from './actions';
import * as repo from './pollsRepo';

/** The poll's choice rules: options of this poll only, exactly one unless it takes several. */
function checkChoice(shape: { multiple: boolean; optionIds: string[] }, optionIds: string[]): void {
  if (optionIds.some((id) => !shape.optionIds.includes(id))) {
    throw new AppError('bad_request', 'Not an option of this poll', { fields: { optionIds: 'unknown option' } });
  }
  if (!shape.multiple && optionIds.length > 1) {
    throw new AppError('bad_request', 'This poll takes one choice', { fields: { optionIds: 'one choice only' } });
  }
}

/**
 * Vote, change one's vote (the new choice replaces the old) or retract it (no options), for those who
 * can see the post. The post's followers get the new results (without anyone's choices); the voter gets
 * the results with their own choices.
 */
export async function vote(svc: Services, actor: Actor, postId: string, optionIds: string[]): Promise<PollState> {
  const post = await accessPost(svc, actor, postId);
  enforce(canInteract(actor, post.visible, post), 'vote here');
  const shape = await repo.pollShape(svc.db, postId);
  if (!shape) throw new AppError('not_found', 'This post has no poll');
  checkChoice(shape, optionIds);
  await svc.write(async (u) => {
    // The vote is replaced under the post stream's lock, so two votes of one person cannot interleave.
    await u.emit(postStream(postId), 'poll_changed', async () => {
      await repo.replaceVote(u.tx, postId, actor.id, optionIds);
      return { postId, poll: (await repo.pollStates(u.tx, [postId], null)).get(postId)! };
    }, actor.id);
  });
  return (await repo.pollStates(svc.db, [postId], actor.id)).get(postId)!;
}

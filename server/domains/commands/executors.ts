import type { Card } from '../../../shared/cards';
import type { TaskDraft } from '../../../shared/commands';
import type { TaskSummary } from '../../../shared/tasks';
import { createTask } from '../tasks/actions';
import { onTaskChanged, type TaskChange } from '../tasks/events';
import type { Services } from '../../services';
import { recordChanged } from './cards';
import { registerExecutor } from './registry';
import { registerCrmCardListener } from './crm';
import { callCard, scheduleCall, startCall } from '../calls/actions';
import { findCall } from '../calls/repo';
import { AppError } from '../../../shared/errors';

/**
 * The domains' side of slash commands: each kind of record a chat can make, through that domain's own
 * action (its validation, permissions and idempotency by client id).
 */

/** A task's card: what a chat shows of it, kept up to date as it changes. */
export function taskCard(t: TaskSummary): Card {
  return {
    kind: 'task',
    id: t.id,
    title: t.title,
    status: t.status,
    responsibleId: t.responsible.id,
    due: t.deadline,
    closed: t.status === 'done',
    url: `/app/tasks/${t.id}`,
  };
}

/** An all-day due date means the end of that day in the user's zone: the draft gives its start. */
function deadlineOf(draft: TaskDraft): Date | null {
  if (!draft.due) return null;
  const at = new Date(draft.due.at);
  return draft.due.allDay ? new Date(at.getTime() + 86_400_000 - 60_000) : at;
}

registerExecutor('task', {
  async create(svc, actor, draft, origin) {
    if (draft.kind !== 'task') throw new Error('not a task draft');
    const task = await createTask(
      svc,
      actor,
      {
        // The command's id keeps the task single when the command is retried.
        clientId: origin.clientId,
        title: draft.title,
        description: '',
        responsibleId: draft.responsibleId,
        participantIds: draft.participantIds.filter((id) => id !== draft.responsibleId),
        observerIds: [],
        deadline: deadlineOf(draft),
        priority: draft.priority === 'normal' ? 'normal' : 'high',
        checklist: [],
      },
      origin.sourceId && origin.chatId ? { chatId: origin.chatId, messageId: origin.sourceId } : undefined,
    );
    return taskCard(task);
  },
});

/**
 * `/call` (`/звонок`) in a chat: start the chat's video call (or answer the live one), or, with a time
 * in the future, schedule it. The calls domain posts the call's card itself (a live call keeps one card),
 * so the command answers that card rather than posting another.
 */
registerExecutor('call', {
  async create(svc, actor, draft, origin) {
    if (draft.kind !== 'call') throw new Error('not a call draft');
    if (!origin.chatId) throw new AppError('bad_request', 'A video call starts from a chat: type /call there');
    const title = draft.title.trim().slice(0, 200);
    const at = draft.at ? new Date(draft.at.at) : null;
    const made =
      at && at.getTime() > Date.now() + 60_000
        ? await scheduleCall(svc, actor, origin.chatId, { title: title || 'Call', at: at.toISOString(), clientId: origin.clientId })
        : await startCall(svc, actor, origin.chatId, { clientId: origin.clientId, title });
    return callCard((await findCall(svc.db, made.call.id))!);
  },
});

const STATUS: Record<string, [string, string]> = {
  new: ['new', 'новая'],
  in_progress: ['in progress', 'в работе'],
  waiting_control: ['waiting for control', 'ждёт контроля'],
  done: ['done', 'выполнена'],
  deferred: ['deferred', 'отложена'],
};

const when = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : '—');

/** The line a task's change posts into its card's thread (both languages: a chat has readers of each). */
export function taskNote(change: TaskChange): string | null {
  const lines: string[] = [];
  if (change.transition) {
    const [en, ru] = STATUS[change.transition.to] ?? [change.transition.to, change.transition.to];
    lines.push(`Status: ${en} · Статус: ${ru}`);
  }
  if (change.changes.includes('deadline')) lines.push(`Deadline: ${when(change.summary.deadline)} · Срок: ${when(change.summary.deadline)}`);
  if (change.changes.includes('responsible')) lines.push(`Responsible: ${change.summary.responsible.name} · Ответственный: ${change.summary.responsible.name}`);
  return lines.length ? lines.join('\n') : null;
}

/** Keep chat cards in step with their records: registered once per node at start-up. */
export function registerCardListeners(svc: Services): void {
  registerCrmCardListener(svc);
  onTaskChanged(svc, async (u, change) => {
    if (change.changes.includes('created')) return;
    await recordChanged(u, taskCard(change.summary), change.actorId, taskNote(change));
  });
}

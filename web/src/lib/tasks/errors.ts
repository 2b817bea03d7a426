/**
 * Task failures as the user reads them: the hub's codes with the tasks' meanings (a conflict is a status
 * step not possible now, a stopped timer, too many reminders), and the form's field problems.
 */
import { TASK_ACTIONS, TASK_LIMITS, type TaskAction } from '$shared/tasks';
import { isApiError } from '../api';
import { errorMessage } from '../errors';
import { t } from '../i18n/index.svelte';
import { actionLabel } from './display.svelte';
import { serverProblems, type FieldProblem } from './draft';

/** A field's problem in words. */
export function problemText(field: string, p: FieldProblem): string {
  switch (p.problem) {
    case 'past':
      return field === 'at' ? t('tasks.problem.reminderPast') : t('tasks.problem.deadlinePast');
    case 'far':
      return t('tasks.problem.far');
    case 'unknown':
      return field === 'groupId' ? t('tasks.problem.unknownGroup') : t('tasks.problem.unknownPerson');
    case 'overlap':
      return t('tasks.problem.overlap');
    case 'required':
      return field === 'title' ? t('tasks.problem.titleRequired') : t('field.required');
    case 'tooLong':
      return p.index !== undefined ? t('tasks.problem.itemTooLong', { n: p.index + 1, max: p.max ?? 0 }) : t('field.tooLong', { max: p.max ?? 0 });
    case 'tooMany':
      return t('tasks.problem.tooMany', { max: p.max ?? 0 });
    default:
      if (field === 'deadline') return t('tasks.problem.deadlineInvalid');
      if (field === 'plannedMinutes') return t('tasks.problem.plannedInvalid', { max: TASK_LIMITS.plannedMinutesMax / 60 });
      return t('field.invalid');
  }
}

/** The server's field problems in words, by field. */
export function serverFieldTexts(e: unknown): Record<string, string> {
  if (!isApiError(e, 'bad_request')) return {};
  const out: Record<string, string> = {};
  for (const [field, p] of Object.entries(serverProblems(e.fields))) out[field] = problemText(field, p);
  return out;
}

/** The message for a failed task request. */
export function taskError(e: unknown): string {
  if (isApiError(e, 'bad_request')) {
    const texts = Object.values(serverFieldTexts(e));
    if (texts.length) return texts[0];
  }
  if (isApiError(e, 'conflict')) {
    const allowed = /allowed:\s*(.*)$/i.exec(e.fields?.action ?? '')?.[1];
    if (e.fields?.action !== undefined) {
      const actions = (allowed ?? '').split(/[,\s]+/).filter((a): a is TaskAction => (TASK_ACTIONS as readonly string[]).includes(a));
      return actions.length ? t('tasks.error.notNow', { actions: actions.map(actionLabel).join(', ') }) : t('tasks.error.nothingNow');
    }
    if (/timer/i.test(e.message)) return /no timer/i.test(e.message) ? t('tasks.error.noTimer') : t('tasks.error.timerClosed');
    if (/reminders/i.test(e.message)) return t('tasks.error.remindersMax', { max: TASK_LIMITS.remindersMax });
    if (/archived/i.test(e.message)) return t('tasks.error.groupArchived');
    return t('tasks.error.conflict');
  }
  return errorMessage(e, { forbidden: 'tasks.error.forbidden', not_found: 'tasks.error.notFound' });
}

/**
 * The task form as data: a draft with the browser's local date and time inputs, the request bodies it
 * makes (a new task, or only what an edit changes), and the problems of a draft as codes the form puts
 * in words (the shared schema's issues, and the hub's `fields` such as a deadline in the past).
 *
 * Imports from shared/ are relative (not `$shared`) so this module also loads in plain vitest/tsc.
 */
import type { ZodIssue } from 'zod';
import type { Task, TaskPriority } from '../../../../shared/tasks';

export interface TaskDraft {
  title: string;
  description: string;
  responsibleId: string;
  participantIds: string[];
  observerIds: string[];
  /** `YYYY-MM-DD` in the browser's time zone; '' for no deadline. */
  deadlineDate: string;
  /** `HH:MM` in the browser's time zone. */
  deadlineTime: string;
  priority: TaskPriority;
  plannedHours: number | null;
  plannedMinutes: number | null;
  /** '' for none. */
  groupId: string;
  requireControl: boolean;
  checklist: string[];
}

/** The time a deadline gets when only its day is picked. */
export const DEFAULT_TIME = '18:00';

export function emptyDraft(myId: string): TaskDraft {
  return {
    title: '',
    description: '',
    responsibleId: myId,
    participantIds: [],
    observerIds: [],
    deadlineDate: '',
    deadlineTime: DEFAULT_TIME,
    priority: 'normal',
    plannedHours: null,
    plannedMinutes: null,
    groupId: '',
    requireControl: false,
    checklist: [],
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as the date and time inputs show it in the browser's time zone. */
export function localInputs(iso: string | null): { date: string; time: string } {
  if (!iso) return { date: '', time: DEFAULT_TIME };
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return { date: '', time: DEFAULT_TIME };
  return { date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`, time: `${pad(d.getHours())}:${pad(d.getMinutes())}` };
}

/** The inputs as an instant (ISO with offset), null when no day is picked, 'invalid' when unreadable. */
export function deadlineIso(date: string, time: string): string | null | 'invalid' {
  if (!date.trim()) return null;
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  const hm = /^(\d{1,2}):(\d{2})$/.exec((time || DEFAULT_TIME).trim());
  if (!day || !hm) return 'invalid';
  const [y, mo, d, h, mi] = [Number(day[1]), Number(day[2]) - 1, Number(day[3]), Number(hm[1]), Number(hm[2])];
  const at = new Date(y, mo, d, h, mi);
  if (at.getFullYear() !== y || at.getMonth() !== mo || at.getDate() !== d || h > 23 || mi > 59) return 'invalid';
  return at.toISOString();
}

/** Planned time in minutes from the hours and minutes inputs: null when both are empty. */
export function plannedOf(hours: number | null | undefined, minutes: number | null | undefined): number | null {
  const empty = (v: number | null | undefined) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
  if (empty(hours) && empty(minutes)) return null;
  return (empty(hours) ? 0 : Number(hours)) * 60 + (empty(minutes) ? 0 : Number(minutes));
}

export function draftFromTask(task: Task): TaskDraft {
  const { date, time } = localInputs(task.deadline);
  const planned = task.plannedMinutes;
  return {
    title: task.title,
    description: task.description,
    responsibleId: task.responsible.id,
    participantIds: task.participants.map((p) => p.id),
    observerIds: task.observers.map((p) => p.id),
    deadlineDate: date,
    deadlineTime: time,
    priority: task.priority,
    plannedHours: planned === null ? null : Math.floor(planned / 60),
    plannedMinutes: planned === null ? null : planned % 60,
    groupId: task.group?.id ?? task.groupId ?? '',
    requireControl: task.requireControl,
    checklist: [],
  };
}

/** The body of `POST /api/tasks` (checked by CreateTaskBody before it is sent). */
export function createInput(draft: TaskDraft, clientId: string, myId: string): Record<string, unknown> {
  const deadline = deadlineIso(draft.deadlineDate, draft.deadlineTime);
  return {
    clientId,
    title: draft.title,
    description: draft.description,
    responsibleId: draft.responsibleId || myId,
    participantIds: draft.participantIds,
    observerIds: draft.observerIds,
    ...(deadline === null ? {} : { deadline }),
    priority: draft.priority,
    plannedMinutes: plannedOf(draft.plannedHours, draft.plannedMinutes),
    groupId: draft.groupId || null,
    requireControl: draft.requireControl,
    checklist: draft.checklist.filter((c) => c.trim() !== ''),
  };
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
const minute = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

/** The body of `PATCH /api/tasks/:id`: only what the draft changes ({} when nothing). */
export function editInput(draft: TaskDraft, task: Task): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (draft.title.trim() !== task.title) out.title = draft.title;
  if (draft.description !== task.description) out.description = draft.description;
  if (draft.responsibleId && draft.responsibleId !== task.responsible.id) out.responsibleId = draft.responsibleId;
  if (!sameSet(draft.participantIds, task.participants.map((p) => p.id))) out.participantIds = draft.participantIds;
  if (!sameSet(draft.observerIds, task.observers.map((p) => p.id))) out.observerIds = draft.observerIds;
  const deadline = deadlineIso(draft.deadlineDate, draft.deadlineTime);
  if (deadline === 'invalid' || (deadline === null ? task.deadline !== null : !task.deadline || minute(deadline) !== minute(task.deadline))) {
    out.deadline = deadline;
  }
  if (draft.priority !== task.priority) out.priority = draft.priority;
  const planned = plannedOf(draft.plannedHours, draft.plannedMinutes);
  if (planned !== task.plannedMinutes) out.plannedMinutes = planned;
  const group = draft.groupId || null;
  if (group !== (task.group?.id ?? task.groupId)) out.groupId = group;
  if (draft.requireControl !== task.requireControl) out.requireControl = draft.requireControl;
  return out;
}

/** What is wrong with a field, for the form to say. */
export type Problem = 'required' | 'tooLong' | 'tooMany' | 'invalid' | 'overlap' | 'past' | 'far' | 'unknown' | 'conflict';

export interface FieldProblem {
  problem: Problem;
  /** The limit that was passed (too long, too many). */
  max?: number;
  /** Which checklist line. */
  index?: number;
}

/** The draft's problems from the shared schema's issues, by field (the first problem of each). */
export function draftProblems(issues: ZodIssue[]): Record<string, FieldProblem> {
  const out: Record<string, FieldProblem> = {};
  for (const issue of issues) {
    const field = String(issue.path[0] ?? '_');
    if (out[field]) continue;
    const max = 'maximum' in issue ? Number(issue.maximum) : undefined;
    const index = field === 'checklist' && typeof issue.path[1] === 'number' ? issue.path[1] : undefined;
    if (issue.code === 'custom' && field === 'observerIds') out[field] = { problem: 'overlap' };
    else if (issue.code === 'too_small' && issue.type === 'string') out[field] = { problem: 'required', index };
    else if (issue.code === 'too_big') out[field] = { problem: issue.type === 'array' ? 'tooMany' : 'tooLong', max, index };
    else out[field] = { problem: 'invalid', index };
  }
  return out;
}

/** The hub's field errors (`fields`) as problems: a deadline in the past, unknown people, a wrong group. */
export function serverProblems(fields: Record<string, string> | undefined): Record<string, FieldProblem> {
  const out: Record<string, FieldProblem> = {};
  for (const [path, message] of Object.entries(fields ?? {})) {
    const field = path.split('.')[0];
    if (out[field]) continue;
    if (/in the past/i.test(message)) out[field] = { problem: 'past' };
    else if (/too far/i.test(message)) out[field] = { problem: 'far' };
    else if (/^unknown$/i.test(message)) out[field] = { problem: 'unknown' };
    else if (/either a participant or an observer/i.test(message)) out[field] = { problem: 'overlap' };
    else out[field] = { problem: 'invalid' };
  }
  return out;
}

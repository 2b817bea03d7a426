import { z } from 'zod';

/**
 * Tasks (Bitrix24-style): schemas of every request body, limits, and the types clients receive.
 * docs/api.md, "Tasks", describes the endpoints; server/domains/tasks/policy.ts the permissions and
 * the status transitions.
 */

export const TASK_LIMITS = {
  titleMax: 250,
  /** Markdown. */
  descriptionMax: 20_000,
  commentMax: 10_000,
  checklistMax: 200,
  checklistItemMax: 500,
  participantsMax: 50,
  observersMax: 50,
  /** Planned time: at most 10,000 hours. */
  plannedMinutesMax: 600_000,
  /** One manual time entry: at most 24 hours. */
  entryMinutesMax: 1_440,
  entryNoteMax: 500,
  searchMax: 200,
  pageMax: 100,
  commentsPageMax: 200,
  /** Personal reminders one person keeps pending on one task. */
  remindersMax: 20,
  /** Deadlines and reminders at most this many days ahead. */
  horizonDays: 3_660,
} as const;

export const TASK_STATUSES = ['new', 'in_progress', 'waiting_control', 'done', 'deferred'] as const;
/** `waiting_control`: done by the responsible, waiting for the creator to accept it. */
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** Statuses in which someone is expected to work: deadlines, reminders and "overdue" apply to these. */
export const ACTIVE_STATUSES: readonly TaskStatus[] = ['new', 'in_progress'];

export const TASK_PRIORITIES = ['normal', 'high'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** What can happen to a task's status; who may do what is in server/domains/tasks/policy.ts. */
export const TASK_ACTIONS = ['start', 'pause', 'complete', 'accept', 'return', 'defer', 'renew', 'reopen'] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];

/** Who takes a status action: the responsible, the creator, or the workspace's owner and admins. */
export type TaskDoer = 'responsible' | 'creator' | 'staff';

/**
 * The status transitions, as in Bitrix24:
 *
 *   new ──start──> in_progress ──pause──> new
 *   new | in_progress ──complete──> waiting_control   (the task requires control and the actor is not its creator)
 *                                └─> done              (otherwise: no control, or the creator completes it)
 *   waiting_control ──accept──> done                   (the creator accepts the work)
 *   waiting_control ──return──> in_progress            (the creator sends it back for more work)
 *   new | in_progress | waiting_control ──defer──> deferred ──renew──> new
 *   done ──reopen──> new
 *
 * The responsible starts, pauses and completes; the creator completes too (closing it at once),
 * accepts or returns, defers, renews and reopens. The workspace's owner and admins may do all of it
 * (an admin's completion still waits for the creator when the task requires control).
 */
export const TRANSITIONS: Record<TaskAction, { from: readonly TaskStatus[]; by: readonly TaskDoer[] }> = {
  start: { from: ['new'], by: ['responsible', 'staff'] },
  pause: { from: ['in_progress'], by: ['responsible', 'staff'] },
  complete: { from: ['new', 'in_progress'], by: ['responsible', 'creator', 'staff'] },
  accept: { from: ['waiting_control'], by: ['creator', 'staff'] },
  return: { from: ['waiting_control'], by: ['creator', 'staff'] },
  defer: { from: ['new', 'in_progress', 'waiting_control'], by: ['creator', 'staff'] },
  renew: { from: ['deferred'], by: ['creator', 'staff'] },
  reopen: { from: ['done'], by: ['creator', 'staff'] },
};

export const TASK_FILTERS = ['all', 'mine', 'assigned_by_me', 'participating', 'observing', 'overdue'] as const;
export type TaskFilter = (typeof TASK_FILTERS)[number];

/** A task's own stream: its changes, comments, checklist, time, deadline notices. */
export const taskStream = (taskId: string) => `task:${taskId}`;

// ---- Requests ---------------------------------------------------------------------------------------

const uuid = z.string().uuid();
const title = z.string().trim().min(1).max(TASK_LIMITS.titleMax);
const description = z.string().max(TASK_LIMITS.descriptionMax);
const people = (max: number) =>
  z.array(uuid).max(max).refine((ids) => new Set(ids).size === ids.length, 'People repeat');
/** An ISO 8601 date-time with an offset; kept as a Date. */
const instant = z
  .string()
  .datetime({ offset: true })
  .transform((s) => new Date(s));
const plannedMinutes = z.number().int().min(0).max(TASK_LIMITS.plannedMinutesMax);
const checklistText = z.string().trim().min(1).max(TASK_LIMITS.checklistItemMax);

/** Where a task came from: the chat message it was created from. */
export const TaskOrigin = z.object({ chatId: uuid, messageId: uuid }).strict();
export type TaskOrigin = z.infer<typeof TaskOrigin>;

const notBoth = (b: { participantIds?: string[]; observerIds?: string[] }) =>
  !b.participantIds || !b.observerIds || !b.participantIds.some((id) => b.observerIds!.includes(id));
const notBothMessage = { message: 'A person is either a participant or an observer', path: ['observerIds'] };

/** POST /api/tasks. Idempotent per `clientId`. `responsibleId` defaults to the creator. */
export const CreateTaskBody = z
  .object({
    clientId: uuid,
    title,
    description: description.default(''),
    responsibleId: uuid.optional(),
    participantIds: people(TASK_LIMITS.participantsMax).default([]),
    observerIds: people(TASK_LIMITS.observersMax).default([]),
    deadline: instant.nullable().optional(),
    priority: z.enum(TASK_PRIORITIES).default('normal'),
    plannedMinutes: plannedMinutes.nullable().optional(),
    groupId: uuid.nullable().optional(),
    /** Default: true when the creator is not the responsible. */
    requireControl: z.boolean().optional(),
    checklist: z.array(checklistText).max(TASK_LIMITS.checklistMax).default([]),
    origin: TaskOrigin.optional(),
  })
  .strict()
  .refine(notBoth, notBothMessage);
export type CreateTaskInput = z.infer<typeof CreateTaskBody>;

/** PATCH /api/tasks/:id (creator, admins). null clears deadline, planned time, group. */
export const EditTaskBody = z
  .object({
    title: title.optional(),
    description: description.optional(),
    responsibleId: uuid.optional(),
    participantIds: people(TASK_LIMITS.participantsMax).optional(),
    observerIds: people(TASK_LIMITS.observersMax).optional(),
    deadline: instant.nullable().optional(),
    priority: z.enum(TASK_PRIORITIES).optional(),
    plannedMinutes: plannedMinutes.nullable().optional(),
    groupId: uuid.nullable().optional(),
    requireControl: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'Nothing to change', path: ['_'] })
  .refine(notBoth, notBothMessage);
export type EditTaskInput = z.infer<typeof EditTaskBody>;

/** POST /api/tasks/:id/status */
export const TransitionBody = z.object({ action: z.enum(TASK_ACTIONS) }).strict();

/** POST /api/tasks/:id/checklist */
export const AddChecklistItemBody = z.object({ text: checklistText }).strict();
/** PATCH /api/tasks/:id/checklist/:itemId: `text` by editors, `done` by whoever may toggle. */
export const EditChecklistItemBody = z
  .object({ text: checklistText.optional(), done: z.boolean().optional() })
  .strict()
  .refine((b) => b.text !== undefined || b.done !== undefined, { message: 'Nothing to change', path: ['_'] });
/** PUT /api/tasks/:id/checklist/order: every item of the list, in the new order. */
export const ReorderChecklistBody = z
  .object({ itemIds: z.array(uuid).max(TASK_LIMITS.checklistMax) })
  .strict()
  .refine((b) => new Set(b.itemIds).size === b.itemIds.length, { message: 'Items repeat', path: ['itemIds'] });

/** POST /api/tasks/:id/comments. Idempotent per `clientId`. */
export const CreateTaskCommentBody = z.object({ clientId: uuid, body: z.string().trim().min(1).max(TASK_LIMITS.commentMax) }).strict();
export const EditTaskCommentBody = z.object({ body: z.string().trim().min(1).max(TASK_LIMITS.commentMax) }).strict();

/** POST /api/tasks/:id/time: a manual entry. */
export const TimeEntryBody = z
  .object({ minutes: z.number().int().min(1).max(TASK_LIMITS.entryMinutesMax), note: z.string().trim().max(TASK_LIMITS.entryNoteMax).default('') })
  .strict();

/** POST /api/tasks/:id/read: my read position on the task stream (default: its head). */
export const TaskReadBody = z.object({ seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() }).strict();

/** POST /api/tasks/:id/reminders: remind me at `at`. */
export const ReminderBody = z.object({ at: instant }).strict();

// ---- What clients receive ---------------------------------------------------------------------------

export interface TaskPerson {
  id: string;
  name: string;
  avatarUrl: string | null;
}

/** The compact form of a task: what a chat card or a list row shows. */
export interface TaskSummary {
  id: string;
  title: string;
  status: TaskStatus;
  priority: TaskPriority;
  deadline: string | null;
  /** Active (new or in progress) with a deadline that has passed, when this was read. */
  overdue: boolean;
  creator: TaskPerson;
  responsible: TaskPerson;
  groupId: string | null;
  checklist: { done: number; total: number };
  commentCount: number;
  closedAt: string | null;
  origin: TaskOrigin | null;
}

/** What the viewer may do; all false / empty in stream events (which every follower shares). */
export interface TaskPermissions {
  edit: boolean;
  comment: boolean;
  editChecklist: boolean;
  toggleChecklist: boolean;
  trackTime: boolean;
}

export interface Task extends TaskSummary {
  description: string;
  participants: TaskPerson[];
  observers: TaskPerson[];
  requireControl: boolean;
  plannedMinutes: number | null;
  /** Logged time plus running and paused timers, in seconds, when this was read. */
  spentSeconds: number;
  group: { id: string; name: string } | null;
  createdAt: string;
  updatedAt: string;
  /** The task stream's latest seq when read: subscribe to `task:<id>` with `after: head`. */
  head: number;
  /** The viewer's read position on the task stream, and comments by others after it. */
  readSeq: number;
  unreadComments: number;
  allowedActions: TaskAction[];
  can: TaskPermissions;
}

export interface ChecklistItem {
  id: string;
  text: string;
  done: boolean;
  doneBy: string | null;
  doneAt: string | null;
}

export interface TaskComment {
  id: string;
  taskId: string;
  /** The seq of the `comment_created` event on the task stream. */
  seq: number;
  authorId: string;
  clientId: string;
  body: string;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
}

export interface TimeEntry {
  id: string;
  taskId: string;
  userId: string;
  seconds: number;
  note: string;
  source: 'timer' | 'manual';
  createdAt: string;
}

/** A person's timer: one per person across all tasks; `startedAt` null when paused. */
export interface TaskTimer {
  taskId: string;
  userId: string;
  startedAt: string | null;
  /** Seconds counted before the current run (paused runs). */
  accumulatedSeconds: number;
}

export interface TimeTotals {
  plannedMinutes: number | null;
  spentSeconds: number;
  byPerson: { userId: string; seconds: number }[];
}

export interface TaskCounters {
  /** Tasks I am responsible for, active, past their deadline. */
  overdue: number;
  /** Tasks needing me: any of the three below (a task counts once). */
  needsAttention: number;
  newComments: number;
  waitingControl: number;
  dueSoon: number;
}

export interface TaskReminder {
  id: string;
  taskId: string;
  at: string;
  sentAt: string | null;
}

/** GET /api/tasks */
export interface TaskPage {
  tasks: Task[];
  nextCursor: string | null;
}

/** GET /api/tasks?groupBy=status */
export interface TaskBoard {
  columns: { status: TaskStatus; count: number; tasks: Task[]; nextCursor: string | null }[];
}

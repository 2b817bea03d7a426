import { z } from 'zod';
import { Uuid } from '../../shared/api';
import { AppError } from '../../shared/errors';
import {
  AddChecklistItemBody, CreateTaskBody, CreateTaskCommentBody, EditChecklistItemBody, EditTaskBody, EditTaskCommentBody, ReminderBody,
  ReorderChecklistBody, TASK_FILTERS, TASK_LIMITS, TASK_STATUSES, TaskReadBody, TimeEntryBody, TransitionBody, type TaskStatus,
} from '../../shared/tasks';
import * as tasks from '../domains/tasks';
import { taskDocs } from '../domains/docs';
import type { TaskScope } from '../domains/tasks/repo';
import { actorOf, jsonRoute, param, route, type Route, type RouteContext, query, report } from './router';
import { overdueByPerson, overdueCsv } from '../domains/tasks/report';

const Filter = z.enum(TASK_FILTERS);
const PageSize = z.coerce.number().int().min(1).max(TASK_LIMITS.pageMax);
const CommentsPageSize = z.coerce.number().int().min(1).max(TASK_LIMITS.commentsPageMax);
const Seq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Statuses = z
  .string()
  .transform((s) => s.split(','))
  .pipe(z.array(z.enum(TASK_STATUSES)).min(1).max(TASK_STATUSES.length));
const Search = z.string().trim().min(1).max(TASK_LIMITS.searchMax);
const GroupBy = z.enum(['status']);


function scopeOf(ctx: RouteContext<unknown>): TaskScope {
  return {
    filter: query(ctx, 'filter', Filter, 'all'),
    statuses: query(ctx, 'status', Statuses, null as TaskStatus[] | null),
    groupId: query(ctx, 'groupId', Uuid, null as string | null),
    q: query(ctx, 'q', Search, null as string | null),
  };
}

const taskId = (ctx: RouteContext<unknown>) => param(Uuid, ctx.params.id, 'task');
const sub = (ctx: RouteContext<unknown>, name: string, what: string) => param(Uuid, ctx.params[name], what);
const ok = { json: { ok: true } };

/** Tasks (docs/api.md, "Tasks"). Static paths come before `/api/tasks/:id`, which would match them. */
export const TASK_ROUTES: Route[] = [
  route({
    method: 'GET', path: '/api/tasks/reports/overdue', access: 'session',
    handle: async (ctx) => report(ctx, 'overdue-tasks', await overdueByPerson(ctx.svc, actorOf(ctx)), overdueCsv),
  }),
  route({
    method: 'GET', path: '/api/tasks', access: 'session',
    handle: async (ctx) => {
      const scope = scopeOf(ctx);
      const limit = query(ctx, 'limit', PageSize, 20);
      if (query(ctx, 'groupBy', GroupBy, null)) return { json: await tasks.taskBoard(ctx.svc, actorOf(ctx), { scope, limit }) };
      return { json: await tasks.listTasks(ctx.svc, actorOf(ctx), { scope, cursor: ctx.req.query.get('cursor') || null, limit }) };
    },
  }),
  jsonRoute({
    method: 'POST', path: '/api/tasks', access: 'session', schema: CreateTaskBody,
    handle: async (ctx) => ({ status: 201, json: { task: await tasks.createTask(ctx.svc, actorOf(ctx), ctx.body) } }),
  }),
  route({
    method: 'GET', path: '/api/tasks/counters', access: 'session',
    handle: async (ctx) => ({ json: await tasks.getCounters(ctx.svc, actorOf(ctx)) }),
  }),
  route({
    method: 'GET', path: '/api/tasks/timer', access: 'session',
    handle: async (ctx) => ({ json: { timer: await tasks.myTimer(ctx.svc, actorOf(ctx)) } }),
  }),
  route({
    method: 'GET', path: '/api/tasks/:id', access: 'session',
    handle: async (ctx) => ({ json: await tasks.getTask(ctx.svc, actorOf(ctx), taskId(ctx)) }),
  }),
  // The knowledge-base pages attached to the task that the viewer may read (server/domains/docs/links.ts).
  route({
    method: 'GET', path: '/api/tasks/:id/docs', access: 'session',
    handle: async (ctx) => ({ json: { docs: await taskDocs(ctx.svc, actorOf(ctx), taskId(ctx)) } }),
  }),
  jsonRoute({
    method: 'PATCH', path: '/api/tasks/:id', access: 'session', schema: EditTaskBody,
    handle: async (ctx) => ({ json: { task: await tasks.editTask(ctx.svc, actorOf(ctx), taskId(ctx), ctx.body) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/tasks/:id/status', access: 'session', schema: TransitionBody,
    handle: async (ctx) => ({ json: { task: await tasks.changeStatus(ctx.svc, actorOf(ctx), taskId(ctx), ctx.body.action) } }),
  }),
  jsonRoute({
    method: 'POST', path: '/api/tasks/:id/read', access: 'session', schema: TaskReadBody,
    handle: async (ctx) => ({ json: await tasks.markTaskRead(ctx.svc, actorOf(ctx), taskId(ctx), ctx.body.seq) }),
  }),
  ...checklistRoutes(),
  ...commentRoutes(),
  ...timeRoutes(),
  ...reminderRoutes(),
];

function checklistRoutes(): Route[] {
  return [
    route({
      method: 'GET', path: '/api/tasks/:id/checklist', access: 'session',
      handle: async (ctx) => ({ json: { checklist: await tasks.getChecklist(ctx.svc, actorOf(ctx), taskId(ctx)) } }),
    }),
    jsonRoute({
      method: 'POST', path: '/api/tasks/:id/checklist', access: 'session', schema: AddChecklistItemBody,
      handle: async (ctx) => ({ status: 201, json: { checklist: await tasks.addItem(ctx.svc, actorOf(ctx), taskId(ctx), ctx.body.text) } }),
    }),
    jsonRoute({
      method: 'PUT', path: '/api/tasks/:id/checklist/order', access: 'session', schema: ReorderChecklistBody,
      handle: async (ctx) => ({ json: { checklist: await tasks.reorderItems(ctx.svc, actorOf(ctx), taskId(ctx), ctx.body.itemIds) } }),
    }),
    jsonRoute({
      method: 'PATCH', path: '/api/tasks/:id/checklist/:itemId', access: 'session', schema: EditChecklistItemBody,
      handle: async (ctx) => ({
        json: { checklist: await tasks.editItem(ctx.svc, actorOf(ctx), taskId(ctx), sub(ctx, 'itemId', 'checklist item'), ctx.body) },
      }),
    }),
    route({
      method: 'DELETE', path: '/api/tasks/:id/checklist/:itemId', access: 'session',
      handle: async (ctx) => ({ json: { checklist: await tasks.deleteItem(ctx.svc, actorOf(ctx), taskId(ctx), sub(ctx, 'itemId', 'checklist item')) } }),
    }),
  ];
}

function commentRoutes(): Route[] {
  const commentId = (ctx: RouteContext<unknown>) => sub(ctx, 'commentId', 'comment');
  return [
    route({
      method: 'GET', path: '/api/tasks/:id/comments', access: 'session',
      handle: async (ctx) => {
        const page = { before: query(ctx, 'before', Seq, null as number | null), limit: query(ctx, 'limit', CommentsPageSize, 50) };
        return { json: await tasks.listComments(ctx.svc, actorOf(ctx), taskId(ctx), page) };
      },
    }),
    jsonRoute({
      method: 'POST', path: '/api/tasks/:id/comments', access: 'session', schema: CreateTaskCommentBody,
      handle: async (ctx) => ({ status: 201, json: { comment: await tasks.addComment(ctx.svc, actorOf(ctx), taskId(ctx), ctx.body) } }),
    }),
    jsonRoute({
      method: 'PATCH', path: '/api/tasks/:id/comments/:commentId', access: 'session', schema: EditTaskCommentBody,
      handle: async (ctx) => ({ json: { comment: await tasks.editComment(ctx.svc, actorOf(ctx), taskId(ctx), commentId(ctx), ctx.body.body) } }),
    }),
    route({
      method: 'DELETE', path: '/api/tasks/:id/comments/:commentId', access: 'session',
      handle: async (ctx) => ({ json: { comment: await tasks.deleteComment(ctx.svc, actorOf(ctx), taskId(ctx), commentId(ctx)) } }),
    }),
  ];
}

function timeRoutes(): Route[] {
  return [
    route({
      method: 'GET', path: '/api/tasks/:id/time', access: 'session',
      handle: async (ctx) => ({ json: await tasks.taskTime(ctx.svc, actorOf(ctx), taskId(ctx)) }),
    }),
    jsonRoute({
      method: 'POST', path: '/api/tasks/:id/time', access: 'session', schema: TimeEntryBody,
      handle: async (ctx) => ({ status: 201, json: await tasks.addEntry(ctx.svc, actorOf(ctx), taskId(ctx), ctx.body) }),
    }),
    route({
      method: 'DELETE', path: '/api/tasks/:id/time/:entryId', access: 'session',
      handle: async (ctx) => ({ json: await tasks.deleteEntry(ctx.svc, actorOf(ctx), taskId(ctx), sub(ctx, 'entryId', 'time entry')) }),
    }),
    route({
      method: 'POST', path: '/api/tasks/:id/timer/start', access: 'session',
      handle: async (ctx) => ({ json: await tasks.startTimer(ctx.svc, actorOf(ctx), taskId(ctx)) }),
    }),
    route({
      method: 'POST', path: '/api/tasks/:id/timer/pause', access: 'session',
      handle: async (ctx) => ({ json: await tasks.pauseTimer(ctx.svc, actorOf(ctx), taskId(ctx)) }),
    }),
    route({
      method: 'POST', path: '/api/tasks/:id/timer/stop', access: 'session',
      handle: async (ctx) => ({ json: await tasks.stopTimer(ctx.svc, actorOf(ctx), taskId(ctx)) }),
    }),
  ];
}

function reminderRoutes(): Route[] {
  return [
    route({
      method: 'GET', path: '/api/tasks/:id/reminders', access: 'session',
      handle: async (ctx) => ({ json: { reminders: await tasks.listReminders(ctx.svc, actorOf(ctx), taskId(ctx)) } }),
    }),
    jsonRoute({
      method: 'POST', path: '/api/tasks/:id/reminders', access: 'session', schema: ReminderBody,
      handle: async (ctx) => ({ status: 201, json: { reminder: await tasks.addReminder(ctx.svc, actorOf(ctx), taskId(ctx), ctx.body.at) } }),
    }),
    route({
      method: 'DELETE', path: '/api/tasks/:id/reminders/:reminderId', access: 'session',
      handle: async (ctx) => {
        await tasks.deleteReminder(ctx.svc, actorOf(ctx), taskId(ctx), sub(ctx, 'reminderId', 'reminder'));
        return ok;
      },
    }),
  ];
}

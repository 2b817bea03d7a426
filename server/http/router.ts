import { z, type ZodTypeAny } from 'zod';
import { AppError } from '../../shared/errors';
import { LIMITS } from '../../shared/api';
import { unstorableText } from '../../shared/protocol';
import type { Services } from '../services';
import type { IncomingRequest, Reply } from '../hub/http';
import type { UserRow } from '../domains/people/repo';
import type { Actor } from '../domains/people/policy';
import type { GuestAuth } from '../domains/guests/actions';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * Who may call a route at all; finer permissions are the domain's policy functions. 'session': a
 * colleague's session cookie; 'guest': a guest link's session cookie (only /api/guest/* routes are).
 */
export type Access = 'public' | 'session' | 'guest';

/** What a handler gets: the validated body, path parameters, and the caller. */
export interface RouteContext<B> {
  svc: Services;
  req: IncomingRequest;
  params: Record<string, string>;
  body: B;
  /** The signed-in user: set on 'session' routes, and on public ones when a valid cookie came along. */
  user: UserRow | null;
  actor: Actor | null;
  sessionToken: string | null;
  /** The guest on 'guest' routes. */
  guest: GuestAuth | null;
}

/** A route of the HTTP API: the table is the single list of endpoints (tests walk it). */
export interface Route {
  method: Method;
  path: string;
  access: Access;
  /** 'json' validated by `schema`, 'raw' bytes up to `maxBytes`, or none. */
  body: 'none' | 'json' | 'raw';
  schema?: ZodTypeAny;
  maxBytes?: number | ((svc: Services) => number);
  handle(ctx: RouteContext<any>): Promise<Reply>;
}

/** Define a route whose JSON body is validated by `schema` before the handler runs. */
export function jsonRoute<S extends ZodTypeAny>(r: {
  method: Method;
  path: string;
  access: Access;
  schema: S;
  handle(ctx: RouteContext<z.infer<S>>): Promise<Reply>;
}): Route {
  return { ...r, body: 'json', maxBytes: LIMITS.jsonBodyBytes };
}

/** Define a route without a JSON body. */
export function route(r: Omit<Route, 'body'> & { body?: 'none' | 'raw' }): Route {
  return { body: 'none', ...r };
}

/** Find the route and path parameters for a request; 404 / 405 otherwise. */
export function match(routes: Route[], method: string, path: string): { route: Route; params: Record<string, string> } {
  const parts = path.split('/').filter(Boolean);
  let pathMatched = false;
  for (const r of routes) {
    const pattern = r.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      if (pattern[i].startsWith(':')) params[pattern[i].slice(1)] = parts[i];
      else ok = pattern[i] === parts[i];
    }
    if (!ok) continue;
    pathMatched = true;
    if (r.method === method) return { route: r, params };
  }
  if (pathMatched) throw new AppError('method_not_allowed', `Method ${method} is not allowed here`);
  throw new AppError('not_found', 'No such endpoint');
}

/** Validate a JSON body against a schema: a typed bad_request with the failing fields, else the data. */
export function parseJson<S extends ZodTypeAny>(schema: S, raw: Buffer): z.infer<S> {
  let value: unknown;
  try {
    value = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
  } catch {
    throw new AppError('bad_request', 'The body is not valid JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) fields[issue.path.join('.') || '_'] = issue.message;
    throw new AppError('bad_request', 'The request is not valid', { fields });
  }
  const bad = unstorableText(parsed.data);
  if (bad) throw new AppError('bad_request', 'The request is not valid', { fields: { [bad.path]: bad.message } });
  return parsed.data;
}

/** Validate a path parameter. */
export function param<S extends ZodTypeAny>(schema: S, value: string | undefined, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError('not_found', `No such ${what}`);
  return parsed.data;
}

/** The caller of a 'session' route (the router has already refused anonymous calls). */
export function actorOf(ctx: RouteContext<unknown>): Actor {
  if (!ctx.actor) throw new AppError('unauthenticated', 'Sign in first');
  return ctx.actor;
}

/** An avatar or picture stored in the database, as a privately cached image answer. */
export function imageReply(a: { image: Buffer; type: string }): Reply {
  return { body: a.image, type: a.type, headers: { 'Cache-Control': 'private, max-age=86400' } };
}

/** A query parameter of the request, validated; absent or empty gives the fallback. */
export function query<T>(ctx: RouteContext<unknown>, name: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>, fallback: T): T {
  const value = ctx.req.query.get(name);
  if (value === null || value === '') return fallback;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError('bad_request', `Invalid ${name}`, { fields: { [name]: parsed.error.issues[0].message } });
  return parsed.data;
}

const ReportFormat = z.enum(['json', 'csv']);
const Separator = z.enum(['semicolon', 'comma']);

/** A report as JSON, or as CSV for spreadsheets with `?format=csv` (`&sep=comma` for ","; ";" by default). */
export function report<T>(ctx: RouteContext<unknown>, name: string, data: T, csv: (d: T, sep: ';' | ',') => Buffer): Reply {
  if (query(ctx, 'format', ReportFormat, 'json') === 'json') return { json: data };
  const sep = query(ctx, 'sep', Separator, 'semicolon') === 'comma' ? ',' : ';';
  return { body: csv(data, sep), type: 'text/csv; charset=utf-8', headers: { 'Content-Disposition': `attachment; filename="${name}.csv"` } };
}

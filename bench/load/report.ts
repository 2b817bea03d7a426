/**
 * The load bench's figures: per-action and per-step summaries of what the workers measured, the health
 * verdict against Mattermost's limits, and the Markdown section for docs/benchmarks.md.
 */
import os from 'node:os';
import type { CpuSplit } from '../lib/procs';
import type { MachineInfo } from '../lib/machine';
import { fmt, merged, ms, percentile, ratio } from '../lib/stats';
import { cpuText } from '../fanout';
import { ACTIONS, ACTION_LABEL, LIMITS, MIX, type Action, type ActionStats, type LoadConfig } from './common';
import type { SeedResult } from './seed';

export const DOCS_BEGIN = '<!-- bench:load:begin -->';
export const DOCS_END = '<!-- bench:load:end -->';

export interface ActionSummary {
  count: number;
  perSec: number;
  server: number;
  typed: number;
  timeout: number;
  avg: number;
  p50: number;
  p99: number;
  errors: string[];
}

export interface StepRun {
  users: number;
  connected: number;
  joinFailed: number;
  joinErrors: string[];
  seconds: number;
  actions: Partial<Record<Action, ActionSummary>>;
  total: ActionSummary;
  cpu: CpuSplit;
  /** Hub and PostgreSQL CPU as a share of the machine's cores. */
  cpuShare: number;
  errorRate: number;
  /** The limits this step broke, as text; empty when it held. */
  broke: string[];
  behindMs: number;
  socketsClosed: number;
}

/** Merge the workers' counters of one action (or of all, with `only` null). */
export function summarize(parts: Partial<Record<Action, ActionStats>>[], only: Action | null, seconds: number): ActionSummary {
  const picked = parts.flatMap((p) => (only ? [p[only]] : Object.values(p))).filter((s): s is ActionStats => !!s);
  const lat = merged(picked.map((s) => s.latencies));
  const sum = (f: (s: ActionStats) => number) => picked.reduce((a, s) => a + f(s), 0);
  let total = 0;
  for (const v of lat) total += v;
  return {
    count: sum((s) => s.count),
    perSec: sum((s) => s.count) / seconds,
    server: sum((s) => s.server),
    typed: sum((s) => s.typed),
    timeout: sum((s) => s.timeout),
    avg: lat.length ? total / lat.length : NaN,
    p50: percentile(lat, 0.5),
    p99: percentile(lat, 0.99),
    errors: [...new Set(picked.flatMap((s) => s.errors))].slice(0, 4),
  };
}

/** One measured step: summaries, CPU, and which of Mattermost's health limits it broke. */
export function stepRun(users: number, join: { connected: number; failed: number; errors: string[] }, seconds: number, parts: Partial<Record<Action, ActionStats>>[], cpu: CpuSplit, behindMs: number, socketsClosed: number): StepRun {
  const actions: Partial<Record<Action, ActionSummary>> = {};
  for (const a of ACTIONS) if (parts.some((p) => p[a])) actions[a] = summarize(parts, a, seconds);
  const total = summarize(parts, null, seconds);
  // Server failures (5xx and their realtime equivalents) and requests never answered count against the limit.
  const errorRate = total.count ? (total.server + total.timeout) / total.count : NaN;
  const cpuShare = (cpu.server + cpu.postgres) / os.cpus().length;
  const broke: string[] = [];
  if (!(errorRate < LIMITS.errorRate)) broke.push(`errors ${(errorRate * 100).toFixed(3)}% ≥ ${LIMITS.errorRate * 100}%`);
  if (!(total.avg / 1000 < LIMITS.avgMs)) broke.push(`average ${ms(total.avg)} ms ≥ ${LIMITS.avgMs} ms`);
  if (!(total.p99 / 1000 < LIMITS.p99Ms)) broke.push(`p99 ${ms(total.p99)} ms ≥ ${LIMITS.p99Ms} ms`);
  if (!(cpuShare < LIMITS.cpu)) broke.push(`CPU ${(cpuShare * 100).toFixed(0)}% ≥ ${LIMITS.cpu * 100}%`);
  return { users, connected: join.connected, joinFailed: join.failed, joinErrors: join.errors, seconds, actions, total, cpu, cpuShare, errorRate, broke, behindMs, socketsClosed };
}

export interface LoadRun {
  cfg: LoadConfig;
  machine: MachineInfo;
  seed: SeedResult['counts'];
  seedSeconds: number;
  setupSeconds: number;
  check: string;
  steps: StepRun[];
  /** Direct PostgreSQL baseline at the capacity step's number of people (read and search actions). */
  baseline: { users: number; poolSize: number; seconds: number; actions: Partial<Record<Action, ActionSummary>> } | null;
  totalSeconds: number;
  command: string;
}

/** CPU (cores) other processes may use during a step before the report calls it disturbed (as bench/run.ts does). */
const NOISE_CORES = 0.25;

const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(3)}%` : '—');

/** The results as Markdown. */
export function renderLoadReport(r: LoadRun): string {
  const { cfg, seed } = r;
  const out: string[] = [];
  out.push(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`${r.command}\` in ${Math.round(r.totalSeconds)} s.`);
  out.push('');
  out.push(
    `Seeded company: ${fmt(seed.users)} people, ${fmt(seed.chats)} chats (${fmt(seed.directs)} direct, ${fmt(seed.groups)} groups of 3–30, ` +
      `${fmt(seed.channels)} channels of 100–500; ${fmt(seed.memberships)} memberships), ${fmt(seed.messages)} messages (${fmt(seed.replies)} thread replies, ` +
      `Russian and English), ${fmt(seed.reactions)} reactions, ${fmt(seed.events)} stored events; the busiest chat has ${fmt(seed.biggestChat)} events. ` +
      `Seeding took ${fmt(r.seedSeconds)} s (hub start, migrations and sessions included: ${fmt(r.setupSeconds)} s).`,
  );
  out.push('');
  out.push(`${r.check}.`);
  out.push('');
  out.push(
    `Load: each simulated person signs in (session cookie), opens a socket, lists and follows their chats, then acts every ` +
      `${fmt(cfg.thinkMs / 1000, 1)} s on average (exponential pauses) with this mix: ${MIX.map((m) => `${m.step} ${m.weight}`).join(', ')}. ` +
      `Steps of ${cfg.steps.join(' / ')} people from ${cfg.workers} worker threads; the people of earlier steps keep acting; ` +
      `each step is measured for ${cfg.seconds} s after ${cfg.warmupSeconds} s of warm-up.`,
  );
  out.push('');
  const within = r.steps.filter((s) => !s.broke.length);
  const capacity = within.length ? within[within.length - 1] : null;
  const next = capacity ? r.steps[r.steps.indexOf(capacity) + 1] : r.steps[0];
  out.push(
    `**Capacity within Mattermost's health limits** (server errors < ${LIMITS.errorRate * 100}%, average < ${LIMITS.avgMs} ms, p99 < ${LIMITS.p99Ms / 1000} s, ` +
      `hub + PostgreSQL CPU < ${LIMITS.cpu * 100}% of the machine): ` +
      (capacity ? `**${fmt(capacity.users)} active people**` : '**none of the steps held**') +
      (!next
        ? '; no larger step was run (BENCH_LOAD_STEPS).'
        : `; ${capacity ? 'the next step' : 'even the first step'} (${fmt(next.users)} people) broke: ${next.broke.join('; ')}.`),
  );
  out.push('');
  out.push('| active people | requests/s | server errors | avg ms | p50 ms | p99 ms | hub + PG CPU | CPU cores: hub / PG / clients / irq / other of busy | within limits | notes |');
  out.push('|---:|---:|---:|---:|---:|---:|---:|---:|---|---|');
  for (const s of r.steps) {
    const notes: string[] = [];
    if (s.joinFailed) notes.push(`${s.joinFailed} could not sign in (${s.joinErrors[0] ?? ''})`);
    if (s.total.typed) notes.push(`${fmt(s.total.typed)} typed refusals`);
    if (s.total.timeout) notes.push(`${fmt(s.total.timeout)} timeouts`);
    if (s.socketsClosed) notes.push(`${s.socketsClosed} sockets closed`);
    if (s.behindMs > 500) notes.push(`load generator up to ${fmt(s.behindMs)} ms late`);
    if (s.cpu.other > NOISE_CORES) notes.push(`disturbed: other processes used ${s.cpu.other.toFixed(2)} cores`);
    out.push(
      `| ${fmt(s.users)} | ${fmt(s.total.perSec, 1)} | ${pct(s.errorRate)} | ${ms(s.total.avg)} | ${ms(s.total.p50)} | ${ms(s.total.p99)} | ${fmt(s.cpuShare * 100)}% | ` +
        `${cpuText(s.cpu)} | ${s.broke.length ? `no: ${s.broke.join('; ')}` : 'yes'} | ${notes.join('; ')} |`,
    );
  }
  out.push('');
  const shown = capacity ?? r.steps[r.steps.length - 1];
  if (shown) {
    out.push(`Per action at ${fmt(shown.users)} active people${capacity ? ' (the capacity step)' : ''}${r.baseline ? `; the baseline is the same domain function (the same SQL) called straight on a PostgreSQL pool of ${r.baseline.poolSize} connections by the same ${fmt(r.baseline.users)} people with the same pauses, for ${r.baseline.seconds} s, with no hub, HTTP or JSON in between` : ''}:`);
    out.push('');
    out.push('| action | requests | per s | avg ms | p50 ms | p99 ms | server errors / typed / timeouts | baseline avg / p50 / p99 ms | avg vs baseline | p99 vs baseline |');
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const a of ACTIONS) {
      const s = shown.actions[a];
      if (!s) continue;
      const b = r.baseline?.actions[a];
      out.push(
        `| ${ACTION_LABEL[a]} | ${fmt(s.count)} | ${fmt(s.perSec, 1)} | ${ms(s.avg)} | ${ms(s.p50)} | ${ms(s.p99)} | ${s.server} / ${s.typed} / ${s.timeout} | ` +
          `${b ? `${ms(b.avg)} / ${ms(b.p50)} / ${ms(b.p99)}` : '—'} | ${b ? ratio(s.avg, b.avg) : '—'} | ${b ? ratio(s.p99, b.p99) : '—'} |`,
      );
    }
    const errs = ACTIONS.flatMap((a) => (shown.actions[a]?.errors ?? []).map((e) => `${a}: ${e}`));
    if (errs.length) {
      out.push('');
      out.push(`Errors seen: ${errs.slice(0, 6).join('; ')}.`);
    }
    out.push('');
  }
  out.push(
    'Mattermost\'s published yardstick (a fact, not a baseline: other software, other hardware, other data): its reference architecture for ' +
      '"up to 200 concurrent users" is one 2 vCPU / 4 GiB application server plus a separate 2 vCPU / 16 GiB PostgreSQL writer ' +
      '(docs.mattermost.com, "Scale Mattermost up to 200 users"), sized with its load-test tool against these same health limits. ' +
      'Here the hub, PostgreSQL and the load generator share one machine.',
  );
  out.push('');
  const m = r.machine;
  out.push(`Machine: ${m.nproc} cores (${m.cpu}), ${m.kernel}; node ${m.node}; ${m.postgres.split(' on ')[0]} (${Object.entries(m.settings).map(([k, v]) => `${k}=${v}`).join(', ')}).`);
  return out.join('\n');
}

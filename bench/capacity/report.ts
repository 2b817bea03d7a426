import type { MachineInfo } from '../lib/machine';
import { fmt, percentile, ratio } from '../lib/stats';
import type { CapacityConfig } from './common';
import type { IdleRun, StormRun } from './runs';

export const CAPACITY_BEGIN = '<!-- bench:capacity:begin -->';
export const CAPACITY_END = '<!-- bench:capacity:end -->';

const LABEL = { uws: 'raw uWebSockets.js', artel: 'Artel hub (PostgreSQL)' } as const;
const MiB = 2 ** 20;
const GiB = 2 ** 30;
const s = (us: number) => fmt(us / 1e6, 2);

/** Bytes the server holds per idle connection: the RSS it grew by, over the connections. */
export function bytesPerConnection(r: IdleRun, field: 'rss' | 'heapUsed' = 'rss'): number {
  return r.measured > 0 ? (r.after[field] - r.before[field]) / r.measured : NaN;
}

/** RSS growth below this is within what one reading of a process's RSS wanders by: too few connections to tell. */
const READABLE_GROWTH = 16 * MiB;

function idleTable(runs: IdleRun[]): string[] {
  const base = runs.find((r) => r.kind === 'uws');
  const perGiB = (r: IdleRun) => (r.after.rss - r.before.rss >= READABLE_GROWTH ? GiB / bytesPerConnection(r) : NaN);
  const rate = (r: IdleRun) => r.measured / (r.openMs / 1000);
  const out = [
    '| server | connections | measured | opened in s | connections/s | vs uWS | RSS before → after MiB | RSS per connection KiB | JS heap per connection KiB | connections per GiB | vs uWS |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of runs) {
    out.push(
      `| ${LABEL[r.kind]} | ${fmt(r.opened)}${r.failed ? ` (${fmt(r.failed)} failed)` : ''} | ${fmt(r.measured)} | ${fmt(r.openMs / 1000, 1)} | ${fmt(rate(r))} | ` +
        `${base ? ratio(rate(r), rate(base)) : '—'} | ${fmt(r.before.rss / MiB, 1)} → ${fmt(r.after.rss / MiB, 1)} | ${fmt(bytesPerConnection(r) / 1024, 1)} | ` +
        `${fmt(bytesPerConnection(r, 'heapUsed') / 1024, 1)} | ${fmt(perGiB(r))} | ${base ? ratio(perGiB(r), perGiB(base)) : '—'} |`,
    );
  }
  if (runs.some((r) => r.after.rss - r.before.rss < READABLE_GROWTH)) {
    out.push('', `A server whose RSS grew by less than ${READABLE_GROWTH / MiB} MiB has no connections-per-GiB figure: too few connections to read it (raise BENCH_IDLE_CONNECTIONS).`);
  }
  return out;
}

function stormTable(runs: StormRun[]): string[] {
  const base = runs.find((r) => r.kind === 'uws');
  const last = (r: StormRun) => (r.notResumed ? NaN : r.times[r.times.length - 1]);
  const out = [
    '| server | clients | new server listening after s | all resumed after s | vs uWS | per client p50 / p99 s | after listening: all / p50 / p99 s | connection attempts | catch-up events | not resumed |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of runs) {
    const since = (q: number) => percentile(r.times, q) - r.restartUs;
    out.push(
      `| ${LABEL[r.kind]} | ${fmt(r.clients)}${r.openFailed ? ` (${fmt(r.openFailed)} failed to connect)` : ''} | ${s(r.restartUs)} | ${s(last(r))} | ` +
        `${base ? ratio(last(r), last(base)) : '—'} | ${s(percentile(r.times, 0.5))} / ${s(percentile(r.times, 0.99))} | ` +
        `${s(last(r) - r.restartUs)} / ${s(since(0.5))} / ${s(since(0.99))} | ${fmt(r.attempts)} | ${fmt(r.caughtUp)}${r.reloads ? ` (${fmt(r.reloads)} reloads)` : ''} | ${fmt(r.notResumed)} |`,
    );
  }
  return out;
}

/** The results as Markdown: configuration, the two tables with their ratios, the messages check, the machine. */
export function renderCapacityReport(cfg: CapacityConfig, idle: IdleRun[], storm: StormRun[], machine: MachineInfo, totalSeconds: number, command: string): string {
  const out: string[] = [];
  out.push(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`${command}\` in ${Math.round(totalSeconds)} s.`);
  out.push('');
  if (idle.length) {
    out.push(
      `**Idle connections.** ${fmt(cfg.idleConnections)} clients from ${cfg.workers} threads (${cfg.connectConcurrency} handshakes in flight per thread); each opens /ws ` +
        `(Artel: with its own session cookie), says hello and subscribes to its chat, its user stream and the directory, then stays idle for ${cfg.settleSeconds} s. ` +
        'Artel is measured on a fresh hub process started on the seeded database (the seeding\'s garbage would blur its RSS). ' +
        'A tenth of the clients connect first (warm-up); the server\'s memory is read after a full garbage collection, once it is idle, after them and again after the rest ' +
        '("measured"): per connection = growth / measured connections; connections per GiB = 2^30 / RSS per connection. Connections/s: open + hello + subscribe of the measured ones.',
    );
    out.push('');
    out.push(...idleTable(idle));
    out.push('');
  }
  if (storm.length) {
    out.push(
      `**Reconnect storm.** ${fmt(cfg.stormClients)} clients in chats of ${cfg.chatSize}, connected and subscribed; on Artel ${fmt(cfg.sendRate)} messages/s go into their chats ` +
        `(each from the next member, through its own socket and send queue) for ${cfg.sendSeconds} s. Then the server process is killed (\`SIGKILL\`) and a new one started on the same port ` +
        '(Artel: on the same database, nothing seeded). Every client reconnects with the web client\'s backoff (500 ms doubling, jittered, at most 10 s), says hello and ' +
        'resubscribes after the last seq it holds; resumed = the subscribe answered and its chat has no gap (missing events fetched). Times are from the kill. ' +
        `The sends go on through the outage (queued, resent with the same client ids) and for ${cfg.sendSeconds} s after; the raw uWS baseline only reconnects (nothing to resume).`,
    );
    out.push('');
    out.push(...stormTable(storm));
    out.push('');
    const v = storm.find((r) => r.verified)?.verified;
    if (v) {
      out.push(
        `Artel messages: ${fmt(v.sent)} sent, ${fmt(v.acked)} acknowledged${v.pending ? `, ${fmt(v.pending)} clients with sends still queued` : ''}` +
          `${v.refused ? `, ${fmt(v.refused)} refused (${v.errors.join('; ')})` : ''}. Checked in every one of ${fmt(v.clients)} clients' histories of their chat ` +
          `(${fmt(v.chats)} chats): **lost ${fmt(v.lost)}, duplicated ${fmt(v.duplicates)}**, missing seqs ${fmt(v.gaps)}, clients behind their chat's head ${fmt(v.behind)}; ` +
          `${fmt(v.redelivered)} events arrived twice (live and in the resume) and were dropped by seq, as the web client does.`,
      );
      out.push('');
    }
  }
  out.push(
    `Machine: ${machine.nproc} cores (${machine.cpu}), ${machine.kernel}, Node ${machine.node}, ${machine.postgres.split(' on ')[0]}, ` +
      `${Object.entries(machine.packages).map(([k, v]) => `${k} ${v}`).join(', ')}; memory: ${machine.free.split('\n')[1]?.replace(/\s+/g, ' ').trim() ?? '?'}.`,
  );
  return out.join('\n');
}

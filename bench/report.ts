import fs from 'node:fs';
import type { BenchConfig } from './lib/common';
import { SERVER_LABEL } from './lib/common';
import type { MachineInfo } from './lib/machine';
import { cpuText, type ServerRun, type StepResult } from './fanout';
import type { PlainRun } from './plain-insert';
import { fmt, ms, ratio } from './lib/stats';

export const DOCS_BEGIN = '<!-- bench:results:begin -->';
export const DOCS_END = '<!-- bench:results:end -->';

/** CPU milliseconds per message from cores used over `seconds` for `n` messages. */
function perMessage(cores: number, seconds: number, n: number): string {
  return n > 0 && Number.isFinite(cores) ? ((cores * seconds * 1000) / n).toFixed(2) : '—';
}

function notes(s: StepResult, noiseCores: number): string {
  if (s.skipped) return `not run: ${s.skipped}`;
  const n: string[] = [];
  if (s.cpu && s.cpu.other > noiseCores) n.push(`disturbed: other processes used ${s.cpu.other.toFixed(2)} cores`);
  if (s.attempts > 1) n.push(`least disturbed of ${s.attempts} attempts`);
  if (s.saturated) n.push('saturated');
  if (s.delivered < s.expected) n.push(`${fmt(s.expected - s.delivered)} not delivered within the drain`);
  if (s.ackErrors) n.push(`${fmt(s.ackErrors)} send errors`);
  // A message or two short is the schedule's rounding at the window's end; more means the load generator lagged.
  if (s.behind > Math.max(2, 0.01 * (s.sent + s.behind))) n.push(`generator ${fmt(s.behind)} msgs behind schedule`);
  if (s.socketsClosed) n.push(`${s.socketsClosed} sockets closed`);
  return n.join('; ');
}

/** The results as Markdown: configuration, fan-out table, durable-send table, machine. */
export function renderReport(cfg: BenchConfig, runs: ServerRun[], plain: PlainRun[], machine: MachineInfo, totalSeconds: number): string {
  const out: string[] = [];
  const base = runs.find((r) => r.kind === 'uws');
  out.push(`Run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${Math.round(totalSeconds)} s in all.`);
  out.push('');
  out.push(
    `Configuration: ${fmt(cfg.clients)} clients in ${fmt(cfg.chats)} group chats of ${cfg.chatSize}, driven from ${cfg.workers} worker threads; ` +
      `each rate is offered for ${cfg.seconds} s (open loop, senders rotate through each chat's members) after a ${cfg.warmupSeconds} s warm-up, ` +
      `then up to ${cfg.drainSeconds} s of drain; every delivery to every member (sender included) is counted.`,
  );
  out.push('');
  out.push('Fan-out (deliveries/s counted inside the send window; latency from the send time in the body to its arrival at each receiver; ratios against raw uWS at the same rate):');
  out.push('');
  out.push('| offered msg/s | server | deliveries/s | vs uWS | p50 ms | p99 ms | p50 vs uWS | p99 vs uWS | ack p50 / p99 ms | CPU cores: server / PG / clients / irq / other of busy | notes |');
  out.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const rate of cfg.rates) {
    const b = base?.steps.find((s) => s.rate === rate);
    for (const run of runs) {
      const s = run.steps.find((x) => x.rate === rate);
      if (!s) continue;
      const vs = (f: (x: StepResult) => number) => (b && !b.skipped && !s.skipped ? ratio(f(s), f(b)) : '—');
      // A saturated server's latency is its queue; a ratio of that to the baseline's would mean nothing.
      const vsLatency = (f: (x: StepResult) => number) => (s.saturated || b?.saturated ? '—' : vs(f));
      out.push(
        `| ${fmt(rate)} | ${SERVER_LABEL[run.kind]} | ${fmt(s.deliveriesPerSec)} | ${run.kind === 'uws' ? '1.00×' : vs((x) => x.deliveriesPerSec)} | ` +
          `${ms(s.p50)} | ${ms(s.p99)} | ${run.kind === 'uws' ? '1.00×' : vsLatency((x) => x.p50)} | ${run.kind === 'uws' ? '1.00×' : vsLatency((x) => x.p99)} | ` +
          `${s.skipped ? '—' : `${ms(s.ackP50)} / ${ms(s.ackP99)}`} | ${cpuText(s.cpu)} | ${notes(s, cfg.noiseCores)} |`,
      );
    }
  }
  out.push('');
  const setup = runs.map((r) => `${SERVER_LABEL[r.kind]}: ${fmt(r.connected)} connected and subscribed in ${fmt(r.connectMs / 1000, 1)} s${r.connectFailed ? ` (${r.connectFailed} failed)` : ''}`);
  out.push(`Connection setup: ${setup.join('; ')}.`);
  const artel = runs.find((r) => r.kind === 'artel');
  if (artel) {
    out.push(`Artel setup (migrations, ${fmt(cfg.clients)} users, sessions, ${fmt(cfg.chats)} chats through createChat): ${fmt(artel.setupMs / 1000, 1)} s.`);
  }
  out.push('');
  const d = artel?.durable;
  const batched = plain.find((p) => p.rowsPerStatement > 1);
  if (d || plain.length) {
    out.push('Durable sends (the same number of messages each; ratio against the batched INSERT loop):');
    out.push('');
    out.push('| write path | messages | seconds | messages/s | vs batched INSERT | CPU ms per message: server / PG | CPU cores: server / PG / clients / irq / other of busy |');
    out.push('|---|---:|---:|---:|---:|---:|---:|');
    if (d) {
      const extra = [d.failed ? `${fmt(d.failed)} failed` : '', d.rateLimited ? `${fmt(d.rateLimited)} rate-limited and retried` : ''].filter(Boolean).join(', ');
      out.push(
        `| Artel \`message_send\` over /ws, ${fmt(d.concurrency)} concurrent clients, each acked after commit${extra ? ` (${extra})` : ''} | ` +
          `${fmt(d.acked)} | ${fmt(d.seconds, 2)} | ${fmt(d.perSec)} | ${batched ? ratio(d.perSec, batched.perSec) : '—'} | ${perMessage(d.cpu.server, d.seconds, d.acked)} / ${perMessage(d.cpu.postgres, d.seconds, d.acked)} | ${cpuText(d.cpu)} |`,
      );
    }
    for (const p of plain) {
      out.push(`| ${p.label} | ${fmt(p.rows)} | ${fmt(p.seconds, 2)} | ${fmt(p.perSec)} | ${batched ? ratio(p.perSec, batched.perSec) : '—'} | — / ${perMessage(p.cpu.postgres, p.seconds, p.rows)} | ${cpuText(p.cpu)} |`);
    }
    out.push('');
  }
  out.push('Machine:');
  out.push('');
  out.push(`- \`nproc\`: ${machine.nproc} (${machine.cpu}); ${machine.kernel}`);
  out.push(`- node ${machine.node}; ${machine.postgres.split(' on ')[0]} (${Object.entries(machine.settings).map(([k, v]) => `${k}=${v}`).join(', ')})`);
  out.push(`- packages: ${Object.entries(machine.packages).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  out.push('- `free -h`:');
  out.push('');
  out.push('```');
  out.push(machine.free);
  out.push('```');
  return out.join('\n');
}

/** Put the report between the markers of docs/benchmarks.md (BENCH_WRITE_DOCS=1); other benches pass their own markers. */
export function writeDocs(report: string, begin = DOCS_BEGIN, end = DOCS_END): string {
  const file = new URL('../docs/benchmarks.md', import.meta.url);
  const text = fs.readFileSync(file, 'utf8');
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`docs/benchmarks.md has no ${begin} ... ${end} section`);
  fs.writeFileSync(file, `${text.slice(0, a + begin.length)}\n${report}\n${text.slice(b)}`);
  return file.pathname;
}

import fs from 'node:fs';
import type { CpuSplit } from '../lib/procs';
import type { MachineInfo } from '../lib/machine';
import { cpuText } from '../fanout';
import { fmt, ms, ratio } from '../lib/stats';
import { DOC_SERVER_LABEL, type DocsConfig, type DocServerKind } from './common';
import type { ColdLoad } from './coldload';

export const DOCS_SECTION_BEGIN = '<!-- bench:docs:begin -->';
export const DOCS_SECTION_END = '<!-- bench:docs:end -->';

export interface RelayStep {
  server: DocServerKind;
  docs: number;
  /** Updates per second each client types. */
  rate: number;
  skipped: string | null;
  sent: number;
  expected: number;
  received: number;
  /** Receipts at the documents' other clients inside the send window, per second. */
  relayedPerSec: number;
  p50: number;
  p99: number;
  max: number;
  cpu: CpuSplit | null;
  generatorLagMs: number;
  socketsClosed: number;
  saturated: boolean;
}

export interface ColdRun {
  server: DocServerKind;
  form: 'updates' | 'snapshot';
  updates: number;
  storedBytes: number[];
  loads: ColdLoad[];
  medianMs: number;
  /** The file baseline (one state into a fresh Y.Doc) measured right before this server's cold loads. */
  baselineMs: number;
}

export interface DocsRun {
  kind: DocServerKind;
  setupMs: number;
  steps: RelayStep[];
  cold: ColdRun[];
}

interface Baseline {
  state: number[];
  updates: number[];
  stateBytes: number;
  updateBytes: number;
  updateCount: number;
  textLength: number;
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

function notes(s: RelayStep): string {
  if (s.skipped) return `not run: ${s.skipped}`;
  const n: string[] = [];
  if (s.cpu && s.cpu.other > 0.25) n.push(`disturbed: other processes used ${s.cpu.other.toFixed(2)} cores`);
  if (s.saturated) n.push('saturated');
  if (s.received < s.expected) n.push(`${fmt(s.expected - s.received)} not received within the drain`);
  if (s.generatorLagMs > 50) n.push(`load generator up to ${fmt(s.generatorLagMs)} ms behind its schedule`);
  if (s.socketsClosed) n.push(`${s.socketsClosed} sockets closed`);
  return n.join('; ');
}

/** The results as Markdown: relay table, cold-load table, machine. */
export function renderDocsReport(cfg: DocsConfig, runs: DocsRun[], base: Baseline, machine: MachineInfo, totalSeconds: number): string {
  const out: string[] = [];
  const C = cfg.clientsPerDoc;
  out.push(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench:docs\` in ${Math.round(totalSeconds)} s ` +
    `(${machine.nproc} cores shared with other work; see the CPU column's "other").`);
  out.push('');
  out.push(`### Relay: documents × ${C} clients, each client typing at a fixed rate`);
  out.push('');
  out.push(`Each step runs ${cfg.seconds} s (after a ${cfg.warmupSeconds} s warm-up whenever documents were added), then up to ${cfg.drainSeconds} s of drain. ` +
    `"relayed/s": receipts of typed updates at the document's other ${C - 1} clients inside the window (offered = docs × ${C} × rate × ${C - 1}). ` +
    'Latency: from the send time written into the typed text to its arrival in each other client\'s Y.Doc. Ratios against the in-memory reference at the same step.');
  out.push('');
  out.push('| docs × clients | updates/s per client | server | sent | relayed/s (offered) | vs reference | p50 ms | p99 ms | p99 vs reference | CPU cores: server / PG / clients / irq / other of busy | notes |');
  out.push('|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|');
  const ref = runs.find((r) => r.kind === 'reference');
  for (const [i, step] of cfg.steps.entries()) {
    const b = ref?.steps[i];
    for (const run of runs) {
      const s = run.steps[i];
      if (!s) continue;
      const offered = step.docs * C * step.rate * (C - 1);
      const isRef = run.kind === 'reference';
      const ok = b && !b.skipped && !s.skipped;
      out.push(
        `| ${step.docs} × ${C} | ${step.rate} | ${DOC_SERVER_LABEL[run.kind]} | ${fmt(s.sent)} | ${fmt(s.relayedPerSec)} (${fmt(offered)}) | ` +
          `${isRef ? '1.00×' : ok ? ratio(s.relayedPerSec, b!.relayedPerSec) : '—'} | ${ms(s.p50)} | ${ms(s.p99)} | ` +
          `${isRef ? '1.00×' : ok && !s.saturated && !b!.saturated ? ratio(s.p99, b!.p99) : '—'} | ${cpuText(s.cpu)} | ${notes(s)} |`,
      );
    }
  }
  out.push('');
  out.push(`### Cold load of a large document`);
  out.push('');
  out.push(`The page: ${fmt(base.updateCount)} updates (${fmt(base.updateBytes)} bytes as updates, ${fmt(base.stateBytes)} bytes as one state, ` +
    `${fmt(base.textLength)} characters of text). Time from one client's connect to its Y.Doc holding the whole text, on a document no one has open; ` +
    `each stored copy is loaded once, ${cfg.loadCopies} copies per form, median (min–max). Baseline: the same state read from a file into a fresh Y.Doc in one process, ` +
    'measured at the start (the first two rows) and again right before each server\'s cold loads (the ratio of its rows).');
  out.push('');
  out.push('| stored as | server | stored bytes | median ms | min–max ms | file baseline then, ms | vs file baseline |');
  out.push('|---|---|---:|---:|---:|---:|---:|');
  const baseState = med(base.state);
  const range = (xs: number[]) => `${ms(Math.min(...xs) * 1000)}–${ms(Math.max(...xs) * 1000)}`;
  out.push(`| one state (file) | baseline: readFile + Y.applyUpdate | ${fmt(base.stateBytes)} | ${ms(baseState * 1000)} | ${range(base.state)} | — | 1.00× |`);
  out.push(`| ${fmt(base.updateCount)} updates (file) | baseline: readFile + ${fmt(base.updateCount)} × Y.applyUpdate | ${fmt(base.updateBytes)} | ${ms(med(base.updates) * 1000)} | ${range(base.updates)} | — | ${ratio(med(base.updates), baseState)} |`);
  for (const run of runs) {
    for (const c of run.cold) {
      const okMs = c.loads.filter((l) => l.ok).map((l) => l.ms);
      const failed = c.loads.length - okMs.length;
      const what = c.form === 'updates' ? `${fmt(c.updates)} updates` : 'snapshot';
      out.push(`| ${what} | ${DOC_SERVER_LABEL[run.kind]} | ${c.storedBytes.length ? fmt(med(c.storedBytes)) : '—'} | ` +
        `${ms(c.medianMs * 1000)} | ${okMs.length ? range(okMs) : '—'}${failed ? ` (${failed} failed)` : ''} | ${ms(c.baselineMs * 1000)} | ${ratio(c.medianMs, c.baselineMs)} |`);
    }
  }
  out.push('');
  out.push(`Machine: ${machine.nproc} cores (${machine.cpu}), ${machine.node}, ${machine.postgres.split(',')[0]} ` +
    `(synchronous_commit ${machine.settings.synchronous_commit}, fsync ${machine.settings.fsync}), ${machine.kernel}.`);
  return out.join('\n');
}

/** Replace the generated part of docs/benchmarks.md's "Documents" section. */
export function writeDocsSection(report: string): string {
  const file = new URL('../../docs/benchmarks.md', import.meta.url);
  const text = fs.readFileSync(file, 'utf8');
  const a = text.indexOf(DOCS_SECTION_BEGIN);
  const b = text.indexOf(DOCS_SECTION_END);
  if (a < 0 || b < a) throw new Error(`docs/benchmarks.md has no ${DOCS_SECTION_BEGIN} … ${DOCS_SECTION_END} block`);
  fs.writeFileSync(file, `${text.slice(0, a + DOCS_SECTION_BEGIN.length)}\n${report}\n${text.slice(b)}`);
  return file.pathname;
}

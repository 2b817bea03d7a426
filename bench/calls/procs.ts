/**
 * CPU of the call bench's processes from /proc: the hub, the Janus it supervises (found as its child)
 * and Chromium's processes by kind (browser, renderer, GPU, utility: the network and audio services).
 */
import fs from 'node:fs';

/** Kernel clock ticks per second (USER_HZ): 100 on every Linux the bench runs on. */
const HZ = 100;

function stat(pid: number): { ppid: number; ticks: number; comm: string } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses: the fields after it start past the last ')'.
    const close = s.lastIndexOf(')');
    const comm = s.slice(s.indexOf('(') + 1, close);
    const f = s.slice(close + 2).split(' ');
    // Fields 4 (ppid), 14 (utime), 15 (stime) of proc(5); f[0] is field 3 (state).
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), comm };
  } catch {
    return null;
  }
}

function allPids(): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
}

/** Every descendant of `root` (not `root` itself). */
export function descendants(root: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const pid of allPids()) {
    const s = stat(pid);
    if (!s) continue;
    const list = byParent.get(s.ppid) ?? [];
    list.push(pid);
    byParent.set(s.ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const c of byParent.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** The Janus process under the hub (directly, or under setpriv). */
export function janusPid(hubPid: number): number | null {
  for (const pid of descendants(hubPid)) if (stat(pid)?.comm === 'janus') return pid;
  return null;
}

/** What kind of Chromium process `pid` is, from its --type= switch. */
function chromiumKind(pid: number): string {
  try {
    // Chromium rewrites its title (setproctitle): the switches may be joined by spaces instead of NULs.
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
    const type = args.find((a) => a.startsWith('--type='))?.slice(7);
    if (!type) return 'browser';
    if (type === 'gpu-process') return 'gpu';
    return type;
  } catch {
    return 'gone';
  }
}

export type Groups = Record<string, number[]>;

/** The processes measured: hub, janus, and Chromium's by kind (chromium:renderer, chromium:gpu…). */
export function processGroups(hubPid: number, chromiumPid: number | null): Groups {
  const g: Groups = { hub: [hubPid] };
  const j = janusPid(hubPid);
  if (j) g.janus = [j];
  if (chromiumPid) {
    g['chromium:browser'] = [chromiumPid];
    for (const pid of descendants(chromiumPid)) {
      const k = `chromium:${chromiumKind(pid)}`;
      (g[k] ??= []).push(pid);
    }
  }
  return g;
}

function ticksOf(pids: number[]): number {
  return pids.reduce((a, p) => a + (stat(p)?.ticks ?? 0), 0);
}

/** CPU used per group over a window: cores (CPU seconds per wall second). */
export async function measureCores(groups: Groups, seconds: number): Promise<{ cores: Record<string, number>; machine: number }> {
  const before = Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, ticksOf(pids)]));
  const m0 = machineBusy();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wall = (performance.now() - t0) / 1000;
  const m1 = machineBusy();
  const cores: Record<string, number> = {};
  for (const [k, pids] of Object.entries(groups)) cores[k] = (ticksOf(pids) - before[k]) / HZ / wall;
  return { cores, machine: (m1.busy - m0.busy) / (m1.total - m0.total) };
}

/** Busy and total jiffies of the whole machine (first line of /proc/stat). */
function machineBusy(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3] + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/** This process' Chromium (the browser process: a descendant named chromium without --type=). */
export function chromiumRoot(): number | null {
  for (const pid of descendants(process.pid)) {
    if (stat(pid)?.comm.startsWith('chromium') && chromiumKind(pid) === 'browser') return pid;
  }
  return null;
}

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import pg from 'pg';

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: 5000 }).trimEnd();
  } catch {
    return '(unavailable)';
  }
}

function pkgVersion(name: string): string {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return JSON.parse(fs.readFileSync(url, 'utf8')).version as string;
  } catch {
    return '?';
  }
}

/** What the figures were measured on. */
export async function machineInfo(adminUrl: string) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  let postgres = '?';
  const settings: Record<string, string> = {};
  try {
    postgres = (await c.query('SELECT version() AS v')).rows[0].v;
    for (const name of ['synchronous_commit', 'fsync', 'shared_buffers', 'max_connections', 'wal_level']) {
      settings[name] = (await c.query(`SELECT current_setting($1) AS v`, [name])).rows[0].v;
    }
  } finally {
    await c.end();
  }
  return {
    nproc: run('nproc', []),
    cpu: os.cpus()[0]?.model ?? '?',
    free: run('free', ['-h']),
    node: process.version,
    postgres,
    settings,
    kernel: `${os.type()} ${os.release()}`,
    packages: { 'uWebSockets.js': `@based/uws ${pkgVersion('uWebSockets.js')}`, 'socket.io': pkgVersion('socket.io'), ws: pkgVersion('ws') },
  };
}
export type MachineInfo = Awaited<ReturnType<typeof machineInfo>>;

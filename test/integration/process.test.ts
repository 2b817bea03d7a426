import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/hub';
import { ApiClient, PASSWORD } from '../helpers/client';

const root = path.resolve(__dirname, '../..');

function run(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server/main.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function waitReady(url: string, proc: ReturnType<typeof run>, ms = 90_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (proc.child.exitCode !== null) throw new Error(`exited early:\n${proc.output()}`);
    try {
      if ((await fetch(url + '/readyz')).status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not ready in time:\n${proc.output()}`);
}

describe('the artel process', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it.each([
    ['PORT', 'abc'],
    ['DATABASE_URL', 'mysql://nope'],
    ['REDIS_URL', 'nope'],
    ['PUBLIC_URL', 'example.com'],
  ])('refuses to start with a wrong %s and names it', async (variable, value) => {
    const p = run({ [variable]: value });
    expect(await p.exited).toBe(2);
    expect(p.output()).toContain(`Invalid ${variable}`);
  });

  it(
    'runs on an embedded PostgreSQL under DATA_DIR that keeps its data across restarts, and stops gracefully',
    async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'artel-embedded-'));
      fs.chmodSync(dataDir, 0o755);
      dirs.push(dataDir);
      const port = await freePort();
      const pgPort = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const env = { PORT: String(port), DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), LOG_LEVEL: 'warn' };

      const first = run(env);
      await waitReady(url, first);
      expect(fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
      const owner = new ApiClient(url);
      const reg = await owner.post('/api/auth/register', { workspaceName: 'Kept', name: 'Olga', email: 'olga@example.com', password: PASSWORD });
      expect(reg.status).toBe(201);
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);

      const second = run(env);
      await waitReady(url, second);
      const setup = await new ApiClient(url).get('/api/setup');
      expect(setup.body).toMatchObject({ needsSetup: false, workspaceName: 'Kept' });
      // The session made before the restart is still valid.
      expect((await owner.get('/api/me')).body.user.email).toBe('olga@example.com');
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    },
    180_000,
  );
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/hub';
import { ApiClient, PASSWORD } from '../helpers/client';
import { runHub as run, waitReady } from '../helpers/process';

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

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/** Whether a Redis server can be started here (Debian's redis-server). */
export const haveRedisServer = fs.existsSync('/usr/bin/redis-server');

/** A Redis server of a test's own on 127.0.0.1:`port` (so that killing it disturbs no other test). */
export function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    const end = Date.now() + 10_000;
    const probe = () => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(child)));
      s.on('error', () => (Date.now() > end ? reject(new Error('redis did not start')) : setTimeout(probe, 50)));
    };
    probe();
  });
}

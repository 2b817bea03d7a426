// `npm start`: build the web client if needed, then run one hub node with embedded defaults.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureWebBuilt } from './build-web.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
try {
  ensureWebBuilt();
} catch (err) {
  console.error(String(err));
  process.exit(1);
}
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server/main.ts')], { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

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
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server/main.ts')], {
  cwd: root,
  stdio: ['inherit', 'inherit', 'pipe'],
});
// uWS prints this line for every WebSocket upgrade that is not corked; ours deliberately is not
// (server/hub/socket.ts says why). Drop it from the logs, pass everything else through.
const UWS_CORK_WARNING = 'Warning: uWS.HttpResponse writes must be made from within a corked callback';
let pending = '';
child.stderr.on('data', (chunk) => {
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop();
  for (const line of lines) if (!line.startsWith(UWS_CORK_WARNING)) process.stderr.write(line + '\n');
});
child.stderr.on('end', () => pending && process.stderr.write(pending));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// Build the web client when its sources (or shared/) are newer than the build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function newest(dir) {
  if (!fs.existsSync(dir)) return 0;
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

/** Build web/ into web/build unless the build is up to date; throws when the build fails. */
export function ensureWebBuilt({ quiet = false } = {}) {
  const built = path.join(root, 'web/build/index.html');
  const sources = Math.max(
    ...['web/src', 'web/static', 'shared'].map((d) => newest(path.join(root, d))),
    ...['web/svelte.config.js', 'web/vite.config.ts'].map((f) => fs.statSync(path.join(root, f)).mtimeMs),
  );
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= sources) return;
  if (!quiet) console.log('artel: building the web client…');
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`web build failed:\n${r.stdout ?? ''}\n${r.stderr ?? ''}`);
}

if (import.meta.url === `file://${process.argv[1]}`) ensureWebBuilt();

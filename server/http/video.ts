import { execFileSync } from 'node:child_process';

let cached: boolean | null = null;

/** Whether the Janus media server is installed here (video calls need it). */
export function hasJanus(): boolean {
  if (cached === null) {
    try {
      execFileSync('sh', ['-c', 'command -v janus'], { stdio: 'ignore' });
      cached = true;
    } catch {
      cached = false;
    }
  }
  return cached;
}

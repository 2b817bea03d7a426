/**
 * Where to go after signing in: only a path inside the app (never another origin: `//evil`, `/\evil`).
 */
export function safeNext(next: string | null | undefined, fallback = '/app/feed'): string {
  if (!next || !next.startsWith('/app') || next.startsWith('//') || next.includes('\\')) return fallback;
  if (!/^\/app(?:[/?#]|$)/.test(next)) return fallback;
  return next;
}

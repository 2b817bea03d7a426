/** `#stage` of a deal: matched against ctx.stages ignoring case, ё/е, and "_" / "-" / spaces. */

import { distance, fold } from './text';
import type { ProblemOption } from './types';

const norm = (s: string): string => fold(s).replace(/[\s_-]+/gu, ' ').trim();

/** The stage as spelled in ctx.stages, or null with suggestions. Without ctx.stages any stage is taken as written. */
export function matchStage(body: string, stages: string[] | undefined): { stage: string | null; options?: ProblemOption[] } {
  const wanted = body.replace(/_/g, ' ').trim();
  if (!stages || stages.length === 0) return { stage: wanted || null };
  const q = norm(body);
  const exact = stages.find((s) => norm(s) === q);
  if (exact !== undefined) return { stage: exact };
  const scored = stages
    .map((s) => {
      const n = norm(s);
      return { s, d: n.startsWith(q) || q.startsWith(n) ? 0 : distance(q, n) };
    })
    .filter((x) => x.d <= Math.max(2, Math.floor(x.s.length / 3)))
    .sort((a, b) => a.d - b.d);
  const options = (scored.length > 0 ? scored.map((x) => x.s) : stages).slice(0, 5).map((s) => ({ value: s, label: s }));
  return { stage: null, options };
}

import { sql } from '../../db/pool';
import { AppError } from '../../../shared/errors';
import type { DocPage } from '../../../shared/docs';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { HIGHLIGHT } from '../search/actions';
import { canUseDocs } from './policy';
import { toPage, type PageRow } from './repo';

/** One page found: the page, and its text around the matches (marked like message search's). */
export interface PageHit {
  page: DocPage;
  snippet: string;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Search the live pages of the spaces the actor may read (the same rule as canReadSpace: the company's,
 * open groups', and their own groups'), title and text, with message search's stemmed Russian and
 * English word forms or a partial word of three letters or more. Page text is indexed at compaction.
 */
export async function searchPages(svc: Services, actor: Actor, query: string, limit = 30): Promise<PageHit[]> {
  enforce(canUseDocs(actor), 'search the knowledge base');
  const q = query.trim();
  if (q.length < 2) throw new AppError('bad_request', 'Type at least two characters', { fields: { q: 'too short' } });
  const like = q.length >= 3 ? `%${escapeLike(q)}%` : null;
  const rows = await svc.db.query(sql`
    WITH terms AS (SELECT websearch_to_tsquery('russian', ${q}) AS ru, websearch_to_tsquery('english', ${q}) AS en)
    SELECT p.*,
      ts_headline('russian', p.title || ' — ' || p.body, terms.ru || terms.en,
        ${`StartSel=${HIGHLIGHT.start}, StopSel=${HIGHLIGHT.end}, MaxWords=30, MinWords=10, HighlightAll=false`}) AS snippet,
      ts_rank(p.search, terms.ru || terms.en) + CASE WHEN ${like}::text IS NOT NULL AND p.title ILIKE ${like} THEN 0.1 ELSE 0 END AS rank
    FROM doc_pages p
    JOIN doc_spaces s ON s.id = p.space_id
    LEFT JOIN work_groups g ON g.id = s.group_id
    CROSS JOIN terms
    WHERE p.deleted_at IS NULL
      AND (s.group_id IS NULL OR g.visibility = 'open'
           OR EXISTS (SELECT 1 FROM work_group_members m WHERE m.group_id = s.group_id AND m.user_id = ${actor.id}))
      AND (p.search @@ terms.ru OR p.search @@ terms.en
           OR (${like}::text IS NOT NULL AND (p.title ILIKE ${like} OR p.body ILIKE ${like})))
    ORDER BY rank DESC, p.updated_at DESC
    LIMIT ${Math.min(Math.max(limit, 1), 100)}`);
  return rows.map((r) => ({ page: toPage(r as PageRow), snippet: r.snippet as string }));
}

import { sql, type Queryable } from '../../db/pool';
import { CRM_LIMITS, type CrmDuplicate } from '../../../shared/crm';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { canUseCrm } from './policy';
import { visibleToUser } from './repo';
import { readSettings } from './settings';
import { badField } from './draft';
import { isEmail, normalizeEmail, normalizePhone } from './normalize';

/**
 * Duplicate detection: leads, contacts and companies sharing a normalised e-mail or phone. Records the
 * viewer may not see are reported too (or the check would miss exactly the duplicates nobody can see),
 * but only by id, kind and responsible: their titles stay hidden.
 */
export async function findDuplicates(
  q: Queryable,
  viewerId: string,
  points: { emails: string[]; phones: string[] },
  exclude: string[] = [],
): Promise<CrmDuplicate[]> {
  if (!points.emails.length && !points.phones.length) return [];
  const rows = await q.query(sql`
    SELECT r.id, r.kind, r.title, r.responsible_id, ${visibleToUser(viewerId)} AS visible, p.kind AS field, p.normalized
    FROM crm_contact_points p JOIN crm_records r ON r.id = p.record_id
    WHERE NOT (r.id = ANY(${exclude}::uuid[]))
      AND ((p.kind = 'email' AND p.normalized = ANY(${points.emails}::text[])) OR (p.kind = 'phone' AND p.normalized = ANY(${points.phones}::text[])))
    ORDER BY r.created_at, r.id, p.kind, p.position
    LIMIT 500`);
  const byId = new Map<string, CrmDuplicate>();
  for (const r of rows) {
    let d = byId.get(r.id);
    if (!d) {
      if (byId.size >= CRM_LIMITS.duplicatesMax) continue;
      byId.set(r.id, (d = { id: r.id, kind: r.kind, title: r.visible ? r.title : null, responsibleId: r.responsible_id, matches: [] }));
    }
    if (!d.matches.some((m) => m.field === r.field && m.value === r.normalized)) d.matches.push({ field: r.field, value: r.normalized });
  }
  return [...byId.values()];
}

/** GET /api/crm/duplicates?email=&phone=: what a create with these would be warned about. */
export async function checkDuplicates(svc: Services, actor: Actor, q: { email: string | null; phone: string | null }): Promise<CrmDuplicate[]> {
  enforce(canUseCrm(actor), 'use the CRM');
  const emails: string[] = [];
  const phones: string[] = [];
  if (q.email) {
    if (!isEmail(q.email.trim())) throw badField('email', 'not an e-mail address');
    emails.push(normalizeEmail(q.email));
  }
  if (q.phone) {
    const phone = normalizePhone(q.phone, (await readSettings(svc.db)).phoneCountryCode);
    if (!phone) throw badField('phone', 'not a phone number');
    phones.push(phone);
  }
  if (!emails.length && !phones.length) throw badField('email', 'give an e-mail or a phone');
  return findDuplicates(svc.db, actor.id, { emails, phones });
}

import { z } from 'zod';
import { sql, type Queryable } from '../../db/pool';
import { CRM_BOARD_STREAM, type CrmSettings, type CrmSettingsBody } from '../../../shared/crm';
import type { Services } from '../../services';
import type { Actor } from '../people/policy';
import { enforce } from '../people/actions';
import { streamChannel } from '../streams';
import { canConfigureCrm, canUseCrm } from './policy';

/** The workspace's CRM settings (one row, created by the migration). */
export async function readSettings(q: Queryable): Promise<CrmSettings> {
  const [r] = await q.query(sql`SELECT visibility, default_currency, phone_country_code FROM crm_settings WHERE id = 1`);
  return { visibility: r.visibility, defaultCurrency: r.default_currency, phoneCountryCode: r.phone_country_code };
}

export async function getSettings(svc: Services, actor: Actor): Promise<CrmSettings> {
  enforce(canUseCrm(actor), 'use the CRM');
  return readSettings(svc.db);
}

/**
 * Change the settings (owner and admins). Narrowing the visibility to `own_and_shared` stops employees
 * following `crm:all` at once, on every node (they then follow their own stream, see crmStreams);
 * streams of single records already followed are kept until the client resubscribes.
 */
export async function updateSettings(svc: Services, actor: Actor, input: z.infer<typeof CrmSettingsBody>): Promise<CrmSettings> {
  enforce(canConfigureCrm(actor), 'change the CRM settings');
  return svc.write(async (u) => {
    const before = await readSettings(u.tx);
    await u.tx.query(sql`
      UPDATE crm_settings SET
        visibility = COALESCE(${input.visibility ?? null}, visibility),
        default_currency = COALESCE(${input.defaultCurrency ?? null}, default_currency),
        phone_country_code = COALESCE(${input.phoneCountryCode ?? null}, phone_country_code),
        updated_at = now()
      WHERE id = 1`);
    const after = await readSettings(u.tx);
    await u.emit(CRM_BOARD_STREAM, 'crm_settings_changed', { settings: after }, actor.id);
    if (before.visibility === 'all_employees' && after.visibility === 'own_and_shared') {
      const rows = await u.tx.query(sql`SELECT id FROM users WHERE active AND role = 'employee'`);
      const channel = streamChannel(CRM_BOARD_STREAM);
      u.afterCommit(async () => {
        for (const r of rows) await svc.control({ type: 'revoke_stream', userId: r.id, channel });
      });
    }
    return after;
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../server/db/pool';
import { startTestHub, type TestHub } from '../helpers/hub';
import { addColleague, type ApiClient } from '../helpers/client';
import { create, crmTeam, expectRefused } from '../fixtures/crm/team';
import { csvCell, toCsv } from '../../server/lib/csv';

/**
 * Reports over a known set of deals in the default pipeline (New → Negotiation → Proposal → Won, Lost):
 *   Ann: a1 new 100 RUB; a2 negotiation 200.50 RUB; a3 won 300 RUB (via negotiation, proposal); a4 lost 50 USD (via negotiation)
 *   Ben: b1 proposal 1000 RUB (via negotiation); b2 won 0.10 USD (straight from new)
 */
describe('CRM reports: funnel, won and lost by manager and month, CSV', () => {
  let hub: TestHub;
  let c: Record<string, ApiClient>;
  let ids: Record<string, string>;
  let st: Record<string, string>;

  beforeAll(async () => {
    hub = await startTestHub();
    ({ clients: c, ids } = await crmTeam(hub, ['ann']));
    // A manager whose name needs quoting in CSV, in Russian, and one that looks like a formula.
    c.ben = await addColleague(c.owner, 'ben@example.com', 'Бен "Борис"; Иванов');
    ids.ben = (await c.ben.get('/api/me')).body.user.id;
    const pipeline = (await c.ann.get('/api/crm/pipelines')).body.pipelines[0];
    st = Object.fromEntries(pipeline.stages.map((s: any) => [s.code, s.id]));
    const deal = async (cl: ApiClient, title: string, amount: string, currency: string, path: string[]) => {
      const d = await create(cl, 'deals', { title, amount, currency });
      for (const code of path) expect((await cl.post(`/api/crm/deals/${d.id}/stage`, { stageId: st[code], reason: code === 'lost' ? 'Too expensive' : undefined })).status).toBe(200);
      return d;
    };
    await deal(c.ann, 'a1', '100', 'RUB', []);
    await deal(c.ann, 'a2', '200.50', 'RUB', ['negotiation']);
    await deal(c.ann, 'a3', '300', 'RUB', ['negotiation', 'proposal', 'won']);
    await deal(c.ann, 'a4', '50', 'USD', ['negotiation', 'lost']);
    await deal(c.ben, 'b1', '1000', 'RUB', ['negotiation', 'proposal']);
    await deal(c.ben, 'b2', '0.10', 'USD', ['won']);
  });
  afterAll(() => hub.stop());

  const stagesOf = (r: any) => Object.fromEntries(r.stages.map((s: any) => [s.stage.code, [s.count, s.reached, s.conversion, s.amounts]]));

  it('funnel: deals per stage, reached, conversion, exact amounts per currency; the owner sees all', async () => {
    const r = await c.owner.get('/api/crm/reports/funnel');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.pipeline.name).toBe('Sales');
    expect(stagesOf(r.body)).toEqual({
      new: [1, 6, null, { RUB: '100.00' }],
      // b2 went straight to Won: it counts as having passed every earlier stage.
      negotiation: [1, 5, 83.3, { RUB: '200.50' }],
      proposal: [1, 3, 60, { RUB: '1000.00' }],
      won: [2, 2, 66.7, { RUB: '300.00', USD: '0.10' }],
      lost: [1, 1, null, { USD: '50.00' }],
    });
    expect(r.body.total).toEqual({ count: 6, amounts: { RUB: '1600.50', USD: '50.10' } });
  });

  it('an employee\'s reports cover the deals they can see', async () => {
    const r = (await c.ann.get('/api/crm/reports/funnel')).body;
    expect(r.total).toEqual({ count: 4, amounts: { RUB: '600.50', USD: '50.00' } });
    const byManager = (await c.ann.get('/api/crm/reports/deals?groupBy=manager')).body;
    expect(byManager.rows.map((g: any) => g.key)).toEqual([ids.ann]);
  });

  it('won and lost by manager and by month, within the period', async () => {
    const r = (await c.owner.get('/api/crm/reports/deals?groupBy=manager')).body;
    expect(r.rows).toEqual([
      { key: ids.ann, label: 'Ann', won: { count: 1, amounts: { RUB: '300.00' } }, lost: { count: 1, amounts: { USD: '50.00' } } },
      { key: ids.ben, label: 'Бен "Борис"; Иванов', won: { count: 1, amounts: { USD: '0.10' } }, lost: { count: 0, amounts: {} } },
    ]);
    expect(r.total).toEqual({ won: { count: 2, amounts: { RUB: '300.00', USD: '0.10' } }, lost: { count: 1, amounts: { USD: '50.00' } } });
    const [{ month }] = await hub.artel.svc.db.query(sql`SELECT to_char(now() AT TIME ZONE 'Europe/Moscow', 'YYYY-MM') AS month`);
    const byMonth = (await c.owner.get('/api/crm/reports/deals?groupBy=month&tz=Europe/Moscow')).body;
    expect(byMonth.rows).toEqual([{ key: month, label: month, won: { count: 2, amounts: { RUB: '300.00', USD: '0.10' } }, lost: { count: 1, amounts: { USD: '50.00' } } }]);
    expect((await c.owner.get('/api/crm/reports/deals?from=2001-01-01&to=2001-12-31')).body.rows).toEqual([]);
    expect((await c.owner.get('/api/crm/reports/funnel?from=2001-01-01&to=2001-12-31')).body.total).toEqual({ count: 0, amounts: {} });
    const today = new Date().toISOString().slice(0, 10);
    expect((await c.owner.get(`/api/crm/reports/deals?from=${today}&to=${today}&tz=UTC`)).body.total.won.count).toBe(2);
  });

  it('exports CSV with a UTF-8 BOM, ";" by default, proper quoting and Russian text', async () => {
    const r = await c.owner.call('GET', '/api/crm/reports/deals?groupBy=manager&format=csv');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="deals-by-manager.csv"');
    const raw = Buffer.from(await (await fetch(`${hub.url}/api/crm/reports/deals?groupBy=manager&format=csv`, { headers: { cookie: `artel_session=${c.owner.cookie}` } })).arrayBuffer());
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(raw.subarray(3).toString('utf8').split('\r\n')).toEqual([
      'Manager;Won;Won, RUB;Won, USD;Lost;Lost, RUB;Lost, USD',
      'Ann;1;300.00;0.00;1;0.00;50.00',
      '"Бен ""Борис""; Иванов";1;0.00;0.10;0;0.00;0.00',
      'Total;2;300.00;0.10;1;0.00;50.00',
      '',
    ]);
    const comma = Buffer.from(await (await fetch(`${hub.url}/api/crm/reports/funnel?format=csv&sep=comma`, { headers: { cookie: `artel_session=${c.owner.cookie}` } })).arrayBuffer());
    expect(comma.subarray(3).toString('utf8').split('\r\n').slice(0, 3)).toEqual([
      'Stage,Kind,Deals,Reached,"Conversion, %","Amount, RUB","Amount, USD"',
      'New,open,1,6,,100.00,0.00',
      'Negotiation,open,1,5,83.3,200.50,0.00',
    ]);
  });

  it('defuses formulas and quotes what needs it (pure)', () => {
    expect(csvCell('=HYPERLINK("x")', ';')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+7 916', ';')).toBe(`'+7 916`);
    expect(csvCell(' padded', ';')).toBe('" padded"');
    expect(csvCell('a,b', ';')).toBe('a,b');
    expect(csvCell('a,b', ',')).toBe('"a,b"');
    expect(csvCell(12.5, ';')).toBe('12.5');
    expect(toCsv([['Имя'], [null]]).toString('utf8')).toBe('\ufeffИмя\r\n\r\n');
  });

  it('refuses bad parameters, naming them', async () => {
    expectRefused(await c.owner.get('/api/crm/reports/deals?groupBy=year'), 400, 'groupBy');
    expectRefused(await c.owner.get('/api/crm/reports/deals?from=2025-02-30'), 400, 'from');
    expectRefused(await c.owner.get('/api/crm/reports/deals?from=2025-03-01&to=2025-02-01'), 400, 'to');
    expectRefused(await c.owner.get('/api/crm/reports/funnel?tz=Mars/Olympus'), 400, 'tz');
    expectRefused(await c.owner.get('/api/crm/reports/funnel?format=xml'), 400, 'format');
    expectRefused(await c.owner.get('/api/crm/reports/funnel?pipelineId=00000000-0000-4000-8000-000000000000'), 404);
  });
});

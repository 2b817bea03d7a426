import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../server/db/pool';
import { startTestHub, type TestHub } from '../helpers/hub';
import type { ApiClient } from '../helpers/client';
import { create, crmTeam, expectRefused } from '../fixtures/crm/team';
import { cp1251, xlsx, xlsxParts, zip } from '../fixtures/crm/xlsx';
import { decodeText, detectSeparator, parseCsv } from '../../server/domains/crm/import/csv';
import { sharedStrings } from '../../server/domains/crm/import/xlsx';
import { tokens } from '../../server/domains/crm/import/xml';
import { splitFullName } from '../../server/domains/crm/normalize';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const LIMITS = { rows: 100, columns: 10 };

describe('CRM import: parsers (pure)', () => {
  it('parses RFC 4180 CSV: quotes, doubled quotes, separators and line breaks inside quotes, any line end', () => {
    expect(parseCsv('a;"b;c";"say ""hi"""\r\n1;"two\nlines";3\r4;;\n', ';', LIMITS)).toEqual([
      ['a', 'b;c', 'say "hi"'], ['1', 'two\nlines', '3'], ['4', '', ''],
    ]);
    expect(parseCsv('x,y', ',', LIMITS)).toEqual([['x', 'y']]);
    expect(() => parseCsv('a;b\n"open;c\nd', ';', LIMITS)).toThrow(/starting on line 2 is never closed/);
    expect(() => parseCsv('a\n'.repeat(101), ';', LIMITS)).toThrow(/more than 99 rows/);
    expect(() => parseCsv('a;'.repeat(11), ';', LIMITS)).toThrow(/more than 10 columns/);
  });

  it('guesses the separator and the encoding', () => {
    expect(detectSeparator('Имя;Фамилия;"a,b"\n1,2,3,4')).toBe(';');
    expect(detectSeparator('a,b,c')).toBe(',');
    expect(detectSeparator('a\tb\tc')).toBe('\t');
    expect(detectSeparator('single')).toBe(',');
    expect(decodeText(Buffer.concat([BOM, Buffer.from('Имя')]))).toEqual({ text: 'Имя', encoding: 'utf-8' });
    expect(decodeText(cp1251('Телефон;Ёлка'))).toEqual({ text: 'Телефон;Ёлка', encoding: 'windows-1251' });
    expect(decodeText(Buffer.from('\ufeffПривет', 'utf16le'))).toEqual({ text: 'Привет', encoding: 'utf-16le' });
    expect(() => decodeText(Buffer.from([0x50, 0x00, 0x01, 0x02]))).toThrow(/binary/);
  });

  it('tokenizes XML: entities, CDATA, comments; refuses DTDs and unterminated tags', () => {
    const t = [...tokens('<?xml version="1.0"?><!-- c --><x:a b="1 &amp; 2" c=\'&#x41;\'>t&lt;&#1046;<![CDATA[<raw>]]><e/></x:a>')];
    expect(t).toEqual([
      { type: 'open', name: 'a', attrs: { b: '1 & 2', c: 'A' }, selfClosing: false },
      { type: 'text', text: 't<Ж' }, { type: 'text', text: '<raw>' },
      { type: 'open', name: 'e', attrs: {}, selfClosing: true }, { type: 'close', name: 'a' },
    ]);
    expect(() => [...tokens('<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')]).toThrow(/document type/);
    expect(() => [...tokens('<a b="1>')]).toThrow(/unterminated/);
    expect(sharedStrings('<sst><si><t>plain</t></si><si><r><t>rich </t></r><r><t>text</t></r><rPh><t>ふりがな</t></rPh></si><si/></sst>')).toEqual(['plain', 'rich text', '']);
  });

  it('splits full names, Russian order included', () => {
    expect(splitFullName('Иванов Иван Петрович')).toEqual({ firstName: 'Иван', middleName: 'Петрович', lastName: 'Иванов' });
    expect(splitFullName('Иван Петрович Иванов')).toEqual({ firstName: 'Иван', middleName: 'Петрович', lastName: 'Иванов' });
    expect(splitFullName('Mary Ann Smith')).toEqual({ firstName: 'Mary', middleName: 'Ann', lastName: 'Smith' });
    expect(splitFullName('Cher')).toEqual({ firstName: 'Cher', middleName: '', lastName: '' });
  });
});

describe('CRM import: preview, mapping, per-row failures, limits', () => {
  let hub: TestHub;
  let c: Record<string, ApiClient>;
  let ids: Record<string, string>;
  const records = async () => (await hub.artel.svc.db.query(sql`SELECT count(*)::int AS n FROM crm_records`))[0].n as number;
  const upload = (cl: ApiClient, data: Buffer, name = 'contacts.csv', kind = 'contact') =>
    cl.call('POST', `/api/crm/import/preview?kind=${kind}`, data, { 'x-file-name': encodeURIComponent(name), 'content-type': 'application/octet-stream' });

  beforeAll(async () => {
    hub = await startTestHub();
    ({ clients: c, ids } = await crmTeam(hub, ['ann', 'ben']));
    await create(c.ben, 'contacts', { firstName: 'Olga', emails: ['olga@existing.example'] });
  });
  afterAll(() => hub.stop());

  const RUSSIAN_CSV = [
    'Имя;Фамилия;Телефон;E-mail;Компания;Должность;Комментарий',
    'Иван;Петров;8 (916) 111-22-33;ivan@roga.example;Рога и копыта;Директор;"Любит ""чай""; звонить утром"',
    'Мария;;+7 916 111 22 44;MARIA@roga.example;Рога и копыта;;"Две\nстроки"',
    ';;+7 916 111 22 55;nobody@x.example;;;',
    'Пётр;Сидоров;12345;;;;',
    'Анна;Кузнецова;;not-an-email;;;',
    'Олег;Дубль;8 916 111 22 33;;;;',
    'Сергей;Старый;;OLGA@existing.example;;;',
    '',
    'Елена;Новая;+7 (916) 111-22-66;elena@new.example;Новая компания;Менеджер;',
  ].join('\r\n');

  it('previews a Russian CSV (BOM, ";", quotes) with a suggested mapping, then imports it reporting each failed row', async () => {
    const before = await records();
    const p = await upload(c.ann, Buffer.concat([BOM, Buffer.from(RUSSIAN_CSV)]), 'контакты.csv');
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    expect(p.body).toMatchObject({
      fileName: 'контакты.csv', format: 'csv', totalRows: 8,
      columns: ['Имя', 'Фамилия', 'Телефон', 'E-mail', 'Компания', 'Должность', 'Комментарий'],
      suggestedMapping: ['firstName', 'lastName', 'phone', 'email', 'companyName', 'position', 'comments'],
    });
    expect(p.body.rows[0]).toEqual(['Иван', 'Петров', '8 (916) 111-22-33', 'ivan@roga.example', 'Рога и копыта', 'Директор', 'Любит "чай"; звонить утром']);
    expect(p.body.rows[1][6]).toBe('Две\nстроки');
    expect(await records()).toBe(before);

    const body = { uploadId: p.body.uploadId, kind: 'contact', mapping: p.body.suggestedMapping };
    const r = await c.ann.post('/api/crm/import', body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ kind: 'contact', created: 3, companiesCreated: 2, failedCount: 5, duplicates: [] });
    expect(r.body.failed.map((f: any) => [f.row, f.code, f.field])).toEqual([
      [4, 'missing_name', null], [5, 'bad_phone', 'phone'], [6, 'bad_email', 'email'], [7, 'duplicate', null], [8, 'duplicate', null],
    ]);
    expect(r.body.failed[1].message).toContain('12345');
    expect(await records()).toBe(before + 5);
    const ivan = (await c.ann.get('/api/crm/contacts?q=Петров')).body.records[0];
    const full = (await c.ann.get(`/api/crm/contacts/${ivan.id}`)).body.record;
    expect(full).toMatchObject({
      title: 'Иван Петров', position: 'Директор', comments: 'Любит "чай"; звонить утром', company: { title: 'Рога и копыта' },
      phones: [{ value: '8 (916) 111-22-33', normalized: '+79161112233' }], emails: [{ normalized: 'ivan@roga.example' }], responsible: { id: ids.ann },
    });
    // A retry (the answer was lost) gets the same result and imports nothing twice.
    expect((await c.ann.post('/api/crm/import', body)).body).toEqual(r.body);
    expect(await records()).toBe(before + 5);
  });

  it('imports duplicates when asked to, listing them; links contacts to existing companies by name', async () => {
    const p = await upload(c.ann, Buffer.from(RUSSIAN_CSV));
    const r = await c.ann.post('/api/crm/import', { uploadId: p.body.uploadId, kind: 'contact', mapping: p.body.suggestedMapping, skipDuplicates: false });
    expect(r.body).toMatchObject({ created: 5, companiesCreated: 0, failedCount: 3, duplicates: [2, 3, 7, 8, 10] });
  });

  it('imports leads from a windows-1251 CSV with "," and a full-name column', async () => {
    const csv = cp1251('Название,ФИО,Телефон,Компания,Источник\r\nЗаявка с сайта,Иванов Иван Петрович,+7 999 000 00 01,"ООО ""Ромашка""",сайт\r\n');
    const p = await upload(c.ben, csv, 'leads.csv', 'lead');
    expect(p.body.columns).toEqual(['Название', 'ФИО', 'Телефон', 'Компания', 'Источник']);
    expect(p.body.suggestedMapping).toEqual(['title', 'fullName', 'phone', 'companyName', 'source']);
    const r = await c.ben.post('/api/crm/import', { uploadId: p.body.uploadId, kind: 'lead', mapping: p.body.suggestedMapping });
    expect(r.body).toMatchObject({ kind: 'lead', created: 1, failedCount: 0 });
    const lead = (await c.ben.get('/api/crm/leads?q=Ромашка')).body.records[0];
    expect((await c.ben.get(`/api/crm/leads/${lead.id}`)).body.record).toMatchObject({
      title: 'Заявка с сайта', firstName: 'Иван', middleName: 'Петрович', lastName: 'Иванов', companyName: 'ООО "Ромашка"', source: 'сайт', status: 'new',
    });
  });

  it('imports an XLSX workbook: shared and inline strings, numeric phones, the first sheet only', async () => {
    const file = xlsx([
      ['First name', 'Last name', 'Mobile phone', 'Work phone', 'Email', 'Company', 'Job title', 'Notes'],
      ['John', 'Smith', 79160000001, '+7 495 000-00-01', 'john@smith.example', 'Smith & Sons', 'Owner', { inline: 'VIP <client>' }],
      [{ inline: 'Jane' }, 'Doe', null, null, 'jane@', null, null, null],
      [null, null, null, null, null, null, null, null],
      ['Анна', 'Иванова', '8 916 000 00 03', null, 'anna@example.com', null, 'Бухгалтер', null],
    ]);
    const p = await upload(c.ann, file, 'people.xlsx');
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    expect(p.body).toMatchObject({ format: 'xlsx', totalRows: 3 });
    expect(p.body.suggestedMapping).toEqual(['firstName', 'lastName', 'phone', 'phone', 'email', 'companyName', 'position', 'comments']);
    expect(p.body.rows[0]).toEqual(['John', 'Smith', '79160000001', '+7 495 000-00-01', 'john@smith.example', 'Smith & Sons', 'Owner', 'VIP <client>']);
    const r = await c.ann.post('/api/crm/import', { uploadId: p.body.uploadId, kind: 'contact', mapping: p.body.suggestedMapping });
    expect(r.body).toMatchObject({ created: 2, failedCount: 1, failed: [{ row: 3, code: 'bad_email', field: 'email' }] });
    const john = (await c.ann.get('/api/crm/contacts?q=john%40smith')).body.records[0];
    expect((await c.ann.get(`/api/crm/contacts/${john.id}`)).body.record.phones.map((x: any) => x.normalized)).toEqual(['+79160000001', '+74950000001']);
  });

  it('refuses bad mappings and unknown or foreign uploads', async () => {
    const p = await upload(c.ann, Buffer.from('Имя,Название,Телефон\nA,B,+7 916 000 00 09\n'));
    const go = (b: Record<string, unknown>, cl = c.ann) => cl.post('/api/crm/import', { uploadId: p.body.uploadId, kind: 'contact', mapping: ['firstName', null, 'phone'], ...b });
    expectRefused(await go({ mapping: ['firstName', 'title', 'phone'] }), 400, 'mapping');
    expectRefused(await go({ mapping: ['firstName', 'firstName', 'phone'] }), 400, 'mapping');
    expectRefused(await go({ mapping: [null, null, 'phone'] }), 400, 'mapping');
    expectRefused(await go({ mapping: ['firstName', null, 'phone', null] }), 400, 'mapping');
    expectRefused(await go({ mapping: ['firstName', 'nickname', 'phone'] }), 400, 'mapping.1');
    expectRefused(await go({ responsibleId: randomUUID() }), 400, 'responsibleId');
    expectRefused(await go({}, c.ben), 404);
    expectRefused(await go({ uploadId: randomUUID() }), 404);
    expect((await go({ responsibleId: ids.ben })).body).toMatchObject({ created: 1 });
  });

  it('refuses malformed, hostile and oversized files with clear errors, creating nothing', async () => {
    const before = await records();
    const parts = xlsxParts([['Name'], ['A']]);
    const refused = async (data: Buffer, pattern: RegExp, status = 400) => {
      const r = await upload(c.ann, data, 'x.xlsx');
      expectRefused(r, status);
      expect(r.body.error.message).toMatch(pattern);
    };
    await refused(Buffer.from('Имя;Телефон\n"Иван;+7 916'), /never closed/);
    const good = xlsx([['Name'], ['A']]);
    await refused(good.subarray(0, good.length - 40), /not a readable XLSX/);
    await refused(xlsx([['Name']], { 'xl/worksheets/sheet1.xml': { name: 'xl/worksheets/sheet1.xml', data: Buffer.from(parts['xl/worksheets/sheet1.xml']), declaredCrc: 1 } }), /checksum/);
    await refused(xlsx([['Name']], { 'xl/workbook.xml': null }), /no xl\/workbook\.xml/);
    await refused(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0]), /\.xls\) files are not supported/);
    await refused(Buffer.alloc(0), /empty/);
    await refused(Buffer.from('\n\n \n'), /no rows/);
    const doctype = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY lol "lol">]><worksheet><sheetData/></worksheet>';
    await refused(xlsx([['Name']], { 'xl/worksheets/sheet1.xml': { name: 'xl/worksheets/sheet1.xml', data: Buffer.from(doctype) } }), /document type/);
    // Zip bombs: one entry that honestly unpacks past the cap, one that lies about its size, two that together pass it.
    const huge = Buffer.alloc(65 * 1024 * 1024, 0x20);
    await refused(xlsx([['Name']], { 'xl/worksheets/sheet1.xml': { name: 'xl/worksheets/sheet1.xml', data: huge } }), /more than the allowed size/);
    await refused(xlsx([['Name']], { 'xl/worksheets/sheet1.xml': { name: 'xl/worksheets/sheet1.xml', data: huge.subarray(0, 8 * 1024 * 1024), declaredSize: 1000 } }), /declared size/);
    const half = huge.subarray(0, 40 * 1024 * 1024);
    await refused(xlsx([['Name']], {
      'xl/sharedStrings.xml': { name: 'xl/sharedStrings.xml', data: half }, 'xl/worksheets/sheet1.xml': { name: 'xl/worksheets/sheet1.xml', data: half },
    }), /more than the allowed size/);
    await refused(zip([{ name: 'hello.txt', data: Buffer.from('hi') }]), /no xl\/workbook\.xml/);
    await refused(Buffer.from('h\n' + 'a\n'.repeat(50_001)), /more than 50,000 rows/);
    await refused(Buffer.from(Array.from({ length: 201 }, (_, i) => `c${i}`).join(',')), /more than 200 columns/);
    const tooBig = await upload(c.ann, Buffer.alloc(10 * 1024 * 1024 + 1, 0x41));
    expectRefused(tooBig, 413);
    expect(tooBig.body.error.code).toBe('payload_too_large');
    expect(await records()).toBe(before);
  });
});

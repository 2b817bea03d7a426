import { z } from 'zod';

/**
 * The CRM: leads, contacts, companies and deals, pipelines and stages, timelines, import and reports.
 * Schemas validate at the boundary (HTTP today, slash commands later); types are what the API answers.
 * docs/api.md, "CRM", describes the endpoints and events.
 */

export const CRM_KINDS = ['lead', 'contact', 'company', 'deal'] as const;
export type CrmKind = (typeof CRM_KINDS)[number];
/** The URL segment of each kind: /api/crm/<plural>. */
export const CRM_PLURAL: Record<CrmKind, string> = { lead: 'leads', contact: 'contacts', company: 'companies', deal: 'deals' };

export const LEAD_STATUSES = ['new', 'in_progress', 'converted', 'junk'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];
export const STAGE_KINDS = ['open', 'won', 'lost'] as const;
export type StageKind = (typeof STAGE_KINDS)[number];
/** Who sees records: every employee, or only their own (responsible, creator) and those shared with them. */
export const CRM_VISIBILITIES = ['all_employees', 'own_and_shared'] as const;
export type CrmVisibility = (typeof CRM_VISIBILITIES)[number];
export const POINT_LABELS = ['work', 'mobile', 'home', 'other'] as const;
export const ACTIVITY_TYPES = ['comment', 'call', 'meeting', 'email'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];
export const TIMELINE_TYPES = ['created', ...ACTIVITY_TYPES, 'chat_linked', 'stage_changed', 'fields_changed', 'converted'] as const;
export type TimelineType = (typeof TIMELINE_TYPES)[number];

export const CRM_LIMITS = {
  nameMax: 100,
  titleMax: 300,
  shortTextMax: 200,
  commentsMax: 10_000,
  timelineBodyMax: 10_000,
  reasonMax: 1_000,
  /** Phones, and e-mails, per record. */
  pointsMax: 10,
  pointMax: 100,
  pageMax: 100,
  timelinePageMax: 200,
  boardPerStageMax: 200,
  sharesMax: 200,
  pipelinesMax: 20,
  stagesMax: 30,
  duplicatesMax: 20,
  importBytes: 10 * 1024 * 1024,
  importRows: 50_000,
  importColumns: 200,
  importCellChars: 10_000,
  /** The most an XLSX file may unpack to (sheet and strings together): a zip bomb stops here. */
  importInflatedBytes: 64 * 1024 * 1024,
  importPreviewRows: 20,
  importTtlMinutes: 60,
  /** Failed rows listed one by one in an import's answer (the count is always exact). */
  importFailuresListed: 1_000,
} as const;

// ---- Streams ----------------------------------------------------------------------------------------

/** A record's timeline and changes: `crm:deal:<id>`; whoever can see the record may follow it. */
export const crmStream = (kind: CrmKind, id: string) => `crm:${kind}:${id}`;
/**
 * Every record change, for live lists and the kanban: staff always, every employee when the visibility
 * is `all_employees`. Under `own_and_shared`, employees get their records on `user:<id>` instead.
 */
export const CRM_BOARD_STREAM = 'crm:all';

// ---- Values -----------------------------------------------------------------------------------------

/** ISO 4217 codes in use (those every current browser and Node know). */
export const CURRENCIES = (
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP ' +
  'CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG ' +
  'HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD ' +
  'MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF ' +
  'SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU ' +
  'UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL'
).split(' ');
const CURRENCY_SET = new Set(CURRENCIES);

export const Currency = z
  .string()
  .trim()
  .toUpperCase()
  .refine((c) => CURRENCY_SET.has(c), 'unknown currency: use an ISO 4217 code such as RUB, USD, EUR');

const AMOUNT = /^\d{1,16}(\.\d{1,2})?$/;

/** "0150.5" -> "150.50": the form numeric(18,2) prints, so amounts compare as text too. */
export function canonicalAmount(s: string): string {
  const [int, frac = ''] = s.split('.');
  return `${int.replace(/^0+(?=\d)/, '')}.${frac.padEnd(2, '0')}`;
}

/** Add `amount` to `amounts[currency]`, exactly (in minor units, as BigInt). */
export function addAmount(amounts: Record<string, string>, currency: string | null, amount: string | null): void {
  if (!currency || amount === null) return;
  const cents = BigInt(canonicalAmount(amounts[currency] ?? '0').replace('.', '')) + BigInt(canonicalAmount(amount).replace('.', ''));
  const s = cents.toString().padStart(3, '0');
  amounts[currency] = `${s.slice(0, -2)}.${s.slice(-2)}`;
}

/**
 * A money amount, exact: a decimal string ("150000.50", "150000,50") or a JSON number that prints with at
 * most two decimals. Never negative, never a float's rounding error (0.1 + 0.2 is refused). Answers use
 * the canonical string.
 */
export const Amount = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const s = typeof v === 'number' ? String(v) : v.trim().replace(/\s/g, '').replace(/^(\d+),(\d{1,2})$/, '$1.$2');
  if (s.startsWith('-')) {
    ctx.addIssue({ code: 'custom', message: 'must not be negative' });
    return z.NEVER;
  }
  if (!AMOUNT.test(s)) {
    ctx.addIssue({ code: 'custom', message: 'must be an amount with at most 2 decimals, such as 1500.50' });
    return z.NEVER;
  }
  return canonicalAmount(s);
});

/** A calendar date, YYYY-MM-DD, that exists. */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'no such date');

const uuid = z.string().uuid();
const line = (max: number) => z.string().trim().max(max);
const point = z.string().trim().min(1).max(CRM_LIMITS.pointMax);
const label = z.enum(POINT_LABELS);

/** A phone or e-mail: a string, or {value, label}. Phones are normalised by the server, which names the failing entry. */
const pointInput = () =>
  z
    .union([point, z.object({ value: point, label: label.optional() }).strict()])
    .transform((p) => (typeof p === 'string' ? { value: p, label: 'work' as const } : { value: p.value, label: p.label ?? ('work' as const) }));
const PhoneInput = pointInput();
const EmailInput = pointInput().refine((p) => z.string().email().safeParse(p.value).success, 'not an e-mail address');
export type PointInput = { value: string; label: (typeof POINT_LABELS)[number] };

// ---- Records: create and edit -------------------------------------------------------------------------

const common = {
  responsibleId: uuid.optional(),
  source: line(CRM_LIMITS.shortTextMax).optional(),
  comments: z.string().max(CRM_LIMITS.commentsMax).optional(),
};
const person = {
  firstName: line(CRM_LIMITS.nameMax).optional(),
  lastName: line(CRM_LIMITS.nameMax).optional(),
  middleName: line(CRM_LIMITS.nameMax).optional(),
  position: line(CRM_LIMITS.shortTextMax).optional(),
  phones: z.array(PhoneInput).max(CRM_LIMITS.pointsMax).optional(),
  emails: z.array(EmailInput).max(CRM_LIMITS.pointsMax).optional(),
};
const title = line(CRM_LIMITS.titleMax);
const money = { amount: Amount.nullable().optional(), currency: Currency.optional() };

const FIELDS = {
  lead: {
    title: title.optional(),
    ...person,
    companyName: line(CRM_LIMITS.shortTextMax).optional(),
    status: z.enum(['new', 'in_progress', 'junk']).optional(),
    ...money,
    ...common,
  },
  contact: { ...person, companyId: uuid.nullable().optional(), ...common },
  company: { title: title.optional(), phones: person.phones, emails: person.emails, ...common },
  deal: {
    title: title.optional(),
    ...money,
    companyId: uuid.nullable().optional(),
    contactId: uuid.nullable().optional(),
    closeDate: IsoDate.nullable().optional(),
    ...common,
  },
};

const create = {
  /** A retry with the same client id returns the record the first attempt created. */
  clientId: uuid.optional(),
  /** Create even when records with the same e-mail or phone exist. */
  force: z.boolean().default(false),
};

/** The name a record must have, by kind (the field named when it is missing). */
function requireName(kind: CrmKind, b: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const has = (k: string) => typeof b[k] === 'string' && (b[k] as string).length > 0;
  if (kind === 'contact' && !has('firstName') && !has('lastName')) ctx.addIssue({ code: 'custom', path: ['firstName'], message: 'a contact needs a first or last name' });
  if (kind === 'lead' && !['title', 'firstName', 'lastName', 'companyName'].some(has)) ctx.addIssue({ code: 'custom', path: ['title'], message: 'a lead needs a title, a name or a company' });
  if ((kind === 'company' || kind === 'deal') && !has('title')) ctx.addIssue({ code: 'custom', path: ['title'], message: `a ${kind} needs a ${kind === 'company' ? 'name' : 'title'}` });
}

const createSchema = <K extends CrmKind, S extends z.ZodRawShape>(kind: K, shape: S) =>
  z.object({ ...shape, ...create }).strict().superRefine((b, ctx) => requireName(kind, b, ctx));
const editSchema = <S extends z.ZodRawShape>(shape: S) =>
  z.object(shape).strict().refine((b) => Object.keys(b).length > 0, { message: 'Nothing to change', path: ['_'] });

/** POST /api/crm/<plural>, by kind. Deals may name their pipeline and stage (else the default's first). */
export const CreateRecordBody = {
  lead: createSchema('lead', FIELDS.lead),
  contact: createSchema('contact', FIELDS.contact),
  company: createSchema('company', FIELDS.company),
  deal: createSchema('deal', { ...FIELDS.deal, pipelineId: uuid.optional(), stageId: uuid.optional(), closeReason: line(CRM_LIMITS.reasonMax).optional() }),
};
/** PATCH /api/crm/<plural>/:id: the fields to change (a deal's stage moves with POST …/stage). */
export const EditRecordBody = {
  lead: editSchema(FIELDS.lead),
  contact: editSchema(FIELDS.contact),
  company: editSchema(FIELDS.company),
  deal: editSchema(FIELDS.deal),
};
export type CreateRecordInput = z.infer<(typeof CreateRecordBody)['lead']> &
  Partial<z.infer<(typeof CreateRecordBody)['contact']>> &
  Partial<z.infer<(typeof CreateRecordBody)['deal']>>;
export type EditRecordInput = Partial<Omit<CreateRecordInput, 'clientId' | 'force' | 'pipelineId' | 'stageId' | 'closeReason'>>;

/** POST /api/crm/deals/:id/stage: the kanban's drop. `position`: 0-based, among the deals I see there. */
export const MoveDealBody = z
  .object({ stageId: uuid, position: z.number().int().min(0).max(1_000_000).optional(), reason: line(CRM_LIMITS.reasonMax).optional() })
  .strict();

/** POST /api/crm/<plural>/:id/timeline: a comment, call, meeting or e-mail (Markdown body). */
export const TimelineBody = z
  .object({
    clientId: uuid,
    type: z.enum(ACTIVITY_TYPES),
    body: z.string().trim().max(CRM_LIMITS.timelineBodyMax).default(''),
    subject: line(CRM_LIMITS.shortTextMax).optional(),
    direction: z.enum(['incoming', 'outgoing']).optional(),
    durationMinutes: z.number().int().min(0).max(24 * 60).optional(),
    /** When the call or meeting took (or takes) place. */
    at: z.string().datetime({ offset: true }).optional(),
  })
  .strict()
  .refine((b) => b.type !== 'comment' || b.body.length > 0, { message: 'a comment needs text', path: ['body'] });
export type TimelineInput = z.infer<typeof TimelineBody>;

/** PUT /api/crm/<plural>/:id/shares: the whole list of colleagues the record is shared with. */
export const SharesBody = z.object({ userIds: z.array(uuid).max(CRM_LIMITS.sharesMax) }).strict();

const existing = z.object({ id: uuid }).strict();
/** POST /api/crm/leads/:id/convert. Each part: true (create), false, or {id} (link an existing record). */
export const ConvertLeadBody = z
  .object({
    contact: z.union([z.boolean(), existing]).optional(),
    company: z.union([z.boolean(), existing]).optional(),
    deal: z
      .union([
        z.boolean(),
        z.object({ title: title.optional(), pipelineId: uuid.optional(), stageId: uuid.optional(), ...money }).strict(),
      ])
      .optional(),
    force: z.boolean().default(false),
  })
  .strict();
export type ConvertLeadInput = z.infer<typeof ConvertLeadBody>;

/** PATCH /api/crm/settings (owner and admins). */
export const CrmSettingsBody = z
  .object({
    visibility: z.enum(CRM_VISIBILITIES).optional(),
    defaultCurrency: Currency.optional(),
    /** The country calling code assumed for phones typed without one ("8 916…" and "916…" in Russia). */
    phoneCountryCode: z.string().regex(/^[1-9]\d{0,2}$/, 'a country calling code such as 7 or 44').optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'Nothing to change', path: ['_'] });

// ---- Pipelines ----------------------------------------------------------------------------------------

const stageName = z.string().trim().min(1).max(CRM_LIMITS.nameMax);
const pipelineName = z.string().trim().min(1).max(CRM_LIMITS.nameMax);

export const CreatePipelineBody = z
  .object({
    name: pipelineName,
    /** In order; by default New, Won, Lost. A pipeline needs an open, a won and a lost stage. */
    stages: z.array(z.object({ name: stageName, kind: z.enum(STAGE_KINDS) }).strict()).min(3).max(CRM_LIMITS.stagesMax).optional(),
  })
  .strict();
export const UpdatePipelineBody = z
  .object({ name: pipelineName.optional(), position: z.number().int().min(0).optional(), isDefault: z.literal(true).optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'Nothing to change', path: ['_'] });
export const CreateStageBody = z
  .object({ name: stageName, kind: z.enum(STAGE_KINDS), position: z.number().int().min(0).optional() })
  .strict();
export const UpdateStageBody = z
  .object({ name: stageName.optional(), kind: z.enum(STAGE_KINDS).optional(), position: z.number().int().min(0).optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'Nothing to change', path: ['_'] });

// ---- Import -------------------------------------------------------------------------------------------

export const IMPORT_FIELDS = [
  'title', 'firstName', 'lastName', 'middleName', 'fullName', 'companyName', 'position', 'phone', 'email', 'source', 'comments',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];
/** Fields one row may fill from several columns (work and mobile phones…). */
export const MULTI_IMPORT_FIELDS: readonly ImportField[] = ['phone', 'email', 'comments'];

/** POST /api/crm/import: `mapping[i]` is the field column i fills (null: ignored). */
export const ImportBody = z
  .object({
    uploadId: uuid,
    kind: z.enum(['contact', 'lead']),
    mapping: z.array(z.enum(IMPORT_FIELDS).nullable()).max(CRM_LIMITS.importColumns),
    skipDuplicates: z.boolean().default(true),
    responsibleId: uuid.optional(),
  })
  .strict();
export type ImportInput = z.infer<typeof ImportBody>;

// ---- What the API answers -----------------------------------------------------------------------------

export interface CrmUserRef {
  id: string;
  name: string;
}
export interface CrmStageRef {
  id: string;
  name: string;
  /** Stable code of a built-in stage (new, negotiation, proposal, won, lost) for translated labels. */
  code: string | null;
  kind: StageKind;
}
export interface CrmPoint {
  /** As typed. */
  value: string;
  /** E.164 for phones, lowercased for e-mails: what duplicates are found by. */
  normalized: string;
  label: (typeof POINT_LABELS)[number];
}
/** A linked record; `title` is null when the viewer may not see it. */
export interface CrmLink {
  id: string;
  kind: CrmKind;
  title: string | null;
}

/** A compact, viewer-neutral record: what events carry and a chat card renders. */
export interface CrmRecordSummary {
  id: string;
  kind: CrmKind;
  title: string;
  status: LeadStatus | null;
  amount: string | null;
  currency: string | null;
  pipelineId: string | null;
  stage: CrmStageRef | null;
  /** Deals: the order within the stage's kanban column (ascending). */
  boardRank: number | null;
  outcome: StageKind | null;
  responsible: CrmUserRef;
  companyId: string | null;
  contactId: string | null;
  closeDate: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A record as one viewer sees it. */
export interface CrmRecord extends CrmRecordSummary {
  firstName: string;
  lastName: string;
  middleName: string;
  companyName: string;
  position: string;
  source: string;
  comments: string;
  phones: CrmPoint[];
  emails: CrmPoint[];
  company: CrmLink | null;
  contact: CrmLink | null;
  lead: CrmLink | null;
  closeReason: string;
  closedAt: string | null;
  convertedAt: string | null;
  createdBy: CrmUserRef;
  updatedBy: CrmUserRef;
  sharedWith: CrmUserRef[];
  /** The record stream's seq when read: subscribe with `after: head`. */
  head: number;
  can: { edit: boolean; share: boolean };
}

export interface CrmTimelineEntry {
  id: string;
  recordId: string;
  /** The seq of the event that added it to the record stream. */
  seq: number;
  type: TimelineType;
  author: CrmUserRef | null;
  clientId: string | null;
  body: string;
  data: Record<string, unknown>;
  createdAt: string;
}

export interface CrmDuplicate {
  id: string;
  kind: CrmKind;
  /** Null when the viewer may not see the record (ask its responsible). */
  title: string | null;
  responsibleId: string;
  matches: { field: 'email' | 'phone'; value: string }[];
}

export interface CrmStage extends CrmStageRef {
  pipelineId: string;
  position: number;
}
export interface CrmPipeline {
  id: string;
  name: string;
  position: number;
  isDefault: boolean;
  stages: CrmStage[];
}

export interface CrmSettings {
  visibility: CrmVisibility;
  defaultCurrency: string;
  phoneCountryCode: string;
}

/** Amounts by currency, exact decimal strings: { RUB: "150000.00" }. */
export type Amounts = Record<string, string>;

export interface ImportPreview {
  uploadId: string;
  fileName: string;
  format: 'csv' | 'xlsx';
  columns: string[];
  rows: string[][];
  totalRows: number;
  suggestedMapping: (ImportField | null)[];
  expiresAt: string;
}
export interface ImportFailure {
  /** The spreadsheet's row number (the header is row 1). */
  row: number;
  code: 'missing_name' | 'bad_email' | 'bad_phone' | 'too_long' | 'duplicate';
  field: ImportField | null;
  message: string;
}
export interface ImportResult {
  kind: 'contact' | 'lead';
  created: number;
  /** Contacts link to companies by name; those not in the CRM yet are created with them. */
  companiesCreated: number;
  failedCount: number;
  failed: ImportFailure[];
  /** Rows created although they match existing records or earlier rows (skipDuplicates: false). */
  duplicates: number[];
}

/** GET /api/crm/pipelines/:id/board: the kanban, as the viewer sees it. */
export interface CrmBoard {
  pipeline: CrmPipeline;
  columns: { stage: CrmStage; count: number; amounts: Amounts; deals: CrmRecordSummary[] }[];
}

export interface FunnelReport {
  pipeline: { id: string; name: string };
  from: string | null;
  to: string | null;
  tz: string;
  stages: {
    stage: CrmStage;
    /** Deals in the stage now, and their amounts. */
    count: number;
    amounts: Amounts;
    /** Deals that reached this stage or a later one (lost stages: those that ended there). */
    reached: number;
    /** reached / the previous stage's reached, in percent (one decimal); null for the first and lost stages. */
    conversion: number | null;
  }[];
  total: { count: number; amounts: Amounts };
}

export interface DealsReport {
  groupBy: 'manager' | 'month';
  from: string | null;
  to: string | null;
  tz: string;
  /** key: the manager's id or the month (YYYY-MM); label: their name or the month. */
  rows: { key: string; label: string; won: { count: number; amounts: Amounts }; lost: { count: number; amounts: Amounts } }[];
  total: { won: { count: number; amounts: Amounts }; lost: { count: number; amounts: Amounts } };
}

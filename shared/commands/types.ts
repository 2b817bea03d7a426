/**
 * Public types of the slash-command grammar. Everything here is plain data: the drafts travel from the
 * browser's live preview to the hub as JSON and are checked there with the zod schemas of ./schema.
 */

export type CommandName = 'task' | 'lead' | 'contact' | 'company' | 'deal' | 'call';
export type Locale = 'en' | 'ru';

export interface Person {
  id: string;
  name: string;
  email?: string;
  handle?: string;
}

export interface CommandContext {
  /** The moment the user types the command; relative dates count from here. */
  now: Date;
  /** IANA zone of the user, e.g. 'Europe/Moscow'. Wall times are read in it, DST included. */
  timeZone: string;
  locale: Locale;
  /** People who can be made responsible or participants. */
  people: Person[];
  /** Known deal stages, e.g. ['new', 'переговоры', 'won']. Without them any `#stage` is taken verbatim. */
  stages?: string[];
  /** ISO 4217 code used when an amount names no currency ("2k"). */
  defaultCurrency?: string;
}

/** Currencies the grammar recognises by symbol, word or code. Drafts may carry ctx.defaultCurrency too. */
export type KnownCurrency =
  | 'RUB' | 'USD' | 'EUR' | 'GBP' | 'CNY' | 'JPY' | 'KZT' | 'BYN' | 'UAH' | 'CHF' | 'TRY' | 'AED' | 'INR';

export interface Amount {
  /**
   * Exact decimal string in major units, '.' as the decimal point, no grouping, no exponent, no trailing
   * zeros in the fraction: "150000", "1500000", "1200.5". Strings keep the value exact (no floats) for any
   * currency exponent; PostgreSQL `numeric` takes them as they are.
   */
  value: string;
  /** ISO 4217, upper case: one the grammar knows, or ctx.defaultCurrency. */
  currency: KnownCurrency | (string & {});
}

export interface Due {
  /**
   * ISO 8601 with the zone's offset at that moment, e.g. "2026-11-26T15:00:00+03:00". For an all-day due
   * date this is the start of that day in ctx.timeZone; the deadline is the end of that day.
   */
  at: string;
  /** True when no time of day was given: the whole day `date` is the deadline. */
  allDay: boolean;
  /** The calendar date in ctx.timeZone, "YYYY-MM-DD". */
  date: string;
}

export type Priority = 'normal' | 'high' | 'urgent';

export interface TaskDraft {
  kind: 'task';
  title: string;
  responsibleId?: string;
  participantIds: string[];
  due?: Due;
  /** `!` → high, `!!` (or more) → urgent, none → normal. */
  priority: Priority;
}

export interface DealDraft {
  kind: 'deal';
  title: string;
  amount?: Amount;
  responsibleId?: string;
  /** One of ctx.stages, spelled as there. */
  stage?: string;
  /** Expected closing date ("до 5 декабря"). */
  due?: Due;
}

export interface LeadDraft {
  kind: 'lead';
  title: string;
  responsibleId?: string;
  /** Expected deal size, if named. */
  amount?: Amount;
  /** E.164-like: "+79991234567". */
  phones: string[];
  /** Lower-cased domain, local part as typed. */
  emails: string[];
}

export interface ContactDraft {
  kind: 'contact';
  /** The contact's name. */
  title: string;
  responsibleId?: string;
  phones: string[];
  emails: string[];
}

export interface CompanyDraft {
  kind: 'company';
  /** The company's name. */
  title: string;
  responsibleId?: string;
  phones: string[];
  emails: string[];
}

export interface CallDraft {
  kind: 'call';
  /** What the call is about, or whom it is with in free words ("Иван из Ромашки"). May be empty when the call names a person or a phone. */
  title: string;
  /** Who makes the call (`@`). */
  responsibleId?: string;
  /** Colleagues on the call (`+`). */
  participantIds: string[];
  /** The other side, when given by phone or e-mail. */
  phones: string[];
  emails: string[];
  /** When the call is planned. */
  at?: Due;
}

export type Draft = TaskDraft | DealDraft | LeadDraft | ContactDraft | CompanyDraft | CallDraft;

export type ProblemCode =
  | 'unknown_command'
  | 'empty_title'
  | 'ambiguous_person'
  | 'unknown_person'
  | 'past_date'
  | 'ambiguous_date'
  | 'invalid_date'
  | 'unknown_stage'
  | 'negative_amount'
  | 'ambiguous_amount'
  | 'missing_currency'
  | 'conflicting'
  | 'unsupported';

export interface ProblemOption {
  /** What to put into the draft if the user picks this: a person id, an ISO time, a stage, an amount value. */
  value: string;
  /** How to show it. */
  label: string;
}

export interface Problem {
  code: ProblemCode;
  /** Half-open [start, end) range of the input (UTF-16 code units) to highlight. */
  span: [number, number];
  message: { en: string; ru: string };
  /** Choices for the preview card: candidates for an ambiguous person or date, suggestions for unknown ones. */
  options?: ProblemOption[];
}

export type CommandResult =
  | { ok: true; command: CommandName; draft: Draft; confident: true }
  | { ok: true; command: CommandName; draft: Draft; confident: false; problems: Problem[] }
  | {
      ok: false;
      /** not_a_command: input does not start with '/'; invalid: a known command from which no record can be built. */
      kind: 'not_a_command' | 'unknown_command' | 'invalid';
      command?: CommandName;
      /** For unknown_command: the closest command names, e.g. ['/task', '/задача']. */
      suggestions: string[];
      problems: Problem[];
    };

export interface CommandHelp {
  command: CommandName;
  /** The name in the requested locale, with the slash: '/задача'. */
  name: string;
  /** All names of the command, both languages. */
  names: string[];
  /** One line: what it does and its grammar. */
  line: string;
  example: string;
}

export interface CommandCompletion extends CommandHelp {
  /** What to insert into the composer: the name and a space. */
  insert: string;
}

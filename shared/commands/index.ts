/**
 * The slash-command grammar of the composer: `/task`, `/lead`, `/contact`, `/company`, `/deal`, `/call`
 * and their Russian names. Pure and dependency-free (no Node or DOM APIs): the hub parses with it, and the
 * browser uses it for the live preview card and the `/` autocomplete. The rules it follows — people, dates,
 * amounts and what counts as ambiguous — are written down in ./README.md. Zod schemas of the drafts, for
 * checking what a client sends, are in ./schema (a separate entry, so that the composer does not need zod).
 */

export { parseCommand } from './parse';
export { commandHelp, completeCommand } from './names';
export type {
  Amount, CallDraft, CommandCompletion, CommandContext, CommandHelp, CommandName, CommandResult, CompanyDraft,
  ContactDraft, DealDraft, Draft, Due, KnownCurrency, LeadDraft, Locale, Person, Priority, Problem, ProblemCode,
  ProblemOption, TaskDraft,
} from './types';

/**
 * Zod schemas of the drafts and results, for the hub to check a draft a client sends after the user has
 * confirmed the preview card. A separate entry from ./index so that the composer need not bundle zod.
 */

import { z } from 'zod';

const id = z.string().min(1);
const iso = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
export const dueSchema = z.object({ at: iso, allDay: z.boolean(), date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }).strict();
export const amountSchema = z
  .object({ value: z.string().regex(/^(0|[1-9]\d*)(\.\d*[1-9])?$/), currency: z.string().regex(/^[A-Z]{3}$/) })
  .strict();
const phones = z.array(z.string().regex(/^\+\d{8,15}$/));
const emails = z.array(z.string().regex(/^[^\s@]+@[^\s@]+$/));
const title = z.string();

export const draftSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('task'), title: title.min(1), responsibleId: id.optional(), participantIds: z.array(id),
    due: dueSchema.optional(), priority: z.enum(['normal', 'high', 'urgent']),
  }).strict(),
  z.object({
    kind: z.literal('deal'), title: title.min(1), amount: amountSchema.optional(), responsibleId: id.optional(),
    stage: z.string().min(1).optional(), due: dueSchema.optional(),
  }).strict(),
  z.object({
    kind: z.literal('lead'), title: title.min(1), responsibleId: id.optional(), amount: amountSchema.optional(), phones, emails,
  }).strict(),
  z.object({ kind: z.literal('contact'), title: title.min(1), responsibleId: id.optional(), phones, emails }).strict(),
  z.object({ kind: z.literal('company'), title: title.min(1), responsibleId: id.optional(), phones, emails }).strict(),
  z.object({
    kind: z.literal('call'), title, responsibleId: id.optional(), participantIds: z.array(id), phones, emails,
    at: dueSchema.optional(),
  }).strict(),
]);

const commandName = z.enum(['task', 'lead', 'contact', 'company', 'deal', 'call']);
export const problemSchema = z
  .object({
    code: z.enum([
      'unknown_command', 'empty_title', 'ambiguous_person', 'unknown_person', 'past_date', 'ambiguous_date',
      'invalid_date', 'unknown_stage', 'negative_amount', 'ambiguous_amount', 'missing_currency', 'conflicting',
      'unsupported',
    ]),
    span: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
    message: z.object({ en: z.string().min(1), ru: z.string().min(1) }).strict(),
    options: z.array(z.object({ value: z.string(), label: z.string() }).strict()).min(1).optional(),
  })
  .strict();

export const commandResultSchema = z.union([
  z.object({ ok: z.literal(true), command: commandName, draft: draftSchema, confident: z.literal(true) }).strict(),
  z.object({
    ok: z.literal(true), command: commandName, draft: draftSchema, confident: z.literal(false), problems: z.array(problemSchema).min(1),
  }).strict(),
  z.object({
    ok: z.literal(false), kind: z.enum(['not_a_command', 'unknown_command', 'invalid']), command: commandName.optional(),
    suggestions: z.array(z.string()), problems: z.array(problemSchema),
  }).strict(),
]);

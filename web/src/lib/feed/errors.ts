/**
 * Feed and workgroup failures as the user reads them: the server's codes with the feed's meanings
 * (a conflict is an archived group, not an existing account), and the composer's own checks.
 */
import type { ZodIssue } from 'zod';
import { isApiError } from '../api';
import { fileSize } from '../chats/display.svelte';
import { errorMessage } from '../errors';
import { t } from '../i18n/index.svelte';
import { uploadLimit } from './attachments';
import type { FeedUpload } from './uploads.svelte';

/** Whether sending the same thing again may work (the connection, the server's load, a rate limit). */
export function retryable(e: unknown): boolean {
  return !isApiError(e) || e.status === 0 || ['unavailable', 'rate_limited', 'internal'].includes(e.code);
}

/** The message for a failed feed or workgroup request. */
export function feedError(e: unknown): string {
  if (isApiError(e, 'bad_request') && e.fields) {
    const fields = Object.keys(e.fields);
    if (fields.some((f) => f.startsWith('audience'))) return t('feed.audienceInvalid');
    if (fields.some((f) => f.startsWith('poll'))) return t('feed.pollInvalid');
  }
  return errorMessage(e, { conflict: 'feed.conflict', not_found: 'feed.notFound' });
}

/** The first problem of a draft that the shared schema refused, in words. */
export function draftProblem(issues: ZodIssue[]): string {
  const issue = issues[0];
  if (!issue) return t('field.invalid');
  const [field] = issue.path;
  const max = 'maximum' in issue ? Number(issue.maximum) : 0;
  if (field === 'body') return issue.code === 'too_big' ? t('feed.bodyTooLong', { max }) : t('feed.bodyRequired');
  if (field === 'title') return t('feed.titleTooLong', { max });
  if (field === 'audience') return issue.path[1] === 'emails' ? t('field.email') : t('feed.audienceRequired');
  if (field === 'poll') {
    if (issue.path[1] === 'question') return t('feed.pollQuestionRequired');
    if (issue.message === 'Options must differ') return t('feed.pollDuplicate');
    return t('feed.pollOptionsRequired');
  }
  return t('field.invalid');
}

/** Why a file was not attached; too large names the limit when the server's answer gives it. */
export function uploadProblem(u: Pick<FeedUpload, 'name' | 'size' | 'error'>): string {
  if (u.error?.code === 'payload_too_large') {
    const limit = uploadLimit(u.error.message);
    const size = fileSize(u.size);
    return limit ? t('feed.files.tooLarge', { name: u.name, size, limit: fileSize(limit) }) : t('feed.files.tooLargeNoLimit', { name: u.name, size });
  }
  return t('feed.files.failed', { name: u.name, reason: errorMessage(u.error) });
}

/** Why an address was not invited: a colleague's is refused with `fields.email = 'colleague'`. */
export function inviteProblem(e: unknown, email: string): string {
  if (isApiError(e, 'bad_request') && e.fields?.email) {
    return e.fields.email === 'colleague' ? t('feed.guests.colleague', { email }) : t('feed.guests.emailInvalid');
  }
  return feedError(e);
}

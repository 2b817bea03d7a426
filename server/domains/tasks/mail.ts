import type { Mail } from '../mail';
import type { Unit } from '../../db/unit';
import type { Services } from '../../services';
import type { Locale } from '../../../shared/types';

/** What a task notice mail needs. */
export interface NoticeMail {
  to: string;
  locale: Locale;
  taskId: string;
  title: string;
  deadline: Date | null;
}

export type NoticeKind = 'due_soon' | 'overdue' | 'personal';

/** A deadline in the mail: UTC, to the minute (the mail does not know the reader's time zone). */
const when = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const SUBJECTS: Record<NoticeKind, Record<Locale, string>> = {
  due_soon: { en: 'Task due soon', ru: 'Скоро срок задачи' },
  overdue: { en: 'Task overdue', ru: 'Задача просрочена' },
  personal: { en: 'Reminder', ru: 'Напоминание' },
};

function lead(kind: NoticeKind, ru: boolean, deadline: Date | null): string {
  const due = deadline ? when(deadline) : '';
  if (kind === 'due_soon') return ru ? `Срок задачи, за которую вы отвечаете, — ${due}.` : `A task you are responsible for is due ${due}.`;
  if (kind === 'overdue') return ru ? `Срок задачи, за которую вы отвечаете, прошёл (${due}).` : `A task you are responsible for is past its deadline (${due}).`;
  return ru ? 'Вы просили напомнить об этой задаче.' : 'You asked to be reminded about this task.';
}

/** A short bilingual notice (by the reader's locale) with the task's title and link. */
export function noticeMail(publicUrl: string, kind: NoticeKind, m: NoticeMail): Mail {
  const ru = m.locale === 'ru';
  const title = m.title.replace(/\s+/g, ' ').trim();
  return {
    to: m.to,
    subject: `${SUBJECTS[kind][m.locale]}: ${title.slice(0, 120)}`,
    text: [lead(kind, ru, m.deadline), '', title, `${publicUrl}/app/tasks/${m.taskId}`].join('\n'),
  };
}

/** Record the mail in this transaction; deliver it after the commit (a rollback sends nothing). */
export async function mailNotice(svc: Services, u: Unit, kind: NoticeKind, m: NoticeMail): Promise<void> {
  const deliver = await svc.mailer.enqueue(u.tx, noticeMail(svc.config.publicUrl, kind, m));
  u.afterCommit(() => deliver().catch((err) => svc.log.warn('task notice mail failed', { err })));
}

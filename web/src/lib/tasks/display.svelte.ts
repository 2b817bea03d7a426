/**
 * How tasks read in the interface language: statuses, actions, filters, durations and deadlines.
 */
import type { TaskAction, TaskFilter, TaskStatus } from '$shared/tasks';
import { dateFormat, formatDateTime, i18n, t, tp } from '../i18n/index.svelte';
import { hoursMinutes } from './model';

/** The list's filter tabs, in the order they show. */
export const FILTER_TABS: readonly TaskFilter[] = ['all', 'mine', 'assigned_by_me', 'participating', 'observing', 'overdue'];

export const statusLabel = (s: TaskStatus) => t(`tasks.status.${s}`);
export const actionLabel = (a: TaskAction) => t(`tasks.action.${a}`);
export const filterLabel = (f: TaskFilter) => t(`tasks.filter.${f}`);

/** A duration as hours and minutes: "2 h 05 min", "45 min". */
export function duration(seconds: number): string {
  const { h, m } = hoursMinutes(seconds);
  if (h === 0) return t('tasks.duration.m', { m });
  return t('tasks.duration.hm', { h, m: String(m).padStart(2, '0') });
}

/** Planned minutes as a duration. */
export const plannedText = (minutes: number) => duration(minutes * 60);

/** A deadline's date and time in the browser's time zone. */
export function deadlineText(iso: string): string {
  const d = new Date(iso);
  const sameYear = d.getFullYear() === new Date().getFullYear();
  return dateFormat(i18n.locale, sameYear ? { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' } : { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export const dateTimeText = (iso: string) => formatDateTime(iso);

/** The browser's time zone, for the deadline field's hint. */
export function timeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch {
    return '';
  }
}

/** "3 tasks" / "3 задачи". */
export const taskCount = (n: number) => tp('tasks.count_plural', n);

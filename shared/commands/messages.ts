/** Problem messages, English and Russian, and the helper that builds a typed Problem. */

import type { CommandName, Problem, ProblemCode, ProblemOption } from './types';

type Text = { en: string; ru: string };

const KIND_RU: Record<CommandName, string> = {
  task: 'задаче', deal: 'сделке', lead: 'лиду', contact: 'контакту', company: 'компании', call: 'звонку',
};

/** What `conflicting` is about. */
export type Conflict = 'responsible' | 'date' | 'amount' | 'stage' | 'priority';
const CONFLICT: Record<Conflict, Text> = {
  responsible: { en: 'Two responsible people named', ru: 'Указано два ответственных' },
  date: { en: 'Two dates given', ru: 'Указано две даты' },
  amount: { en: 'Two amounts given', ru: 'Указано две суммы' },
  stage: { en: 'Two stages given', ru: 'Указано две стадии' },
  priority: { en: 'Two priorities given', ru: 'Указано два приоритета' },
};

/** Why a date is ambiguous. */
export type DateDoubt = 'next' | 'hour' | 'slash' | 'gap' | 'overlap' | 'every_other_day' | 'year';
const DATE_DOUBT: Record<DateDoubt, Text> = {
  next: { en: 'This week or next week?', ru: 'На этой неделе или на следующей?' },
  hour: { en: 'Morning or afternoon?', ru: 'Утра или дня?' },
  slash: { en: 'Day/month or month/day?', ru: 'День/месяц или месяц/день?' },
  gap: {
    en: 'The clocks skip this time on that day (daylight saving); moved forward',
    ru: 'В этот день переводят часы и такого времени нет; время сдвинуто вперёд',
  },
  overlap: {
    en: 'This time happens twice on that day (clocks go back); the first is taken',
    ru: 'В этот день переводят часы и это время бывает дважды; взято первое',
  },
  every_other_day: { en: '"через день": tomorrow or the day after?', ru: '«Через день» — завтра или послезавтра?' },
  year: { en: 'Which year?', ru: 'Какой год?' },
};

export type AmountDoubt = 'separators' | 'decimals' | 'currency' | 'yen';
const AMOUNT_DOUBT: Record<AmountDoubt, Text> = {
  separators: { en: 'Cannot tell the thousands from the decimals', ru: 'Непонятно, где тысячи, а где дробная часть' },
  decimals: { en: 'More than two decimal places', ru: 'Больше двух знаков после запятой' },
  currency: { en: 'Two different currencies', ru: 'Указаны две разные валюты' },
  yen: { en: '¥: yuan or yen?', ru: '¥ — юани или иены?' },
};

const q = (s: string): Text => ({ en: `"${s}"`, ru: `«${s}»` });

/** Messages take a detail: the offending text, or the reason of a doubt. */
const MESSAGES: Record<ProblemCode, (detail: string, command?: CommandName) => Text> = {
  unknown_command: (d) => ({ en: `Unknown command /${d}`, ru: `Неизвестная команда /${d}` }),
  empty_title: () => ({ en: 'Add a title', ru: 'Добавьте название' }),
  ambiguous_person: (d) => ({
    en: `${q(d).en} matches several people: pick one`,
    ru: `${q(d).ru} подходит нескольким людям: выберите одного`,
  }),
  unknown_person: (d) => ({ en: `No one matches ${q(d).en}`, ru: `Никто не найден по ${q(d).ru}` }),
  past_date: (d) => ({ en: `${q(d).en} is in the past`, ru: `${q(d).ru} — уже в прошлом` }),
  ambiguous_date: (d) => DATE_DOUBT[d as DateDoubt] ?? DATE_DOUBT.year,
  invalid_date: (d) => ({ en: `There is no such date or time: ${q(d).en}`, ru: `Такой даты или времени нет: ${q(d).ru}` }),
  unknown_stage: (d) => ({ en: `Unknown stage ${q(d).en}`, ru: `Неизвестная стадия ${q(d).ru}` }),
  negative_amount: () => ({ en: 'The amount cannot be negative', ru: 'Сумма не может быть отрицательной' }),
  ambiguous_amount: (d) => AMOUNT_DOUBT[d as AmountDoubt] ?? AMOUNT_DOUBT.separators,
  missing_currency: () => ({ en: 'Name the currency: ₽, $, €…', ru: 'Укажите валюту: ₽, $, €…' }),
  conflicting: (d) => {
    const c = CONFLICT[d as Conflict] ?? CONFLICT.date;
    return { en: `${c.en}: the first one is used`, ru: `${c.ru}: взято первое` };
  },
  unsupported: (d, command = 'task') => ({
    en: `${q(d).en} does not apply to a ${command}`,
    ru: `${q(d).ru} не относится к ${KIND_RU[command]}`,
  }),
};

/** Problem messages show at most this much of the user's text. */
const MAX_DETAIL = 60;

export function problem(
  code: ProblemCode,
  span: [number, number],
  detail = '',
  options?: ProblemOption[],
  command?: CommandName,
): Problem {
  const d = detail.length > MAX_DETAIL ? detail.slice(0, MAX_DETAIL) + '…' : detail;
  const p: Problem = { code, span, message: MESSAGES[code](d, command) };
  if (options && options.length > 0) p.options = options;
  return p;
}

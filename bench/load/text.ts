/**
 * Text for the load bench: Russian and English sentences built from word lists (inflected Russian forms
 * included, so stemmed search has real work), a seeded random generator so every run seeds the same
 * company, and the search queries simulated users type (word forms that differ from the stored ones).
 */

/** A small, fast, seeded generator (mulberry32): the same seed gives the same company every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A skewed pick: low indices are much more frequent (word frequencies follow roughly this shape). */
export function skewed<T>(items: readonly T[], rnd: () => number, power = 2): T {
  return items[Math.floor(items.length * rnd() ** power)];
}

const RU = {
  subjects: ['я', 'мы', 'коллеги', 'клиент', 'бухгалтерия', 'менеджер', 'отдел продаж', 'команда', 'руководитель', 'поставщик', 'юрист', 'дизайнер', 'разработчики', 'склад', 'директор'],
  verbs: ['проверил', 'отправила', 'согласовали', 'обновил', 'подготовила', 'перенесли', 'обсудили', 'подписал', 'исправили', 'запустили', 'посмотрю', 'пришлю', 'уточню', 'добавлю', 'закрою'],
  objects: ['договор', 'счёт', 'отчёт', 'презентацию', 'макет', 'заявку', 'поставку', 'релиз', 'бюджет', 'смету', 'задачу', 'встречу', 'таблицу', 'накладную', 'акт сверки', 'письмо клиенту', 'план на квартал', 'доступы к серверу', 'коммерческое предложение', 'график отпусков'],
  tails: ['до пятницы', 'сегодня вечером', 'завтра утром', 'на следующей неделе', 'после обеда', 'к понедельнику', 'как договаривались', 'по новой форме', 'с правками юриста', 'в общей папке', 'без изменений', 'ещё раз', 'по просьбе клиента', 'в рабочем чате', 'к совещанию'],
  asides: ['Спасибо!', 'Посмотрите, пожалуйста.', 'Есть вопросы по срокам.', 'Напишите, если что-то не так.', 'Коллеги, срочно.', 'Отлично, двигаемся дальше.', 'Согласен.', 'Нужна ваша помощь.', 'Созвонимся?', 'Всё готово.'],
};

const EN = {
  subjects: ['I', 'we', 'the client', 'finance', 'the team', 'our manager', 'sales', 'legal', 'the designer', 'engineering', 'the warehouse', 'support', 'the vendor', 'marketing', 'ops'],
  verbs: ['reviewed', 'sent', 'approved', 'updated', 'prepared', 'moved', 'discussed', 'signed', 'fixed', 'shipped', 'will check', 'will send', 'will confirm', 'will add', 'will close'],
  objects: ['the contract', 'the invoice', 'the report', 'the slides', 'the mockup', 'the request', 'the delivery', 'the release', 'the budget', 'the estimate', 'the task', 'the meeting', 'the spreadsheet', 'the shipping notes', 'the quarterly plan', 'server access', 'the proposal', 'the holiday schedule', 'the onboarding docs', 'the roadmap'],
  tails: ['by Friday', 'tonight', 'tomorrow morning', 'next week', 'after lunch', 'before Monday', 'as agreed', 'in the new format', 'with the legal edits', 'in the shared folder', 'without changes', 'once more', 'for the customer', 'in this chat', 'before the call'],
  asides: ['Thanks!', 'Please have a look.', 'Questions about the timeline.', 'Let me know if anything is off.', 'Urgent, folks.', 'Great, moving on.', 'Agreed.', 'Need your help here.', 'Quick call?', 'All done.'],
};

export type Lang = 'ru' | 'en';

/** One chat-like sentence, sometimes two, in the given language. */
export function sentence(lang: Lang, rnd: () => number): string {
  const w = lang === 'ru' ? RU : EN;
  let s = `${skewed(w.subjects, rnd)} ${skewed(w.verbs, rnd, 1.5)} ${skewed(w.objects, rnd, 1.5)} ${skewed(w.tails, rnd)}`;
  s = s[0].toUpperCase() + s.slice(1) + '.';
  if (rnd() < 0.3) s += ' ' + skewed(w.asides, rnd);
  return s;
}

/** `n` distinct-ish sentences per language, for the seeder to draw bodies from. */
export function phrasebook(n: number, seed: number): Record<Lang, string[]> {
  const rnd = prng(seed);
  return { ru: Array.from({ length: n }, () => sentence('ru', rnd)), en: Array.from({ length: n }, () => sentence('en', rnd)) };
}

/**
 * What people type into search: other word forms than the stored ones (stemming must match them), a
 * partial word (trigrams), and a phrase of two words.
 */
export const SEARCH_QUERIES: readonly string[] = [
  'договоры', 'счета', 'отчёта', 'презентация', 'поставки', 'релизом', 'бюджета', 'совещании', 'клиентов', 'накладн',
  'акт сверки', 'график', 'contracts', 'invoices', 'reporting', 'deliveries', 'releases', 'budgets', 'meetings',
  'spreadsheet', 'holiday schedule', 'roadm', 'proposal', 'onboard',
];

/** Reactions people use. */
export const EMOJI: readonly string[] = ['👍', '❤️', '😂', '🎉', '👀', '✅', '🙏', '🔥'];

const FIRST_RU = ['Анна', 'Иван', 'Мария', 'Алексей', 'Ольга', 'Дмитрий', 'Елена', 'Сергей', 'Наталья', 'Павел', 'Татьяна', 'Андрей'];
const LAST_RU = ['Иванова', 'Смирнов', 'Кузнецова', 'Попов', 'Соколова', 'Лебедев', 'Козлова', 'Новиков', 'Морозова', 'Петров'];
const FIRST_EN = ['Alice', 'Bob', 'Carol', 'David', 'Emma', 'Frank', 'Grace', 'Henry', 'Irene', 'Jack', 'Kate', 'Liam'];
const LAST_EN = ['Smith', 'Jones', 'Brown', 'Taylor', 'Wilson', 'Evans', 'Walker', 'Wright', 'Hughes', 'Green'];

/** A display name for user `i` (two thirds Russian, one third English). */
export function personName(i: number): string {
  const ru = i % 3 !== 2;
  const first = ru ? FIRST_RU : FIRST_EN;
  const last = ru ? LAST_RU : LAST_EN;
  return `${first[i % first.length]} ${last[Math.floor(i / first.length) % last.length]} ${i}`;
}
